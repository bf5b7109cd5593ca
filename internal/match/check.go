// Package match checks a patient against a study's eligibility criteria,
// criterion by criterion, ranks recruiting studies for a patient, and
// measures the ranking on the TREC and SIGIR patient-matching benchmarks.
//
// # Verdicts
//
// These are the semantics of the check, stated once; the code below
// follows them and the tests (property_test.go, vignettes_test.go)
// measure them.
//
// Each criterion is met, not met, or unknown, read from the patient's
// side: an inclusion is met when the patient's facts satisfy it; an
// exclusion is met when it certainly does not apply to them (an
// exclusion of "NYHA class ≥ II" is met by class I) and not met when it
// does. A missing fact, a "not sure", or a criterion in free text the
// parser could not structure is unknown ("ask the study team"), never
// assumed.
//
// A criterion is "not met" only when a fact the patient gave clearly
// contradicts a constraint read with confidence, and its reason states
// that comparison. What the parser read with doubt (eligibility's
// "hedged": a far negation, a conditional or permissive clause, a rule
// for one cohort, "other malignancies", a metastasis offered as one
// alternative), a therapy named so broadly that the patient's may be
// another ("surgery", "steroids"), and in a long exclusion or one about
// a treatment's setting a biomarker or spread, and an exclusion that
// grades or counts the condition or course it names ("low back pain that
// is less than moderate", "isolated extramedullary relapse", "\>3 brain
// metastasis"), can make a criterion met or unknown, never not met; nor
// can the sex an exclusion says more about ("Women who had undergone
// hysterectomy" keeps out some women, not women). An allowance
// ("patients with treated brain metastases may be enrolled if …",
// "pregnancy will not be considered as exclusion criteria") rules no one
// out: it is met (unknown when it has conditions nobody read, see
// below), and the criterion it belongs to ignores it; an exclusion that
// prohibits and permits ("… not permitted (prior adjuvant chemotherapy
// permitted)") is unknown when it applies.
//
// A criterion is met, and an exclusion does not rule the patient out,
// only when every part of its text that decides it was read
// (coverage.go). Its unread part is the words of its own text (sub-items
// are checked on their own) outside the spans its constraints read and
// what only restates, sources or defines them ("HbA1c ≥ 6.5% (48
// mmol/mol)", "measured by echocardiogram", "per RECIST 1.1",
// "Uncontrolled diabetes (HbA1c ≥ 13%)"), less the words that decide
// nothing by themselves: grammar, the people the criterion is about, how
// or when a fact came to be known ("histologically confirmed", "prior"),
// the study's moments ("at screening"), units and the names of what is
// measured, and the kinds of thing a term names ("disease", "therapy").
// An inclusion with unread words whose read constraints are all met is
// unknown, its reason saying what was checked and that the rest is for
// the study team ("Age ≥ 18 years with histologically confirmed
// adenocarcinoma and measurable disease per RECIST 1.1" is not met on
// the age); one that a read constraint contradicts stays not met. An
// exclusion is triggered only by a constraint whose alternative (the
// text between the "or"s and semicolons around it) was read whole: a
// pregnant patient is ruled out by "Pregnant, lactating, or of
// child-bearing potential", a patient with brain metastases is not by
// "unstable brain metastases". It is untriggered only when every
// alternative holding unread words (cut finely here, at "and", commas
// and brackets too, which often join alternatives; examples stay with
// the term they are examples of) holds a constraint the patient's facts
// rule out, since what is left of such an alternative only narrows it
// ("symptomatic uncontrolled brain metastasis" for a patient without
// brain metastases); else it is unknown ("Spinal cord compression and
// unstable brain metastases"). Any-of and all-of groups combine their
// parts' outcomes as below.
//
// Whether the disease has spread is read from an item that speaks of
// spread in general ("evidence of metastatic disease", "M0"): metastases
// at a site, of a size or number, in lymph nodes, a complication
// ("metastatic spinal cord compression") or a scan negative for them
// can make a criterion met or unknown on it, never not met.
//
// Criteria that together leave no answer about one fact passing — one
// rules out everyone who had a condition or therapy ("prior
// chemotherapy" among exclusions), another everyone who did not ("prior
// platinum-based chemotherapy" among inclusions); or one rules out each
// answer about pregnancy, breastfeeding, sex or spread ("pregnant women
// of all parities" and "multiple pregnancy") — conflict: as written
// they exclude everyone, and far more often one is misread or meant for
// a group the text does not name. None is then "not met"; each is
// unknown with the reason "the criteria about chemotherapy seem to
// conflict … — ask the study team", and the questionnaire does not ask
// about it. The questionnaire also leaves out any question every answer
// to which makes more criteria "not met" than no answer (Questions). An
// inclusion's washout ("at least 4 weeks since prior chemotherapy") is
// met by a patient who never had the therapy; an exclusion's window
// ("chemotherapy within 4 weeks") rules out only a patient whose
// therapy ended inside it, and is unknown when the end date is not
// given. A partner's pregnancy is not the patient's.
//
// A condition or therapy the criterion narrows ("chemotherapy … for
// advanced disease", "hypersensitivity to the study drugs", the parser's
// "intermediate-acting insulin") is matched
// with its qualifier: a general "never had" settles it, a narrow one
// settles nothing broader, and its question asks the narrow thing. An
// inclusion's condition is matched without the extent words ("locally
// advanced", "metastatic") that its item's own spread constraint checks.
//
// An inclusion item holds when all its constraints and sub-items hold
// (any one, for an "any of" item and for lines joined by a trailing
// "or"); an exclusion applies when any of them does. Conditions match by
// concept: the patient's diagnosis, its MeSH descriptors and their names
// and entry terms, never by words every condition shares ("disease",
// "metastatic", "malignancies"); metastatic disease is the patient's
// "spread" fact against "metastatic", "M0", "operable"; a stage is
// compared with the set of stages the criterion allows (stage IV, or
// spread disease, is outside "stage IIB-III"; "stage II" without its
// sub-stage may lie either side); a carcinoma's histology with another
// named for the same organ (lung adenocarcinoma against "squamous NSCLC"
// or "small cell lung cancer" is not met; against "squamous or
// non-squamous NSCLC" it is not ruled out); biomarkers
// (HER2, ER, PR, HR, EGFR, …) compare statuses, so HER2-positive against
// "HER2-negative" is not met. Lines of prior treatment compare the
// patient's count with the criterion's ("You have had 1 prior line of
// treatment; this trial is for people who have had none"); a criterion
// read from progression ("progressed on prior osimertinib") is not met
// only by a patient with no line, no therapy and no relapse, and an
// exclusion rules out by a count only ("more than 2 prior lines"), never
// by "first-line" or progression, which there describe a setting. Time
// windows compare the days since a therapy ended, or how long it has
// been taken where the criterion counts use ("on an antipsychotic for at
// least 12 weeks"). A healthy volunteer is checked against whether the
// study takes them.
//
// Ranking (Rank) may also read a study's title, and for a lung cancer
// with a known driver its inclusion criteria, but only to put a study
// after those that fit, never to change a verdict: a title read as an
// inclusion criterion that the patient's facts contradict ("… Who Have
// Progressed on Prior EGFR TKIs" for an untreated patient, "Neoadjuvant"
// for spread disease), or a lung cancer driver asked for that the
// patient was not tested for beside their own (ROS1 for an EGFR-mutated
// tumour: drivers almost never occur together).
//
// The study's verdict:
//
//   - not eligible: at least one criterion is not met;
//   - likely eligible: none is not met and every checkable criterion (the
//     study's sex and age limits, and every item with structured
//     constraints) is met: only free-text criteria remain to ask about;
//   - possibly eligible: otherwise (some checkable criterion is unknown).
package match

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// Status is the outcome of one criterion.
type Status int8

