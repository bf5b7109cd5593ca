package match

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
)

// constraints lists every constraint of the criteria, sub-items'
// included.
// constraints lists the constraints of c's items, but those of
// allowances, which rule no one out and so are asked about by no
// question.
func constraints(c eligibility.Criteria) []eligibility.Constraint {
	var out []eligibility.Constraint
	var walk func([]eligibility.Item)
	walk = func(items []eligibility.Item) {
		for _, it := range items {
			if it.Allowance {
				continue
			}
			out = append(out, itemConstraints(&it, false)...)
			walk(it.Items)
		}
	}
	walk(c.Inclusion)
	walk(c.Exclusion)
	return out
}

// checkedConstraints lists the prepared constraints the checker reads,
// but those of allowances.
func checkedConstraints(p *prepared) []*pcons {
	var out []*pcons
	var walk func([]pitem)
	walk = func(items []pitem) {
		for i := range items {
			if items[i].allowance {
				continue
			}
			for j := range items[i].cons {
				if !items[i].cons[j].skip {
					out = append(out, &items[i].cons[j])
				}
			}
			walk(items[i].kids)
		}
	}
	walk(p.incl)
	walk(p.excl)
	return out
}

func kinds(qs []Question) map[string]bool {
	m := map[string]bool{}
	for _, q := range qs {
		m[q.Kind] = true
	}
	return m
}

// TestQuestionsFollowCriteria checks, on a third of the bundled records
// spread over the set (all of them take long under -race), that the
// questionnaire asks about a fact exactly when the registered limits or
// the parsed criteria test it.
func TestQuestionsFollowCriteria(t *testing.T) {
	checked := map[string]int{}
	for i, s := range loadDemo(t) {
		if i%3 != 0 {
			continue
		}
		c := eligibility.Parse(s.Eligibility.Criteria)
		pc := prepare(c)
		qs := candidateQuestions(s, pc) // before those no answer passes are left out
		has := kinds(qs)
		cons := constraints(c)
		any := func(f func(eligibility.Constraint) bool) bool { return slices.ContainsFunc(cons, f) }
		// A pregnancy is asked about when a criterion reads it as the
		// patient's: not a partner's.
		pregnancy := func(f func(eligibility.Constraint) bool) bool {
			return slices.ContainsFunc(checkedConstraints(pc), func(pc *pcons) bool { return pc.c.Kind == eligibility.KindPregnancy && f(*pc.c) })
		}
		measured := func(vars ...string) bool {
			return any(func(c eligibility.Constraint) bool {
				return c.Kind == eligibility.KindMeasure && slices.Contains(vars, c.Variable)
			})
		}
		want := map[string]bool{
			AskPregnant:      pregnancy(func(c eligibility.Constraint) bool { return c.Term != "lactation" }), // "pregnancy", "pregnancy test"
			AskBreastfeeding: pregnancy(func(c eligibility.Constraint) bool { return c.Term == "lactation" }),
			AskECOG:          measured("ecog", "who_ps"),
			AskKarnofsky:     measured("karnofsky"),
			AskStage:         any(func(c eligibility.Constraint) bool { return c.Kind == eligibility.KindStage }),
			AskLines:         any(func(c eligibility.Constraint) bool { return c.Kind == eligibility.KindPriorLines }),
		}
		for k, w := range want {
			if has[k] != w {
				t.Errorf("%s: %s question %v, criteria say %v", s.NCTID, k, has[k], w)
			}
			if w {
				checked[k]++
			}
		}
		restricted := s.Eligibility.Sex == "FEMALE" || s.Eligibility.Sex == "MALE"
		sexRule := any(func(c eligibility.Constraint) bool { return c.Kind == eligibility.KindSex })
		if restricted && !has[AskSex] || !restricted && !sexRule && has[AskSex] {
			t.Errorf("%s: sex question %v with registered sex %q and sex rules %v", s.NCTID, has[AskSex], s.Eligibility.Sex, sexRule)
		}
		limits := s.Eligibility.MinimumAge.IsSet() || s.Eligibility.MaximumAge.IsSet()
		if limits && !has[AskAge] || !limits && !measured("age") && has[AskAge] {
			t.Errorf("%s: age question %v with age limits %v", s.NCTID, has[AskAge], limits)
		}
		checkMeasureQuestions(t, s.NCTID, qs, cons)
		checkTermQuestions(t, s.NCTID, qs, cons)
		for _, q := range qs {
			checked[q.Kind]++
		}
	}
	// The bundled records exercise every kind of question.
	for _, k := range askOrder {
		if checked[k] == 0 {
			t.Errorf("no bundled record gets a %s question", k)
		}
	}
	t.Logf("questions by kind over the bundled records: %v", checked)
}

