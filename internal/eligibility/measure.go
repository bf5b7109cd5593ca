package eligibility

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// amount is a number as written, with its power of ten, unit and
// whether it is a multiple of the upper limit of normal. Offsets are in
// the normalized text.
type amount struct {
	val      float64
	exp      int  // "x 10^9": 9
	sci      bool // a power of ten was written
	unit     string
	uln      bool
	from, to int
}

var (
	numRe = regexp.MustCompile(`^(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)`)
	sciRe = regexp.MustCompile(`^\s*(?:(?:x|\*)\s*10\s*(?:\^|\*\*|e)?\s*\(?\s*(\d{1,2})\s*\)?|10\s*(?:\^|\*\*)\s*\(?\s*(\d{1,2})\s*\)?|e\+?(\d{1,2}))`)
	ulnRe = regexp.MustCompile(`^\s*(?:(?:x|\*|times|fold|-fold)\s*)?(?:(?:of|more than|greater than|higher than|above)\s+)?(?:the\s+)?(?:(?:institutional|laboratory|local|site|lab)\s+)?(?:uln\b|upper (?:limits?|level) of (?:the\s+)?(?:institutional\s+|laboratory\s+)?normal(?:\s+(?:range|limits?|values?|levels?))?|upper normal (?:limits?|values?)|normal upper (?:limits?|range)|upper limits? of (?:the\s+)?reference range|upper limits? normal|upper limits?\b|upper range of normal|lsn\b)(?:\s*\((?:uln|lsn)\))?|^\s*(?:x|\*)\s*n\b|^\s*(?:x|\*|times|fold|-fold)\s*(?:the\s+)?(?:institutional\s+)?normal\b(?:\s+(?:values?|limits?|levels?|range))?`)
	wsRe  = regexp.MustCompile(`^\s*`)
	// restatedUnitRe is a unit restated in a parenthesis after the unit.
	restatedUnitRe = regexp.MustCompile(`^\s*\([a-z%/^\d. ]{1,20}\)`)

	fillerRe = regexp.MustCompile(`^(?:\([^()<>=\d\s][^()<>=]{0,59}\)|\[[^\[\]<>=\d]{1,40}\]|\s+|[:(),/\-]|(?:levels?|counts?|values?|concentrations?|serum|plasma|blood|total|absolute|must|should|shall|will|be|is|are|was|of|the|with|defined as|prolongation|results?|rate|test|measured|either|both|has|have|to|needs?|score|scores|status|performance|scale|class|classification|functional|physical|domain|pain|severity|intensity|neck|back|leg|arm|knee|shoulder|radicular|average|worst|grade|ps|lab|laboratory|estimated|a value of|at rest|at baseline|at screening|ranging|ranged|anticipated|expected|range|time|grading|ecog|who|count|index|fraction|documented|patient's|subject's|standard|questionnaire|(?:on|in|at|during) (?:the )?(?:screening|baseline)(?: (?:ecg|ekg|electrocardiogram|visit))?)\b)*`)

	restatedCmpRe = regexp.MustCompile(`^\s*\(?\s*(>=|<=|=<|=>|>|<)\s*\)?`)
	rangeSepRe    = regexp.MustCompile(`^\s*(?:-|~|to|and|through|thru)\s*`)
	fromRe        = regexp.MustCompile(`^(?:between|from)\s+`)
	postGE        = regexp.MustCompile(`^\s*(?:or|and)\s+(?:more|greater|higher|above|over|bigger|older|longer)\b|^\s*\+`)
	postLE        = regexp.MustCompile(`^\s*(?:or|and)\s+(?:less|lower|below|fewer|under|younger|shorter)\b`)
)

type cmpPattern struct {
	re *regexp.Regexp
	op string
}

// comparators are tried in order: the inclusive forms before the strict
// ones they start with ("<=" before "<").
var comparators = []cmpPattern{
	{regexp.MustCompile(`^(?:>=|=>|>\s*or\s*=|>/=|\+/=|greater than or equal(?: to)?|greater or equal(?: to)?|more than or equal(?: to)?|higher than or equal(?: to)?|equal to or (?:greater|more|higher) than|equal or (?:greater|more|higher) than|at least|not less than|no less than|not lower than|no lower than|not below|minimum(?: of)?|min\.?|superior or equal to|above or equal to|over or equal to|equal to or older than|or older than|equal to or above|equal or above|equal to or higher than|equal or higher than)`), OpGE},
	{regexp.MustCompile(`^(?:<=|=<|<\s*or\s*=|</=|less than or equal(?: to)?|lower than or equal(?: to)?|less or equal(?: to)?|equal to or (?:less|lower) than|equal or (?:less|lower) than|not more than|no more than|not greater than|no greater than|not higher than|no higher than|not exceeding|not to exceed|does not exceed|not above|maximum(?: of)?|max\.?|up to|at most|inferior or equal to|below or equal to|lesser than or equal(?: to)?|equal to or below|equal or below)`), OpLE},
	{regexp.MustCompile(`^(?:>|greater than|more than|higher than|above|over|exceeding|exceeds?|in excess of|superior to|elevated above|older than)`), OpGT},
	{regexp.MustCompile(`^(?:<|less than|lesser than|lower than|below|under|fewer than|inferior to|younger than)`), OpLT},
	{regexp.MustCompile(`^(?:=|equal to|equals)`), OpEQ},
}

