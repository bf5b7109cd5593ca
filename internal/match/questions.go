package match

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// The kinds of Question, in the order a questionnaire asks them.
const (
	AskAge           = "age"
	AskSex           = "sex"
	AskPregnant      = "pregnant"
	AskBreastfeeding = "breastfeeding"
	AskStage         = "stage"
	AskSpread        = "spread"
	AskBiomarker     = "biomarker"
	AskCondition     = "condition"
	AskECOG          = "ecog"
	AskKarnofsky     = "karnofsky"
	AskMeasure       = "measure"
	AskLines         = "lines"
	AskTherapy       = "therapy"
)

var askOrder = []string{AskAge, AskSex, AskPregnant, AskBreastfeeding, AskStage, AskSpread, AskBiomarker, AskCondition, AskECOG, AskKarnofsky, AskMeasure, AskLines, AskTherapy}

// Question is one fact a study's check depends on, to ask the patient.
type Question struct {
	Kind string
	// Text is the question in plain words.
	Text string
	// Why lists the requirements that make the answer matter, in the
	// criteria's terms ("Inclusion: platelets ≥ 100 ×10^9/L").
	Why []string
	// Variable is the eligibility variable of an AskMeasure question.
	Variable string
	// Units are the units the value may be given in, the variable's
	// canonical unit first; "ULN" (a multiple of the upper limit of
	// normal) is offered when a criterion states its limit that way.
	Units []Unit
	// Choices are the answers of a question with fixed grades
	// (performance status, NYHA and Child-Pugh classes, stages).
	Choices []Choice
	// Term is the condition or therapy as the criteria name it, for
	// AskCondition and AskTherapy; Words is the same term as the checker
	// compares it, which is what a "no" answer records
	// (patient.Profile.NoHistoryOf).
	Term, Words string
	// Window marks a therapy whose criterion counts the time since it
	// ended, so its end date matters.
	Window bool
}

// Unit is a unit a value may be given in: Value is the spelling the
// profile takes, Label how to show it.
type Unit struct{ Value, Label string }

// Choice is one fixed answer.
type Choice struct{ Value, Label string }

// Limits on the yes/no questions, so that a study with long criteria
// still gets a short questionnaire: the first terms are usually the
// study's own condition and its main exclusions.
const (
	maxConditionQuestions = 12
	maxTherapyQuestions   = 8
	// maxTermWords leaves out terms too long to be one condition or
	// therapy ("other malignancy that in the opinion of the investigator").
	maxTermWords = 6
)

// Questions lists what to ask to check a patient against s, whose
// criteria parsed to c: only the facts its registered sex and age limits
// and the constraints the checker evaluates depend on. Constraints the
// checker cannot settle from a profile (time windows alone, life
// expectancy, contraception) get no question; their criteria stay
// unknown.
func Questions(s study.Study, c eligibility.Criteria) []Question {
	pc := prepare(c)
	return slices.DeleteFunc(candidateQuestions(s, pc), func(q Question) bool { return noAnswerPasses(q, s, pc) })
}

// candidateQuestions are the questions the criteria raise, before those
// no answer passes are left out.
func candidateQuestions(s study.Study, pc *prepared) []Question {
	v, _ := vocab.Load() // without the vocabulary, conditions are not asked about
	qb := questionBuilder{vocab: v, byKey: map[string]int{}}
	e := s.Eligibility
	if e.Sex == "FEMALE" || e.Sex == "MALE" {
		qb.ask(AskSex, "", "The study takes "+strings.ToLower(study.Sexes.Label(e.Sex))+" participants only")
	}
	if e.MinimumAge.IsSet() || e.MaximumAge.IsSet() {
		qb.ask(AskAge, "", "The study takes ages "+strings.TrimPrefix(ageRow(&patient.Facts{}, e.MinimumAge, e.MaximumAge).Criterion, "Age: "))
	}
	for _, items := range []struct {
		list    []pitem
		section string
	}{{pc.incl, "Inclusion"}, {pc.excl, "Exclusion"}} {
		for i := range items.list {
			qb.item(&items.list[i], items.section)
		}
	}
	slices.SortStableFunc(qb.qs, func(a, b Question) int {
		return slices.Index(askOrder, a.Kind) - slices.Index(askOrder, b.Kind)
	})
	return qb.qs
}