// The statuses. Unknown is the zero value: nothing is met by default.
const (
	Unknown Status = iota
	Met
	NotMet
)

var statusNames = [...]string{"unknown", "met", "not met"}

func (s Status) String() string { return statusNames[s] }

// MarshalJSON writes the status as its name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a status name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for i, n := range statusNames {
		if n == name {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", name)
}

// truth values combine like Kleene's three-valued logic.
func and(a, b Status) Status {
	switch {
	case a == NotMet || b == NotMet:
		return NotMet
	case a == Met && b == Met:
		return Met
	}
	return Unknown
}

func or(a, b Status) Status {
	switch {
	case a == Met || b == Met:
		return Met
	case a == NotMet && b == NotMet:
		return NotMet
	}
	return Unknown
}

func not(a Status) Status {
	switch a {
	case Met:
		return NotMet
	case NotMet:
		return Met
	}
	return Unknown
}

// Verdict is the overall outcome for one study.
type Verdict string

// The verdicts, best first.
const (
	LikelyEligible   Verdict = "likely eligible"
	PossiblyEligible Verdict = "possibly eligible"
	NotEligible      Verdict = "not eligible"
)

func (v Verdict) rank() int {
	switch v {
	case LikelyEligible:
		return 0
	case PossiblyEligible:
		return 1
	}
	return 2
}