func comparator(s string, p int) (string, int) {
	for _, c := range comparators {
		if m := c.re.FindStringIndex(s[p:]); m != nil {
			q := p + m[1]
			if r := restatedCmpRe.FindStringSubmatchIndex(s[q:]); r != nil && isWordByte(s[p]) {
				// "up to <= 3", "less than (<) 90": the symbol restates
				// or sharpens the words.
				op, _ := comparator(s[q+r[2]:q+r[3]], 0)
				return op, q + r[1]
			}
			if k := skipSpaces(s, q); k < len(s) && (s[k] == 'a' || s[k] == 't') {
				q += len(valueOfRe.FindString(s[q:])) // "greater than a value of 11%"
			}
			return c.op, q
		}
	}
	return "", p
}

var valueOfRe = regexp.MustCompile(`^\s*(?:a|the)\s+(?:value|level|score|total score|total|reading)\s+of\b`)

type unitPattern struct {
	id string
	re *regexp.Regexp
}

// units are tried in order, longest spellings first.
var units = func() []unitPattern {
	list := [][2]string{
		{"mL/min/1.73m2", `(?:ml|cc|millilit(?:er|re)s?)\s*(?:/|per)\s*min(?:ute)?\s*(?:/|per)\s*1[.,]73\s*(?:m\s*\^?\s*2|square met(?:er|re)s?|sq\.?\s*m)?`},
		{"mL/min", `(?:ml|cc)\s*/\s*(?:min(?:ute)?|mn)\b|ml per min(?:ute)?\b`},
		{"g/dL", `(?:g|gm|gr|gms|grams?)\s*/\s*dl\b|g\s*/\s*100\s*ml|gm?\s*%`},
		{"mg/dL", `mg\s*/\s*dl\b|mg\s*%|mg\s*/\s*100\s*ml`},
		{"ng/dL", `ng\s*/\s*dl\b`},
		{"ng/mL", `ng\s*/\s*ml\b`},
		{"pg/mL", `pg\s*/\s*ml\b`},
		{"mg/L", `mg\s*/\s*l\b`},
		{"umol/L", `(?:umol|mcmol|micromol(?:es)?|micromoles?)(?:\s*/\s*(?:l|liter|litre))?\b`},
		{"mmol/mol", `mmol\s*/\s*mol\b`},
		{"mmol/L", `(?:mmol|mm)\s*/\s*(?:l|liter|litre)\b`},
		{"mEq/L", `meq\s*/\s*l\b`},
		{"nmol/L", `nmol\s*/\s*l\b`},
		{"mIU/L", `(?:miu|mu)\s*/\s*l\b|(?:uiu|uu|uui)\s*/\s*ml\b`},
		{"copies/mL", `cop(?:y|ies)\s*/\s*ml\b|cps?\s*/\s*ml\b`},
		{"IU/mL", `(?:iu|ui)\s*/\s*ml\b`},
		{"U/L", `(?:iu|u|ui)\s*/\s*l\b`},
		{"K/uL", `k\s*/\s*(?:ul|mm\s*\^?\s*3|mcl)\b`},
		{"/uL", `(?:cells?\s*)?/\s*(?:ul|mm\s*\^?\s*3|cu\.?\s*mm|cmm|microlit(?:er|re)s?|mcl)\b|(?:cells?\s+)?per\s+(?:ul|mm\s*\^?\s*3|microlit(?:er|re)|cubic millimet(?:er|re))\b`},
		{"/nL", `/\s*nl\b`},
		{"/L", `(?:cells?\s*)?/\s*(?:l|liter|litre)\b|per\s+(?:l|liter|litre)\b`},
		{"/mL", `(?:cells?\s*)?/\s*ml\b`},
		{"g/L", `(?:g|gm|gr|grams?|gi|giga)\s*/\s*l\b`},
		{"g", `(?:g|gm|grams?)\b`}, // after every "g/..." unit
		{"%", `(?:%|per\s?cent(?:age)?\b)(?:\s*\(%\))?`},
		{"kg/m2", `kg\s*/\s*(?:m\s*\^?\s*2|(?:square|sq\.?)\s*m(?:et(?:er|re)s?)?)|kilograms? per (?:square met(?:er|re)s?|met(?:er|re)s? squared?)`},
		{"kg", `kgs?\b|kilograms?\b`},
		{"m2", `m\s*\^?\s*2\b|square met(?:er|re)s?\b|sq\.?\s*m\b`},
		{"lb", `lbs?\b|pounds?\b`},
		{"mmHg", `mm\s*hg\b`},
		{"kPa", `kpa\b`},
		{"bpm", `bpm\b|beats?\s*(?:/|per)\s*min(?:ute)?\b`},
		{"ng/L", `ng\s*/\s*l\b`},
		{"ug/L", `(?:ug|mcg)\s*/\s*l\b`},
		{"mm", `mm\b|millimet(?:er|re)s?\b`},
		{"cm", `cm\b|centimet(?:er|re)s?\b`},
		{"/100", `/\s*100\b`},
		{"/10", `/\s*10\b`},
		{"mL", `ml\b`}, // not "milliliters": "170 milliliters of mercury" is a slip for mm Hg
		{"pmol/L", `pmol\s*/\s*l\b`},
		{"ug/dL", `(?:ug|mcg)\s*/\s*dl\b`},
		{"ug/mL", `(?:ug|mcg)\s*/\s*ml\b`},
		{"mg/kg", `mg\s*/\s*kg\b`},
		{"mg/day", `mg\s*/\s*(?:day|d)\b`},
		{"U/mL", `(?:iu|u)\s*/\s*ml\b`},
		{"mg", `mg\b`},
		{"L", `(?:l|lit(?:er|re)s?)\b`},
		{"ms", `ms\b|msec\b|milliseconds?\b`},
		{"s", `s\b|secs?\b|seconds?\b`},
		{"years", `(?:years?|yrs?|ans)\b|y\.?\s?o\b\.?|y\b`},
		{"months", `(?:months?|mos?|mths?|mois)\b`},
		{"weeks", `(?:weeks?|wks?|semaines?)\b`},
		{"days", `(?:days?|jours?)\b|d\b`},
		{"hours", `(?:hours?|hrs?|h)\b`},
	}
	out := make([]unitPattern, len(list))
	for i, u := range list {
		out[i] = unitPattern{u[0], regexp.MustCompile(`^\s*(?:` + u[1] + `)`)}
	}
	return out
}()

