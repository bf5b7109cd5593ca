package search

import (
	"cmp"
	"math"
	"testing"
)

func TestNormTableMatchesFormula(t *testing.T) {
	_, ix := loadDemo(t)
	for f := range numFields {
		if len(ix.norm1[f]) == 0 {
			t.Fatalf("%s: no table", field(f))
		}
		for doc := range uint32(ix.n) {
			l := ix.fieldLen[f][doc]
			if got, want := ix.tfNorm(field(f), doc, 1), ix.tfNormLen(field(f), l, 1); got != want {
				t.Fatalf("%s length %d: table %v, formula %v", field(f), l, got, want)
			}
		}
	}
}

func TestSortKeyOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e9, -2.5, -1e-300, 0, 1e-300, 1, 2.5, 19000, math.Inf(1)}
	for _, desc := range []bool{false, true} {
		for i, a := range vals {
			for j, b := range vals {
				want := cmp.Compare(i, j)
				if desc {
					want = -want
				}
				if got := cmp.Compare(sortKey(a, desc), sortKey(b, desc)); got != want {
					t.Errorf("desc=%v: %g vs %g compares %d, want %d", desc, a, b, got, want)
				}
			}
			if sortKey(a, desc) >= sortKey(math.NaN(), desc) {
				t.Errorf("desc=%v: %g does not sort before a missing value", desc, a)
			}
		}
		if sortKey(math.Copysign(0, -1), desc) != sortKey(0, desc) {
			t.Errorf("desc=%v: -0 and 0 differ", desc)
		}
	}
}
