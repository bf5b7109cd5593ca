package gazetteer

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
)

// edit returns a changed copy of s: sites dropped, moved, respelled.
func edit(r *rand.Rand, s study.Study) study.Study {
	s.Locations = slices.Clone(s.Locations)
	for i := range s.Locations {
		l := &s.Locations[i]
		switch r.IntN(4) {
		case 0:
			l.City = strings.ToUpper(l.City)
		case 1:
			if l.Geo != nil {
				l.Geo = &study.GeoPoint{Lat: l.Geo.Lat + r.Float64() - 0.5, Lon: l.Geo.Lon + r.Float64() - 0.5}
			}
		case 2:
			l.Geo = nil
		}
	}
	if n := len(s.Locations); n > 0 {
		s.Locations = s.Locations[:r.IntN(n+1)]
	}
	return s
}

// sameGazetteer compares every answer of two gazetteers.
func sameGazetteer(t *testing.T, got, want *Gazetteer) {
	t.Helper()
	key := func(p Place) string { return fmt.Sprintf("%d|%s", p.Kind, p.Name()) }
	sorted := func(g *Gazetteer) []Place {
		ps := slices.Clone(g.places)
		slices.SortFunc(ps, func(a, b Place) int { return cmp.Compare(key(a), key(b)) })
		return ps
	}
	if g, w := sorted(got), sorted(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("places differ: %d against %d places", len(g), len(w))
	}
	if !reflect.DeepEqual(got.Countries(), want.Countries()) {
		t.Errorf("countries differ")
	}
	for _, p := range want.places {
		for _, text := range []string{p.Name(), p.City} {
			if text != "" && !reflect.DeepEqual(got.Resolve(text), want.Resolve(text)) {
				t.Fatalf("Resolve(%q): %v, want %v", text, got.Resolve(text), want.Resolve(text))
			}
		}
		if p.Kind == State && !reflect.DeepEqual(got.Cities(p.Country, p.State), want.Cities(p.Country, p.State)) {
			t.Errorf("Cities(%q, %q) differ", p.Country, p.State)
		}
		if p.Kind == Country && !reflect.DeepEqual(got.States(p.Country), want.States(p.Country)) {
			t.Errorf("States(%q) differ", p.Country)
		}
	}
}

// TestIncrementalEqualsFresh applies random edits, removals and
// re-insertions to a builder, snapshotting it midway, and compares its
// gazetteer with one built afresh, in another order, from the result.
func TestIncrementalEqualsFresh(t *testing.T) {
	all, _ := loadDemo(t)
	r := rand.New(rand.NewPCG(17, 1))
	b := NewBuilder()
	for i := range all {
		b.Add(&all[i])
	}
	live := map[string]study.Study{}
	for _, s := range all {
		live[s.NCTID] = s
	}
	// As many changes as studies in each round: the site lists of the
	// replaced and removed studies pass half of them (see compact).
	for round := range 2 {
		for range len(all) {
			s := all[r.IntN(len(all))]
			switch r.IntN(3) {
			case 0:
				b.Remove(s.NCTID)
				delete(live, s.NCTID)
			case 1:
				e := edit(r, s)
				b.Add(&e)
				live[s.NCTID] = e
			default:
				b.Add(&s)
				live[s.NCTID] = s
			}
		}
		if round == 0 {
			var buf bytes.Buffer
			if err := b.WriteSnapshot(&buf); err != nil {
				t.Fatal(err)
			}
			before := b.Finish()
			var err error
			if b, err = ReadSnapshot(&buf); err != nil {
				t.Fatal(err)
			}
			sameGazetteer(t, b.Finish(), before)
		}
	}
	fresh := NewBuilder()
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range live {
			if !yield(id) {
				return
			}
		}
	})
	slices.Reverse(ids)
	for _, id := range ids {
		s := live[id]
		fresh.Add(&s)
	}
	if len(live) == len(all) {
		t.Fatal("the edits removed nothing")
	}
	sameGazetteer(t, b.Finish(), fresh.Finish())
}

// TestReadSnapshotCorrupt: a damaged snapshot is an error, not a panic.
func TestReadSnapshotCorrupt(t *testing.T) {
	all, _ := loadDemo(t)
	b := NewBuilder()
	for i := range all[:50] {
		b.Add(&all[i])
	}
	var buf bytes.Buffer
	if err := b.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, cut := range []int{0, 1, len(data) / 2, len(data) - 1} {
		if _, err := ReadSnapshot(bytes.NewReader(data[:cut])); err == nil {
			t.Errorf("a snapshot cut at %d of %d bytes was read", cut, len(data))
		}
	}
}
