package search

import (
	"slices"
	"testing"
)

// TestBroadTermsScoreAsTheirFields: a broad term's precomputed area
// scores are bit for bit what scoring its fields gives, for every study,
// and searches report the same matched fields either way.
func TestBroadTermsScoreAsTheirFields(t *testing.T) {
	_, ix := loadDemo(t)
	if len(ix.broad) < 10 {
		t.Fatalf("%d broad terms precomputed; the demo data has dozens", len(ix.broad))
	}
	names := map[uint32]string{}
	for i, id := range ix.tokenIDs {
		names[id] = ix.tokens.at(i)
	}
	pre, walked := ix.getScratch(), ix.getScratch()
	defer ix.release(pre)
	defer ix.release(walked)
	for id := range ix.broad {
		var preMatches, walkedMatches []FieldMatch
		ix.tokenInto(pre, basicFields, true, names[id], &preMatches)
		ix.tokenInto(walked, basicFields, false, names[id], &walkedMatches)
		if !slices.Equal(pre.touched, walked.touched) {
			t.Fatalf("%q: precomputed %d studies, the fields %d", names[id], pre.touched.count(), walked.touched.count())
		}
		for d := range pre.acc {
			if pre.acc[d] != walked.acc[d] {
				t.Fatalf("%q, %s: precomputed score %v, from the fields %v", names[id], ix.nct.at(d), pre.acc[d], walked.acc[d])
			}
		}
		if !slices.Equal(preMatches, walkedMatches) {
			t.Fatalf("%q: matched fields %v precomputed, %v walked", names[id], preMatches, walkedMatches)
		}
		pre.reset()
		walked.reset()
	}

	// Through the query language: "cancer" is broad, and AREA[BasicSearch]
	// inside another area is the same area.
	if id, _ := ix.tokenID("cancer"); ix.broad[id] == (broadList{}) {
		t.Fatal(`"cancer" is not precomputed`)
	}
	plain := *ix
	plain.broad = nil
	for _, q := range []AreaQuery{{Area: "term", Query: "cancer"}, {Area: "cond", Query: "AREA[BasicSearch]cancer OR asthma"}} {
		req := Request{Queries: []AreaQuery{q}, PageSize: MaxPageSize}
		a, errA := ix.Search(req)
		b, errB := plain.Search(req)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !slices.Equal(a.Hits, b.Hits) || a.Total != b.Total {
			t.Errorf("%+v: %d hits precomputed, %d walked, or their order or scores differ", q, len(a.Hits), len(b.Hits))
		}
	}
}
