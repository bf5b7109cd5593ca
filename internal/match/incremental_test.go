package match

import (
	"bytes"
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// TestIncrementalEqualsFresh applies random edits (status, criteria,
// conditions), removals and re-insertions to a builder, snapshotting it
// midway, and compares its matcher with one built afresh from the result:
// the same trials, criteria and parents, the same rankings.
func TestIncrementalEqualsFresh(t *testing.T) {
	all := loadDemo(t)
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Vocab: v, Now: func() time.Time { return fixedDay }}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(17, 2))
	b := NewBuilder(opt)
	for i := range all {
		b.Add(&all[i])
	}
	if _, err := b.Finish(ctx, search.NewBuilder().Finish(), all); err != nil {
		t.Fatal(err)
	}
	live := map[string]study.Study{}
	for _, s := range all {
		live[s.NCTID] = s
	}
	for round := range 2 {
		for range len(all) / 10 {
			s := all[r.IntN(len(all))]
			switch r.IntN(4) {
			case 0:
				b.Remove(s.NCTID)
				delete(live, s.NCTID)
				continue
			case 1:
				s.OverallStatus = []string{"RECRUITING", "COMPLETED", "NOT_YET_RECRUITING"}[r.IntN(3)]
			case 2:
				s.Eligibility.Criteria = all[r.IntN(len(all))].Eligibility.Criteria
				s.OverallStatus = "RECRUITING"
			case 3:
				if n := len(s.ConditionAncestors); n > 0 {
					s.ConditionAncestors = s.ConditionAncestors[:r.IntN(n)]
				}
			}
			b.Add(&s)
			live[s.NCTID] = s
		}
		if _, err := b.Finish(ctx, search.NewBuilder().Finish(), all); err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			var buf bytes.Buffer
			if err := b.WriteSnapshot(&buf); err != nil {
				t.Fatal(err)
			}
			if b, err = ReadSnapshot(&buf, opt); err != nil {
				t.Fatal(err)
			}
		}
	}
	var final studies
	for _, s := range all {
		if s, ok := live[s.NCTID]; ok {
			final = append(final, s)
		}
	}
	ix, err := search.Build(ctx, final)
	if err != nil {
		t.Fatal(err)
	}
	ix = ix.WithSynonyms(synonymSource(v))
	got, err := b.Finish(ctx, ix, final)
	if err != nil {
		t.Fatal(err)
	}
	fresh := NewBuilder(opt)
	for _, i := range r.Perm(len(final)) {
		fresh.Add(&final[i])
	}
	want, err := fresh.Finish(ctx, ix, final)
	if err != nil {
		t.Fatal(err)
	}
	if len(final) == len(all) || want.Len() == 0 {
		t.Fatalf("the edits removed nothing or left no recruiting study: %d of %d, %d kept", len(final), len(all), want.Len())
	}
	if !reflect.DeepEqual(got.parents, want.parents) {
		t.Errorf("parents differ: %d against %d", len(got.parents), len(want.parents))
	}
	if got.Len() != want.Len() {
		t.Fatalf("%d trials, want %d", got.Len(), want.Len())
	}
	gu, wu := newUnpacker(got.names), newUnpacker(want.names)
	for id, w := range want.trials {
		g := got.trials[id]
		if g == nil || !reflect.DeepEqual(g.elig, w.elig) || !reflect.DeepEqual(gu.unpack(g.packed), wu.unpack(w.packed)) {
			t.Fatalf("%s differs", id)
		}
	}
	profiles := []patient.Profile{breastProfile,
		{Age: ptr(66.0), Sex: "male", Conditions: []patient.Condition{{Text: "non-small cell lung cancer"}}},
		{Age: ptr(45.0), Conditions: []patient.Condition{{Text: "type 2 diabetes"}, {Text: "obesity"}}},
		{Age: ptr(30.0), Sex: "female"}}
	hits := 0
	for _, p := range profiles {
		gr, err := got.Rank(ctx, p, RankOptions{Limit: 30})
		if err != nil {
			t.Fatal(err)
		}
		wr, err := want.Rank(ctx, p, RankOptions{Limit: 30})
		if err != nil {
			t.Fatal(err)
		}
		hits += len(wr.Hits)
		if !reflect.DeepEqual(gr, wr) {
			t.Errorf("%v: rankings differ: %v against %v", p.Conditions, hitIDs(gr), hitIDs(wr))
		}
	}
	if hits == 0 {
		t.Error("no profile found any trial: the comparison says nothing")
	}
}

func hitIDs(r *Ranking) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.NCTID+":"+string(h.Verdict))
	}
	return ids
}
