package eligibility

import (
	"regexp"
	"strings"
)

// The checker may say "not met" only on what the parser read with
// confidence. These patterns find what makes a reading unsure (a hedge)
// and items that let people in rather than keep them out (allowances).
var (
	// cueRe is one negation cue; negated reads the last one of a clause.
	// "naive to" says the therapy that follows was never received
	// ("treatment-naive to insulin").
	cueRe = newWordStartRe(`\b(?:no|not|non|without|never|free of|absence of|negative for|none|nor|neither|na[iï]ve to)\b`)
	// joinRe is what separates a far cue from the term it may not govern.
	joinRe = regexp.MustCompile(`[()\[\]]|\b(?:or|and|but|nor|either|whether)\b`)
	// conditionalRe marks a clause whose rule holds only for some people
	// or in some cases ("if age is 40 to 45", "unless", "provided that",
	// "for patients who", "may or may not have had prior chemotherapy"):
	// a fact of the patient cannot settle it alone.
	conditionalRe = newWordStartRe(`\b(?:if|unless|with or without|or not|may or may not|whether or not|except|excepting|provided|in case of|whichever|depending on|at the discretion|(?:for|in) (?:(?:a|the|any|each)\s+)?(?:patients?|subjects?|participants?|women|men|those|children|cohort|part|arm|group|donors?|recipients?)\b)`)
	// allowanceRe states that some people may take part: "may be
	// enrolled", "are eligible if", "not excluded", "pregnancy will not
	// be considered as exclusion criteria".
	allowanceRe = newWordStartRe(`\b(?:(?:may|can|could|will) (?:still |also )?(?:be )?(?:enrolled|included|eligible|allowed|permitted|accepted|considered|participate|enter|entered|join)|(?:is|are|will be|be) (?:also |still )?(?:eligible|allowed|permitted|acceptable|accepted)|not (?:be )?(?:(?:considered|regarded|counted|treated) (?:as )?)?(?:an? )?exclu\w+|not (?:a )?contraindicat\w+)\b`)
	// permitRe is any word of permission, also bare ones in an aside:
	// "(prior adjuvant chemotherapy permitted)".
	permitRe = newWordStartRe(`\b(?:permitted|allowed|acceptable|eligible|not (?:be )?excluded)\b`)
	// prohibitRe states that something keeps people out, which makes an
	// item with an allowance an exclusion with an exception.
	prohibitRe = newWordStartRe(`\b(?:not (?:be )?(?:permitted|allowed|eligible|acceptable)|prohibited|forbidden|ineligible|excluded|must not|may not|cannot|should not|contraindicat\w*)\b`)
	// notBeforeRe is a "not" that turns an allowance into a prohibition
	// or a prohibition into an allowance.
	notBeforeRe = regexp.MustCompile(`\b(?:not|n't|never)\s+(?:be\s+)?(?:an?\s+)?$`)
	// orSpreadRe offers metastatic disease as one alternative.
	orSpreadRe = regexp.MustCompile(`\b(?:or|and/or)\s+(?:\w+\s+){0,2}metasta|metasta\w*\s+(?:\w+\s+){0,2}(?:or|and/or)\b`)
	// cohortRe opens a rule for one group of a study ("Group A:",
	// "Cohort 2 -", "Part B:"): it does not apply to everyone.
	cohortRe = regexp.MustCompile(`^\W*(?:for\s+)?(?:group|cohort|arm|part|stratum|sub-?study|donors?|recipients?)\s*(?:[a-z]|\d{1,2}|[ivx]{1,4})?\s*[:\-(]`)
	// wideningRe marks an "are eligible" that widens the criteria
	// ("including those with untreated brain metastases") rather than
	// stating one.
	wideningRe = newWordStartRe(`\b(?:including|regardless|even if|even when|as long as|irrespective)\b`)
	// groupRe is a heading over the rules for some participants only:
	// "EXCLUSION CRITERIA - Donor:", "For Cohort B", "Part 2".
	groupRe = regexp.MustCompile(`\b(?:donors?|cohorts?|arms?|sub-?stud(?:y|ies)|(?:part|group|phase|stage|stratum)\s+(?:[a-z]|\d{1,2}|[ivx]{1,4})\b)`)
	// asideRe is a parenthesis, which an item's first clause reads past.
	asideRe = regexp.MustCompile(`\([^()]*\)`)
	// otherRe before a condition means a condition other than the one
	// the study is about ("other malignancies", "a second primary").
	otherRe = regexp.MustCompile(`\b(?:other|another|second|secondary|additional|concomitant|concurrent|prior|previous)\s+(?:\w+\s+){0,2}$`)
)