var timeUnits = map[string]bool{"years": true, "months": true, "weeks": true, "days": true, "hours": true}

func parseNumber(t string) float64 {
	if strings.Count(t, ",") == 1 && !strings.Contains(t, ".") && len(t)-strings.IndexByte(t, ',') != 4 {
		t = strings.Replace(t, ",", ".", 1) // decimal comma, "1,5"
	}
	f, _ := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64)
	return f
}

// parseAmount reads "1.5 x 10^9/L", "2.5 x ULN", "90 g/L" or "18" at p.
func parseAmount(s string, p int) (amount, bool) {
	p += len(wsRe.FindString(s[p:]))
	m := numRe.FindStringIndex(s[p:])
	if m == nil {
		return amount{}, false
	}
	a := amount{val: parseNumber(s[p : p+m[1]]), from: p}
	q := p + m[1]
	if q < len(s) && s[q] >= 'a' && s[q] <= 'z' && s[q] != 'x' && !unitStart(s, q) && !strings.HasPrefix(s[q:], "uln") {
		return amount{}, false // "3a", "2nd": not a quantity
	}
	if sm := sciRe.FindStringSubmatchIndex(s[q:]); sm != nil {
		for g := 2; g < len(sm); g += 2 {
			if sm[g] >= 0 {
				a.exp, _ = strconv.Atoi(s[q+sm[g] : q+sm[g+1]])
			}
		}
		a.sci = true
		q += sm[1]
	}
	if um := matchULN(s, q); um != nil {
		a.uln = true
		a.to = q + um[1]
		return a, true
	}
	if !mayStartUnit(s, q) {
		a.to = q
		return a, true
	}
	for _, u := range units {
		if um := u.re.FindStringIndex(s[q:]); um != nil {
			if !strings.Contains(u.id, "/") && strings.HasPrefix(strings.TrimLeft(s[q+um[1]:], " "), "/") {
				break // "ml/hr": a rate this table does not know, not a volume
			}
			a.unit = u.id
			q += um[1]
			if k := skipSpaces(s, q); k < len(s) && s[k] == '(' && restatedUnitRe.MatchString(s[q:]) && unitStart(s, k+1) {
				q = k + strings.IndexByte(s[k:], ')') + 1 // "30 kilograms per square meter (kg/m^2)": the unit once more
			}
			break
		}
	}
	a.to = q
	return a, true
}

// skipSpaces returns the first index from q that is not a space.
func skipSpaces(s string, q int) int {
	for q < len(s) && s[q] == ' ' {
		q++
	}
	return q
}

// mayStartUnit reports whether a unit can start at q: every unit
// starts, after spaces, with a letter, "%" or "/". Most numbers are
// followed by none, and are spared trying every unit.
func mayStartUnit(s string, q int) bool {
	q = skipSpaces(s, q)
	return q < len(s) && (s[q] >= 'a' && s[q] <= 'z' || s[q] == '%' || s[q] == '/')
}

// matchULN is ulnRe at q, tried only when the next bytes have a word
// every spelling of the limit contains, or start with "x" or "*".
func matchULN(s string, q int) []int {
	w := s[q:min(len(s), q+80)]
	t := strings.TrimLeft(w, " ")
	if t == "" || t[0] != 'x' && t[0] != '*' && !containsAny(w, ulnWords) {
		return nil
	}
	return ulnRe.FindStringIndex(s[q:])
}

var ulnWords = []string{"uln", "upper", "normal", "lsn"}

func unitStart(s string, q int) bool {
	for _, u := range units {
		if u.re.MatchString(s[q:]) {
			return true
		}
	}
	return false
}