// Row is one criterion and its outcome.
type Row struct {
	// Section is "study" for the registered sex and age limits,
	// "inclusion" or "exclusion" for parsed criteria.
	Section   string `json:"section"`
	Criterion string `json:"criterion"`
	// Span is the criterion's byte range in the study's criteria text.
	Span     [2]int `json:"span"`
	Status   Status `json:"status"`
	Reason   string `json:"reason"`
	FreeText bool   `json:"freeText,omitempty"`
	AnyOf    bool   `json:"anyOf,omitempty"`
	Rows     []Row  `json:"rows,omitempty"`
}

// Counts counts the top-level criteria by outcome; FreeText criteria are
// unknown but counted apart from Unknown.
type Counts struct {
	Met      int `json:"met"`
	NotMet   int `json:"notMet"`
	Unknown  int `json:"unknown"`
	FreeText int `json:"freeText"`
}

func (c *Counts) add(s Status, free bool) {
	switch {
	case free:
		c.FreeText++
	case s == Met:
		c.Met++
	case s == NotMet:
		c.NotMet++
	default:
		c.Unknown++
	}
}

func (c Counts) verdict() Verdict {
	switch {
	case c.NotMet > 0:
		return NotEligible
	case c.Unknown == 0:
		return LikelyEligible
	}
	return PossiblyEligible
}

// Result is a patient checked against one study.
type Result struct {
	NCTID   string  `json:"nctId"`
	Verdict Verdict `json:"verdict"`
	Counts  Counts  `json:"counts"`
	Rows    []Row   `json:"rows"`
}

// String summarises the result in one line, for logs and test failures.
func (r Result) String() string {
	return fmt.Sprintf("%s %s (%d met, %d not met, %d unknown, %d free text)", r.NCTID, r.Verdict, r.Counts.Met, r.Counts.NotMet, r.Counts.Unknown, r.Counts.FreeText)
}

// Check checks a patient against a study whose criteria text parsed to
// c. An invalid profile checks as if empty: every criterion about the
// patient is then unknown.
func Check(p patient.Profile, s study.Study, c eligibility.Criteria) Result {
	f, err := p.Facts(time.Now())
	if err != nil {
		f = patient.Facts{AsOf: time.Now(), Measures: map[string]patient.Measure{}}
	}
	v, _ := vocab.Load() // without the vocabulary, conditions match by their words only
	pi := newProfileIndex(f, v)
	return pi.check(s.NCTID, &s.Eligibility, prepare(c), true)
}

// check runs the criteria; with explain it fills the rows, without it
// only counts, which is the fast path ranking uses for every candidate.
func (pi *profileIndex) check(nctID string, e *study.Eligibility, pc *prepared, explain bool) Result {
	r := Result{NCTID: nctID}
	ck := checker{pi: pi, explain: explain, agesRegistered: e.MinimumAge.IsSet() || e.MaximumAge.IsSet()}
	if explain {
		r.Rows = ck.studyRows(e)
		for _, row := range r.Rows {
			r.Counts.add(row.Status, false)
		}
	} else {
		ck.countStudy(e, &r.Counts)
	}
	for _, excl := range []bool{false, true} {
		items, name := pc.incl, "inclusion"
		switch {
		case excl && explain:
			items, name = pc.excl, "exclusion"
		case excl:
			items = pc.checkedExcl
		case !explain:
			items = pc.checkedIncl
		}
		for i := range items {
			it := &items[i]
			var row *Row
			if explain {
				r.Rows = append(r.Rows, Row{Section: name})
				row = &r.Rows[len(r.Rows)-1]
			}
			st := ck.item(it, excl, row)
			r.Counts.add(st, !it.structured)
		}
	}
	if !explain {
		r.Counts.FreeText += pc.free
	}
	r.Verdict = r.Counts.verdict()
	return r
}