// checkMeasureQuestions: one question per measured variable the checker
// compares, with the variable's unit first and ULN offered when a limit
// is a multiple of it.
func checkMeasureQuestions(t *testing.T, id string, qs []Question, cons []eligibility.Constraint) {
	t.Helper()
	asked := map[string]Question{}
	for _, q := range qs {
		if q.Kind == AskMeasure {
			if _, dup := asked[q.Variable]; dup {
				t.Errorf("%s: %s asked twice", id, q.Variable)
			}
			asked[q.Variable] = q
		}
	}
	uln := map[string]bool{}
	for _, c := range cons {
		if c.Kind != eligibility.KindMeasure {
			continue
		}
		switch c.Variable {
		case "age", "window", "life_expectancy", "ecog", "who_ps", "karnofsky":
			continue
		case "ast", "alt", "alkaline_phosphatase":
			// "2.5 times normal" read as an absolute enzyme limit below
			// 10 U/L, which the checker ignores (see misread).
			if !c.ULNMultiple && c.Value < 10 {
				continue
			}
		}
		uln[c.Variable] = uln[c.Variable] || c.ULNMultiple
		q, ok := asked[c.Variable]
		if !ok {
			t.Errorf("%s: no question about %s, which the criteria bound", id, c.Variable)
			continue
		}
		if q.Choices == nil && (len(q.Units) == 0 || q.Units[0].Value != variable(t, c.Variable).Unit) {
			t.Errorf("%s: %s units %v do not start with its unit %q", id, c.Variable, q.Units, variable(t, c.Variable).Unit)
		}
	}
	for v, q := range asked {
		if _, ok := uln[v]; !ok {
			t.Errorf("%s: asks about %s, which no criterion bounds", id, v)
		}
		if hasULN := slices.Contains(q.Units, Unit{"ULN", "× upper limit of normal (ULN)"}); q.Choices == nil && hasULN != uln[v] {
			t.Errorf("%s: %s offers ULN %v, criteria have ULN limits %v", id, v, hasULN, uln[v])
		}
	}
}

// checkTermQuestions: every condition or therapy asked about is a term
// of the criteria, asked once.
func checkTermQuestions(t *testing.T, id string, qs []Question, cons []eligibility.Constraint) {
	t.Helper()
	seen := map[string]bool{}
	for _, q := range qs {
		if q.Kind != AskCondition && q.Kind != AskTherapy {
			continue
		}
		if seen[q.Kind+q.Words] {
			t.Errorf("%s: %s %q asked twice", id, q.Kind, q.Words)
		}
		seen[q.Kind+q.Words] = true
		want := []string{eligibility.KindTherapy}
		if q.Kind == AskCondition {
			want = []string{eligibility.KindCondition, eligibility.KindMetastasis}
		}
		// A qualified term's question names the term and its qualifier
		// ("chemotherapy for advanced disease").
		term, _, _ := strings.Cut(strings.Replace(q.Term, " to ", " for ", 1), " for ")
		found := slices.ContainsFunc(cons, func(c eligibility.Constraint) bool {
			return slices.Contains(want, c.Kind) && strings.Contains(strings.ToLower(strings.Join(strings.Fields(c.Term), " ")), strings.ToLower(term))
		})
		if !found {
			t.Errorf("%s: %s question about %q, which no criterion names", id, q.Kind, q.Term)
		}
		if q.Words == "" || q.Text == "" || !strings.Contains(q.Text, q.Term) && !strings.HasPrefix(q.Text, "Are you allergic to ") {
			t.Errorf("%s: question %+v lacks its words or text", id, q)
		}
	}
}

