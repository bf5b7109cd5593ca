package match

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// Coverage: a criterion is met (an exclusion untriggered) only when
// every part of its text that decides it was read. The parser's
// constraints carry the spans of text they read; what is left of an
// item's own text (its sub-items are checked on their own) after those
// spans and what only restates, sources or defines them, less the words
// that decide nothing (fillerWords), is the part nobody read. The
// package documentation states what that changes.

// cover marks what of item it its constraints cons left unread: the
// item as partial, and for an exclusion the constraints that cannot
// trigger it alone and the alternatives that cannot be ruled out by
// what was read.
func (p *pitem) cover(it *eligibility.Item, cons []eligibility.Constraint, excl bool) {
	// A qualifier ("chemotherapy for metastatic disease") narrows what
	// a patient who never had the term's thing is checked against, but
	// a patient who had it is not checked against the qualifier: it is
	// read only for ruling an exclusion out. Extent words beside an
	// exclusion's spread may be another state of the disease that it
	// excludes ("locally advanced or metastatic").
	purpose := forMet
	if excl {
		purpose = forTrigger
	}
	unread := unreadWords(it, cons, p.cons, purpose)
	p.partial = len(unread) > 0
	if !p.partial {
		return
	}
	if !excl {
		// What is left may be nothing but the name of the disease the
		// criterion's constraints are about ("Stage III or IV
		// non-small cell lung cancer"): it is read when it names the
		// patient's condition, as a condition constraint would be.
		words := make([]string, len(unread))
		for i, u := range unread {
			words[i] = it.Text[u[0]:u[1]]
		}
		p.restText = strings.Join(words, " ")
		if toks := termTokens(p.restText, conditionNoise); slices.ContainsFunc(toks, func(t string) bool { return !genericWords[t] }) {
			p.rest = toks
		}
		return
	}
	for i := range p.cons {
		p.cons[i].partOnly = !aloneRead(it, p.cons[i].c, unread)
	}
	unread = unreadWords(it, cons, p.cons, forRulingOut)
	// An exclusion is untriggered when each of its alternatives is
	// ruled out. Its parts are cut finely here (at "and", commas,
	// brackets too), since "and" and commas often join alternatives
	// ("Spinal cord compression and unstable brain metastases"); what
	// is left unread of a part only narrows what the part's constraint
	// names, so a constraint the patient's facts rule out rules out
	// its part.
	cuts := partCutRe.FindAllStringIndex(it.Text, -1)
	// A bracket of one phrase right after a term narrows it
	// ("familial hypercholesterolemia (homozygotes)"): its part is the
	// term's.
	for _, m := range bracketRe.FindAllStringIndex(it.Text, -1) {
		cuts = slices.DeleteFunc(cuts, func(c []int) bool { return c[0] >= m[0] && c[1] <= m[1] })
	}
	// Examples ("psychotic disorder, including schizophrenia and
	// schizoaffective disorder") are of the term before them: ruled out
	// with it, while ruling out one of them rules out nothing ("a
	// contraindication for MRI (e.g. … or pregnancy)").
	var examples [][2]int
	for _, m := range examplesCueRe.FindAllStringIndex(it.Text, -1) {
		end := len(it.Text)
		if e := clauseEndRe.FindStringIndex(it.Text[m[1]:]); e != nil {
			end = m[1] + e[1]
		}
		cuts = slices.DeleteFunc(cuts, func(c []int) bool { return c[1] > m[0]-3 && c[0] < end })
		examples = append(examples, [2]int{m[0], end})
	}
	partOf := func(off int) int {
		n := 0
		for _, c := range cuts {
			if c[0] < off {
				n++
			}
		}
		return n
	}
	open := map[int]int{} // a part of the text → its number among the open ones
	for _, u := range unread {
		if k := partOf(u[0]); open[k] == 0 {
			open[k] = len(open) + 1
		}
	}
	p.openParts = len(open)
	if p.openParts > 64 {
		// More than a bit set holds: one part, which nothing rules out.
		p.openParts = 1
		return
	}
	for i := range p.cons {
		a, z := p.cons[i].c.Span[0]-it.Span[0], p.cons[i].c.Span[1]-it.Span[0]
		if a < 0 || z > len(it.Text) || a >= z || slices.ContainsFunc(examples, func(e [2]int) bool { return e[0] <= a && a < e[1] }) {
			continue
		}
		// A constraint written across parts ("LVEF (left ventricular
		// ejection fraction) < 45% on historical ECHO") is in each.
		for k := partOf(a); k <= partOf(z-1); k++ {
			if n := open[k]; n > 0 {
				p.cons[i].parts |= 1 << (n - 1)
			}
		}
	}
}