// parseMeasure reads a threshold for v at p (just after the mention):
// filler words, then "<comparator> <amount>", "<amount> - <amount>",
// "between <amount> and <amount>" or "<amount> or more". A range whose
// ends carry their own comparators ("2 to < 12", ">= 12 to < 18",
// "between >= 40 and <= 90") is two bounds: op on a and op2 on b.
func parseMeasure(s string, p int, v *Variable) reading {
	if q := p + len(wsRe.FindString(s[p:])); q < len(s) && s[q] == '(' {
		// "(greater than or equal to 60 years)" is the threshold, not
		// an aside for the filler to skip.
		if op, _ := comparator(s, q+1+len(wsRe.FindString(s[q+1:]))); op != "" {
			p = q + 1
		}
	}
	p += len(fillerRe.FindString(s[p:]))
	if m := fromRe.FindStringIndex(s[p:]); m != nil {
		r := parseRange(s, p+m[1])
		if a, ok := parseAmount(s, p+m[1]); !r.ok && ok && v.Name == "age" && a.unit == "years" && strings.HasPrefix(s[p:], "from") {
			return reading{op: OpGE, a: a, end: a.to, ok: true} // "aged from 18 years"
		}
		return r
	}
	op, q := comparator(s, p)
	if op != "" {
		q += len(wsRe.FindString(s[q:]))
		if um := matchULN(s, q); um != nil && v.family == famLab {
			return reading{op: op, a: amount{val: 1, uln: true, from: q, to: q + um[1]}, end: q + um[1], ok: true}
		}
		a, ok := parseAmount(s, q)
		if !ok {
			return reading{}
		}
		if rangeSepRe.MatchString(s[a.to:]) {
			if r := parseRange(s, p); r.ok && r.op2 != "" {
				return r
			}
			if r := parseRange(s, q); r.ok && op == OpEQ {
				return r // "FBS = 120-160 mg/dL"
			}
		}
		return reading{op: op, a: a, end: a.to, ok: true}
	}
	if r := parseRange(s, p); r.ok {
		return r
	}
	a, ok := parseAmount(s, p)
	if !ok {
		return reading{}
	}
	if m := postGE.FindStringIndex(s[a.to:]); m != nil {
		return reading{op: OpGE, a: a, end: a.to + m[1], ok: true}
	}
	if m := postLE.FindStringIndex(s[a.to:]); m != nil {
		return reading{op: OpLE, a: a, end: a.to + m[1], ok: true}
	}
	return reading{}
}

// parseRange reads "<amount> <sep> <amount>", each end optionally led
// by a comparator. Without comparators it is one inclusive "between";
// with one on either end it is two bounds, the end without one
// inclusive. "and" only joins two bounds when the second has its own
// comparator: ">= 18 and 65" is no range.
func parseRange(s string, p int) reading {
	op1, p := comparator(s, p)
	a, ok := parseAmount(s, p)
	if !ok {
		return reading{}
	}
	m := rangeSepRe.FindStringIndex(s[a.to:])
	if m == nil {
		return reading{}
	}
	q := a.to + m[1]
	op2, q := comparator(s, q)
	if op1 != "" && op2 == "" && strings.HasPrefix(strings.TrimSpace(s[a.to:]), "and") {
		return reading{}
	}
	b, ok := parseAmount(s, q)
	if !ok || b.val < a.val && b.unit == a.unit {
		return reading{}
	}
	if a.unit == "" && !a.uln {
		a.unit, a.uln, a.exp, a.sci = b.unit, b.uln, b.exp, b.sci
	}
	if op1 == "" && op2 == "" {
		return reading{op: OpBetween, a: a, b: b, end: b.to, ok: true}
	}
	if op1 == "" {
		op1 = OpGE
	}
	if op2 == "" {
		op2 = OpLE
	}
	if op1[0] != '>' || op2[0] != '<' {
		return reading{} // "< 2 to < 5": not a range
	}
	return reading{op: op1, a: a, op2: op2, b: b, end: b.to, ok: true}
}

// perLitre is how many cells a count unit's volume holds per litre.
var perLitre = map[string]float64{"/L": 1, "/mL": 1e3, "/uL": 1e6, "K/uL": 1e9, "/nL": 1e9, "g/L": 1e9}

// canonical converts an amount to v's canonical unit. ok is false when
// the unit is foreign to v (a time unit on a lab), so the caller can
// reject the reading.
func canonical(v *Variable, a amount) (float64, string, bool) {
	if a.uln {
		// Vital signs and body measures have no upper limit of normal
		// to be a multiple of.
		return a.val, "ULN", (v.family == famLab || v.family == famCount) && !noULN[v.Unit]
	}
	val := a.val * math.Pow(10, float64(a.exp))
	if v.family == famCount {
		return countValue(v, a, val)
	}
	if timeUnits[a.unit] != (v.family == famDuration) && a.unit != "" {
		return 0, "", false
	}
	unit := a.unit
	if unit == "" {
		unit = defaultUnit(v, val)
	}
	if a.unit == "" && v.family == famDuration && v.Name != "age" {
		return 0, "", false // "life expectancy > 3": 3 what?
	}
	if v.Name == "hba1c" && unit == "mmol/mol" {
		// IFCC to NGSP, which is not a factor; HbA1c is reported to one
		// decimal.
		return math.Round((0.09148*val+2.152)*10) / 10, v.Unit, true
	}
	if (v.Name == "fev1_fvc" || v.Name == "fio2") && unit == "%" && val > 0 && val <= 1 {
		val *= 100 // "FEV1/FVC < 0.7%": a ratio with a stray percent sign
	}
	if f, ok := v.factors[unit]; ok {
		return plausibleValue(v, val*f, val, unit), v.Unit, true
	}
	if v.factors == nil {
		return val, v.Unit, true
	}
	if slices.Contains(v.AlsoUnits, unit) {
		return val, unit, true
	}
	// A unit the table does not list is a different quantity ("creatinine
	// exceeds 20%", "eGFR < 80% of normal"): not this variable's threshold.
	return 0, "", false
}

