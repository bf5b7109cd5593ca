package search

import (
	"cmp"
	"maps"
	"math"
	"strings"
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

// TestPhraseScoresAsItsWords: in a field without pair lists a phrase
// matches the studies with all of its words, and scores each of them as the
// words searched together do, through a different path (per-word lists
// intersected in the accumulators).
func TestPhraseScoresAsItsWords(t *testing.T) {
	_, ix := loadDemo(t)
	scores := func(q string) map[string]float64 {
		t.Helper()
		res, err := ix.Search(Request{Queries: []AreaQuery{{Area: "term", Query: q}}, PageSize: MaxPageSize})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out := map[string]float64{}
		for _, h := range res.Hits {
			out[h.NCTID] = h.Score
		}
		return out
	}
	for _, words := range [][]string{{"breast", "cancer"}, {"type", "2", "diabetes"}} {
		phrase := scores(`AREA[BriefSummary]"` + strings.Join(words, " ") + `"`)
		var each []string
		for _, w := range words {
			each = append(each, "AREA[BriefSummary]"+w)
		}
		all := scores(strings.Join(each, " AND "))
		if len(phrase) == 0 || !maps.Equal(phrase, all) {
			t.Errorf("%q: %d studies as a phrase, %d with all its words; the scores must be the same", words, len(phrase), len(all))
		}
	}
}
