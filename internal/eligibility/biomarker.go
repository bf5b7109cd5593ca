package eligibility

import (
	"regexp"
	"slices"
	"strings"
)

// Kinds of the typed facts that most often decide eligibility in
// oncology: a biomarker's status and the disease's course.
const (
	KindBiomarker     = "biomarker"
	KindDiseaseStatus = "diseaseStatus"
)

// Biomarker values: a biomarker constraint has op "=" and value
// BiomarkerPositive (positive, mutated, amplified, rearranged) or
// BiomarkerNegative (negative, wild type).
const (
	BiomarkerNegative = 0
	BiomarkerPositive = 1
)

// The disease courses a diseaseStatus constraint's term names.
const (
	NewlyDiagnosed    = "newly diagnosed"
	RelapsedRefractor = "relapsed or refractory"
)

// markers maps how criteria write a biomarker to its canonical name. HR
// is hormone receptor: ER or PR.
var markers = []struct{ re, name string }{
	{`her-?2(?:/neu)?|her 2|erbb2`, "HER2"},
	{`estrogen receptors?|oestrogen receptors?|er`, "ER"},
	{`progesterone receptors?|pgr|pr`, "PR"},
	{`hormone[- ]receptors?|hr`, "HR"},
	{`egfr`, "EGFR"}, {`alk`, "ALK"}, {`ros-?1`, "ROS1"}, {`kras`, "KRAS"}, {`nras`, "NRAS"},
	{`braf(?:\s*v600e?)?`, "BRAF"}, {`brca-?1`, "BRCA1"}, {`brca-?2`, "BRCA2"}, {`g?brca(?:1/2)?`, "BRCA"},
	{`pd-?l1`, "PD-L1"}, {`msi-?h|microsatellite instability[- ]high|dmmr|mismatch repair[- ]deficient`, "MSI-H"},
	{`pik3ca`, "PIK3CA"}, {`idh-?1`, "IDH1"}, {`idh-?2`, "IDH2"}, {`flt-?3`, "FLT3"}, {`ntrk`, "NTRK"},
	{`ret`, "RET"}, {`met exon 14`, "MET"}, {`bcr-?abl`, "BCR-ABL"}, {`jak-?2`, "JAK2"}, {`cd20`, "CD20"},
}

var (
	markerAlt = func() string {
		var alts []string
		for _, m := range markers {
			alts = append(alts, "(?:"+m.re+")")
		}
		return strings.Join(alts, "|")
	}()
	// markerStatusRe: "HER2-positive", "HER2 immunohistochemistry (IHC)
	// negative", "EGFR mutation", "KRAS wild-type", "ER+", "epidermal
	// growth factor receptor (EGFR) gene mutation negative".
	markerStatusRe = newWordStartRe(`\b(` + markerAlt + `)(?:(\s?[+]|\s?-(?:ve)?)(?:[\s,;/)]|$)|\)?[\s-]*(?:\((?:ihc|fish|ish)\)\s*|(?:status|expression|receptor|gene|immunohistochemistry|ihc|fish|ish|testing|test|tumou?rs?|disease|sensiti[sz]ing|activating)\s+(?:\((?:ihc|fish|ish)\)\s*)?){0,3}(positive|positivity|overexpress\w*|amplifi\w*|mutations?[\s-]negative|mutations?|mutated|mutant|rearrange\w*|fusions?|exon\s*\d+\s*(?:deletion|insertion|skipping|mutation)s?|l858r|t790m|g12[cdv]|v600[ek]?|del(?:etion)?\s*19|itd|negative|negativity|wild[- ]?type|non-?amplified|not amplified)\b)`)
	// statusMarkerRe: "negative for HER2", "positive for EGFR mutation",
	// "activating EGFR mutation".
	statusMarkerRe = newWordStartRe(`\b(positive|negative|activating|sensiti[sz]ing)\s+(?:for\s+(?:an?\s+)?)?(` + markerAlt + `)\b`)
	tripleNegRe    = newWordStartRe(`\btriple[- ]?negative\b|\btnbc\b`)
	hrEitherRe     = newWordStartRe(`\b(?:er|estrogen receptor)\s*(?:positive\s*)?(?:and/or|or|/)\s*(?:pr|pgr|progesterone receptor)\s*(?:positive|\+)|\b(?:er|estrogen receptor)\s*(?:and/or|or|/)\s*(?:pr|pgr|progesterone receptor)`)

	newlyRe    = newWordStartRe(`\b(?:newly[- ]diagnosed|previously untreated)\b`)
	relapsedRe = newWordStartRe(`\b(?:relapsed|refractory|relapse)\b`)
	// noMetastasisRe names disease with no distant spread.
	noMetastasisRe = newWordStartRe(`\b(?:m0|non-?metastatic|early[- ]stage|early breast cancer|operable|locali[sz]ed)\b`)
)