var noULN = map[string]bool{"bpm": true, "kg": true, "kg/m2": true, "mmHg": true, "ms": true, "L": true, "m2": true}

// defaultUnit infers a missing unit from the magnitude where the usual
// units differ by an order of magnitude or more.
func defaultUnit(v *Variable, val float64) string {
	switch v.Name {
	case "hemoglobin":
		if val > 30 {
			return "g/L"
		}
	case "albumin":
		if val > 10 {
			return "g/L"
		}
	case "creatinine":
		if val > 20 {
			return "umol/L"
		}
	case "total_bilirubin", "direct_bilirubin":
		if val > 10 {
			return "umol/L"
		}
	case "weight":
		if val > 400 { // a birth weight: "less than 800"
			return "g"
		}
	case "age":
		return "years"
	case "qtc":
		if val < 2 { // "QTc > 0.48": seconds
			return "s"
		}
	case "fio2", "hematocrit":
		if val <= 1 {
			return "fraction"
		}
	case "fev1_fvc":
		if val <= 1 { // "FEV1/FVC < 0.70"
			return "fraction"
		}
	case "fev1":
		if val > 10 { // "FEV1 >= 50": percent of predicted
			return "%"
		}
	case "pain_score":
		if val > 10 { // "VAS >= 40": a 100 mm scale
			return "mm"
		}
	}
	return v.Unit
}

func countValue(v *Variable, a amount, val float64) (float64, string, bool) {
	per, ok := perLitre[a.unit]
	switch {
	case ok:
	case a.unit != "":
		return 0, "", false
	case a.sci && a.exp >= 9:
		per = 1
	case a.sci:
		per = 1e6
	case v.Name == "cd4" || val >= 500:
		// 1500 without a unit is per microlitre; 1.5 is per nanolitre.
		per = 1e6
	default:
		per = 1e9
	}
	if v.Name == "cd4" {
		return val * per / 1e6, v.Unit, true
	}
	return plausibleValue(v, val*per/1e9, val, a.unit), v.Unit, true
}

// plausible are the ranges a threshold on the analyte can take in its
// canonical unit. A converted value outside while the number as written
// is inside means the unit is a slip ("Hb > 10 mg/dL", "ANC > 1.5
// cells/mm3", "cholesterol > 200 mmol/L"): the number is kept in the
// canonical unit. So is millimoles written for micromoles ("creatinine
// < 130 mmol/L").
var plausible = map[string][2]float64{
	"hemoglobin": {3, 25}, "anc": {0.05, 100}, "platelets": {5, 2000}, "wbc": {0.1, 500},
	"lymphocytes": {0.05, 100}, "testosterone": {1, 3000}, "albumin": {1, 8},
	"creatinine": {0.1, 20}, "total_bilirubin": {0.1, 40},
	"total_cholesterol": {50, 1000}, "ldl": {10, 600}, "triglycerides": {20, 5000}, "glucose": {20, 1500},
}

func plausibleValue(v *Variable, converted, written float64, unit string) float64 {
	r, ok := plausible[v.Name]
	in := func(x float64) bool { return x >= r[0] && x <= r[1] }
	switch {
	case !ok || in(converted):
		return converted
	case in(written):
		return written
	case unit == "mmol/L" && in(converted/1000):
		return converted / 1000
	}
	return converted
}

// reading is the threshold read after one mention. With op2 set it is
// two bounds, op on a and op2 on b; otherwise b is the upper end of a
// "between".
type reading struct {
	op, op2 string
	a, b    amount
	end     int
	ok      bool
}

// mention is a variable named in the normalized text.
type mention struct {
	v    *Variable
	s, e int
}

// synonymsByByte lists the synonyms by first byte, longest first, so
// the longest name at a position wins and a shorter one is still tried
// when the longer runs into a word ("hemoglobin levels" is not
// "hemoglobin level" + "s").
var synonymsByByte = func() *[256][]string {
	var m [256][]string
	for _, table := range [][]Variable{Variables, groups} {
		for i := range table {
			for _, s := range table[i].Synonyms {
				synonymVar[s] = &table[i]
				m[s[0]] = append(m[s[0]], s)
			}
		}
	}
	for _, list := range m {
		slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	}
	return &m
}()

