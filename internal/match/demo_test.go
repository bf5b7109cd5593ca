package match

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// studies is the bundled demo set as a Source that stores no parsed
// criteria: the matcher parses them all.
type studies []study.Study

func (ss studies) Each(ctx context.Context, fn func(study.Study) error) error {
	for _, s := range ss {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (ss studies) Study(_ context.Context, id string) (study.Study, error) {
	for _, s := range ss {
		if s.NCTID == id {
			return s, nil
		}
	}
	return study.Study{}, fmt.Errorf("%s: %w", id, study.ErrNotFound)
}

func (studies) CriteriaOf(context.Context, string, []string, func(string, []byte) error) error {
	return nil
}

var demoStudies = sync.OnceValues(func() (studies, error) {
	return demo.Studies(context.Background())
})

func loadDemo(t testing.TB) studies {
	t.Helper()
	ss, err := demoStudies()
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func demoStudy(t testing.TB, id string) study.Study {
	t.Helper()
	s, ok := findDemo(t, id)
	if !ok {
		t.Fatalf("%s is not in the demo data", id)
	}
	return s
}

func findDemo(t testing.TB, id string) (study.Study, bool) {
	t.Helper()
	for _, s := range loadDemo(t) {
		if s.NCTID == id {
			return s, true
		}
	}
	return study.Study{}, false
}

// fixedDay makes ages and therapy windows reproducible.
var fixedDay = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// demoMatcher holds every bundled study (All), so the benchmark topics'
// closed trials are there; Rank still keeps to recruiting ones.
var demoMatcher = sync.OnceValues(func() (*Matcher, error) {
	ss, err := demoStudies()
	if err != nil {
		return nil, err
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	return NewMatcher(context.Background(), ss, Options{Vocab: v, All: true, Now: func() time.Time { return fixedDay }})
})

func newDemoMatcher(t testing.TB) *Matcher {
	t.Helper()
	m, err := demoMatcher()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