// markerExact holds each marker's pattern anchored, in markers' order.
var markerExact = func() []*regexp.Regexp {
	res := make([]*regexp.Regexp, len(markers))
	for i, m := range markers {
		res[i] = regexp.MustCompile(`^(?:` + m.re + `)$`)
	}
	return res
}()

// MarkerName returns the canonical name of a biomarker written as
// criteria write it (lower case: "her2", "estrogen receptor"), or "".
func MarkerName(s string) string {
	for i, re := range markerExact {
		if re.MatchString(s) {
			return markers[i].name
		}
	}
	return ""
}

func statusValue(word string) (float64, bool) {
	switch {
	case strings.HasSuffix(word, "negative"): // "mutation negative"
		return BiomarkerNegative, true
	case word == "" || strings.HasPrefix(word, "positiv") || strings.HasPrefix(word, "overexpress") ||
		strings.HasPrefix(word, "amplifi") || strings.HasPrefix(word, "mutat") || strings.HasPrefix(word, "rearrange") ||
		strings.HasPrefix(word, "fusion") || strings.HasPrefix(word, "exon") || strings.HasPrefix(word, "del") ||
		word == "l858r" || word == "t790m" || word == "itd" || strings.HasPrefix(word, "g12") || strings.HasPrefix(word, "v600") || word == "activating" || strings.HasPrefix(word, "sensiti") || strings.TrimSpace(word) == "+":
		return BiomarkerPositive, true
	case strings.HasPrefix(word, "negativ") || strings.HasPrefix(word, "wild") || strings.Contains(word, "amplified") || strings.HasPrefix(strings.TrimSpace(word), "-"):
		return BiomarkerNegative, true
	}
	return 0, false
}

// biomarkers extracts biomarker statuses, the disease's course, and
// non-metastatic disease ("M0", "operable") as a negated metastasis. A
// marker written both positive and negative in one item ("HER2-positive
// or HER2-negative") says nothing and is dropped.
func biomarkers(text string, n norm) []Constraint {
	s := n.s
	var out []Constraint
	add := func(name string, v float64, a, b int) {
		neg, unsure := negated(n, a)
		if neg {
			v = 1 - v
		}
		out = append(out, Constraint{Kind: KindBiomarker, Op: OpEQ, Term: name, Value: v, Span: n.span(a, b),
			Hedged: unsure || hedged(n, a, b, KindBiomarker)})
	}
	if containsAny(s, []string{"triple", "tnbc"}) {
		for _, m := range tripleNegRe.FindAllStringIndex(s, -1) {
			for _, name := range []string{"ER", "PR", "HER2"} {
				add(name, BiomarkerNegative, m[0], m[1])
			}
		}
	}
	if !containsAny(s, statusStems) {
		return spreadAndCourse(text, n, out)
	}
	// statuses are where the statuses of markers written before them
	// are: "ER-positive HER2-negative" is not also "positive HER2".
	var statuses [][2]int
	for _, m := range markerStatusRe.FindAllStringSubmatchIndex(s, -1) {
		statuses = append(statuses, [2]int{m[3], m[1]})
		word := ""
		switch {
		case m[4] >= 0:
			word = s[m[4]:m[5]]
		case m[6] >= 0:
			word = s[m[6]:m[7]]
		}
		v, ok := statusValue(word)
		name := MarkerName(s[m[2]:m[3]])
		if ok && name != "" && !(name == "EGFR" && egfrIsKidney(s, m[1])) {
			add(name, v, m[0], m[1])
		}
	}
	for _, m := range statusMarkerRe.FindAllStringSubmatchIndex(s, -1) {
		if slices.ContainsFunc(statuses, func(st [2]int) bool { return st[0] <= m[2] && m[2] < st[1] }) {
			continue
		}
		if v, ok := statusValue(s[m[2]:m[3]]); ok {
			if name := MarkerName(s[m[4]:m[5]]); name != "" {
				add(name, v, m[0], m[1])
			}
		}
	}
	if m := hrEitherRe.FindStringIndex(s); m != nil {
		// "ER and/or PR positive" asks for either: one hormone-receptor
		// constraint instead of two that would both be required.
		kept := out[:0]
		for _, c := range out {
			if (c.Term != "ER" && c.Term != "PR") || c.Value != BiomarkerPositive {
				kept = append(kept, c)
			}
		}
		out = kept
		add("HR", BiomarkerPositive, m[0], m[1])
	}
	return spreadAndCourse(text, n, dropContradictions(out))
}