var synonymVar = map[string]*Variable{}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func findMentions(s string) []mention {
	var out []mention
	for a := 0; a < len(s); a++ {
		if a > 0 && isWordByte(s[a-1]) {
			continue
		}
		for _, syn := range synonymsByByte[s[a]] {
			b := a + len(syn)
			if !strings.HasPrefix(s[a:], syn) || b < len(s) && isWordByte(s[b]) && isWordByte(s[b-1]) {
				continue
			}
			// A short name glued to a longer token by a hyphen is part
			// of another name: "IIEF-EF" is not an ejection fraction.
			if len(syn) <= 3 && a > 0 && s[a-1] == '-' {
				continue
			}
			out = append(out, mention{v: synonymVar[syn], s: a, e: b})
			a = b - 1
			break
		}
	}
	return out
}

var precedingCmpRe = regexp.MustCompile(`(>=|<=|=<|=>|>|<)\s*$`)

// inBounds reports whether a reading shared from another mention is a
// possible grade of v: "performance status (Lansky or Karnofsky >= 50)"
// must not make 50 an ECOG grade.
func inBounds(v *Variable, r reading) bool {
	switch v.family {
	case famOrdinal, famRoman, famLetter:
		lo, hi := ordBounds(v)
		return r.a.val >= lo && r.a.val <= hi
	}
	return true
}

var (
	// changeBefore leads a change of a quantity, not its value: "loss of
	// body weight", "improvement in the IIEF-5 score of >= 3".
	changeBefore      = regexp.MustCompile(`(?:change|changes|loss|gain|reduction|increase|decrease|improvement|worsening|deterioration)\s+(?:in|of)\s+(?:the\s+)?(?:body\s+)?$`)
	weightChangeAfter = regexp.MustCompile(`^\s*(?:loss|gain|change|changes|reduction|increase|decrease|fluctuation)`)
	// overIdealRe follows a weight measured from the ideal: "more than
	// 45 kg (100 lbs.) over ideal body weight".
	overIdealRe = regexp.MustCompile(`^\s*(?:\([^()]{0,20}\)\s*)?(?:over|above|below|under|more than|in excess of)\s+(?:the\s+)?(?:ideal|predicted|normal|expected)\s+(?:body\s+)?weight`)
	// otherPainRe ends the name of an instrument whose pain subscale is
	// not a 0-10 pain score.
	otherPainRe = regexp.MustCompile(`(?:cpsi|womac|koos|hoos)\W{0,3}$`)
)

// connectorRe is what may stand between two mentions that share one
// threshold: "AST and ALT <= 2.5 x ULN", "AST (SGOT)/ALT (SGPT)".
var connectorRe = regexp.MustCompile(`^(?:\s|[,/&()]|and|or|serum|levels?)*$`)

// measures extracts the threshold constraints of the normalized text.
func measures(n norm) []Constraint {
	s := n.s
	ms := findMentions(s)
	got := make([]reading, len(ms))
	found := make([][]Constraint, len(ms))
	type seenKey struct {
		name string
		at   int
	}
	seen := map[seenKey]bool{}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.v.family == famBP {
			found[i] = bloodPressure(n, m)
			continue
		}
		r := reading{}
		switch {
		case m.v.sharedOnly:
		case m.v.family == famLetter:
			if r = childPughScore(s, m.e); r.ok {
				m.v = variableIndex["child_pugh_score"]
				break
			}
			r = parseOrdinal(s, m.e, m.v)
			if !r.ok {
				// "Child-Pugh score <= 7": the same names, digits.
				m.v = variableIndex["child_pugh_score"]
				r = parseOrdinal(s, m.e, m.v)
			}
		case m.v.family == famOrdinal:
			if !changeBefore.MatchString(tail(s, m.s, 24)) {
				r = parseOrdinal(s, m.e, m.v)
			}
		case m.v.family == famRoman:
			if r = parseOrdinal(s, m.e, m.v); !r.ok {
				r = gradeBefore(s, m.s, m.v)
			}
		default:
			r = parseMeasure(s, m.e, m.v)
			if r.ok && (m.v.Name == "systolic_bp" || m.v.Name == "diastolic_bp") && bpPairRe.MatchString(s[r.a.to:]) {
				r = reading{} // "systolic > 140/90": both pressures, read as blood pressure
			}
			if m.v.Name == "weight" && (changeBefore.MatchString(tail(s, m.s, 24)) || weightChangeAfter.MatchString(s[m.e:]) ||
				r.ok && overIdealRe.MatchString(s[r.end:min(len(s), r.end+50)])) {
				r = reading{} // a change of weight, or a weight above the ideal, not a weight
			}
			if m.v.Name == "pain_score" && otherPainRe.MatchString(tail(s, m.s, 12)) {
				r = reading{} // "NIH-CPSI pain score": another instrument's subscale and range
			}
		}
		if !r.ok && i+1 < len(ms) && got[i+1].ok && m.v.family == ms[i+1].v.family &&
			connectorRe.MatchString(s[m.e:ms[i+1].s]) && inBounds(m.v, got[i+1]) {
			r = got[i+1]
		}
		if r.ok && r.op == OpEQ && m.v.family != famLab && m.v.family != famCount {
			// "heart failure <= NYHA II": the comparator comes first.
			if pm := precedingCmpRe.FindStringSubmatch(tail(s, m.s, 4)); pm != nil {
				r.op, _ = comparator(pm[1], 0)
			}
		}
		got[i] = r
		if !r.ok {
			continue
		}
		for _, v := range expand(m.v) {
			// "Hemoglobin (Hb) >= 9": one threshold, two names.
			key := seenKey{v.Name, r.a.from}
			if seen[key] {
				continue
			}
			seen[key] = true
			found[i] = append(found[i], build(n, mention{v: v, s: m.s, e: m.e}, r)...)
			if (v.family == famLab || v.family == famCount) && r.op2 == "" {
				found[i] = append(found[i], second(n, v, r.op, r.end)...)
			}
		}
	}
	for i, m := range ms {
		if m.v.family != famBP && !m.v.sharedOnly {
			for _, v := range expand(m.v) {
				found[i] = append(found[i], boundBefore(n, mention{v: v, s: m.s, e: m.e})...)
			}
		}
	}
	out := slices.Concat(found...)
	out = appendConstraints(out, gestation(n))
	return appendConstraints(out, pressurePairs(n))
}