type checker struct {
	pi      *profileIndex
	explain bool
	// agesRegistered marks a study whose registered age limits are
	// checked: an age read from its criteria text can then confirm, but
	// never overrule them.
	agesRegistered bool
	excl           bool // checking an exclusion
	reasons        []string
}

// say adds a reason to the current criterion's; two constraints read
// from one phrase ("brain metastases" is a condition and a metastasis)
// give it once.
func (ck *checker) say(format string, args ...any) {
	r := fmt.Sprintf(format, args...)
	if !slices.Contains(ck.reasons, r) {
		ck.reasons = append(ck.reasons, r)
	}
}

// countStudy counts the registered sex and age limits without
// explaining them: the ranking path.
func (ck *checker) countStudy(e *study.Eligibility, c *Counts) {
	f := &ck.pi.f
	if e.Sex == "FEMALE" || e.Sex == "MALE" {
		c.add(sexStatus(f.Sex, e.Sex), false)
	}
	if e.MinimumAge.IsSet() || e.MaximumAge.IsSet() {
		c.add(ageStatus(f, e.MinimumAge, e.MaximumAge), false)
	}
	if st, ok := volunteerStatus(f, e); ok {
		c.add(st, false)
	}
}

// barred reports a study whose registered limits (sex, age, healthy
// volunteers) the patient's facts contradict: the surest "not eligible",
// which no reading of the criteria text can soften.
func barred(f *patient.Facts, e *study.Eligibility) bool {
	if (e.Sex == "FEMALE" || e.Sex == "MALE") && sexStatus(f.Sex, e.Sex) == NotMet {
		return true
	}
	if (e.MinimumAge.IsSet() || e.MaximumAge.IsSet()) && ageStatus(f, e.MinimumAge, e.MaximumAge) == NotMet {
		return true
	}
	st, ok := volunteerStatus(f, e)
	return ok && st == NotMet
}

// volunteerStatus checks a healthy volunteer against whether the study
// takes healthy volunteers; ok is false when the row does not apply.
func volunteerStatus(f *patient.Facts, e *study.Eligibility) (st Status, ok bool) {
	if f.HealthyVolunteer != patient.Yes {
		return Unknown, false
	}
	switch {
	case e.HealthyVolunteers == nil:
		return Unknown, true
	case *e.HealthyVolunteers:
		return Met, true
	}
	return NotMet, true
}

func sexStatus(have, want string) Status {
	switch {
	case have == "":
		return Unknown
	case strings.EqualFold(have, want):
		return Met
	}
	return NotMet
}

// ageStatus compares the age with the limits. A limit in years counts
// completed years: a 75-year-old meets "up to 75 Years" until their 76th
// birthday.
func ageStatus(f *patient.Facts, lo, hi study.Age) Status {
	if !f.HasAge {
		return Unknown
	}
	okLo := !lo.IsSet() || f.Age >= lo.Years()-1e-9
	okHi := !hi.IsSet() || hi.Unit == study.Years && math.Floor(f.Age) <= float64(hi.N) || hi.Unit != study.Years && f.Age <= hi.Years()
	if okLo && okHi {
		return Met
	}
	return NotMet
}