// statusStems are in every biomarker status the patterns read.
var statusStems = []string{"positiv", "negativ", "mutat", "mutant", "amplif", "overexpress", "rearrang", "fusion",
	"wild", "exon", "l858", "t790", "g12", "v600", "del", "itd", "+", "-ve", "activating", "sensiti"}

// spreadAndCourse adds the disease's course and non-metastatic disease.
func spreadAndCourse(text string, n norm, out []Constraint) []Constraint {
	s := n.s
	for _, re := range []*wordStartRe{newlyRe, relapsedRe} {
		if !containsAny(s, []string{"newly", "untreated", "relaps", "refractor"}) {
			break
		}
		if m := re.FindStringIndex(s); m != nil {
			c := n.term(text, KindDiseaseStatus, m[0], m[1])
			c.Term = NewlyDiagnosed
			if re == relapsedRe {
				c.Term = RelapsedRefractor
			}
			c.Hedged = c.Hedged || hedged(n, m[0], m[1], KindDiseaseStatus) || strings.Contains(s, " or ")
			out = append(out, c)
		}
	}
	if !containsAny(s, []string{"m0", "metasta", "early", "operable", "locali"}) {
		return out
	}
	for _, m := range noMetastasisRe.FindAllStringIndex(s, -1) {
		c := n.term(text, KindMetastasis, m[0], m[1])
		c.Negated = !c.Negated
		c.Hedged = c.Hedged || hedged(n, m[0], m[1], KindMetastasis)
		out = append(out, c)
	}
	return out
}

// Markers returns the biomarker statuses written in a text, such as a
// clinic note ("HER2-positive", "EGFR exon 19 deletion" is not read,
// "negative for ALK").
func Markers(text string) []Constraint {
	var out []Constraint
	for _, c := range biomarkers(text, normalize(text, 0, len(text))) {
		if c.Kind == KindBiomarker && !c.Hedged {
			out = append(out, c)
		}
	}
	return out
}

// egfrIsKidney tells eGFR, the kidney function, from the EGFR gene: a
// number or comparator follows the kidney's.
func egfrIsKidney(s string, end int) bool {
	rest := strings.TrimLeft(s[end:], " :")
	return rest != "" && strings.ContainsRune("<>=0123456789", rune(rest[0]))
}

func dropContradictions(cs []Constraint) []Constraint {
	seen := map[string]float64{}
	both := map[string]bool{}
	for _, c := range cs {
		if v, ok := seen[c.Term]; ok && v != c.Value {
			both[c.Term] = true
		}
		seen[c.Term] = c.Value
	}
	if len(both) == 0 {
		return cs
	}
	kept := cs[:0]
	for _, c := range cs {
		if !both[c.Term] {
			kept = append(kept, c)
		}
	}
	return kept
}
