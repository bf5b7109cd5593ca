package eligibility

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// KindPriorLines is a constraint on how many lines of treatment a
// patient has had for the disease: op and value count them (value2 too
// for "between"), and term says how the criterion put it.
const KindPriorLines = "priorLines"

// The terms of a priorLines constraint.
const (
	// NoPriorLines: "treatment-naïve", "previously untreated", "no prior
	// systemic therapy", "first-line"; op "=", value 0.
	NoPriorLines = "no prior treatment"
	// PriorLinesCount: a number of lines or regimens ("at least 2 prior
	// lines of therapy", "no more than 3 prior regimens").
	PriorLinesCount = "prior lines of treatment"
	// ProgressedAfterPrior: "progressed on prior osimertinib", "failure
	// of standard therapy"; op ">=", value 1. It says the patient has had
	// some treatment, not which or how many lines, nor in which setting.
	ProgressedAfterPrior = "progressed after prior treatment"
)

var (
	// noPriorRe names a patient who has had no treatment for the disease.
	// A therapy's own naïvety ("chemotherapy-naïve", "TKI-naïve") or "no
	// prior chemotherapy" leaves other treatments open and is no count.
	noPriorRe = newWordStartRe(`\b(?:(?:treatment|therapy)[- ]na[iï]ve|previously untreated|untreated (?:advanced|metastatic|locally advanced|recurrent|stage)|no (?:prior|previous) (?:systemic |anti-?cancer |palliative )?(?:therapy|treatment)|(?:have|has) not (?:previously )?(?:been treated|received (?:any )?(?:prior |previous )?(?:systemic |anti-?cancer )?(?:therapy|treatment))|(?:first|1st|front)[- ]line)\b`)
	// eitherRe lets treated patients in beside untreated ones:
	// "previously untreated and treated patients are eligible".
	eitherRe = regexp.MustCompile(`\b(?:or|and|and/or)\s+(?:previously\s+)?treated\b|\btreated\s+(?:or|and|and/or)\b`)
	// laterLineRe in the clause of a "first-line" says it is behind the
	// patient ("progressed after first-line chemotherapy").
	// So does one before it ("within 28 days before first-line
	// therapy"), and one that says which drugs are approved for it.
	laterLineRe = regexp.MustCompile(`\b(?:progress\w*|after|before|follow\w*|fail\w*|received|complet\w*|prior|previous\w*|refractor\w*|relaps\w*|recurr\w*|maintenance|intoleran\w*|during|beyond|second|history|approv\w*|availab\w*)\b`)
	// oneTherapyRe ends the text before a "treatment-naïve" that is one
	// therapy's: "tyrosine kinase inhibitor (TKI) treatment naïve".
	oneTherapyRe = regexp.MustCompile(`(?:\btkis?|inhibitors?|chemotherapy|immunotherapy|antibod(?:y|ies)|agents?|drugs?|hormonal|endocrine|radiotherapy|\w+mab|\w+nib)[\s()]*$`)
	// progressedRe is disease that progressed on treatment given before.
	progressedRe = newWordStartRe(`\b(?:progress\w*|relapsed|recurred|failed|failure|refractory|resistant|intolerant|intolerance)\s+(?:on|after|following|to|of|with|during)\s+(?:or (?:after|following)\s+)?(?:(?:at least|a|an|one|the|their|his|her)\s+)?(?:prior|previous|preceding|earlier|first[- ]line|1st[- ]line|front[- ]line|standard)\b`)
	// linesRe counts lines or regimens: "at least 2 prior lines", "1-3
	// prior regimens", "2 or more lines".
	linesRe = regexp.MustCompile(`(?:\b(at least|a minimum of|minimum of|no more than|not more than|at most|up to|a maximum of|maximum of|fewer than|less than or equal to|less than|more than|greater than)\s*|(>=|<=|<|>)\s*|\b)(\d|one|two|three|four|five|six)(?:\s*(?:-|to)\s*(\d|one|two|three|four|five|six)|\s+or more)?\s+(?:(?:prior|previous|preceding|earlier)\s+)?(?:(?:systemic|standard|anti-?cancer|palliative|treatment|therapeutic)\s+)?(?:lines?|regimens?)\b`)
	// ofTherapyRe is what may follow "lines of": treatment in general,
	// not one kind ("lines of EGFR TKIs", "of chemotherapy").
	ofTherapyRe = regexp.MustCompile(`^\s+of\s+(?:(?:prior|previous|systemic|anti-?cancer|standard)\s+)*(?:therap(?:y|ies)|treatments?)\b`)
	// noPriorScopeRe is what may follow "no prior systemic therapy": the
	// disease or its setting, not a named treatment ("with anti-PD-1").
	noPriorScopeRe = regexp.MustCompile(`^\s*(?:$|[,;:.)]|(?:for|in)\b[^,;:.]{0,40}\b(?:advanced|metasta\w*|recurren\w*|unresectable|locally|disease|cancer|carcinoma|nsclc|setting|stage)\b)`)
)