// boundBeforeRe is a bound written before the name: "90 mmHg <=
// systolic blood pressure < 140 mmHg", "5 <= IIEF-EF <= 25". Its group
// is the comparator.
var boundBeforeRe = regexp.MustCompile(`(?:^|[^a-z\d.,])\d+(?:[.,]\d+)?\s*(?:[a-z%/][a-z\d%/^]*(?:\s*/\s*[a-z]+)?\s*)?(<=|<|>=|>)\s*$`)

// boundBefore reads the bound of m written before it, turned round: "90
// <= SBP" is SBP >= 90.
func boundBefore(n norm, m mention) []Constraint {
	t := tail(n.s, m.s, 30)
	bm := boundBeforeRe.FindStringSubmatchIndex(t)
	if bm == nil {
		return nil
	}
	from := m.s - len(t) + bm[0]
	from += len(strings.TrimLeft(n.s[from:from+1], "0123456789")) // the character before the number
	a, ok := parseAmount(n.s, from)
	if !ok {
		return nil
	}
	op, _ := comparator(t[bm[2]:bm[3]], 0)
	turned := map[string]string{OpLE: OpGE, OpLT: OpGT, OpGE: OpLE, OpGT: OpLT}[op]
	r := reading{op: turned, a: a, end: m.s - len(t) + bm[1], ok: true}
	switch m.v.family {
	case famOrdinal, famRoman, famLetter:
		if !inBounds(m.v, r) {
			return nil
		}
	}
	return build(n, mention{v: m.v, s: from, e: from}, r)
}

// gestationRe ends a gestational age written number first: "< 32
// weeks of gestation", "24 to 32 weeks' gestation".
var gestationRe = regexp.MustCompile(`(?:weeks?|wks?)(\s*(?:'s?\s*|of\s+)?(?:gestation(?:al age)?|ga|pregnancy)\b)`)

// gestation reads gestational ages written number first. The threshold
// is the longest reading that starts at most 40 bytes before and ends
// at the unit of weeks.
func gestation(n norm) []Constraint {
	if !strings.Contains(n.s, "week") && !strings.Contains(n.s, "wk") {
		return nil // gestationRe starts with one
	}
	v := variableIndex["gestational_age"]
	var out []Constraint
	for _, m := range gestationRe.FindAllStringSubmatchIndex(n.s, -1) {
		unitEnd := m[2]
		for p := max(0, m[0]-40); p < m[0]; p++ {
			if p > 0 && isWordByte(n.s[p-1]) || n.s[p] == ' ' {
				continue
			}
			if r := parseMeasure(n.s, p, v); r.ok && r.end == unitEnd {
				out = appendConstraints(out, build(n, mention{v: v, s: p, e: p}, r))
				break
			}
		}
	}
	return out
}

var (
	// pressureRe is a blood pressure pair with its unit, which alone
	// says it is one: "hypertension (>= 140/90 mmHg)".
	pressureRe = newWordStartRe(`\b(\d{2,3})\s*/\s*(\d{2,3})\s*mm\s*hg\b`)
	cmpTailRe  = regexp.MustCompile(`(?:>=|<=|=<|=>|>|<|at least|greater than or equal to|equal to or greater than|more than|greater than|higher than|above|over|exceeding|less than|lower than|below|under)\s*$`)
)

// pressurePairs reads "S/D mmHg" pairs led by a comparator, whatever
// names them.
func pressurePairs(n norm) []Constraint {
	if !strings.Contains(n.s, "hg") {
		return nil
	}
	var out []Constraint
	for _, m := range pressureRe.FindAllStringSubmatchIndex(n.s, -1) {
		c := cmpTailRe.FindStringIndex(tail(n.s, m[0], 40))
		if c == nil {
			continue
		}
		from := m[0] - (min(m[0], 40) - c[0])
		op, _ := comparator(n.s, from)
		span := n.span(from, m[1])
		for i, name := range []string{"systolic_bp", "diastolic_bp"} {
			val := parseNumber(n.s[m[2+2*i]:m[3+2*i]])
			out = append(out, Constraint{Kind: KindMeasure, Variable: name, Op: op, Value: val, Unit: "mmHg", Span: span,
				Original: &Original{Value: val, Unit: "mmHg"}})
		}
	}
	return out
}