// studyRows checks the registered sex and age limits.
func (ck *checker) studyRows(e *study.Eligibility) []Row {
	var rows []Row
	f := &ck.pi.f
	if e.Sex == "FEMALE" || e.Sex == "MALE" {
		want := strings.ToLower(e.Sex)
		row := Row{Section: "study", Criterion: "Sex: " + study.Sexes.Label(e.Sex) + " only", Status: sexStatus(f.Sex, e.Sex)}
		switch row.Status {
		case Unknown:
			row.Reason = "We don't know your sex — the study takes " + want + " participants only"
		case Met:
			row.Reason = "The study takes " + want + " participants"
		default:
			row.Reason = "The study takes " + want + " participants only"
		}
		rows = append(rows, row)
	}
	if e.MinimumAge.IsSet() || e.MaximumAge.IsSet() {
		rows = append(rows, ageRow(f, e.MinimumAge, e.MaximumAge))
	}
	if st, ok := volunteerStatus(f, e); ok {
		reason := map[Status]string{Met: "The study takes healthy volunteers",
			NotMet:  "The study does not take healthy volunteers: it is for people with the condition",
			Unknown: "The study does not say whether it takes healthy volunteers — ask the study team"}[st]
		rows = append(rows, Row{Section: "study", Criterion: "Healthy volunteers", Status: st, Reason: reason})
	}
	return rows
}

func ageRow(f *patient.Facts, lo, hi study.Age) Row {
	var limit string
	switch {
	case lo.IsSet() && hi.IsSet():
		limit = fmt.Sprintf("%s to %s", lo, hi)
	case lo.IsSet():
		limit = fmt.Sprintf("%s or older", lo)
	default:
		limit = fmt.Sprintf("up to %s", hi)
	}
	row := Row{Section: "study", Criterion: "Age: " + strings.ToLower(limit), Status: ageStatus(f, lo, hi)}
	age := fmtNum(f.Age)
	switch {
	case row.Status == Unknown:
		row.Reason = "We don't know your age — the study takes ages " + strings.ToLower(limit)
	case row.Status == Met:
		row.Reason = fmt.Sprintf("Age %s meets the limit of %s", age, strings.ToLower(limit))
	case ageStatus(f, lo, study.Age{}) == NotMet:
		row.Reason = fmt.Sprintf("Age %s is below the minimum of %s", age, strings.ToLower(lo.String()))
	default:
		row.Reason = fmt.Sprintf("Age %s is above the maximum of %s", age, strings.ToLower(hi.String()))
	}
	return row
}

// item evaluates one criterion: the proposition its constraints and
// sub-items state, inverted for an exclusion.
func (ck *checker) item(it *pitem, excl bool, row *Row) Status {
	if it.allowance {
		// An allowance with conditions we could not read ("… allowed
		// if more than 14 days have elapsed") may still leave out some
		// of those it speaks of.
		st, reason := Met, "This lets some people take part; it rules no one out"
		if it.partial {
			st, reason = Unknown, "This lets some people take part if conditions we can't check are met — ask the study team"
		}
		if row != nil {
			ck.reasons = ck.reasons[:0]
			fillRow(row, it, st, reason)
		}
		return st
	}
	p, partlyRead := ck.proposition(it, excl, row)
	st := p
	if excl {
		st = not(p)
		if p == Met && it.exception {
			st = Unknown
			if row != nil {
				ck.say("the criterion names an exception that may cover you")
			}
		}
	}
	if row != nil {
		var reason string
		switch {
		case !it.structured:
			reason = "This criterion is free text we can't check — ask the study team"
		case partlyRead:
			reason = partlyReadReason(excl, ck.reasons, len(row.Rows) > 0)
		case len(ck.reasons) > 0:
			reason = strings.Join(ck.reasons, "; ")
			if len(row.Rows) > 0 && st != Unknown {
				reason += "; and see the sub-criteria"
			}
		case len(row.Rows) > 0:
			reason = "See the sub-criteria"
		}
		if excl && it.structured && !partlyRead {
			// The reasons compare facts; say what they mean for an
			// exclusion, which people read the other way round.
			switch st {
			case Met:
				reason = "Does not rule you out: " + reason
			case NotMet:
				reason = "Rules you out: " + reason
			}
		}
		fillRow(row, it, st, reason)
		ck.reasons = ck.reasons[:0]
	}
	return st
}