// lineOps are the comparisons linesRe reads before a count.
var lineOps = map[string]string{"at least": OpGE, "a minimum of": OpGE, "minimum of": OpGE, ">=": OpGE,
	"no more than": OpLE, "not more than": OpLE, "at most": OpLE, "up to": OpLE, "a maximum of": OpLE,
	"maximum of": OpLE, "less than or equal to": OpLE, "<=": OpLE, "fewer than": OpLT, "less than": OpLT, "<": OpLT,
	"more than": OpGT, "greater than": OpGT, ">": OpGT}

var lineNumbers = map[string]float64{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

func lineNumber(s string) float64 {
	if v, ok := lineNumbers[s]; ok {
		return v
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// priorLines extracts what an item says of the lines of treatment the
// patient has had.
func priorLines(text string, n norm) []Constraint {
	s := n.s
	var out []Constraint
	add := func(term, op string, v, v2 float64, a, b int) {
		c := n.term(text, KindPriorLines, a, b)
		c.Term, c.Op, c.Value, c.Value2 = term, op, v, v2
		out = append(out, c)
	}
	if containsAny(s, []string{"naive", "naïve", "untreated", "no prior", "no previous", " not ", " line", "-line"}) {
		for _, m := range noPriorRe.FindAllStringIndex(s, -1) {
			w := s[m[0]:m[1]]
			switch {
			case strings.HasSuffix(w, "line"):
				if lo, hi := clauseAround(s, m[0], m[1]); laterLineRe.MatchString(s[lo:hi]) {
					continue
				}
			case strings.HasSuffix(w, "ve"):
				if oneTherapyRe.MatchString(s[:m[0]]) {
					continue
				}
			case strings.HasPrefix(w, "no ") || strings.HasPrefix(w, "ha"):
				if !noPriorScopeRe.MatchString(s[m[1]:]) {
					continue
				}
			}
			add(NoPriorLines, OpEQ, 0, 0, m[0], m[1])
			out[len(out)-1].Hedged = out[len(out)-1].Hedged || eitherRe.MatchString(s)
		}
	}
	if containsAny(s, []string{"progress", "relaps", "recurr", "fail", "refractor", "resistan", "intoleran"}) {
		for _, m := range progressedRe.FindAllStringIndex(s, -1) {
			add(ProgressedAfterPrior, OpGE, 1, 0, m[0], m[1])
		}
	}
	if containsAny(s, []string{" line", "-line", "regimen"}) {
		for _, m := range linesRe.FindAllStringSubmatchIndex(s, -1) {
			end := m[1]
			if rest := s[m[1]:]; strings.HasPrefix(strings.TrimSpace(rest), "of ") {
				of := ofTherapyRe.FindStringIndex(rest)
				if of == nil {
					continue
				}
				end += of[1]
			}
			word := ""
			for _, g := range []int{2, 4} {
				if m[g] >= 0 {
					word = s[m[g]:m[g+1]]
				}
			}
			v := lineNumber(s[m[6]:m[7]])
			op := lineOps[word]
			v2 := 0.0
			switch {
			case m[8] >= 0:
				op, v2 = OpBetween, lineNumber(s[m[8]:m[9]])
			case strings.Contains(s[m[6]:m[1]], "or more"):
				op = OpGE
			}
			if op == "" {
				continue // "2 prior lines": exactly, or at least?
			}
			add(PriorLinesCount, op, v, v2, m[0], end)
		}
	}
	return out
}

// withoutCountedTherapies drops the therapies a count of lines names
// ("at least 2 prior lines of systemic therapy", "no prior systemic
// therapy"): the count states them exactly, and as a therapy "systemic
// therapy" would ask whether the patient has had one.
func withoutCountedTherapies(cs []Constraint) []Constraint {
	kept := cs[:0]
	for _, c := range cs {
		if c.Kind == KindTherapy && slices.ContainsFunc(cs, func(l Constraint) bool {
			return l.Kind == KindPriorLines && l.Term != ProgressedAfterPrior && l.Span[0] <= c.Span[0] && c.Span[1] <= l.Span[1]
		}) {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}
