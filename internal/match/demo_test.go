package match

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/demo/demotest"
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

func loadDemo(t testing.TB) studies {
	t.Helper()
	return demotest.Studies(t)
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
var newDemoMatcher = demotest.Once(func(t testing.TB) *Matcher {
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(context.Background(), loadDemo(t), Options{Vocab: v, All: true, Now: func() time.Time { return fixedDay }})
	if err != nil {
		t.Fatal(err)
	}
	return m
})

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
