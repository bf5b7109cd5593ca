package match

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

// Ranking keeps every recruiting trial's criteria in memory (some 90,000
// at full scale) and reads only the checkable items of them, while item
// texts and free-text items are most of what a parse holds. So a matcher
// keeps a packed copy: the checkable items alone, their constraints
// without spans, original units and example lists, as bytes with every
// string a number in one shared table. Held as structs with pointers,
// the same facts took 290 MB at full scale and were scanned by every
// garbage collection; packed they take a tenth of that and none of the
// collector's time. Ranking unpacks each candidate into reused scratch
// just before checking it; hits are explained from the full criteria,
// read again from the store.

// Shared item headers for the unpacked form, whose checking reads only
// whether an item asks for any or all of its parts.
var (
	anyOfItem = &eligibility.Item{AnyOf: true}
	allOfItem = &eligibility.Item{}
)

// packer writes the packed form of one matcher's trials.
type packer struct {
	ids   map[string]uint64
	names []string // number → string, what an unpacker reads
	bytes chunks[byte]
	buf   []byte
}

func newPacker() *packer { return &packer{ids: map[string]uint64{}} }

// chunks hands out slices of a large backing array, so that the packed
// trials are a few hundred objects rather than 90,000.
type chunks[T any] struct{ free []T }

const chunkLen = 1 << 16

func (c *chunks[T]) take(n int) []T {
	if n > len(c.free) {
		c.free = make([]T, max(n, chunkLen))
	}
	s := c.free[:n:n]
	c.free = c.free[n:]
	return s
}

// Flags of a packed item and constraint.
const (
	itemAnyOf = 1 << iota
	itemStructured
	itemException
	itemAllowance
	itemPartial
)

const (
	consNegated = 1 << iota
	consULN
	consNotPregnant
	consCurrent
	consOrNext
	consWindow
	consHedged
	consSpread
	consVague
	consDuration
	consPartOnly
)

// pack returns the packed counting form of p (see check without explain).
func (pk *packer) pack(p *prepared) []byte {
	pk.buf = binary.AppendUvarint(pk.buf[:0], uint64(p.free))
	pk.items(p.checkedIncl)
	pk.items(p.checkedExcl)
	out := pk.bytes.take(len(pk.buf))
	copy(out, pk.buf)
	return out
}

func (pk *packer) uint(v uint64) { pk.buf = binary.AppendUvarint(pk.buf, v) }

func (pk *packer) str(s string) {
	id, ok := pk.ids[s]
	if !ok {
		id = uint64(len(pk.names))
		pk.ids[s] = id
		pk.names = append(pk.names, s)
	}
	pk.uint(id)
}

func (pk *packer) strs(ss []string) {
	pk.uint(uint64(len(ss)))
	for _, s := range ss {
		pk.str(s)
	}
}

// float writes small whole numbers, most thresholds, in a byte or two.
func (pk *packer) float(f float64) {
	if f >= 0 && f < 1<<40 && f == math.Trunc(f) {
		pk.uint(uint64(f) << 1)
		return
	}
	pk.uint(1)
	pk.buf = binary.LittleEndian.AppendUint64(pk.buf, math.Float64bits(f))
}

func (pk *packer) items(items []pitem) {
	pk.uint(uint64(len(items)))
	for i := range items {
		it := &items[i]
		var flags uint64
		if it.src.AnyOf {
			flags |= itemAnyOf
		}
		if it.structured {
			flags |= itemStructured
		}
		if it.exception {
			flags |= itemException
		}
		if it.allowance {
			flags |= itemAllowance
		}
		if it.partial {
			flags |= itemPartial
		}
		pk.uint(flags)
		if !it.structured { // an unstructured item is unknown whatever its parts
			continue
		}
		if it.partial {
			pk.uint(uint64(it.openParts))
			pk.strs(it.rest)
		}
		pk.conses(it.cons)
		pk.items(it.kids)
	}
}

// conses writes the constraints checking reads: skipped ones never are,
// so they are left out.
func (pk *packer) conses(cons []pcons) {
	n := 0
	for _, pc := range cons {
		if !pc.skip {
			n++
		}
	}
	pk.uint(uint64(n))
	for _, pc := range cons {
		if pc.skip {
			continue
		}
		c := pc.c
		var flags uint64
		for _, f := range []struct {
			set  bool
			flag uint64
		}{{c.Negated, consNegated}, {c.ULNMultiple, consULN}, {pc.notPregnant, consNotPregnant},
			{pc.current, consCurrent}, {pc.orNext, consOrNext}, {c.Window != nil, consWindow},
			{pc.hedged, consHedged}, {pc.spread, consSpread}, {pc.vague, consVague}, {pc.duration, consDuration}, {pc.partOnly, consPartOnly}} {
			if f.set {
				flags |= f.flag
			}
		}
		pk.uint(flags)
		pk.uint(pc.parts)
		pk.str(c.Kind)
		pk.str(c.Variable)
		pk.str(c.Op)
		pk.str(c.Unit)
		pk.str(c.Term)
		pk.float(c.Value)
		pk.float(c.Value2)
		if c.Window != nil {
			pk.str(c.Window.Op)
			pk.float(c.Window.Value)
			pk.float(c.Window.Value2)
		}
		pk.strs(pc.toks)
		pk.strs(pc.qualifier)
		pk.uint(uint64(len(pc.examples)))
		for _, e := range pc.examples {
			pk.strs(e)
		}
	}
}

