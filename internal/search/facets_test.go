package search

import (
	"math/rand/v2"
	"testing"
)

// TestFacetBitsCountLikeColumns counts the facets of several sets of
// documents both ways: from the per-value bitsets that broad searches use
// and from the columns.
func TestFacetBitsCountLikeColumns(t *testing.T) {
	_, ix := loadDemo(t)
	rng := rand.New(rand.NewPCG(1, 2))
	sets := map[string]func(d uint32) bool{
		"all":          func(uint32) bool { return true },
		"none":         func(uint32) bool { return false },
		"every third":  func(d uint32) bool { return d%3 == 0 },
		"random half":  func(uint32) bool { return rng.IntN(2) == 0 },
		"with results": func(d uint32) bool { return ix.col.results[d] },
		"last":         func(d uint32) bool { return int(d) == ix.n-1 },
	}
	for name, keep := range sets {
		docs := newBitset(ix.n)
		for d := range uint32(ix.n) {
			if keep(d) {
				docs.set(d)
			}
		}
		var fromBits, fromCols facetCounts
		ix.facetBits.count(&fromBits, docs)
		fromCols.countDocs(&ix.col, docs)
		if fromBits != fromCols {
			t.Errorf("%s: bitsets count %+v, columns %+v", name, fromBits, fromCols)
		}
	}
}
