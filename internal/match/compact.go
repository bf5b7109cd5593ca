package match

import "github.com/trialfinder/trialfinder/internal/eligibility"

// Ranking keeps every recruiting trial's criteria in memory (some 90,000
// at full scale) and reads only the checkable items of them, while item
// texts and free-text items are most of what a parse holds. So a matcher
// keeps a compact copy: the checkable items alone, their constraints
// without spans, original units and example lists, strings shared across
// trials, and nothing that refers back to the parsed criteria. Hits are
// explained from the full criteria, read again from the store.

// Shared item headers for the compact form, whose checking reads only
// whether an item asks for any or all of its parts.
var (
	anyOfItem = &eligibility.Item{AnyOf: true}
	allOfItem = &eligibility.Item{}
)

// interner makes the compact form of one matcher's trials: it shares
// equal strings, and takes the small slices from large chunks, so that
// the form is a few thousand objects rather than millions, neither
// scattered among the parse's garbage nor rounded up to size classes.
type interner struct {
	strings     map[string]string
	items       chunks[pitem]
	cons        chunks[pcons]
	constraints chunks[eligibility.Constraint]
	strSlices   chunks[string]
}

func newInterner() *interner { return &interner{strings: map[string]string{}} }

// chunks hands out slices of a large backing array.
type chunks[T any] struct{ free []T }

const chunkLen = 4096

func (c *chunks[T]) take(n int) []T {
	if n > len(c.free) {
		c.free = make([]T, max(n, chunkLen))
	}
	s := c.free[:n:n]
	c.free = c.free[n:]
	return s
}

func (in *interner) str(s string) string {
	if v, ok := in.strings[s]; ok {
		return v
	}
	in.strings[s] = s
	return s
}

func (in *interner) strs(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := in.strSlices.take(len(ss))
	for i, s := range ss {
		out[i] = in.str(s)
	}
	return out
}

// compact returns the counting form of p (see check without explain).
func (in *interner) compact(p *prepared) *prepared {
	return &prepared{checkedIncl: in.pitems(p.checkedIncl), checkedExcl: in.pitems(p.checkedExcl), free: p.free}
}

func (in *interner) pitems(items []pitem) []pitem {
	if len(items) == 0 {
		return nil
	}
	out := in.items.take(len(items))
	for i := range items {
		it := &items[i]
		c := pitem{src: allOfItem, structured: it.structured, exception: it.exception}
		if it.src.AnyOf {
			c.src = anyOfItem
		}
		if it.structured { // an unstructured item is unknown whatever its parts
			c.cons = in.pconses(it.cons)
			c.kids = in.pitems(it.kids)
		}
		out[i] = c
	}
	return out
}

// constraints copies the constraints checking reads: skipped ones never
// are, so they are left out.
func (in *interner) pconses(cons []pcons) []pcons {
	n := 0
	for _, pc := range cons {
		if !pc.skip {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out, slab := in.cons.take(n)[:0], in.constraints.take(n)[:0]
	for _, pc := range cons {
		if pc.skip {
			continue
		}
		c := *pc.c
		c.Kind, c.Variable, c.Op = in.str(c.Kind), in.str(c.Variable), in.str(c.Op)
		c.Unit, c.Term = in.str(c.Unit), in.str(c.Term)
		c.Original, c.Examples, c.Span = nil, nil, [2]int{}
		if c.Window != nil {
			w := *c.Window
			w.Op = in.str(w.Op)
			c.Window = &w
		}
		slab = append(slab, c)
		pc.c = &slab[len(slab)-1]
		pc.toks = in.strs(pc.toks)
		if len(pc.examples) > 0 {
			ex := make([][]string, len(pc.examples)) // rare
			for i, e := range pc.examples {
				ex[i] = in.strs(e)
			}
			pc.examples = ex
		}
		out = append(out, pc)
	}
	return out
}
