package match

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

func TestZZRank(t *testing.T) {
	note := os.Getenv("NOTE")
	if note == "" {
		t.Skip()
	}
	v, _ := vocab.Load()
	m, _ := NewMatcher(context.Background(), loadDemo(t), Options{Vocab: v, Now: func() time.Time { return labelDay }})
	p, _ := patient.FromText(note)
	p.Location = nil
	r, err := m.Rank(context.Background(), p, RankOptions{Limit: 15})
	fmt.Println(r.Query, err)
	for _, h := range r.Hits {
		fmt.Printf("%s %.2f %-17s %.90s\n", h.NCTID, h.Relevance, h.Verdict, h.Title)
		if h.Verdict == NotEligible {
			fmt.Println("      ", notMetRows(h.Result))
		}
	}
}

func TestZZSearch(t *testing.T) {
	q := os.Getenv("Q")
	if q == "" {
		t.Skip()
	}
	v, _ := vocab.Load()
	m, _ := NewMatcher(context.Background(), loadDemo(t), Options{Vocab: v, Now: func() time.Time { return labelDay }})
	res, err := m.ix.Search(search.Request{Queries: []search.AreaQuery{{Area: "cond", Query: q}}, PageSize: 50})
	fmt.Println(err, len(res.Hits))
	for _, h := range res.Hits {
		s, _ := findDemo(t, h.NCTID)
		fmt.Println(h.NCTID, s.OverallStatus, m.trials[h.NCTID] != nil, s.Conditions)
	}
}

func TestZZParents(t *testing.T) {
	v, _ := vocab.Load()
	m, _ := NewMatcher(context.Background(), loadDemo(t), Options{Vocab: v, Now: func() time.Time { return labelDay }})
	fmt.Println(len(m.parents), m.parents["D000077192"], m.broaderQuery([]patient.Condition{{Text: "lung adenocarcinoma"}}))
}

func TestZZRaw(t *testing.T) {
	id := os.Getenv("RAW")
	if id == "" {
		t.Skip()
	}
	fmt.Println(demoStudy(t, id).Eligibility.Criteria)
}
