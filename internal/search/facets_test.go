package search

import (
	"cmp"
	"math/rand/v2"
	"slices"
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
		"only in countries not held": func(d uint32) bool {
			pl := &ix.places
			cs := pl.countryIDs[pl.countryFirst[d]:pl.countryFirst[d+1]]
			return len(cs) > 0 && !slices.ContainsFunc(cs, func(c uint16) bool { return slices.Contains(ix.facetBits.countryIDs, c) })
		},
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

		byBits := make([]int, len(ix.places.countryNames))
		enough := ix.facetBits.countCountries(byBits, docs)
		byDocs := make([]int, len(ix.places.countryNames))
		ix.places.countCountries(byDocs, docs)
		if name == "all" && !enough {
			t.Errorf("all: the %d countries held are not enough for the top %d", len(ix.facetBits.countryIDs), topCountries)
		}
		if enough && !slices.Equal(topCountryIDs(byBits, ix), topCountryIDs(byDocs, ix)) {
			t.Errorf("%s: top countries from bitsets %v, from each study %v", name, topCountryIDs(byBits, ix), topCountryIDs(byDocs, ix))
		}
	}
}

// topCountryIDs returns the country facet's countries, in its order.
func topCountryIDs(counts []int, ix *Index) []int {
	var ids []int
	for id, n := range counts {
		if n > 0 {
			ids = append(ids, id)
		}
	}
	names := ix.places.countryNames
	slices.SortFunc(ids, func(a, b int) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(names[a], names[b]))
	})
	return ids[:min(len(ids), topCountries)]
}
