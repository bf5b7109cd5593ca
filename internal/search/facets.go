package search

import (
	"cmp"
	"math/bits"
	"slices"
)

// facetCounts are the counts of the enum facets, indexed like the columns:
// by column value, or for the bit-set columns by bit.
type facetCounts struct {
	status    [16]int
	studyType [4]int
	phase     [8]int
	funder    [16]int
	sex       [4]int
	stdAge    [4]int
	healthy   [3]int
	results   [2]int // without, with
}

// countDocs counts the marked documents by reading their columns, which is
// quickest when they are few.
func (c *facetCounts) countDocs(col *columns, docs bitset) {
	for wi, w := range docs {
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			d := base | uint32(trailing(w))
			c.status[col.status[d]]++
			c.studyType[col.studyType[d]]++
			c.sex[col.sex[d]]++
			c.healthy[col.healthy[d]]++
			if col.results[d] {
				c.results[1]++
			} else {
				c.results[0]++
			}
			for b := col.phases[d]; b != 0; b &= b - 1 {
				c.phase[trailing(uint64(b))]++
			}
			for b := col.funders[d]; b != 0; b &= b - 1 {
				c.funder[trailing(uint64(b))]++
			}
			for b := col.stdAges[d]; b != 0; b &= b - 1 {
				c.stdAge[trailing(uint64(b))]++
			}
		}
	}
}

// facetBitsShare: facets of more than 1/facetBitsShare of the index are
// counted from facetBits. Counting there costs a pass over the index's
// words per value (about 50), against reading eight columns per document.
const facetBitsShare = 16

// facetBits holds, for each value of the enum facets, the documents that
// have it, laid out like facetCounts; nil where no document has it. A
// broad search's facets are then popcounts of ANDed words.
type facetBits struct {
	status    [16]bitset
	studyType [4]bitset
	phase     [8]bitset
	funder    [16]bitset
	sex       [4]bitset
	stdAge    [4]bitset
	healthy   [3]bitset
	results   bitset // with results

	// The documents of the facetCountries countries with the most studies
	// (countryIDs, most first), and the most studies any other country has.
	// Reading every hit's countries was most of a broad search's facet
	// time; the facet shows only the top topCountries, which are nearly
	// always among these.
	countryIDs []uint16
	countries  []bitset
	tailMax    int
}

// facetCountries is how many countries facetBits holds (75 KB each at
// 600,000 studies).
const facetCountries = 64

func newFacetBits(col *columns, pl *places, n int) *facetBits {
	fb := &facetBits{}
	fb.addCountries(pl, n)
	mark := func(b *bitset, d uint32) {
		if *b == nil {
			*b = newBitset(n)
		}
		b.set(d)
	}
	markBits := func(set []bitset, v uint64, d uint32) {
		for ; v != 0; v &= v - 1 {
			mark(&set[trailing(v)], d)
		}
	}
	for d := range uint32(n) {
		mark(&fb.status[col.status[d]], d)
		mark(&fb.studyType[col.studyType[d]], d)
		mark(&fb.sex[col.sex[d]], d)
		mark(&fb.healthy[col.healthy[d]], d)
		if col.results[d] {
			mark(&fb.results, d)
		}
		markBits(fb.phase[:], uint64(col.phases[d]), d)
		markBits(fb.funder[:], uint64(col.funders[d]), d)
		markBits(fb.stdAge[:], uint64(col.stdAges[d]), d)
	}
	return fb
}

func (fb *facetBits) addCountries(pl *places, n int) {
	totals := make([]int, len(pl.countryNames))
	for _, c := range pl.countryIDs {
		totals[c]++
	}
	ids := make([]uint16, len(totals))
	for id := range ids {
		ids[id] = uint16(id)
	}
	slices.SortFunc(ids, func(a, b uint16) int { return cmp.Or(cmp.Compare(totals[b], totals[a]), cmp.Compare(a, b)) })
	if len(ids) > facetCountries {
		fb.tailMax = totals[ids[facetCountries]]
		ids = ids[:facetCountries]
	}
	fb.countryIDs = ids
	held := make([]int, len(totals)) // country number → 1 + index in ids, or 0
	for i, id := range ids {
		held[id] = i + 1
		fb.countries = append(fb.countries, newBitset(n))
	}
	for d := range uint32(n) {
		for _, c := range pl.countryIDs[pl.countryFirst[d]:pl.countryFirst[d+1]] {
			if i := held[c]; i > 0 {
				fb.countries[i-1].set(d)
			}
		}
	}
}

// countCountries counts docs by the countries held into counts (by country
// number), and reports whether that is enough for the facet: whether every
// country not held has fewer studies in all than the topCountries-th
// country has among docs, so that none of them can be shown.
func (fb *facetBits) countCountries(counts []int, docs bitset) bool {
	top := make([]int, len(fb.countryIDs))
	for i, id := range fb.countryIDs {
		counts[id] = countAnd(fb.countries[i], docs)
		top[i] = counts[id]
	}
	if fb.tailMax == 0 { // every country is held
		return true
	}
	slices.Sort(top)
	return len(top) >= topCountries && top[len(top)-topCountries] > fb.tailMax
}

// count counts the marked documents of docs into c.
func (fb *facetBits) count(c *facetCounts, docs bitset) {
	for _, g := range []struct {
		sets   []bitset
		counts []int
	}{
		{fb.status[:], c.status[:]},
		{fb.studyType[:], c.studyType[:]},
		{fb.phase[:], c.phase[:]},
		{fb.funder[:], c.funder[:]},
		{fb.sex[:], c.sex[:]},
		{fb.stdAge[:], c.stdAge[:]},
		{fb.healthy[:], c.healthy[:]},
	} {
		for v, set := range g.sets {
			g.counts[v] = countAnd(set, docs)
		}
	}
	c.results[1] = countAnd(fb.results, docs)
	c.results[0] = docs.count() - c.results[1]
}

// countAnd returns how many documents both a and b mark; 0 for a nil a.
func countAnd(a, b bitset) int {
	if a == nil {
		return 0
	}
	b = b[:len(a)]
	n := 0
	for i, w := range a {
		n += bits.OnesCount64(w & b[i])
	}
	return n
}