// What a reading of coverage is for: what was read differs a little.
const (
	forMet       = iota // an inclusion: its spread constraint reads the extent words (see trimExtent)
	forTrigger          // an exclusion, to rule a patient out
	forRulingOut        // an exclusion, to rule a patient out of it: its qualifiers are read
)

// unreadWords returns the byte ranges, in it.Text, of the words of the
// item's own text that no constraint read and that may decide who the
// item keeps in or out, for purpose. A word partly inside a constraint's
// span counts as read: spans may stop inside a unit ("years o") or reach
// one byte into the next word.
func unreadWords(it *eligibility.Item, cons []eligibility.Constraint, pcs []pcons, purpose int) [][2]int {
	read := make([]bool, len(it.Text))
	mark := func(a, z int) { // offsets in it.Text
		for i := max(a, 0); i < min(z, len(read)); i++ {
			read[i] = true
		}
	}
	markSpan := func(sp [2]int) { mark(sp[0]-it.Span[0], sp[1]-it.Span[0]) }
	for i := range cons {
		// The exception that stands for the whole item ("… not
		// permitted (… permitted)") reads none of it.
		if c := &cons[i]; c.Kind != eligibility.KindException || c.Span != it.Span {
			markSpan(c.Span)
		}
	}
	for i := range it.Items {
		markSpan(it.Items[i].Span)
	}
	for i := range pcs {
		if purpose == forRulingOut && pcs[i].qualText != "" {
			markSpan(pcs[i].qualSpan)
		}
	}
	if purpose == forMet && slices.ContainsFunc(pcs, func(pc pcons) bool { return pc.spread && !pc.skip }) {
		for _, m := range extentRe.FindAllStringIndex(it.Text, -1) {
			mark(m[0], m[1])
		}
	}
	readNames(it.Text, cons, mark)
	readAfter(it, cons, mark)
	pregnancy := slices.ContainsFunc(cons, func(c eligibility.Constraint) bool { return c.Kind == eligibility.KindPregnancy })
	for _, re := range []*regexp.Regexp{methodRe, momentRe, headingRe, listMarkerRe, pregnancyTestRe} {
		if re == pregnancyTestRe && !pregnancy {
			continue
		}
		for _, m := range re.FindAllStringIndex(it.Text, -1) {
			mark(m[0], m[1])
		}
	}
	if pregnancy {
		// The words that make a pregnancy item ask for none ("refrain
		// from breast-feeding"): the check reads them.
		for _, m := range ineligibleRe.FindAllStringIndex(it.Text, -1) {
			mark(m[0], m[1])
		}
	}
	readExamples(it.Text, read)
	readDefined(it.Text, read)
	return unread(it.Text, read, 0, len(it.Text))
}

// unread returns the words of text[from:to] that are neither read nor
// filler.
func unread(text string, read []bool, from, to int) [][2]int {
	var out [][2]int
	start, seen := -1, false
	for i := from; i <= to; {
		r, n := utf8.RuneError, 1
		if i < to {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start, seen = i, false
			}
			seen = seen || read[i]
		} else if start >= 0 {
			if !seen && !fillerWords[strings.ToLower(text[start:i])] {
				out = append(out, [2]int{start, i})
			}
			start = -1
		}
		i += n
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// readNames marks as read every name of a threshold's variable in the
// item: "Eastern Cooperative Oncology Group (ECOG) performance status 0
// or 1" reads the status after the name it was found by, and the other
// names only restate it.
func readNames(text string, cons []eligibility.Constraint, mark func(a, z int)) {
	lower := strings.ToLower(text)
	for i := range cons {
		c := &cons[i]
		if c.Kind != eligibility.KindMeasure {
			continue
		}
		v, ok := patient.LookupVariable(c.Variable)
		if !ok {
			continue
		}
		for _, name := range v.Synonyms {
			for at := 0; ; {
				j := strings.Index(lower[at:], name)
				if j < 0 {
					break
				}
				a, z := at+j, at+j+len(name)
				if wordEdge(lower, a) && wordEdge(lower, z) {
					mark(a, z)
				}
				at = z
			}
		}
	}
}

// wordEdge reports whether byte i of s is at the start or end of a word.
func wordEdge(s string, i int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i:])
	return i == 0 || i == len(s) || !isWordRune(before) || !isWordRune(after)
}