// build turns a reading into constraints (two for two bounds), or none
// when the unit is foreign to the variable.
func build(n norm, m mention, r reading) []Constraint {
	v := m.v
	if v.percentOf != "" && (r.a.unit == "%" || r.a.unit == "" && !r.a.uln && defaultUnit(v, r.a.val) == "%") {
		v = variableIndex[v.percentOf] // "FEV1 >= 50%": of the predicted value
	}
	val, unit, ok := canonical(v, r.a)
	if !ok {
		return nil
	}
	c := Constraint{Kind: KindMeasure, Variable: v.Name, Op: r.op, Value: val, Unit: unit,
		ULNMultiple: r.a.uln, Span: n.span(m.s, r.end)}
	var c2 *Constraint
	switch {
	case r.op == OpBetween:
		if c.Value2, _, ok = canonical(v, r.b); !ok {
			return nil
		}
	case r.op2 != "":
		val2, unit2, ok := canonical(v, r.b)
		if !ok {
			return nil
		}
		// Each bound its own span, so neither hides the other.
		c.Span = n.span(m.s, r.a.to)
		c2 = &Constraint{Kind: KindMeasure, Variable: v.Name, Op: r.op2, Value: val2, Unit: unit2,
			ULNMultiple: r.b.uln, Span: n.span(r.a.to, r.end)}
	}
	switch v.family {
	case famOrdinal, famRoman, famLetter:
		// Grades are not converted: "A" or "III" as written says
		// nothing the value does not.
	default:
		c.Original = &Original{Value: r.a.val, Unit: writtenUnit(n, r.a.from, r.a.to)}
		switch {
		case r.op == OpBetween:
			c.Original.Value2 = r.b.val
			c.Original.Unit = writtenUnit(n, r.b.from, r.b.to)
		case c2 != nil:
			c2.Original = &Original{Value: r.b.val, Unit: writtenUnit(n, r.b.from, r.b.to)}
		}
	}
	if c2 != nil {
		return []Constraint{c, *c2}
	}
	return []Constraint{c}
}

// writtenUnit is the unit of the amount at normalized [a, b) as the
// original text spells it ("×10^9/L", "g/L"), without the number.
func writtenUnit(n norm, a, b int) string {
	if m := numRe.FindStringIndex(n.s[a:b]); m != nil {
		a += m[1]
	}
	for a < b && n.s[a] == ' ' {
		a++
	}
	if a >= b {
		return ""
	}
	sp := n.span(a, b)
	return n.text[sp[0]:sp[1]]
}

// bloodPressure reads "blood pressure > 140/90 mmHg" as two constraints.
var (
	bpRe     = regexp.MustCompile(`^\s*(\d{2,3})\s*/\s*(\d{2,3})\s*(?:mm\s*hg)?`)
	bpPairRe = regexp.MustCompile(`^\s*/\s*\d{2,3}\b`)
)

func bloodPressure(n norm, m mention) []Constraint {
	p := m.e + len(fillerRe.FindString(n.s[m.e:]))
	o, q := comparator(n.s, p)
	if o == "" {
		return nil
	}
	bm := bpRe.FindStringSubmatchIndex(n.s[q:])
	if bm == nil {
		return namedPressures(n, m, o, q)
	}
	span := n.span(m.s, q+bm[1])
	sys := parseNumber(n.s[q+bm[2] : q+bm[3]])
	dia := parseNumber(n.s[q+bm[4] : q+bm[5]])
	mk := func(name string, v float64) Constraint {
		return Constraint{Kind: KindMeasure, Variable: name, Op: o, Value: v, Unit: "mmHg", Span: span,
			Original: &Original{Value: v, Unit: "mmHg"}}
	}
	return []Constraint{mk("systolic_bp", sys), mk("diastolic_bp", dia)}
}

// pressureNameRe names the pressure after its value: "blood pressure >=
// 160 mmHg (systolic) or >= 100 mmHg diastolic".
var pressureNameRe = regexp.MustCompile(`^\s*\(?\s*(systolic|diastolic)\b\s*\)?`)

// namedPressures reads blood pressures whose values each say which
// pressure they are, the first with comparator op at q.
func namedPressures(n norm, m mention, op string, q int) []Constraint {
	var out []Constraint
	for {
		a, ok := parseAmount(n.s, q)
		if !ok || a.unit != "" && a.unit != "mmHg" {
			return out
		}
		nm := pressureNameRe.FindStringSubmatchIndex(n.s[a.to:])
		if nm == nil {
			return out
		}
		name := n.s[a.to+nm[2]:a.to+nm[3]] + "_bp"
		end := a.to + nm[1]
		out = append(out, Constraint{Kind: KindMeasure, Variable: name, Op: op, Value: a.val, Unit: "mmHg",
			Span: n.span(m.s, end), Original: &Original{Value: a.val, Unit: "mmHg"}})
		sm := secondRe.FindStringIndex(n.s[end:])
		if sm == nil {
			return out
		}
		if op, q = comparator(n.s, end+sm[1]); op == "" {
			return out
		}
		m.s = end
	}
}
