package match

import (
	"fmt"
	"io"

	"github.com/trialfinder/trialfinder/internal/binfmt"
	"github.com/trialfinder/trialfinder/internal/study"
)

// SnapshotVersion is the format version of Builder.WriteSnapshot's
// output. Bump it on any change to the format, to the packed form
// (compact.go) or to what a Builder keeps of a study. The criteria are
// packed from a parse, so a snapshot is also only good for the
// eligibility.ParserVersion it was written with; its reader checks that.
const SnapshotVersion = 5 // 2: a constraint's qualifier tokens; 3: bare condition names read as conditions, a condition's alternatives; 4: criteria that ask for and rule out one condition or therapy hedged (markConflicts), a partner's pregnancy skipped; 5: what of an item was left unread (partly read items, exclusions' open alternatives, an inclusion's unread condition words)

// WriteSnapshot writes the builder's state as of its last Finish: the
// kept trials with their packed criteria and the string table they
// number into, and every study's part in the conditions' parents.
func (b *Builder) WriteSnapshot(w io.Writer) error {
	if len(b.pending) > 0 {
		return fmt.Errorf("write matcher snapshot: %d studies added since the last Finish", len(b.pending))
	}
	e := binfmt.NewWriter(w)
	e.Uint(uint64(len(b.pk.names)))
	for _, s := range b.pk.names {
		e.String(s)
	}
	e.Uint(uint64(len(b.trials)))
	for _, t := range b.trials {
		e.String(t.id)
		el := &t.elig
		e.String(el.Sex)
		for _, a := range []study.Age{el.MinimumAge, el.MaximumAge} {
			e.Int(int64(a.N))
			e.String(string(a.Unit))
		}
		switch {
		case el.HealthyVolunteers == nil:
			e.Uint(0)
		case *el.HealthyVolunteers:
			e.Uint(1)
		default:
			e.Uint(2)
		}
		e.Bytes(t.packed)
	}
	e.Uint(uint64(len(b.lists)))
	for _, l := range b.lists {
		e.Uint(uint64(len(l)))
		for _, t := range l {
			e.String(t.ID)
			e.String(t.Term)
		}
	}
	e.Uint(uint64(b.conds.Len()))
	for id, c := range b.conds.All() {
		e.String(id)
		e.Uint(uint64(c.list))
		e.String(b.descs[c.only])
	}
	e.Uint(uint64(len(b.ancestors)))
	for id, votes := range b.ancestors {
		e.String(id)
		e.Uint(uint64(len(votes)))
		for l, n := range votes {
			e.Uint(uint64(l))
			e.Int(int64(n))
		}
	}
	e.Uint(uint64(len(b.breadth)))
	for id, n := range b.breadth {
		e.String(id)
		e.Int(int64(n))
	}
	if err := e.Flush(); err != nil {
		return fmt.Errorf("write matcher snapshot: %w", err)
	}
	return nil
}

// ReadSnapshot reads a Builder that WriteSnapshot wrote, configured with
// opt; its next Finish packs nothing.
func ReadSnapshot(r io.Reader, opt Options) (*Builder, error) {
	d := binfmt.NewReader(r)
	b := NewBuilder(opt)
	b.pk.names = make([]string, d.Count())
	for i := range b.pk.names {
		b.pk.names[i] = d.String()
		b.pk.ids[b.pk.names[i]] = uint64(i)
	}
	nTrials := d.Count()
	b.trials = make(map[string]*trial, nTrials)
	for range nTrials {
		t := &trial{id: d.String()}
		t.elig.Sex = b.name(d.String())
		for _, a := range []*study.Age{&t.elig.MinimumAge, &t.elig.MaximumAge} {
			a.N = int(d.Int())
			a.Unit = study.AgeUnit(b.name(d.String()))
		}
		switch d.Uint() {
		case 1:
			t.elig.HealthyVolunteers = &yes
		case 2:
			t.elig.HealthyVolunteers = &no
		}
		t.packed = b.pk.bytes.take(d.Len(1 << 20))
		d.Full(t.packed)
		b.trials[t.id] = t
	}
	nLists := d.Count()
	b.lists = b.lists[:0]
	clear(b.listIDs)
	for i := range nLists {
		l := make([]study.MeSHTerm, d.Count())
		for j := range l {
			l[j] = study.MeSHTerm{ID: d.String(), Term: d.String()}
		}
		// Lists are written in the order of their numbers, so each
		// comes back with its own.
		if n := b.list(l); int(n) != i && d.Err() == nil {
			return nil, fmt.Errorf("read matcher snapshot: %w: ancestor list %d repeats list %d", binfmt.ErrCorrupt, i, n)
		}
	}
	nConds := d.Count()
	b.conds.Grow(nConds)
	for range nConds {
		id, c := d.String(), studyConds{list: uint32(d.Uint()), only: b.desc(d.String())}
		if int(c.list) >= len(b.lists) {
			return nil, fmt.Errorf("read matcher snapshot: %w: study %s has ancestor list %d of %d", binfmt.ErrCorrupt, id, c.list, len(b.lists))
		}
		b.conds.Set(id, c)
	}
	nAnc := d.Count()
	for range nAnc {
		id, votes := d.String(), map[uint32]int{}
		for range d.Count() {
			l := uint32(d.Uint())
			if int(l) >= len(b.lists) {
				return nil, fmt.Errorf("read matcher snapshot: %w: %s has ancestor list %d of %d", binfmt.ErrCorrupt, id, l, len(b.lists))
			}
			votes[l] = int(d.Int())
		}
		b.ancestors[id] = votes
	}
	for range d.Count() {
		id := d.String()
		b.breadth[id] = int(d.Int())
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("read matcher snapshot: %w", err)
	}
	return b, nil
}