func variable(t *testing.T, name string) eligibility.Variable {
	t.Helper()
	v, ok := patient.LookupVariable(name)
	if !ok {
		t.Fatalf("no variable %s", name)
	}
	return v
}

// TestQuestionsMatter answers each question of real studies, alone, and
// checks that the answer changes the outcome or the explanation of some
// criterion: a question whose answer the checker never reads should not
// be asked. (An answer alone often cannot change an outcome: a stage
// meets one constraint of an item whose others stay unknown.)
func TestQuestionsMatter(t *testing.T) {
	asked := 0
	for i, s := range loadDemo(t) {
		if i%8 != 0 { // a spread sample keeps the test quick under -race
			continue
		}
		c := eligibility.Parse(s.Eligibility.Criteria)
		base := outcomes(Check(patient.Profile{}, s, c))
		for _, q := range Questions(s, c) {
			moved := false
			for _, p := range answers(t, q, s, c) {
				if err := p.Validate(); err != nil {
					t.Fatalf("%s: answer to %q is not a valid profile: %v", s.NCTID, q.Text, err)
				}
				if !slices.Equal(outcomes(Check(p, s, c)), base) {
					moved = true
					break
				}
			}
			if !moved {
				t.Errorf("%s: no answer to %q (%s %s) changes any criterion; why: %v", s.NCTID, q.Text, q.Kind, q.Variable, q.Why)
			}
			asked++
		}
	}
	if asked < 200 {
		t.Errorf("only %d questions answered", asked)
	}
}

// outcomes flattens a result's outcomes and reasons, sub-criteria
// included.
func outcomes(r Result) []string {
	var out []string
	var walk func([]Row)
	walk = func(rows []Row) {
		for _, r := range rows {
			out = append(out, r.Status.String()+": "+r.Reason)
			walk(r.Rows)
		}
	}
	walk(r.Rows)
	return out
}

// answers returns profiles that each answer q one way, built from the
// criteria's own limits.
func answers(t *testing.T, q Question, s study.Study, c eligibility.Criteria) []patient.Profile {
	t.Helper()
	var out []patient.Profile
	switch q.Kind {
	case AskAge:
		for _, a := range []float64{0.1, 1, 5, 12, 17, 30, 50, 70, 90, 120} {
			out = append(out, patient.Profile{Age: &a})
		}
	case AskKarnofsky:
		for k := 10; k <= 100; k += 10 {
			out = append(out, patient.Profile{Karnofsky: &k})
		}
	case AskMeasure:
		for _, k := range constraints(c) {
			if k.Kind != eligibility.KindMeasure || k.Variable != q.Variable {
				continue
			}
			unit := k.Unit
			if k.ULNMultiple {
				unit = "ULN"
			}
			for _, v := range []float64{k.Value * 0.5, k.Value + 1, k.Value2 + 1, k.Value * 2, 0} {
				out = append(out, patient.Profile{Labs: []patient.Lab{{Name: q.Variable, Value: v, Unit: unit}}})
			}
		}
	default:
		out = AnswerProfiles(q)
		if out == nil {
			t.Fatalf("unexpected question kind %s", q.Kind)
		}
	}
	return out
}