// readAfter marks as read what, right after a threshold or a therapy
// read with its examples, only restates or sources it: a value in
// another unit ("HbA1c ≥ 6.5% (48 mmol/mol)"), the drugs of a class
// ("PI3K inhibitors (e.g., alpelisib, buparlisib)"), which the check
// matches, the instrument a value comes from ("LVEF ≥ 45% by MUGA or
// ECHO").
func readAfter(it *eligibility.Item, cons []eligibility.Constraint, mark func(a, z int)) {
	for i := range cons {
		c := &cons[i]
		at := c.Span[1] - it.Span[0]
		if at < 0 || at > len(it.Text) || c.Kind != eligibility.KindMeasure && len(c.Examples) == 0 {
			continue
		}
		if m := bracketAfterRe.FindStringSubmatchIndex(it.Text[at:]); m != nil && (c.Kind != eligibility.KindMeasure || m[2] >= 0) {
			if end := closing(it.Text, at+m[1]-1); end > 0 && (m[2] < 0 || closing(it.Text, at+m[2]-1) == end) {
				mark(at, end)
				at = end
			}
		}
		if c.Kind == eligibility.KindMeasure {
			if m := sourceRe.FindStringIndex(it.Text[at:]); m != nil {
				mark(at, at+m[1])
			}
		}
	}
}