// unpacker turns packed criteria back into the form checking reads, in
// memory it reuses: one per goroutine, and what it returns is valid
// until its next unpack.
type unpacker struct {
	names    []string
	data     []byte
	i        int
	p        prepared
	items    []pitem
	cons     []pcons
	rules    []eligibility.Constraint
	windows  []eligibility.Window
	strs     []string
	examples [][]string
}

func newUnpacker(names []string) *unpacker { return &unpacker{names: names} }

func (u *unpacker) unpack(data []byte) *prepared {
	u.data, u.i = data, 0
	u.items, u.cons, u.rules, u.windows = u.items[:0], u.cons[:0], u.rules[:0], u.windows[:0]
	u.strs, u.examples = u.strs[:0], u.examples[:0]
	u.p = prepared{free: int(u.uint())}
	u.p.checkedIncl = u.readItems()
	u.p.checkedExcl = u.readItems()
	return &u.p
}

func (u *unpacker) uint() uint64 {
	v, n := binary.Uvarint(u.data[u.i:])
	u.i += n
	return v
}

func (u *unpacker) str() string { return u.names[u.uint()] }

func (u *unpacker) readStrs() []string {
	n := int(u.uint())
	if n == 0 {
		return nil
	}
	start := len(u.strs)
	for range n {
		u.strs = append(u.strs, u.str())
	}
	return u.strs[start:len(u.strs):len(u.strs)]
}

func (u *unpacker) float() float64 {
	v := u.uint()
	if v&1 == 0 {
		return float64(v >> 1)
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(u.data[u.i:]))
	u.i += 8
	return f
}

// readItems takes its slots before reading the items' own parts, so
// that each level's items are one slice; when a later append moves the
// scratch, earlier slices keep the array they were cut from.
func (u *unpacker) readItems() []pitem {
	n := int(u.uint())
	if n == 0 {
		return nil
	}
	start := len(u.items)
	u.items = slices.Grow(u.items, n)[:start+n] // every slot is overwritten below
	items := u.items[start : start+n : start+n]
	for i := range items {
		flags := u.uint()
		it := pitem{src: allOfItem, structured: flags&itemStructured != 0, exception: flags&itemException != 0,
			allowance: flags&itemAllowance != 0, partial: flags&itemPartial != 0}
		if flags&itemAnyOf != 0 {
			it.src = anyOfItem
		}
		if it.structured {
			if it.partial {
				it.openParts = int(u.uint())
				it.rest = u.readStrs()
			}
			it.cons = u.readConses()
			it.kids = u.readItems()
		}
		items[i] = it
	}
	return items
}

func (u *unpacker) readConses() []pcons {
	n := int(u.uint())
	if n == 0 {
		return nil
	}
	start := len(u.cons)
	for range n {
		flags := u.uint()
		parts := u.uint()
		u.rules = append(u.rules, eligibility.Constraint{
			Negated: flags&consNegated != 0, ULNMultiple: flags&consULN != 0,
			Kind: u.str(), Variable: u.str(), Op: u.str(), Unit: u.str(), Term: u.str(),
			Value: u.float(), Value2: u.float(),
		})
		c := &u.rules[len(u.rules)-1]
		if flags&consWindow != 0 {
			u.windows = append(u.windows, eligibility.Window{Op: u.str(), Value: u.float(), Value2: u.float()})
			c.Window = &u.windows[len(u.windows)-1]
		}
		pc := pcons{c: c, notPregnant: flags&consNotPregnant != 0, current: flags&consCurrent != 0, orNext: flags&consOrNext != 0,
			hedged: flags&consHedged != 0, spread: flags&consSpread != 0, vague: flags&consVague != 0, duration: flags&consDuration != 0,
			partOnly: flags&consPartOnly != 0, parts: parts}
		pc.toks = u.readStrs()
		pc.qualifier = u.readStrs()
		if ne := int(u.uint()); ne > 0 {
			first := len(u.examples)
			for range ne {
				u.examples = append(u.examples, u.readStrs())
			}
			pc.examples = u.examples[first:len(u.examples):len(u.examples)]
		}
		u.cons = append(u.cons, pc)
	}
	return u.cons[start:len(u.cons):len(u.cons)]
}
