package eligibility

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// A wordStartRe finds exactly what its pattern finds unanchored, on a
// quarter of the real criteria texts (all of them take minutes with the
// race detector; TestParsedGolden covers the rest through the parser).
func TestWordStartReFindsWhatTheRegexpFinds(t *testing.T) {
	patterns := []*wordStartRe{therapyRe, cueRe, conditionalRe, allowanceRe, permitRe, prohibitRe, wideningRe,
		sexPeopleRe, bothSexRe, pregnancyRe, contraceptionRe, conditionRe, stageStartRe, metastasisRe, exceptionRe,
		markerStatusRe, statusMarkerRe, tripleNegRe, hrEitherRe, newlyRe, relapsedRe, noMetastasisRe,
		peopleMentionRe, pressureRe, classBeforeRe, newWordStartRe(`\b[a-z]+ing\b`)}
	for _, wp := range windowPatterns {
		if w, ok := wp.re.(*wordStartRe); ok {
			patterns = append(patterns, w)
		}
	}
	var texts []string
	for i, text := range realCriteria(t) {
		if i%4 == 0 {
			texts = append(texts, strings.ToLower(text))
		}
	}
	for _, w := range patterns {
		re := regexp.MustCompile(strings.TrimSuffix(strings.TrimPrefix(w.anchored.String(), "^(?:"), ")"))
		for i, s := range texts {
			if got, want := w.FindAllStringSubmatchIndex(s, -1), re.FindAllStringSubmatchIndex(s, -1); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, text %d: got %v, want %v", re, i, got, want)
			}
		}
	}
}

func TestWordStartReRejectsOtherPatterns(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a pattern that can begin with a space compiled")
		}
	}()
	newWordStartRe(`\b(?:x| y)`)
}

func TestWordStartReRejectsAMatchInsideAWord(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a pattern with an alternative not behind \\b compiled")
		}
	}()
	newWordStartRe(`\b(?:or)\s+metasta|metasta\w*`)
}
