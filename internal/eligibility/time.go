package eligibility

import (
	"regexp"
	"slices"
	"strings"
)

const (
	tNum  = `(\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|eighteen|twenty|twenty-four|thirty|sixty|ninety)`
	tUnit = `(days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?)\b`
	// tAnchor is the event a window is counted from or to.
	tAnchor = `(?:before|prior|preceding|since|ago|after|following|from|post|status[- ]post|previously|earlier|later)\b`
)

var wordNumbers = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
	"eighteen": 18, "twenty": 20, "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90,
}

var timeUnitIDs = map[byte]string{'d': "days", 'w': "weeks", 'm': "months", 'y': "years", 'h': "hours"}

type windowPattern struct {
	re finder
	op string // "" takes the op from the comparator group
	// need lists words one of which the text must contain for re to
	// match: a cheap test that spares most texts the regexp.
	need []string
}

var (
	anchorWords = []string{"before", "prior", "preced", "since", "ago", "after", "follow", "from", "post", "previous", "earlier", "later"}
	yearWords   = []string{"year", "yr"}
)

// tail is the (at most) n bytes of s before p: patterns anchored at the
// end of the text before a match only need that much.
func tail(s string, p, n int) string {
	return s[max(0, p-n):p]
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// windowPatterns need an explicit quantifier: "within", "in the last",
// a comparator before the number, or a range, each with an anchor word
// where the quantifier alone could be a duration ("at least 3 months of
// therapy" is not a window; "at least 3 months before" is).
var windowPatterns = []windowPattern{
	{newWordStartRe(`\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+|prior\s+|preceding\s+|first\s+|next\s+|following\s+|recent\s+|another\s+|an additional\s+|a further\s+|additional\s+)?(?:about\s+|approximately\s+|approx\.?\s+|~\s*)?(?:` + tNum + `\s*(?:(?:-|~|to|or)\s*` + tNum + `\s*)?)?-?\s*` + tUnit), OpLE, []string{"within"}},
	{regexp.MustCompile(`\b(?:(?:in|during|over|for|within)?\s*the|in|during|within)\s+(?:last|past|previous|preceding|prior|recent)\s+(?:` + tNum + `\s*(?:(?:-|~|to|or)\s*` + tNum + `\s*)?)?-?\s*` + tUnit), OpLE, []string{"last", "past", "previous", "preceding", "prior", "recent"}},
	{newWordStartRe(`\b(?:in|during|within)\s+the\s+` + tNum + `\s*-?\s*` + tUnit + `\s+(?:prior|before|preceding)\b`), OpLE, []string{" the "}},
	{regexp.MustCompile(`(>=|<=|>|<|at least|more than|greater than|longer than|less than|fewer than|shorter than|no (?:more|less|later|earlier|longer|sooner) than|not (?:more|less|later|earlier|longer|sooner) than|minimum(?: of)?|maximum(?: of)?|up to|over|under|a minimum of|a maximum of)\s*` + tNum + `\s*-?\s*(?:full\s+|calendar\s+)?` + tUnit + `\s+(?:or more\s+|or longer\s+)?` + tAnchor), "", []string{">", "<", "least", "than", "minimum", "maximum", "up to", "over", "under"}},
	{regexp.MustCompile(`(?:^|[^\d.,])` + tNum + `\s*-?\s*(?:full\s+)?` + tUnit + `\s+or\s+(more|longer|less|fewer|shorter)\s+` + tAnchor), "", []string{"or "}},
	{regexp.MustCompile(`(?:^|[^\d.,])(?:from\s+)?` + tNum + `\s*(?:` + tUnit + `\s*)?(?:-|~|to)\s*` + tNum + `\s*-?\s*` + tUnit + `\s+` + tAnchor), OpBetween, []string{"-", "~", "to"}},
	{newWordStartRe(`\bbetween\s+` + tNum + `\s*(?:` + tUnit + `\s*)?and\s*` + tNum + `\s*-?\s*` + tUnit + `\s+` + tAnchor), OpBetween, []string{"between"}},
}

var atLeastRe = regexp.MustCompile(`at least\s*$`)

var windowOps = map[string]string{
	"at least": OpGE, "minimum": OpGE, "minimum of": OpGE, "a minimum of": OpGE, ">=": OpGE,
	"no less than": OpGE, "not less than": OpGE, "no earlier than": OpGE, "not earlier than": OpGE,
	"no sooner than": OpGE, "not sooner than": OpGE, "more": OpGE, "longer": OpGE,
	"more than": OpGT, "greater than": OpGT, "longer than": OpGT, "over": OpGT, ">": OpGT,
	"less than": OpLT, "fewer than": OpLT, "shorter than": OpLT, "under": OpLT, "<": OpLT,
	"no more than": OpLE, "not more than": OpLE, "no later than": OpLE, "not later than": OpLE,
	"no longer than": OpLE, "not longer than": OpLE, "maximum": OpLE, "maximum of": OpLE,
	"a maximum of": OpLE, "up to": OpLE, "<=": OpLE, "less": OpLE, "fewer": OpLE, "shorter": OpLE,
}

func timeNumber(t string) float64 {
	if v, ok := wordNumbers[t]; ok {
		return v
	}
	return parseNumber(t)
}

// windows extracts time windows: "within 4 weeks", "4~8 weeks before",
// "at least 28 days since". Every pattern ends with a unit of time, so
// the patterns run only near one; those led by a quantifier ("within",
// "in the last") only where one comes before the unit, and those closed
// by an anchor ("before", "since") only where one follows it.
func windows(n norm) []Constraint {
	keys := timeUnitKeys(n.s)
	if keys == nil {
		return nil
	}
	if r := withoutRestatements(n); len(r.s) < len(n.s) {
		n, keys = r, timeUnitKeys(r.s)
	}
	var led, anchored [][]int
	for _, k := range keys {
		if containsAny(tail(n.s, k[0], 80), quantifierWords) {
			led = append(led, k)
		}
		// The anchored patterns have a number just before the unit.
		if containsAny(n.s[k[1]:min(len(n.s), k[1]+26)], anchorWords) && hasNumber(tail(n.s, k[0], 16)) {
			anchored = append(anchored, k)
		}
	}
	v := variableIndex["window"]
	var out []Constraint
	for _, r := range regions(n.s, led, 80, 2) {
		out = windowsIn(n, v, r[0], r[1], windowPatterns[:2], out)
	}
	for _, r := range regions(n.s, anchored, 45, 26) {
		out = windowsIn(n, v, r[0], r[1], windowPatterns[2:], out)
	}
	return out
}

// withoutRestatements returns n without the numbers restated in brackets
// after a number ("one (1) month", "thirty [30] days", "4 (four)
// weeks"), which the window patterns would otherwise have to allow
// after every number; the offsets of what remains still map to the
// original. It returns n itself when there are none, as in most texts.
func withoutRestatements(n norm) norm {
	s := n.s
	var cut [][2]int
	for i := 0; i < len(s); i++ {
		if s[i] != '(' && s[i] != '[' {
			continue
		}
		j := i + 1
		for j < len(s) && (isWordByte(s[j]) || s[j] == '-') {
			j++
		}
		if j == i+1 || j >= len(s) || s[j] != ')' && s[j] != ']' {
			continue
		}
		inner := s[i+1 : j]
		k := i
		for k > 0 && s[k-1] == ' ' {
			k--
		}
		w := k
		for w > 0 && (isWordByte(s[w-1]) || s[w-1] == '-') {
			w--
		}
		before := s[w:k]
		if before == "" || !isNumber(before) || !isNumber(inner) || (before[0] >= '0' && before[0] <= '9') == (inner[0] >= '0' && inner[0] <= '9') {
			continue
		}
		cut = append(cut, [2]int{k, j + 1})
	}
	if cut == nil {
		return n
	}
	out := norm{text: n.text, hedges: n.hedges}
	var b strings.Builder
	from := 0
	for _, c := range append(cut, [2]int{len(s), len(s)}) {
		b.WriteString(s[from:c[0]])
		out.start = append(out.start, n.start[from:c[0]]...)
		out.end = append(out.end, n.end[from:c[0]]...)
		from = c[1]
	}
	out.s = b.String()
	return out
}

// isNumber reports whether w is a number in digits or a number word of
// tNum.
func isNumber(w string) bool {
	if _, ok := wordNumbers[w]; ok {
		return true
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// hasNumber reports whether s has a digit or a number word of tNum.
func hasNumber(s string) bool {
	return strings.ContainsAny(s, "0123456789") || containsAny(s, numberWords)
}

var numberWords = func() []string {
	var out []string
	for w := range wordNumbers {
		out = append(out, w)
	}
	return out
}()

// quantifierWords are those one of which the first two window patterns
// need before the unit.
var quantifierWords = []string{"within", "last", "past", "previous", "preceding", "prior", "recent"}

// timeForms are the units of time the window patterns end with,
// singular and plural.
var timeForms = []string{"day", "week", "wk", "month", "mo", "year", "yr", "hour", "hr",
	"days", "weeks", "wks", "months", "mos", "years", "yrs", "hours", "hrs"}

// timeUnitKeys returns where a unit of time ends a word ("weeks",
// "4wks", "today"), as [start, end) pairs: the longest stem, with an
// optional plural "s", that the word ends with.
func timeUnitKeys(s string) [][]int {
	var keys [][]int
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) && s[i] != '_' {
			i++
			continue
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || s[j] == '_') {
			j++
		}
		w := s[i:j]
		best := -1
		if strings.IndexByte("ykhors", w[len(w)-1]) >= 0 { // the last letters of timeForms
			for _, form := range timeForms {
				if strings.HasSuffix(w, form) && (best < 0 || len(w)-len(form) < best) {
					best = len(w) - len(form)
				}
			}
		}
		if best >= 0 {
			keys = append(keys, []int{i + best, j})
		}
		i = j
	}
	return keys
}

// regions returns the stretches of s around the keys (sorted [start,
// end) pairs), from a
// word start up to before bytes ahead of the key to a word end after
// bytes past it, merged where they overlap. Patterns whose matches
// always contain a key then run on these only, which spares them most
// of the text.
func regions(s string, keys [][]int, before, after int) [][2]int {
	var out [][2]int
	for _, u := range keys {
		a := max(0, u[0]-before)
		for a > 0 && s[a-1] != ' ' {
			a--
		}
		z := min(len(s), u[1]+after)
		for z < len(s) && s[z] != ' ' {
			z++
		}
		if k := len(out) - 1; k >= 0 && a <= out[k][1] {
			out[k][1] = z
			continue
		}
		out = append(out, [2]int{a, z})
	}
	return out
}

func windowsIn(n norm, v *Variable, from, to int, patterns []windowPattern, out []Constraint) []Constraint {
	s := n.s[from:to]
	for _, wp := range patterns {
		if !containsAny(s, wp.need) {
			continue
		}
		for _, m := range wp.re.FindAllStringSubmatchIndex(s, -1) {
			for i := range m {
				if m[i] >= 0 {
					m[i] += from
				}
			}
			var nums, units []string
			var word string
			for g := 2; g < len(m); g += 2 {
				if m[g] < 0 {
					continue
				}
				t := n.s[m[g]:m[g+1]]
				switch {
				case windowOps[t] != "":
					word = t
				case timeUnitIDs[t[0]] != "":
					units = append(units, timeUnitIDs[t[0]])
				default:
					nums = append(nums, t)
				}
			}
			if atLeastRe.MatchString(tail(n.s, m[0], 12)) {
				continue // "for at least the past six months" is a duration
			}
			op := wp.op
			if op == "" {
				op = windowOps[word]
			}
			if op == "" || len(units) == 0 {
				continue
			}
			if len(nums) == 0 {
				nums = []string{"1"} // "within the last year"
			}
			// "between 3 months and 3 years": each number its unit;
			// "4~8 weeks": one unit for both.
			last := units[len(units)-1]
			c := Constraint{Kind: KindMeasure, Variable: v.Name, Op: op, Value: timeNumber(nums[0]) * v.factors[units[0]],
				Unit: v.Unit, Span: n.span(m[0], m[1]),
				Original: &Original{Value: timeNumber(nums[0]), Unit: last}}
			if len(nums) == 2 {
				c.Op = OpBetween
				c.Value2 = timeNumber(nums[1]) * v.factors[last]
				c.Original.Value2 = timeNumber(nums[1])
				if c.Value2 < c.Value {
					continue // "MK-3475 and 6 months after" is no range
				}
			}
			out = appendNew(out, c)
		}
	}
	return out
}

// appendNew adds c unless a constraint on the same variable already
// covers part of its span: the patterns overlap by design.
func appendNew(list []Constraint, c Constraint) []Constraint {
	for _, o := range list {
		if o.Variable == c.Variable && overlaps(o, c) {
			return list
		}
	}
	return append(list, c)
}

func overlaps(a, b Constraint) bool {
	return a.Span[0] < b.Span[1] && b.Span[0] < a.Span[1]
}

var (
	ageMentionRe    = regexp.MustCompile(`\b(?:age[ds]?|aging|adults?|ages of|âge|âgés?)\b`)
	peopleMentionRe = newWordStartRe(`\b(?:men|women|males?|females?|patients?|subjects?|participants?|children|adolescents?|persons?|people|individuals?|volunteers?|boys|girls)\s*(?:aged\s+)?`)
	agePatterns     = []windowPattern{
		{regexp.MustCompile(`(?:^|[^\d.,])(\d{1,3})\s*(?:(?:years?|yrs?)\s*(?:old\s*|of age\s*)*(?:(?:or|and)\s+(?:older|over|above|more|greater|upwards?|elder)\b|\+)|\+\s*(?:years?|yrs?)\s*(?:old|of age))`), OpGE, yearWords},
		{regexp.MustCompile(`(?:^|[^\d.,])(\d{1,3})\s*(?:years?|yrs?)\s*(?:old\s*|of age\s*)*(?:or|and)\s+(?:younger|under|below|less)\b`), OpLE, yearWords},
		{regexp.MustCompile(`(?:^|[^\d.,])(?:between\s+|from\s+)?(\d{1,3})\s*(?:years?\s*)?(?:-|~|to|and)\s*(\d{1,3})\s*(?:years?|yrs?)\s*(?:old|of age)`), OpBetween, yearWords},
		{regexp.MustCompile(`(>=|<=|=>|=<|>|<|at least|no more than|not more than|no less than|not less than|no older than|no younger than|equal to or older than|more than|less than|older than|younger than|over|under|above|below)\s*(\d{1,3})\s*(?:years?|yrs?)\s*(?:old|of age)`), "", yearWords},
		{regexp.MustCompile(`(older than|younger than|over the age of|under the age of|above the age of|below the age of|over age|under age|above age|below age)\s*(\d{1,3})\b`), "", []string{"older", "younger", "age"}},
	}
	// notAgeRe ends the text before "age" that makes it something else:
	// "childbearing age", "gestational age", "bone age".
	// subgroupRe before a word for people makes the age that follows a
	// condition for another threshold: "(> 35% for children < 3 years)".
	subgroupRe = regexp.MustCompile(`\b(?:for|in|among)\s+(?:the\s+)?$`)
	// subgroupAgeRe is the same before an age led by its number: "(0 to
	// 3 for participants >= 60 to 74 years of age)".
	subgroupAgeRe = regexp.MustCompile(`\b(?:for|in|among)\s+(?:the\s+)?(?:men|women|males?|females?|patients?|subjects?|participants?|children|adolescents?|persons?|people|individuals?|volunteers?|boys|girls|those)\s*(?:aged\s+)?(?:[<>]=?)?\s*$`)
	// lowerAgeRe ends a lower bound before an upper one: "> 3 to < 9
	// years of age".
	lowerAgeRe = regexp.MustCompile(`(>=|=>|>)\s*(\d{1,3})\s*(?:years?\s*)?(?:-|~|to|and)\s*$`)
	notAgeRe   = regexp.MustCompile(`(?:child[- ]?bearing|reproductive|gestational|bone|fertile|procreative|school)\s*$`)
	ageOps     = map[string]string{
		">=": OpGE, "=>": OpGE, "at least": OpGE, "no less than": OpGE, "not less than": OpGE,
		"no younger than": OpGE, "equal to or older than": OpGE,
		"<=": OpLE, "=<": OpLE, "no more than": OpLE, "not more than": OpLE, "no older than": OpLE, ">": OpGT, "more than": OpGT, "older than": OpGT,
		"over": OpGT, "above": OpGT, "over the age of": OpGT, "above the age of": OpGT, "over age": OpGT,
		"<": OpLT, "less than": OpLT, "younger than": OpLT, "under": OpLT, "below": OpLT,
		"under the age of": OpLT, "below the age of": OpLT, "under age": OpLT,
		"above age": OpGT, "below age": OpLT,
	}
)

// ages extracts age bounds: after "age"/"aged", after a word for people
// when a unit of years follows, and phrases led by the number ("18 years
// or older", "18-75 years old").
func ages(n norm) []Constraint {
	v := variableIndex["age"]
	var out []Constraint
	add := func(re finder, needYears bool, in [][2]int) {
		for _, m := range findAllIn(re, n.s, in) {
			if notAgeRe.MatchString(tail(n.s, m[0], 24)) || needYears && subgroupRe.MatchString(tail(n.s, m[0], 12)) {
				continue
			}
			r := parseMeasure(n.s, m[1], v)
			if !r.ok || needYears && r.a.unit != "years" && r.b.unit != "years" && !olderRe.MatchString(n.s[r.a.to:]) ||
				strings.Contains(n.s[m[1]:r.a.from], ",") { // "18 years of age, with 6 months or longer diagnosis"
				continue
			}
			out = appendConstraints(out, build(n, mention{v: v, s: m[0], e: m[1]}, r))
			if r.op2 == "" {
				out = appendConstraints(out, second(n, v, r.op, r.end))
			}
		}
	}
	if keys := wordKeys(n.s, ageWords); keys != nil {
		add(ageMentionRe, false, regions(n.s, keys, 0, 8))
	}
	years := yearKeys(n.s)
	if years != nil {
		// A word for people comes at most a parenthesis and a few
		// words before the years it is read with.
		add(peopleMentionRe, true, regions(n.s, years, 100, 0))
		out = appendConstraints(out, leadingAge(n, v))
	}
	near := regions(n.s, years, 45, 40)
	for _, ap := range agePatterns {
		if !containsAny(n.s, ap.need) {
			continue
		}
		in := near // the patterns with a unit of years match near one
		if !slices.Equal(ap.need, yearWords) {
			in = [][2]int{{0, len(n.s)}}
		}
		for _, m := range findAllIn(ap.re, n.s, in) {
			if subgroupAgeRe.MatchString(tail(n.s, m[0]+1, 50)) {
				continue
			}
			op := ap.op
			var nums []float64
			for g := 2; g < len(m); g += 2 {
				if m[g] < 0 {
					continue
				}
				t := n.s[m[g]:m[g+1]]
				if o := ageOps[t]; o != "" {
					op = o
				} else {
					nums = append(nums, parseNumber(t))
				}
			}
			if op == "" || len(nums) == 0 || op == OpBetween && len(nums) < 2 {
				continue
			}
			c := Constraint{Kind: KindMeasure, Variable: v.Name, Op: op, Value: nums[0], Unit: v.Unit,
				Span: n.span(m[0], m[1]), Original: &Original{Value: nums[0], Unit: "years"}}
			if op == OpBetween {
				c.Value2, c.Original.Value2 = nums[1], nums[1]
			}
			if op == OpLT || op == OpLE {
				out = appendConstraints(out, lowerAge(n, v, m[0]))
			}
			out = appendNew(out, c)
		}
	}
	return out
}

// lowerAge reads the lower bound written before an upper bound of age
// that starts at p: "> 3 to" of "> 3 to < 9 years of age".
func lowerAge(n norm, v *Variable, p int) []Constraint {
	t := tail(n.s, p, 24)
	m := lowerAgeRe.FindStringSubmatchIndex(t)
	if m == nil {
		return nil
	}
	from := p - len(t)
	op, _ := comparator(t[m[2]:m[3]], 0)
	val := parseNumber(t[m[4]:m[5]])
	return []Constraint{{Kind: KindMeasure, Variable: v.Name, Op: op, Value: val, Unit: v.Unit,
		Span: n.span(from+m[0], p), Original: &Original{Value: val, Unit: "years"}}}
}

// findAllIn is re.FindAllStringSubmatchIndex over each of the regions
// of s, with offsets into s.
func findAllIn(re finder, s string, in [][2]int) [][]int {
	var out [][]int
	for _, r := range in {
		for _, m := range re.FindAllStringSubmatchIndex(s[r[0]:r[1]], -1) {
			for i := range m {
				if m[i] >= 0 {
					m[i] += r[0]
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// ageWords are those ageMentionRe needs one of.
var ageWords = []string{"age", "aging", "adult", "âg"}

// wordKeys returns where s has one of words, as sorted [start, end)
// pairs.
func wordKeys(s string, words []string) [][]int {
	var keys [][]int
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(s[i:], w)
			if j < 0 {
				break
			}
			keys = append(keys, []int{i + j, i + j + len(w)})
			i += j + len(w)
		}
	}
	slices.SortFunc(keys, func(a, b []int) int { return a[0] - b[0] })
	return keys
}

// yearKeys returns where s has a unit of years ("years", "yrs", "18y",
// "18 ans") or "older"/"younger", which the readings after a word for
// people, at the start of an item and the number-led patterns need:
// most items have none, and are spared those patterns.
func yearKeys(s string) [][]int {
	keys := wordKeys(s, []string{"year", "yr", "older", "younger"})
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == 'y' || strings.HasPrefix(s[j:], "ans") {
			keys = append(keys, []int{j, j + 1})
		}
	}
	slices.SortFunc(keys, func(a, b []int) int { return a[0] - b[0] })
	return keys
}

var (
	// leadRe is what may come before an age that starts an item.
	leadRe = regexp.MustCompile(`^[^a-z0-9<>=]*`)
	// ageEndRe is what may follow it: the end of the clause, or words
	// that make the years an age.
	ageEndRe = regexp.MustCompile(`^\s*(?:old\b|of age\b|inclusive\b|at (?:the time of )?(?:screening|enrol|inclusion|consent|signing|randomi|study entry|entry)|[.,;:)]|$)`)
)

// leadingAge reads an item that starts with an age range or bound
// without the word "age": "18-65 years", "Over 16 years", "12 or
// older". The clause must end there or say the years are an age: "More
// than 5 years since diagnosis" is no age.
func leadingAge(n norm, v *Variable) []Constraint {
	p := len(leadRe.FindString(n.s))
	r := parseMeasure(n.s, p, v)
	if !r.ok || r.a.unit != "years" && r.b.unit != "years" && !olderRe.MatchString(n.s[r.a.to:]) ||
		!ageEndRe.MatchString(n.s[r.end:]) {
		return nil
	}
	list := build(n, mention{v: v, s: p, e: p}, r)
	if r.op2 == "" {
		list = append(list, second(n, v, r.op, r.end)...)
	}
	return list
}

func appendConstraints(list, add []Constraint) []Constraint {
	for _, c := range add {
		list = appendNew(list, c)
	}
	return list
}

// olderRe makes a bare number after a word for people an age: "children
// 12 or older".
var olderRe = regexp.MustCompile(`^\s*(?:or|and)\s+(?:older|younger)\b`)

var secondRe = regexp.MustCompile(`^\s*(?:and|but|or|,|&|/)\s*`)

// second reads the other bound written after a first one: "age >= 18
// and <= 75 years", "systolic < 90 or > 150 mmHg". It must point the
// other way: "<= 1.5 x ULN or <= 3 x ULN with Gilbert's" is an
// alternative for some patients, not a second bound.
func second(n norm, v *Variable, first string, p int) []Constraint {
	m := secondRe.FindStringIndex(n.s[p:])
	if m == nil {
		return nil
	}
	q := p + m[1]
	op, q2 := comparator(n.s, q)
	if op == "" || op == OpEQ || first == OpEQ || first == OpBetween || (op[0] == first[0]) {
		return nil
	}
	a, ok := parseAmount(n.s, q2)
	if !ok {
		return nil
	}
	return build(n, mention{v: v, s: q, e: q}, reading{op: op, a: a, end: a.to, ok: true})
}