// noAnswerPasses reports a question every answer to which makes more of
// the study's criteria "not met" than no answer does: a patient who
// answers is told "not eligible" whatever the answer, so it is not
// asked. Conflicts the check can tell (markConflicts) are never asked;
// this catches the misreadings it cannot. Numbers (age, lab values) are
// not tried: some value always passes a threshold.
func noAnswerPasses(q Question, s study.Study, pc *prepared) bool {
	answers := AnswerProfiles(q)
	if len(answers) == 0 {
		return false
	}
	v, _ := vocab.Load()
	notMet := func(p patient.Profile) int {
		f, err := p.Facts(time.Now())
		if err != nil {
			return 0
		}
		if q.Kind != AskSex {
			f.Sex = "" // said only so that a pregnancy answer is valid
		}
		return newProfileIndex(f, v).check(s.NCTID, &s.Eligibility, pc, false).Counts.NotMet
	}
	base := notMet(patient.Profile{})
	for _, p := range answers {
		if notMet(p) <= base {
			return false
		}
	}
	return true
}

// AnswerProfiles are the profiles that answer q each way the
// questionnaire offers, with nothing else said: "no" to a condition or
// therapy is the patient.Profile.NoHistoryOf its Words record, "yes" to
// a therapy had long ago or taken now. Questions of a number (age, lab
// values) have none: their answers are not a few choices.
func AnswerProfiles(q Question) []patient.Profile {
	var out []patient.Profile
	switch q.Kind {
	case AskSex:
		out = append(out, patient.Profile{Sex: "female"}, patient.Profile{Sex: "male"})
	case AskPregnant, AskBreastfeeding:
		for _, b := range []bool{true, false} {
			p := patient.Profile{Sex: "female", Pregnant: &b}
			if q.Kind == AskBreastfeeding {
				p.Pregnant, p.Breastfeeding = nil, &b
			}
			out = append(out, p)
		}
	case AskECOG:
		for e := range 5 {
			out = append(out, patient.Profile{ECOG: &e})
		}
	case AskStage:
		for _, ch := range q.Choices {
			out = append(out, patient.Profile{Conditions: []patient.Condition{{Text: "cancer", Stage: ch.Value}}})
		}
	case AskLines:
		for _, ch := range q.Choices {
			n, _ := strconv.Atoi(ch.Value)
			out = append(out, patient.Profile{PriorLines: &n})
		}
	case AskSpread:
		for _, b := range []bool{true, false} {
			out = append(out, patient.Profile{Conditions: []patient.Condition{{Text: "cancer", Metastatic: &b}}})
		}
	case AskBiomarker:
		for _, ch := range q.Choices {
			if ch.Value != "" {
				out = append(out, patient.Profile{Biomarkers: []patient.Biomarker{{Name: q.Term, Status: ch.Value}}})
			}
		}
	case AskCondition:
		out = append(out, patient.Profile{Conditions: []patient.Condition{{Text: q.Term}}}, patient.Profile{NoHistoryOf: []string{q.Words}})
	case AskTherapy:
		out = append(out, patient.Profile{Therapies: []patient.Therapy{{Name: q.Term, Current: true}}},
			patient.Profile{Therapies: []patient.Therapy{{Name: q.Term, End: "2000"}}}, patient.Profile{NoHistoryOf: []string{q.Words}})
	}
	return out
}

type questionBuilder struct {
	vocab *vocab.Vocab
	qs    []Question
	byKey map[string]int
	conds int
	ther  int
	// scope is the cohort the current item's rules are for, if one.
	scope string
}

// ask adds a question, or the reason to an existing one of the same key.
func (qb *questionBuilder) ask(kind, key, why string) *Question {
	k := kind + "\x00" + key
	i, ok := qb.byKey[k]
	if !ok {
		i = len(qb.qs)
		qb.byKey[k] = i
		qb.qs = append(qb.qs, Question{Kind: kind, Text: questionText[kind]})
	}
	q := &qb.qs[i]
	if qb.scope != "" && why != "" {
		why += " (" + qb.scope + " only)"
	}
	if why != "" && !slices.Contains(q.Why, why) && len(q.Why) < 3 {
		q.Why = append(q.Why, why)
	}
	return q
}

var questionText = map[string]string{
	AskAge:           "How old are you?",
	AskSex:           "What is your sex?",
	AskPregnant:      "Are you pregnant?",
	AskBreastfeeding: "Are you breastfeeding?",
	AskStage:         "What stage is your cancer?",
	AskSpread:        "Has your disease spread to other parts of the body (metastatic)?",
	AskECOG:          "Which best describes your daily activity (ECOG performance status)?",
	AskKarnofsky:     "What is your Karnofsky performance score?",
	AskLines:         "How many lines of treatment (courses of chemotherapy, targeted therapy, immunotherapy and the like) have you had for this disease so far?",
}