// TestQuestionUnits checks the unit choices against values converted
// by hand: each offered unit is understood, with the factor the
// literature gives.
func TestQuestionUnits(t *testing.T) {
	cases := []struct {
		variable, unit string
		value, want    float64
	}{
		{"hemoglobin", "g/L", 95, 9.5},
		{"platelets", "10^3/uL", 150, 150},
		{"platelets", "cells/uL", 150000, 150},
		{"total_bilirubin", "umol/L", 17.1, 1},
		{"creatinine", "umol/L", 88.4, 1},
		{"glucose", "mmol/L", 5.55, 99.99},
	}
	for _, tc := range cases {
		v := variable(t, tc.variable)
		us := units(v)
		if !slices.ContainsFunc(us, func(u Unit) bool { return u.Value == tc.unit }) {
			t.Errorf("%s: unit %s not offered (offers %v)", tc.variable, tc.unit, us)
			continue
		}
		got, err := patient.Convert(v, tc.value, tc.unit)
		if err != nil || fmt.Sprintf("%.2f", got) != fmt.Sprintf("%.2f", tc.want) {
			t.Errorf("%s %v %s = %v (%v), want %v", tc.variable, tc.value, tc.unit, got, err, tc.want)
		}
	}
	// A count is not offered in grams per litre.
	if us := units(variable(t, "platelets")); slices.ContainsFunc(us, func(u Unit) bool { return u.Value == "g/L" }) {
		t.Errorf("platelets offered in g/L: %v", us)
	}
}

// TestTherapyQuestionArticle: a therapy that names one of a kind takes
// "a" or "an"; a mass noun, none.
func TestTherapyQuestionArticle(t *testing.T) {
	for term, want := range map[string]string{
		"CDK4/6 inhibitor":     "a CDK4/6 inhibitor",
		"aromatase inhibitor":  "an aromatase inhibitor",
		"EGFR inhibitor":       "an EGFR inhibitor",
		"stem cell transplant": "a stem cell transplant",
		"chemotherapy":         "chemotherapy",
		"insulin":              "insulin",
		"radiotherapy":         "radiotherapy",
	} {
		if got := withArticle(term); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", term, got, want)
		}
	}
}

// TestNoPregnancyQuestionReason: an inclusion that keeps pregnant women
// out gives the pregnancy question a reason that says so.
func TestNoPregnancyQuestionReason(t *testing.T) {
	s := demoStudy(t, icotinib)
	for _, text := range noPregnancyInclusions {
		c := eligibility.Parse("Inclusion Criteria:\n\n* " + text + "\n")
		for _, q := range Questions(s, c) {
			if q.Kind != AskPregnant && q.Kind != AskBreastfeeding {
				continue
			}
			for _, w := range q.Why {
				if strings.HasPrefix(w, "Inclusion: ") && !strings.Contains(w, "not ") {
					t.Errorf("%q: %s question's reason %q reads as requiring it", text, q.Kind, w)
				}
			}
		}
	}
}

// TestNoTherapyQuestionFromADisease: NCT00000362 (bundled) excludes "a
// history of 20 years or longer of insulin-dependent diabetes": a disease,
// not a treatment to ask about.
func TestNoTherapyQuestionFromADisease(t *testing.T) {
	s := demoStudy(t, "NCT00000362")
	for _, q := range Questions(s, eligibility.Parse(s.Eligibility.Criteria)) {
		if q.Kind == AskTherapy && strings.Contains(strings.ToLower(q.Term), "insulin") {
			t.Errorf("asks %q (%v)", q.Text, q.Why)
		}
	}
}

// TestQuestionReasonsAgree: no question says, for the same term and
// the same participants, both that the trial requires it and that it
// excludes it. Bundled: NCT05994131 requires and excludes EGFR-TKI and
// chemotherapy, each for one cohort ("Cohort 2: … failed in
// third-generation EGFR-TKI", "Cohort 3 only: Has received the treatment
// of EGFR-TKI"), and was "not suitable for radical surgery or
// radiotherapy"; NCT00382161 requires "no statin-treatment so far" and
// excludes "Patients taking statins"; NCT05501886 excludes chemotherapy
// for advanced disease ("prior adjuvant … chemotherapy is permitted").
func TestQuestionReasonsAgree(t *testing.T) {
	for _, id := range []string{"NCT05994131", "NCT00382161", "NCT05501886", "NCT00002258"} {
		s := demoStudy(t, id)
		for _, q := range Questions(s, eligibility.Parse(s.Eligibility.Criteria)) {
			if q.Kind != AskTherapy && q.Kind != AskCondition {
				continue
			}
			for _, w := range q.Why {
				for _, p := range [][2]string{{"Inclusion: ", "Exclusion: "}, {"Inclusion: ", "Inclusion: no "}, {"Exclusion: ", "Exclusion: no "}} {
					if rest, ok := strings.CutPrefix(w, p[0]); ok && slices.Contains(q.Why, p[1]+rest) {
						t.Errorf("%s: %q gives %q", id, q.Text, q.Why)
					}
				}
			}
		}
	}
}

