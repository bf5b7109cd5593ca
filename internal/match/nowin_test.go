package match

import (
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
)

// noWin is a question no answer can pass: each answer makes some
// criterion "not met" that an empty profile leaves open.
type noWin struct {
	nctID string
	q     Question
	// rows are the criteria each answer failed, by answer.
	rows [][]string
}

// noWinQuestions answers every question of every bundled record each
// way it can be answered, on an otherwise empty profile, and returns the
// number of questions and those no answer passes.
func noWinQuestions(t *testing.T) (total int, found []noWin) {
	t.Helper()
	for _, s := range loadDemo(t) {
		c := eligibility.Parse(s.Eligibility.Criteria)
		base := Check(patient.Profile{}, s, c)
		for _, q := range Questions(s, c) {
			if q.Kind == AskAge || q.Kind == AskMeasure {
				continue // numbers: answers() tries a few values, not every one
			}
			total++
			if nw, ok := noWinQuestion(t, s, c, base, q); ok {
				found = append(found, nw)
			}
		}
	}
	return total, found
}

func noWinQuestion(t *testing.T, s study.Study, c eligibility.Criteria, base Result, q Question) (noWin, bool) {
	nw := noWin{nctID: s.NCTID, q: q}
	for _, p := range answers(t, q, s, c) {
		caused := causedNotMet(base.Rows, Check(p, s, c).Rows, q.Kind == AskSex)
		if len(caused) == 0 {
			return noWin{}, false
		}
		nw.rows = append(nw.rows, caused)
	}
	return nw, len(nw.rows) > 0
}

// causedNotMet lists the criteria, sub-criteria included, that are not
// met in got but were not "not met" in base: what an answer caused. The
// registered limits count only for a question about them: an answer
// about pregnancy has to say "female", which a study of men rules out.
func causedNotMet(base, got []Row, limits bool) []string {
	var out []string
	for i, r := range got {
		if r.Section == "study" && !limits {
			continue
		}
		var b Row
		if i < len(base) {
			b = base[i]
		}
		if r.Status == NotMet && b.Status != NotMet {
			out = append(out, r.Section+": "+r.Criterion+" — "+r.Reason)
		}
	}
	return out
}

func TestNoContradictoryQuestions(t *testing.T) {
	total, found := noWinQuestions(t)
	for _, nw := range found {
		t.Logf("%s %s %q (%s)\n\t%s", nw.nctID, nw.q.Kind, nw.q.Text, nw.q.Words, strings.Join(flatten(nw.rows), "\n\t"))
	}
	t.Logf("%d of %d questions no answer can pass", len(found), total)
}

func flatten(rows [][]string) []string {
	var out []string
	for i, rs := range rows {
		for _, r := range rs {
			out = append(out, string(rune('a'+i))+") "+r)
		}
	}
	return out
}