func (qb *questionBuilder) item(it *pitem, section string) {
	if it.allowance {
		return // rules no one out: no answer changes it
	}
	// A rule for one cohort says so in its reasons, which would
	// otherwise read "requires: chemotherapy" beside another cohort's
	// "excludes: chemotherapy".
	if m := cohortLabelRe.FindStringSubmatch(it.src.Text); m != nil {
		defer func(scope string) { qb.scope = scope }(qb.scope)
		qb.scope = strings.ToLower(m[1])
	}
	for i := range it.cons {
		pc := &it.cons[i]
		// What an item that prohibits and permits names under a
		// negation is what it permits ("prior adjuvant chemotherapy is
		// permitted"): not a reason to ask.
		// A condition or therapy the criteria both ask for and rule out
		// (markConflicts) is no question: no answer passes.
		if !pc.skip && !pc.conflict && !(it.exception && pc.c.Negated && (pc.c.Kind == eligibility.KindTherapy || pc.c.Kind == eligibility.KindCondition)) {
			qb.constraint(pc, section)
		}
	}
	for i := range it.kids {
		qb.item(&it.kids[i], section)
	}
}

// cohortLabelRe opens a rule for one group of a study ("Cohort 2:",
// "Cohort 3 only：", "Part B -").
var cohortLabelRe = regexp.MustCompile(`(?i)^\W*(?:for\s+)?((?:group|cohort|arm|part|stratum)\s*(?:[a-z]|\d{1,2}|[ivx]{1,4}))\b(?:\s+only)?\s*[:：\-(]`)

func (qb *questionBuilder) constraint(pc *pcons, section string) {
	c := pc.c
	why := section + ": " + strings.Join(strings.Fields(c.Term), " ")
	if c.Negated && (c.Kind == eligibility.KindTherapy || c.Kind == eligibility.KindCondition) {
		// "no statin treatment so far": the reason says which way.
		why = section + ": no " + strings.Join(strings.Fields(c.Term), " ")
	}
	if pc.qualText != "" {
		why += qualJoin(c.Kind) + pc.qualText
	}
	switch c.Kind {
	case eligibility.KindMeasure:
		qb.measure(c, section)
	case eligibility.KindSex:
		qb.ask(AskSex, "", why)
	case eligibility.KindPregnancy:
		kind, state, without := AskPregnant, "pregnancy", "not pregnant"
		if c.Term == "lactation" {
			kind, state, without = AskBreastfeeding, "breastfeeding", "not breastfeeding"
		}
		// An inclusion that asks for a negative test, contraception or
		// no pregnancy keeps pregnant women out, as the checker reads it
		// (pcons.notPregnant): its reason must not read as requiring one.
		if section == "Inclusion" && pc.notPregnant {
			state = without
		}
		qb.ask(kind, "", section+": "+state)
	case eligibility.KindStage:
		q := qb.ask(AskStage, "", why)
		q.Choices = stageChoices
	case eligibility.KindPriorLines:
		why = section + ": lines of treatment so far: " + linesWanted(c)
		if c.Term == eligibility.ProgressedAfterPrior {
			why = section + ": " + linesWanted(c)
		}
		qb.ask(AskLines, "", why).Choices = lineChoices
	case eligibility.KindBiomarker:
		q := qb.ask(AskBiomarker, c.Term, section+": "+c.Term+"-"+markerWord(c.Value))
		q.Term = c.Term
		q.Text = "Is your tumor " + c.Term + "-positive or " + c.Term + "-negative?"
		q.Choices = markerChoices
	case eligibility.KindCondition, eligibility.KindMetastasis:
		switch {
		case pc.spread:
			qb.ask(AskSpread, "", why)
			return
		case pc.vague:
			return // names no condition: nothing to ask
		}
		if qb.conds < maxConditionQuestions {
			if q := qb.term(AskCondition, pc, why); q != nil {
				q.Text = "Have you been diagnosed with " + q.Term + "?"
				if pc.qualText != "" && allergyWords[strings.ToLower(displayTerm(c.Term))] {
					q.Text = "Are you allergic to " + pc.qualText + "?"
				}
			}
		}
	case eligibility.KindTherapy:
		if qb.ther < maxTherapyQuestions {
			if q := qb.term(AskTherapy, pc, why); q != nil {
				q.Text = "Have you had " + withArticle(q.Term) + "?"
				q.Window = q.Window || c.Window != nil
			}
		}
	}
}