// TestQualifiedTermQuestions: a question is never broader than its
// criterion. NCT05501886 (bundled) excludes "Prior treatment with
// chemotherapy … for advanced disease" (adjuvant permitted) and "Known
// hypersensitivity to the study drugs or their components": the
// questions carry the qualifier, a "no" settles the criterion, and a
// "no" to the narrow question does not answer a broader one.
func TestQualifiedTermQuestions(t *testing.T) {
	s := demoStudy(t, "NCT05501886")
	c := eligibility.Parse(s.Eligibility.Criteria)
	want := map[string]string{"chemotherapy": "advanced disease", "hypersensitivity": "study drugs"}
	for _, q := range Questions(s, c) {
		var key string
		for k := range want {
			if strings.Contains(q.Text, k) || strings.Contains(q.Term, k) {
				key = k
			}
		}
		if key == "" {
			continue
		}
		if !strings.Contains(q.Text, want[key]) {
			t.Errorf("%q: broader than the criterion (want %q in it)", q.Text, want[key])
		}
		base := patient.Profile{Age: ptr(58.0), Sex: "female"}
		no := base
		no.NoHistoryOf = []string{q.Words}
		r := Check(no, s, c)
		for _, rw := range r.Rows {
			if strings.Contains(strings.ToLower(rw.Criterion), key) && rw.Status == NotMet {
				t.Errorf("%q answered no: %q %s %q", q.Text, rw.Criterion, rw.Status, rw.Reason)
			}
		}
		// "yes", as the questionnaire records it: the term with its
		// qualifier.
		yes := base
		if q.Kind == AskCondition {
			yes.Conditions = []patient.Condition{{Text: q.Term}}
		} else {
			yes.Therapies = []patient.Therapy{{Name: q.Term, End: "2025-01"}}
		}
		if rw := row(t, Check(yes, s, c), key); rw.Status == Met || key == "hypersensitivity" && rw.Status != NotMet {
			t.Errorf("%q answered yes: %s %q", q.Text, rw.Status, rw.Reason)
		}
		if key == "hypersensitivity" {
			if rw := row(t, r, "hypersensitivity"); rw.Status != Met {
				t.Errorf("%q answered no: %s %q, want met", q.Text, rw.Status, rw.Reason)
			}
			// A "no" about the study drugs says nothing of another
			// allergy: it must not settle a general one.
			general := eligibility.Parse("Exclusion Criteria:\n\n* Known hypersensitivity\n")
			if rw := row(t, Check(no, s, general), "hypersensitivity"); rw.Status != Unknown {
				t.Errorf("a no about the study drugs settles a general hypersensitivity: %s %q", rw.Status, rw.Reason)
			}
		}
	}
}

// TestNoQuestionFromATrimmedCondition: NCT05501886's inclusion
// "metastatic or locally advanced breast cancer Adult females" is
// checked as breast cancer and spread; the spread question asks the
// extent, and the line as written is asked about by no question.
func TestNoQuestionFromATrimmedCondition(t *testing.T) {
	s := demoStudy(t, "NCT05501886")
	for _, q := range Questions(s, eligibility.Parse(s.Eligibility.Criteria)) {
		if strings.Contains(q.Text, "Adult females") {
			t.Errorf("asks %q", q.Text)
		}
	}
}