// closing returns the end of the bracket opened at or before open (the
// last one opened up to it), or -1.
func closing(s string, open int) int {
	for open >= 0 && s[open] != '(' && s[open] != '[' {
		open--
	}
	if open < 0 {
		return -1
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// readExamples marks as read the examples of a term that was read: they
// illustrate it ("distant metastases (e.g., peritoneal carcinomatosis,
// liver metastases)"), and what the term decides decides them.
func readExamples(text string, read []bool) {
	for _, m := range examplesCueRe.FindAllStringIndex(text, -1) {
		before := strings.TrimRightFunc(text[:m[0]], func(r rune) bool { return !isWordRune(r) })
		if before == "" || !read[len(before)-1] {
			continue
		}
		end := len(text)
		if e := clauseEndRe.FindStringIndex(text[m[1]:]); e != nil {
			end = m[1] + e[0]
		}
		for i := m[0]; i < end; i++ {
			read[i] = true
		}
	}
}

// readDefined marks as read the words that a definition read whole
// defines, with the words that say so: "Inadequately controlled
// hypertension (ie, systolic blood pressure > 180 mm Hg …)", "Morbid
// obesity, defined as BMI > 40", "Uncontrolled diabetes (HbA1c ≥ 13%)"
// mean what their thresholds say.
func readDefined(text string, read []bool) {
	define := func(phraseEnd, from, to int) {
		if !slices.Contains(read[from:to], true) || len(unread(text, read, from, to)) > 0 {
			return
		}
		start := 0
		if cuts := partCutRe.FindAllStringIndex(text[:phraseEnd], -1); len(cuts) > 0 {
			start = cuts[len(cuts)-1][1]
		}
		for i := start; i < from; i++ {
			read[i] = true
		}
	}
	for _, m := range definitionRe.FindAllStringIndex(text, -1) {
		end := len(text)
		if e := clauseEndRe.FindStringIndex(text[m[1]:]); e != nil {
			end = m[1] + e[0]
		}
		define(m[0], m[1], end)
	}
	for i := range len(text) {
		if text[i] == '(' || text[i] == '[' {
			if end := closing(text, i); end > 0 {
				define(i, i, end)
			}
		}
	}
}

var (
	// methodRe is how a fact is established, which the study team
	// checks: "measured by echocardiogram", "per RECIST 1.1", "according
	// to NYHA", "based on the American Joint Committee on Cancer Edition
	// 8", to the end of its clause (a version's point, "1.1", ends none);
	// "per" before a name, not in a unit ("kilograms per square meter");
	// the staging system a stage is given in ("AJCC 8th edition").
	methodRe = regexp.MustCompile(`(?i)\b(?:(?:as\s+)?(?:measured|assessed|determined|evaluated|detected|documented|confirmed|proven|defined|diagnosed|established|collected)(?:\s+\w+ly)?\s+(?:by|on|with|using|in|at|within)\b|as\s+per\b|(?-i:per\s+(?:the\s+)?[A-Z]|AJCC|UICC|FIGO)|according\s+to\b|based\s+on\b)(?:[^,;.]|\.\d)*`)
	// headingRe is a short heading that names the kind of the item's
	// rule: "Hepatic:", "Cardiac function:".
	headingRe = regexp.MustCompile(`^\W*(?:[A-Za-z]+\s+){0,2}[A-Za-z]+\s*:`)
	// extentRe is the extent of a disease (see extentWords).
	extentRe = regexp.MustCompile(`(?i)\b(?:locally|advanced|unresectable|inoperable|metasta\w*)\b`)
	// momentRe is a numbered moment of the study: "Day 1", "Visit 2".
	momentRe = regexp.MustCompile(`(?i)\b(?:day|visit|week|cycle)\s*\d+\b`)
	// listMarkerRe is the number or letter an item is listed by: "3. ",
	// "b) ", "iv. ".
	listMarkerRe = regexp.MustCompile(`^\W*(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[.)]\s`)
	// pregnancyTestRe is a pregnancy test and its result, which the
	// check reads as "not pregnant".
	pregnancyTestRe = regexp.MustCompile(`(?i)(?:\b(?:negative|positive|serum|urine|urinary)\s+)*\bpregnancy\s+tests?\b(?:[^.;]{0,40}?\b(?:negative|positive)\b)?`)
	// bracketAfterRe is a bracket opening within a unit's length of a
	// constraint's end; its group is a number it starts with.
	bracketAfterRe = regexp.MustCompile(`^[^()\[\]\d]{0,16}?[(\[](?:\s*[<>≤≥=]{0,2}\s*(\d))?`)
	// sourceRe is the instrument or specimen a value comes from, to the
	// end of its clause.
	sourceRe = regexp.MustCompile(`(?i)^[^,;.()\[\]\d]{0,16}?\b(?:by|using|via)\b[^,;.()\[\]]*`)
	// examplesCueRe begins examples of the term before it.
	examplesCueRe = regexp.MustCompile(`(?i)\b(?:including|such as|e\.\s?g\.?|for example|for instance)(?:\W|$)`)
	// definitionRe says that what follows defines what came before.
	definitionRe = regexp.MustCompile(`(?i)(?:\(\s*|,\s*|\s)(?:i\.?\s?e\.?|that is|defined as|as defined by|as evidenced by)[\s,:]`)
	clauseEndRe  = regexp.MustCompile(`[;)\]]|\.\s`)
	// bracketRe is a bracket holding no cut of partCutRe.
	bracketRe = regexp.MustCompile(`(?i)[(\[](?:[^()\[\],;:/.]|\.\S)*?[)\]]`)
	// partCutRe cuts an exclusion's text into the smallest parts that
	// may be alternatives.
	partCutRe = regexp.MustCompile(`(?i)[,;:()\[\]/]|\.\s|\b(?:and|or|nor)\b`)
	// alternativeRe separates the parts of an item written as
	// alternatives: "pregnant, lactating, or of child-bearing
	// potential"; "HIV; hepatitis B". A constraint triggers an
	// exclusion alone only when its part was read whole; commas and
	// "and" do not cut there, since they also join what narrows a term
	// ("brain metastases, untreated and symptomatic").
	alternativeRe = regexp.MustCompile(`(?i)\b(?:and\s*/\s*)?n?or\b|;`)
)

// aloneRead reports whether the alternative of the item that holds the
// constraint c was read whole.
func aloneRead(it *eligibility.Item, c *eligibility.Constraint, unread [][2]int) bool {
	a, z := c.Span[0]-it.Span[0], c.Span[1]-it.Span[0]
	if a < 0 || z > len(it.Text) || a > z {
		return false
	}
	from, to := 0, len(it.Text)
	for _, m := range alternativeRe.FindAllStringIndex(it.Text, -1) {
		switch {
		case m[1] <= a:
			from = m[1]
		case m[0] >= z && m[0] < to:
			to = m[0]
		}
	}
	for _, u := range unread {
		if u[0] < to && u[1] > from {
			return false
		}
	}
	return true
}

// fillerWords decide nothing about a patient by themselves: what they
// go with does, and is either read or left as a word that is not filler.
// They are, and only are:
//   - grammar: articles, prepositions (of time too: "during", "within"),
//     conjunctions, auxiliaries and modals, pronouns; the cues of a
//     negation, a condition, an exception or examples ("no", "if",
//     "except", "including"), whose clause the parser reads or leaves;
//     comparison words ("at least", "greater than"), whose number is read
//     with them or left; the verbs of having had ("received", "use");
//   - taking part or being kept out ("eligible", "excluded", "allowed");
//   - the people the criterion is about ("patients", "women", "adults",
//     "outpatients": the study's registered sex and age limits are
//     checked apart);
//   - how or when a fact came to be known ("histologically confirmed",
//     "documented", "history of", "prior", "current", "on a tumour
//     biopsy", "central testing"): the check takes the patient's word,
//     which the study team confirms;
//   - the study's moments at which facts are taken ("at screening",
//     "before randomization", "at the time of informed consent");
//   - units, the names of what is measured and how ("years old", "of
//     age", "percent", "level", "serum", "fasting"), and, for a threshold
//     read, every name of its variable in the item (see readNames);
//   - the kinds of thing a term names ("disease", "tumour", "therapy",
//     "drug", "biomarker") and abbreviations' letters ("e.g.", "i.e.").
var fillerWords = wordSet(
	// grammar
	"a an the and or nor either neither both of with in on at by for to as from into per than but also only " +
		"during before after within since until while throughout upon " +
		"is are be been being was were has have had having do does did must should shall will would can could may might " +
		"who whom whose which that this these those their his her its they them he she it " +
		"no not without if when whether except unless excluding including following any all each every " +
		"received receive receiving undergone undergo undergoing use " +
		"least more less greater equal over under above below between inclusive " +
		// taking part or being kept out
		"criteria criterion eligible eligibility include included inclusion exclude excluded exclusion " +
		"enroll enrol enrolled allowed permitted accepted considered participate " +
		// people
		"patient patients subject subjects participant participants person persons people individual individuals " +
		"adult adults adolescent adolescents child children pediatric paediatric " +
		"woman women man men male males female females boy boys girl girls outpatient outpatients inpatient inpatients " +
		// how or when a fact came to be known
		"documented confirmed history evidence presence diagnosis diagnosed known " +
		"histologically cytologically pathologically histopathologically clinically clinical " +
		"prior previous previously past current currently lifetime " +
		"confirmation proven proof biopsy biopsies cytology histology pathology tissue sample samples specimen specimens " +
		"testing tested central local locally laboratory lab radiographic radiologic radiological radiologically " +
		// the study's moments
		"screening baseline enrollment enrolment randomization randomisation registration entry visit " +
		"informed consent signing time day date study trial pre post " +
		// units and names of what is measured, and how
		"age aged old years year months month weeks week days day hours hr h gestation percent percentage " +
		"mg g dl ml l kg m mm min mmol umol mol ng pg iu u µ µl ul cells " +
		"level levels value values count score status scale class classification predicted result results test " +
		"serum plasma absolute total fasting morning sitting seated resting mean average calculated estimated measured " +
		// kinds of thing
		"disease diseases disorder disorders condition conditions illness tumor tumors tumour tumours biomarker biomarkers " +
		"cancer cancers malignancy malignancies neoplasm neoplasms " +
		"therapy therapies treatment treatments drug drugs medication medications medicine medicines agent agents regimen regimens " +
		"e g i ie eg etc s")