// term adds a yes/no question about a condition or therapy, nil when
// the term is too long or too vague to ask about. A condition is asked
// about only when the vocabulary knows it, or it is a metastasis: the
// parser's condition terms also catch phrases such as "to be
// associated", which make no sense as a question.
func (qb *questionBuilder) term(kind string, pc *pcons, why string) *Question {
	if len(pc.toks) == 0 || len(pc.toks) > maxTermWords {
		return nil
	}
	words := strings.Join(pc.toks, " ")
	if kind == AskCondition && pc.c.Kind != eligibility.KindMetastasis && !qb.known(words, displayTerm(pc.c.Term)) {
		return nil
	}
	if kind == AskCondition && len(pc.toks) < len(termTokens(pc.c.Term, conditionNoise)) {
		// Trimmed of its extent (trimExtent): the spread question asks
		// that, and the term as written is no question.
		return nil
	}
	// A qualified term is its own question, never broader than its
	// criterion ("chemotherapy for advanced disease"): its answer "no"
	// records the qualified words, which settle no broader criterion.
	term := displayTerm(pc.c.Term)
	if pc.qualText != "" {
		words = strings.Join(pc.scoped(), " ")
		term += qualJoin(pc.c.Kind) + pc.qualText
	}
	_, seen := qb.byKey[kind+"\x00"+words]
	q := qb.ask(kind, words, why)
	if !seen {
		q.Term, q.Words = term, words
		if kind == AskCondition {
			qb.conds++
		} else {
			qb.ther++
		}
	}
	return q
}

func (qb *questionBuilder) known(terms ...string) bool {
	if qb.vocab == nil {
		return false
	}
	for _, t := range terms {
		if qb.vocab.Expand(t) != nil {
			return true
		}
	}
	return false
}

// qualJoin joins a term and its qualifier: a therapy is given for a
// disease, a hypersensitivity is to a drug.
func qualJoin(kind string) string {
	if kind == eligibility.KindTherapy {
		return " for "
	}
	return " to "
}

// allergyWords are the conditions a target qualifier makes an allergy
// question of ("Are you allergic to the study drugs?").
var allergyWords = wordSet("hypersensitivity allergy allergies allergic hypersensitivities")

// countNouns are the last words of therapy terms that name one of a
// kind ("a CDK4/6 inhibitor", "an aromatase inhibitor"), unlike
// "chemotherapy" or "insulin".
var countNouns = wordSet("inhibitor agonist antagonist antibody blocker modulator conjugate vaccine transplant transplantation implant device analogue analog agent drug inhaler stent")

// withArticle puts "a" or "an" before a therapy term that names one of a
// kind, so that the question reads as English.
func withArticle(term string) string {
	ws := strings.Fields(term)
	if len(ws) == 0 || !countNouns[strings.ToLower(ws[len(ws)-1])] || leadingNoise[strings.ToLower(ws[0])] {
		return term
	}
	if strings.ContainsRune("aeiouAEIOU", rune(term[0])) {
		return "an " + term
	}
	return "a " + term
}

// leadingNoise are words that open a criterion's term without naming
// the condition or therapy ("history of", "prior", "known").
var leadingNoise = wordSet("history of prior previous known any documented diagnosed with confirmed histologically cytologically pathologically a an the")

// displayTerm is a term as the criteria wrote it, without its opening
// qualifiers and with its white space collapsed; a term in capitals
// ("AUTISM SPECTRUM DISORDERS") is lowered, unless it is one acronym.
func displayTerm(t string) string {
	ws := strings.Fields(t)
	for len(ws) > 1 && leadingNoise[strings.ToLower(ws[0])] {
		ws = ws[1:]
	}
	s := strings.Join(ws, " ")
	if len(ws) > 1 && s == strings.ToUpper(s) {
		s = strings.ToLower(s)
	}
	return s
}

func (qb *questionBuilder) measure(c *eligibility.Constraint, section string) {
	switch c.Variable {
	case "window", "life_expectancy":
		return // the checker cannot settle these from a profile
	}
	why := section + ": " + label(c.Variable) + " " + required(c)
	switch c.Variable {
	case "age":
		qb.ask(AskAge, "", why)
		return
	case "ecog", "who_ps":
		qb.ask(AskECOG, "", why).Choices = ecogChoices
		return
	case "karnofsky":
		qb.ask(AskKarnofsky, "", why).Choices = karnofskyChoices
		return
	}
	q := qb.ask(AskMeasure, c.Variable, why)
	if q.Variable == "" {
		q.Variable = c.Variable
		q.Text = "What is your " + label(c.Variable) + "?"
		q.Choices = gradeChoices[c.Variable]
		if q.Choices == nil {
			v, _ := patient.LookupVariable(c.Variable)
			q.Units = unitsOf(v)
		}
	}
	if c.ULNMultiple && q.Choices == nil && !slices.Contains(q.Units, ulnUnit) {
		q.Units = append(q.Units, ulnUnit)
	}
}

