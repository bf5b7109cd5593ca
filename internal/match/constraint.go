package match

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// constraint returns whether the patient satisfies what the constraint
// states (before an exclusion's inversion). Reasons are written only
// when explaining, so the ranking path does not format strings. A
// hedged constraint never decides against the patient: what would make
// its criterion unmet is unknown instead.
func (ck *checker) constraint(pc *pcons) Status {
	st := ck.reading(pc)
	hedged := pc.hedged || ck.agesRegistered && pc.c.Variable == "age"
	if hedged && (st == NotMet && !ck.excl || st == Met && ck.excl) {
		if ck.explain {
			if pc.conflict {
				ck.say("the criteria about %q seem to conflict (one asks for it, another rules it out) — ask the study team", displayTerm(pc.c.Term))
			} else {
				ck.say("the criterion's wording leaves it open whether this rules you out")
			}
		}
		return Unknown
	}
	return st
}

func (ck *checker) reading(pc *pcons) Status {
	c := pc.c
	var st Status
	switch c.Kind {
	case eligibility.KindMeasure:
		st = ck.measure(c)
	case eligibility.KindSex:
		st = ck.sex(c)
	case eligibility.KindPregnancy:
		// Criteria speak of pregnancy to keep pregnant women out: an
		// exclusion applies to a pregnant patient however it is worded
		// ("not pregnant or breastfeeding"), and an inclusion with a
		// negation, a test or contraception asks for no pregnancy.
		st := ck.pregnancy(c)
		if !ck.excl && pc.notPregnant {
			st = not(st)
		}
		return st
	case eligibility.KindCondition, eligibility.KindMetastasis:
		st = ck.condition(pc)
	case eligibility.KindBiomarker:
		st = ck.biomarker(c)
	case eligibility.KindDiseaseStatus:
		st = ck.course(c)
	case eligibility.KindTherapy:
		st = ck.therapy(pc)
	case eligibility.KindStage:
		st = ck.stage(c)
	case eligibility.KindPriorLines:
		st = ck.priorLines(c)
	default:
		if ck.explain {
			ck.say("%q depends on things we don't ask about — ask the study team", c.Term)
		}
		return Unknown
	}
	// Measures fold "no more than" into their operator; a negation left
	// over ("no ECOG > 2", "not pregnant") inverts the statement.
	if c.Negated && c.Kind != eligibility.KindSex {
		st = not(st)
	}
	return st
}

var shortLabels = map[string]string{"ecog": "ECOG performance status", "who_ps": "WHO performance status",
	"karnofsky": "Karnofsky score", "lansky": "Lansky score", "nyha_class": "NYHA class",
	"child_pugh_class": "Child-Pugh class", "child_pugh_score": "Child-Pugh score", "anc": "neutrophil count (ANC)",
	"wbc": "white blood cell count", "alt": "ALT", "ast": "AST", "inr": "INR", "qtc": "QTc", "lvef": "LVEF",
	"egfr": "eGFR", "bmi": "BMI", "psa": "PSA", "tsh": "TSH", "hba1c": "HbA1c", "cd4": "CD4 count", "pt": "prothrombin time",
	"aptt": "aPTT", "ldl": "LDL cholesterol"}

func label(name string) string {
	if l, ok := shortLabels[name]; ok {
		return l
	}
	if v, ok := patient.LookupVariable(name); ok {
		m := v.Meaning
		if i := strings.IndexAny(m, "(;:"); i > 0 {
			m = m[:i]
		}
		return strings.TrimSpace(m)
	}
	return name
}