// negated reports whether the clause of n.s before position p negates
// what follows, and whether that reading is unsure: the cue stands more
// than three words before the term, or behind a parenthesis, "or",
// "and" — where it may govern another phrase ("unreadable or not
// interpretable) or QTcF > 480"). "non" negates only the word it is
// joined to, so "non-steroidal aromatase inhibitor" is no negation of
// the inhibitor.
func negated(n norm, p int) (neg, unsure bool) {
	start := strings.LastIndexAny(n.s[:p], ";.:") + 1 // the clause, as clauseRe ends them
	before := n.s[start:p]
	if strings.Contains(before, " than") { // in every notNegation: most clauses are spared the pattern
		before = notNegation.ReplaceAllString(before, "")
	}
	cues := cueRe.FindAllStringIndex(before, -1)
	for i := len(cues) - 1; i >= 0; i-- {
		rest := before[cues[i][1]:]
		if len(rest) > 60 {
			return false, false
		}
		if before[cues[i][0]:cues[i][1]] == "non" && strings.Trim(rest, " -") != "" {
			continue
		}
		return true, len(strings.Fields(rest)) > 3 || joinRe.MatchString(rest)
	}
	return false, false
}

// hedged reports a clause of n.s around [a, b) that makes a rule
// conditional, an allowance, or about a condition other than the
// patient's main one.
func hedged(n norm, a, b int, kind string) bool {
	lo, hi := clauseAround(n.s, a, b)
	clause := n.s[lo:hi]
	h, ok := n.hedges[lo]
	if !ok {
		h = conditionalRe.MatchString(clause) || affirmed(allowanceRe, clause)
		n.hedges[lo] = h
	}
	if h {
		return true
	}
	switch kind {
	case KindCondition:
		return otherRe.MatchString(n.s[lo:a])
	case KindMetastasis:
		// "locally advanced or metastatic": either will do.
		return orSpreadRe.MatchString(clause)
	}
	return false
}

// clauseAround returns the clause of s that holds [a, b).
func clauseAround(s string, a, b int) (int, int) {
	lo := strings.LastIndexAny(s[:a], ";.:") + 1
	hi := len(s)
	if i := strings.IndexAny(s[b:], ";.:"); i >= 0 {
		hi = b + i
	}
	return lo, hi
}

// allowance reports an item that lets people in and keeps nobody out:
// "Subjects with previously treated CNS metastases may be enrolled if
// …". Its first clause says so; a permission further on qualifies a rule
// instead (see exceptionLike).
func allowance(n norm, inclusion bool) bool {
	if !containsAny(n.s, permitStems) {
		return false
	}
	first := asideRe.ReplaceAllString(n.s, "")
	if i := strings.IndexAny(first, "(;:"); i >= 0 {
		first = first[:i]
	}
	if i := strings.Index(first, ". "); i >= 0 {
		first = first[:i]
	}
	for _, m := range allowanceRe.FindAllStringIndex(first, -1) {
		// "Patients are eligible if …" is a requirement in other words:
		// an allowance names whom it lets in.
		// Among inclusion criteria "patients with X are eligible" is the
		// requirement to have X; only "may be enrolled", "permitted" and
		// the like let others in.
		if inclusion && strings.Contains(first[m[0]:m[1]], "eligible") && !wideningRe.MatchString(n.s) {
			continue
		}
		// "Only participants … willing to provide consent will be
		// included" names the only ones let in: a requirement.
		if strings.HasPrefix(strings.TrimLeft(first, " *-•"), "only ") {
			continue
		}
		if !notBeforeRe.MatchString(first[:m[0]]) && namesWhom(first[:m[0]]) {
			return !prohibits(first)
		}
	}
	return false
}

// namesWhom reports words before an allowance that say whom it covers,
// beyond "patients" or "subjects".
func namesWhom(s string) bool {
	for _, w := range strings.Fields(s) {
		if !plainSubjects[strings.Trim(w, ",")] {
			return true
		}
	}
	return false
}

var plainSubjects = map[string]bool{"patients": true, "patient": true, "subjects": true, "subject": true,
	"participants": true, "participant": true, "they": true, "those": true, "people": true, "persons": true,
	"individuals": true, "women": true, "men": true, "children": true, "the": true, "all": true, "only": true,
	"also": true, "who": true, "that": true, "which": true, "and": true, "or": true}

// hedgeAll marks every constraint of it and its sub-items hedged.
func hedgeAll(it *Item) {
	for i := range it.Constraints {
		it.Constraints[i].Hedged = true
	}
	for i := range it.Items {
		hedgeAll(&it.Items[i])
	}
}

func prohibits(s string) bool { return affirmed(prohibitRe, s) }

// affirmed finds a match of re that is itself a negative form ("not
// permitted", "not excluded") or has no "not" before it.
func affirmed(re *wordStartRe, s string) bool {
	for _, m := range re.FindAllStringIndex(s, -1) {
		if strings.HasPrefix(s[m[0]:m[1]], "not ") || !notBeforeRe.MatchString(s[:m[0]]) {
			return true
		}
	}
	return false
}

// exceptionLike reports an item with a rule and a permission that may
// cover part of it: "… is not permitted (prior adjuvant chemotherapy
// permitted)", "uncontrolled hypertension (controlled hypertension is
// allowed)".
func exceptionLike(n norm, inclusion bool) bool {
	return containsAny(n.s, permitStems) && affirmed(permitRe, n.s) && !allowance(n, inclusion)
}

// permitStems are in every match of allowanceRe and permitRe: a text
// without one needs neither pattern.
var permitStems = []string{"enrol", "includ", "eligib", "allow", "permit", "accept", "consider", "particip", "enter", "join", "exclu", "contraindic"}