func markerWord(v float64) string {
	if v == eligibility.BiomarkerNegative {
		return "negative"
	}
	return "positive"
}

var markerChoices = []Choice{{"positive", "Positive (or mutated, amplified)"}, {"negative", "Negative"}, {"", "Not sure"}}

var ulnUnit = Unit{"ULN", "× upper limit of normal (ULN)"}

// unitSpellings are the units offered for lab values, as the profile
// takes them and as shown; units(v) keeps those the parser converts for
// v (see patient.Convert).
var unitSpellings = []Unit{
	{"g/dL", "g/dL"}, {"g/L", "g/L"}, {"mg/dL", "mg/dL"}, {"mg/L", "mg/L"}, {"mmol/L", "mmol/L"}, {"umol/L", "µmol/L"},
	{"mEq/L", "mEq/L"}, {"10^9/L", "×10⁹/L"}, {"10^3/uL", "×10³/µL"}, {"cells/uL", "cells/µL (= /mm³)"},
	{"mL/min", "mL/min"}, {"mL/min/1.73m2", "mL/min/1.73 m²"}, {"U/L", "U/L"}, {"%", "%"}, {"s", "seconds"}, {"ms", "ms"},
	{"kg", "kg"}, {"lb", "lb"}, {"kg/m2", "kg/m²"}, {"mmHg", "mmHg"}, {"ng/mL", "ng/mL"}, {"ng/dL", "ng/dL"},
	{"nmol/L", "nmol/L"}, {"mIU/L", "mIU/L"}, {"uIU/mL", "µIU/mL"}, {"IU/mL", "IU/mL"}, {"copies/mL", "copies/mL"},
}

// units lists the units v's values may be given in, its canonical unit
// first. The cell counts read "g/L" as giga per litre, a spelling the
// other units already cover, so it is not offered for them.
// unitsOf is units, computed once per variable: trying every spelling
// costs a parse each, and every trial page asks.
func unitsOf(v eligibility.Variable) []Unit {
	if u, ok := unitCache.Load(v.Name); ok {
		return u.([]Unit)
	}
	u := slices.Clip(units(v)) // shared: an append must copy
	unitCache.Store(v.Name, u)
	return u
}

var unitCache sync.Map // variable name → []Unit

func units(v eligibility.Variable) []Unit {
	var out []Unit
	for _, u := range unitSpellings {
		if strings.EqualFold(u.Value, v.Unit) {
			out = append([]Unit{u}, out...)
			continue
		}
		if v.Unit == "10^9/L" && u.Value == "g/L" {
			continue
		}
		if _, err := patient.Convert(v, 1, u.Value); err == nil {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		// A ratio or a score (INR): its value has no unit.
		out = []Unit{{v.Unit, cmp.Or(v.Unit, "no unit")}}
	}
	return out
}

var (
	ecogChoices = []Choice{
		{"0", "0 — fully active, no restrictions"},
		{"1", "1 — can't do heavy physical work, but can walk and do light work"},
		{"2", "2 — can walk and look after yourself, but can't work; up and about more than half the day"},
		{"3", "3 — can only partly look after yourself; in bed or a chair more than half the day"},
		{"4", "4 — completely disabled; can't look after yourself; in bed or a chair all day"},
	}
	karnofskyChoices = func() []Choice {
		var out []Choice
		for k := 100; k >= 10; k -= 10 {
			s := strconv.Itoa(k)
			out = append(out, Choice{s, s + "%"})
		}
		return out
	}()
	gradeChoices = map[string][]Choice{
		"nyha_class": {{"1", "Class I — no limitation of physical activity"}, {"2", "Class II — slight limitation; ordinary activity causes tiredness or breathlessness"},
			{"3", "Class III — marked limitation; less than ordinary activity causes symptoms"}, {"4", "Class IV — symptoms at rest"}},
		"child_pugh_class": {{"1", "Class A"}, {"2", "Class B"}, {"3", "Class C"}},
	}
	// lineChoices are counts of lines of treatment; none is "None yet".
	lineChoices = func() []Choice {
		out := []Choice{{"0", "None yet"}}
		for n := 1; n <= 10; n++ {
			out = append(out, Choice{strconv.Itoa(n), strconv.Itoa(n)})
		}
		return out
	}()
	stageChoices = func() []Choice {
		var out []Choice
		for _, s := range []string{"0", "I", "IA", "IB", "II", "IIA", "IIB", "IIC", "III", "IIIA", "IIIB", "IIIC", "IV", "IVA", "IVB", "IVC"} {
			out = append(out, Choice{s, "Stage " + s})
		}
		return out
	}()
)