func unitText(u string) string {
	switch {
	case u == "ULN":
		return "× ULN"
	case strings.HasPrefix(u, "10^"):
		return "×" + u
	}
	return u
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func fmtValue(lo, hi float64, unit string) string {
	v := fmtNum(round(lo))
	if hi != lo {
		v += "–" + fmtNum(round(hi))
	}
	return strings.TrimSpace(v + " " + unitText(unit))
}

func round(f float64) float64 {
	s := strconv.FormatFloat(f, 'g', 4, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

var opWords = map[string]string{">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}

func required(c *eligibility.Constraint) string {
	unit := c.Unit
	if c.ULNMultiple {
		unit = "ULN"
	}
	if c.Op == eligibility.OpBetween {
		return fmtValue(c.Value, c.Value2, unit)
	}
	return opWords[c.Op] + " " + fmtValue(c.Value, c.Value, unit)
}

// compare says whether every value in [lo, hi] satisfies the
// constraint (Met), none does (NotMet), or some do (Unknown).
func compare(lo, hi float64, op string, a, b float64) Status {
	var all, none bool
	switch op {
	case eligibility.OpGE:
		all, none = lo >= a, hi < a
	case eligibility.OpGT:
		all, none = lo > a, hi <= a
	case eligibility.OpLE:
		all, none = hi <= a, lo > a
	case eligibility.OpLT:
		all, none = hi < a, lo >= a
	case eligibility.OpEQ:
		all, none = lo == a && hi == a, hi < a || lo > a
	case eligibility.OpBetween:
		all, none = lo >= a && hi <= b, hi < a || lo > b
	}
	switch {
	case all:
		return Met
	case none:
		return NotMet
	}
	return Unknown
}

func (ck *checker) measure(c *eligibility.Constraint) Status {
	f := &ck.pi.f
	var name string
	if ck.explain {
		name = label(c.Variable)
	}
	var m patient.Measure
	switch c.Variable {
	case "age":
		m = patient.Measure{Known: f.HasAge, Lo: f.Age, Hi: f.Age, Unit: "years"}
	case "window", "life_expectancy":
		if ck.explain {
			ck.say("We can't check the %s (%s) — ask the study team", name, required(c))
		}
		return Unknown
	default:
		m = f.Measures[c.Variable]
	}
	lo, hi, unit := m.Lo, m.Hi, m.Unit
	known := m.Known && (unit == c.Unit || c.Variable == "age" || c.Unit == "")
	if c.ULNMultiple {
		lo, hi, unit, known = m.ULNLo, m.ULNHi, "ULN", m.ULNKnown
	}
	if !known {
		if ck.explain {
			switch {
			case c.ULNMultiple && m.Known:
				ck.say("Your %s is %s, but the limit is %s and we don't know your lab's upper limit of normal — give it with the value, or ask the study team", name, fmtValue(m.Lo, m.Hi, m.Unit), required(c))
			case m.Known || m.ULNKnown:
				ck.say("Your %s is not given in a unit comparable with %s — ask the study team", name, required(c))
			default:
				ck.say("We don't know your %s (the criterion: %s) — ask the study team", name, required(c))
			}
		}
		return Unknown
	}
	st := compare(lo, hi, c.Op, c.Value, c.Value2)
	if ck.explain {
		have := fmtValue(lo, hi, unit)
		// An exclusion's threshold is not a requirement: "NYHA ≥ 2" is
		// what keeps people out.
		req := "the required"
		if ck.excl {
			req = "the criterion's"
		}
		switch {
		case st == Met && c.Op == eligibility.OpBetween:
			ck.say("Your %s %s is within %s %s", name, have, req, required(c))
		case st == Met:
			ck.say("Your %s %s meets %s %s", name, have, req, required(c))
		case st == NotMet:
			ck.say("Your %s %s is %s %s %s", name, have, relation(c.Op), req, required(c))
		default:
			ck.say("Your %s %s may or may not meet %s %s — ask the study team", name, have, req, required(c))
		}
	}
	return st
}

func relation(op string) string {
	switch op {
	case eligibility.OpGE, eligibility.OpGT:
		return "below"
	case eligibility.OpLE, eligibility.OpLT:
		return "above"
	case eligibility.OpBetween:
		return "outside"
	}
	return "different from"
}

func (ck *checker) sex(c *eligibility.Constraint) Status {
	f := &ck.pi.f
	switch {
	case f.Sex == "":
		if ck.explain {
			ck.say("We don't know your sex (the criterion is about %s participants)", c.Term)
		}
		return Unknown
	case (f.Sex == c.Term) != c.Negated:
		if ck.explain {
			ck.say("You are %s", f.Sex)
		}
		return Met
	}
	if ck.explain {
		ck.say("You are %s; the criterion is about %s participants", f.Sex, c.Term)
	}
	return NotMet
}

func (ck *checker) pregnancy(c *eligibility.Constraint) Status {
	f := &ck.pi.f
	fact, what := f.Pregnant, "pregnant"
	if c.Term == "lactation" {
		fact, what = f.Breastfeeding, "breastfeeding"
	}
	st := Unknown
	switch fact {
	case patient.Yes:
		st = Met
		if ck.explain {
			ck.say("You are %s", what)
		}
	case patient.No:
		st = NotMet
		if ck.explain {
			ck.say("You are not %s", what)
		}
	default:
		if ck.explain {
			ck.say("We don't know whether you are %s", what)
		}
	}
	return st
}

func (ck *checker) condition(pc *pcons) Status {
	switch {
	case pc.spread:
		return ck.spread(pc)
	case pc.vague:
		if ck.explain {
			ck.say("%q does not say which condition — ask the study team", pc.c.Term)
		}
		return Unknown
	}
	st, which := ck.pi.presence(pc.scoped())
	if st != Met && len(pc.examples) > 1 && len(pc.qualifier) == 0 {
		st, which = ck.pi.anyOf(pc.examples, st, which)
	}
	if st == Unknown {
		if h, ok := ck.pi.histologyClash(pc.toks); ok {
			st, which = NotMet, h
		}
	}
	if ck.explain {
		switch st {
		case Met:
			ck.say("You have %s (matches %q)", which, pc.c.Term)
		case NotMet:
			ck.say("You don't have %q (you said: %s)", pc.c.Term, which)
		default:
			ck.say("We don't know whether you have %q — ask the study team", pc.c.Term)
		}
	}
	return st
}

// anyOf reads a condition offered as alternatives ("radiculopathy or
// myelopathy"): met by any of them, and unmet only when every one is (a
// patient without myelopathy may have the radiculopathy), whatever the
// whole term read (st, which).
func (pi *profileIndex) anyOf(alts [][]string, st Status, which string) (Status, string) {
	all, none := NotMet, []string{}
	for _, a := range alts {
		switch s, w := pi.presence(a); s {
		case Met:
			return Met, w
		case Unknown:
			all = Unknown
		default:
			none = append(none, w)
		}
	}
	if all == NotMet {
		return NotMet, strings.Join(none, "; ")
	}
	if st == NotMet {
		return Unknown, ""
	}
	return st, which
}

// spread checks a metastasis with no site against whether the patient's
// disease has spread; the negation of "M0" or "operable" is applied by
// the caller.
func (ck *checker) spread(pc *pcons) Status {
	st := ck.pi.metastatic
	if ck.explain {
		switch st {
		case Met:
			ck.say("Your disease has spread (metastatic); the criterion says %q", pc.c.Term)
		case NotMet:
			ck.say("Your disease has not spread (not metastatic); the criterion says %q", pc.c.Term)
		default:
			ck.say("We don't know whether your disease has spread (the criterion says %q)", pc.c.Term)
		}
	}
	return st
}

// biomarker compares a biomarker status: a positive patient against
// "HER2-negative" is a clear mismatch.
func (ck *checker) biomarker(c *eligibility.Constraint) Status {
	want := "positive"
	if c.Value == eligibility.BiomarkerNegative {
		want = "negative"
	}
	have := ck.pi.f.Markers[c.Term]
	if have == patient.Unknown {
		if ck.explain {
			ck.say("We don't know your %s status (the criterion is about %s-%s)", c.Term, c.Term, want)
		}
		return Unknown
	}
	yours := "positive"
	if have == patient.No {
		yours = "negative"
	}
	if yours == want {
		if ck.explain {
			ck.say("You are %s-%s", c.Term, yours)
		}
		return Met
	}
	if ck.explain {
		ck.say("You are %s-%s; the criterion is about %s-%s", c.Term, yours, c.Term, want)
	}
	return NotMet
}

// course compares newly diagnosed with relapsed or refractory disease.
func (ck *checker) course(c *eligibility.Constraint) Status {
	have := ck.pi.f.Course
	switch {
	case have == "":
		if ck.explain {
			ck.say("We don't know whether your disease is %s", c.Term)
		}
		return Unknown
	case have == c.Term:
		if ck.explain {
			ck.say("Your disease is %s", have)
		}
		return Met
	}
	if ck.explain {
		ck.say("Your disease is %s; the criterion is about %s disease", have, c.Term)
	}
	return NotMet
}

func (ck *checker) therapy(pc *pcons) Status {
	pi := ck.pi
	i := pi.therapies.find(pc.toks)
	for _, e := range pc.examples {
		if i >= 0 {
			break
		}
		i = pi.therapies.find(e)
	}
	if i < 0 {
		st, which := pi.presence(pc.scoped())
		if st != NotMet {
			if ck.explain {
				ck.say("We don't know whether you have had %q — ask the study team", pc.c.Term)
			}
			return Unknown
		}
		if w := pc.c.Window; w != nil && !ck.excl && !pc.c.Negated && !pc.duration && (w.Op == eligibility.OpGE || w.Op == eligibility.OpGT) {
			// An inclusion's washout ("at least 4 weeks since prior
			// chemotherapy") asks that time has passed since a therapy
			// had; someone who never had it has waited forever.
			if ck.explain {
				ck.say("You have not had %q, so no time since it is required (you said: %s)", pc.c.Term, which)
			}
			return Met
		}
		if ck.explain {
			ck.say("You have not had %q (you said: %s)", pc.c.Term, which)
		}
		return NotMet
	}
	name := pi.therapies.text[i]
	w := pc.c.Window
	if w == nil {
		if days, ok := ck.daysSince(pi.therapies.owner[i]); pc.current && (!ok || days > 0) {
			if ck.explain {
				ck.say("You have had %s, but we don't know whether you still take it — ask the study team", name)
			}
			return Unknown
		}
		if ck.explain {
			ck.say("You have had %s (matches %q)", name, pc.c.Term)
		}
		return Met
	}
	if pc.duration {
		return ck.taken(name, pi.therapies.owner[i], w)
	}
	days, ok := ck.daysSince(pi.therapies.owner[i])
	if !ok {
		if ck.explain {
			ck.say("You have had %s, but we don't know when it ended (the criterion counts %s %s days) — ask the study team", name, opWords[w.Op], fmtNum(w.Value))
		}
		return Unknown
	}
	st := compare(days, days, w.Op, w.Value, w.Value2)
	if ck.explain {
		ck.say("You had %s %s days ago; the criterion counts %s %s days", name, fmtNum(days), opWords[w.Op], fmtNum(w.Value))
	}
	return st
}

// taken compares how long the patient has taken therapy i, from its
// start to its end or today, with a window that counts use.
func (ck *checker) taken(name string, i int, w *eligibility.Window) Status {
	var start time.Time
	ok := i >= 0
	if ok {
		start, ok = patient.ParseDate(ck.pi.f.Therapies[i].Start)
	}
	if !ok {
		if ck.explain {
			ck.say("You take %s, but we don't know since when (the criterion asks for %s %s days of it) — ask the study team", name, opWords[w.Op], fmtNum(w.Value))
		}
		return Unknown
	}
	end := ck.pi.f.AsOf
	if t := ck.pi.f.Therapies[i]; !t.Current {
		if e, ok := patient.ParseDate(t.End); ok {
			end = e
		}
	}
	days := float64(int(max(end.Sub(start).Hours()/24, 0)))
	if ck.explain {
		ck.say("You have taken %s for %s days; the criterion asks for %s %s days", name, fmtNum(days), opWords[w.Op], fmtNum(w.Value))
	}
	return compare(days, days, w.Op, w.Value, w.Value2)
}

// daysSince returns how long ago therapy i ended: 0 for a current one or
// a medication.
func (ck *checker) daysSince(i int) (float64, bool) {
	if i < 0 {
		return 0, true
	}
	t := ck.pi.f.Therapies[i]
	if t.Current {
		return 0, true
	}
	end, ok := patient.ParseDate(t.End)
	if !ok {
		return 0, false
	}
	d := ck.pi.f.AsOf.Sub(end).Hours() / 24
	return float64(int(max(d, 0))), true
}

// stage compares the patient's stage with the set of stages the
// criterion names: met when the stage lies in it, not met when it lies
// outside ("IIA" against "stage IIB-III"), unknown when it may lie
// either side ("II" against "stage IIB-III") or the patient's stages
// disagree. Spread disease counts as stage IV.
func (ck *checker) stage(c *eligibility.Constraint) Status {
	want := eligibility.StageSet(c.Term)
	stages := ck.pi.stages
	if len(stages) == 0 || want == 0 {
		if ck.explain {
			ck.say("We don't know your stage (the criterion: %s) — ask the study team", c.Term)
		}
		return Unknown
	}
	st := stageStatus(stages[0].mask, want)
	for _, s := range stages[1:] {
		if stageStatus(s.mask, want) != st {
			if ck.explain {
				ck.say("Your stages (%s) give different answers for %s — ask the study team", stageTexts(stages, true), c.Term)
			}
			return Unknown
		}
	}
	if ck.explain {
		yours := stageTexts(stages, false)
		switch st {
		case Met:
			ck.say("Your %s is within %s", yours, c.Term)
		case NotMet:
			ck.say("Your %s is outside %s", yours, c.Term)
		default:
			ck.say("Your %s may or may not be within %s — ask the study team", yours, c.Term)
		}
	}
	return st
}

func stageStatus(have, want uint64) Status {
	switch {
	case have&^want == 0:
		return Met
	case have&want == 0:
		return NotMet
	}
	return Unknown
}

// stageTexts names the patient's stages for a reason: "stage IIIA",
// "stage IV (the cancer has spread)"; the implied ones too with all.
func stageTexts(stages []patientStage, all bool) string {
	var out []string
	for _, s := range stages {
		if s.implied && !all {
			continue
		}
		t := "stage " + s.text
		if s.spread {
			t += " (the cancer has spread)"
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// priorLines compares the lines of treatment the patient has had with
// what the criterion counts. A reading from progression ("progressed on
// prior osimertinib") says only that some treatment came before: it is
// not met by a patient who has had none at all (no line, no therapy, no
// relapse), and unknown otherwise,
// since the count says nothing of which treatment or in which setting.
func (ck *checker) priorLines(c *eligibility.Constraint) Status {
	f := &ck.pi.f
	if !f.HasPriorLines {
		if ck.explain {
			ck.say("We don't know how many lines of treatment you have had (the criterion: %s) — ask the study team", linesWanted(c))
		}
		return Unknown
	}
	have := linesHad(f.PriorLines)
	if c.Term == eligibility.ProgressedAfterPrior {
		// A relapse came after treatment, if only curative or adjuvant.
		if f.PriorLines == 0 && len(f.Therapies) == 0 && f.Course != eligibility.RelapsedRefractor {
			if ck.explain {
				ck.say("You have had no treatment for it yet; this trial is for people whose disease progressed after earlier treatment")
			}
			return NotMet
		}
		if ck.explain {
			ck.say("You have had %s; whether your disease progressed on the treatment the criterion names — ask the study team", have)
		}
		return Unknown
	}
	st := compare(float64(f.PriorLines), float64(f.PriorLines), c.Op, c.Value, c.Value2)
	if ck.explain {
		whose := "this trial is for people who have had"
		if ck.excl {
			whose = "the criterion is about people who have had"
		}
		ck.say("You have had %s; %s %s", have, whose, linesWanted(c))
	}
	return st
}

func linesHad(n int) string {
	switch n {
	case 0:
		return "no prior line of treatment"
	case 1:
		return "1 prior line of treatment"
	}
	return strconv.Itoa(n) + " prior lines of treatment"
}

// linesWanted says the count a criterion asks for: "none", "at least 2".
func linesWanted(c *eligibility.Constraint) string {
	if c.Term == eligibility.ProgressedAfterPrior {
		return "disease that progressed after earlier treatment"
	}
	v := fmtNum(c.Value)
	switch c.Op {
	case eligibility.OpEQ:
		if c.Value == 0 {
			return "none"
		}
		return "exactly " + v
	case eligibility.OpGE:
		return "at least " + v
	case eligibility.OpGT:
		return "more than " + v
	case eligibility.OpLE:
		return "no more than " + v
	case eligibility.OpLT:
		return "fewer than " + v
	}
	return v + " to " + fmtNum(c.Value2)
}