// partlyReadReason says what was checked of a criterion we could read
// only part of, and that the rest is for the study team.
func partlyReadReason(excl bool, reasons []string, kids bool) string {
	what := strings.Join(reasons, "; ")
	if kids {
		what = strings.TrimPrefix(what+"; and the sub-criteria", "; ")
	}
	if what == "" {
		what = "the sub-criteria"
	}
	if excl {
		return "We could check only part of this, and that part does not rule you out: " + what + ". The rest we can't check — ask the study team"
	}
	return "We could check only part of this, and that part is met: " + what + ". The rest we can't check — ask the study team"
}

func fillRow(row *Row, it *pitem, st Status, reason string) {
	row.Criterion = criterionText(it.src.Text)
	if eligibility.Joined(*it.src) {
		row.Criterion = "Any of these"
	}
	row.Span = it.src.Span
	row.AnyOf = it.src.AnyOf
	row.Status = st
	row.FreeText = !it.structured && !it.allowance
	row.Reason = reason
}

// markdownEscapeRe is ClinicalTrials.gov's backslash before a character
// that would otherwise be Markdown ("eGFR \<45", "m\^2").
var markdownEscapeRe = regexp.MustCompile(`\\([\\<>\[\]()*_#~.\-+=!|{}'"^` + "`" + `])`)

// criterionText is a criterion as people read it: one line, without
// Markdown escapes.
func criterionText(s string) string {
	return markdownEscapeRe.ReplaceAllString(strings.Join(strings.Fields(s), " "), "$1")
}

// proposition combines an item's constraints and sub-items: all of them
// for an inclusion, any of them for an exclusion or an "any of" item.
// partlyRead reports a criterion that would have been met (an exclusion:
// not triggered) on what was read, and is unknown for what was not (see
// coverage.go).
func (ck *checker) proposition(it *pitem, excl bool, row *Row) (st Status, partlyRead bool) {
	if !it.structured {
		return Unknown, false
	}
	ck.excl = excl
	anyOf := excl || it.src.AnyOf
	acc := Met
	if anyOf {
		acc = NotMet
	}
	combine := func(s Status) {
		if anyOf {
			acc = or(acc, s)
		} else {
			acc = and(acc, s)
		}
	}
	alt, inAlt := NotMet, false // a run of alternatives (orNext)
	var falsified uint64        // the open alternatives of an exclusion a constraint rules out
	for i := range it.cons {
		pc := &it.cons[i]
		if pc.skip {
			continue
		}
		s := ck.constraint(pc)
		if s == NotMet {
			falsified |= pc.parts
		}
		if s == Met && pc.partOnly {
			// Triggered by a part of an exclusion the rest of which
			// we could not read ("unstable brain metastases").
			if ck.explain {
				ck.say("but the criterion says more about it than we can check — ask the study team")
			}
			s = Unknown
		}
		if inAlt {
			s = or(alt, s)
		}
		if alt, inAlt = s, pc.orNext; !inAlt {
			combine(s)
		}
	}
	if inAlt {
		combine(alt)
	}
	if len(it.kids) > 0 {
		own := ck.reasons
		ck.reasons = nil
		for i := range it.kids {
			var sub *Row
			if row != nil {
				row.Rows = append(row.Rows, Row{Section: row.Section})
				sub = &row.Rows[len(row.Rows)-1]
			}
			s := ck.item(&it.kids[i], excl, sub)
			if it.kids[i].allowance {
				continue // lets people in: no part of what the item rules out
			}
			if excl {
				s = not(s) // back to the proposition
			}
			combine(s)
		}
		ck.reasons = own
	}
	switch {
	case !it.partial:
	case !excl && acc == Met:
		if i := ck.pi.conds.find(it.rest); i >= 0 {
			if ck.explain {
				ck.say("You have %s (matches %q)", ck.pi.conds.text[i], it.restText)
			}
			return Met, false
		}
		return Unknown, true
	case excl && acc == NotMet && falsified != 1<<it.openParts-1:
		// Not triggered by what was read, while an alternative we
		// could not read may trigger it; one whose read part the
		// patient's facts rule out is ruled out whatever the rest
		// says of it ("symptomatic uncontrolled brain metastases").
		return Unknown, true
	}
	return acc, false
}
