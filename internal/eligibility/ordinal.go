package eligibility

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
)

var (
	ordSepRe    = regexp.MustCompile(`^\s*(?:,\s*(?:or|and|and/or)?|-|~|to|/|or|and/or|and)\s*`)
	ordDigitRe  = regexp.MustCompile(`^(\d{1,3})(?:\s*%)?`)
	ordHalfRe   = regexp.MustCompile(`^(\d{1,2}(?:\.[05])?)`)
	ordRomanRe  = regexp.MustCompile(`^(vi|v|iv|i{1,3}|one|two|three|four|five|six|[1-6])`)
	ordLetterRe = regexp.MustCompile(`^([abc])(?:\d{1,2}(?:\s*-\s*\d{1,2})?)?`)
	// pughScoreRe is a Child-Pugh class with its score: "B7", "B7-8".
	pughScoreRe = regexp.MustCompile(`^([abc])(\d{1,2})(?:\s*-\s*(\d{1,2}))?`)
	// pointsRe skips the score that restates a class: "A (5-6 points)".
	pointsRe   = regexp.MustCompile(`^\s*\(\s*\d{1,2}\s*(?:(?:-|~|to|or)\s*\d{1,2})?\s*(?:points?)?\s*\)`)
	ordWorseRe = regexp.MustCompile(`^\s*(?:or|and)\s+(?:worse|more|higher|greater|above|over)\b`)
	ordBestRe  = regexp.MustCompile(`^\s*(?:or|and)\s+(?:better|less|lower|below|fewer|under)\b`)
	betweenRe  = regexp.MustCompile(`^(?:between|from)\s+`)
	sumRe      = regexp.MustCompile(`^\s*\+\s*\d`)
	// classWordRe lets a few words stand between a class's name and its
	// grade: "NYHA functional heart failure class IV".
	classWordRe = regexp.MustCompile(`^\s*(?:[a-z-]+\s+){0,3}?(?:class|grade|stage)\s*`)
	// classBeforeRe is a grade written before the name it belongs to:
	// "class III or IV heart failure according to NYHA", "grade III
	// (NYHA)". Its group is where the grade starts.
	classBeforeRe = newWordStartRe(`\b(?:class|grade|stage)\s+((?:iv|i{1,3}|v|vi|[1-6])\b[^.;:]*)$`)
)

// ordValue reads one grade of v at p: a digit, a roman numeral (NYHA) or
// a letter (Child-Pugh class).
func ordValue(s string, p int, v *Variable) (float64, int, bool) {
	var re *regexp.Regexp
	switch {
	case v.family == famRoman:
		re = ordRomanRe
	case v.family == famLetter:
		re = ordLetterRe
	case v.half:
		re = ordHalfRe
	default:
		re = ordDigitRe
	}
	m := re.FindStringSubmatchIndex(s[p:])
	if m == nil {
		return 0, p, false
	}
	end := p + m[1]
	if end < len(s) && s[end] >= 'a' && s[end] <= 'z' {
		return 0, p, false // "ii" of "iia", "a" of "and"
	}
	if sumRe.MatchString(s[end:]) {
		return 0, p, false // "Gleason 4+3": patterns, not a score
	}
	tok := s[p+m[2] : p+m[3]]
	var val float64
	switch {
	case v.family == famLetter:
		val = float64(tok[0]-'a') + 1
	case tok[0] >= '0' && tok[0] <= '9':
		val, _ = strconv.ParseFloat(tok, 64)
	default:
		val = romanValues[tok]
	}
	lo, hi := ordBounds(v)
	if val < lo || val > hi {
		return 0, p, false
	}
	if pm := pointsRe.FindStringIndex(s[end:]); pm != nil && v.family == famLetter {
		end += pm[1]
	}
	return val, end, true
}

var romanValues = map[string]float64{
	"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6,
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
}

func ordBounds(v *Variable) (float64, float64) {
	return v.scale[0], v.scale[1]
}

// gradeBefore reads the grade of a class named after it ("class III
// heart failure (NYHA)") from the at most 60 bytes before the name, in
// the same clause.
func gradeBefore(s string, at int, v *Variable) reading {
	from := max(0, at-60)
	m := classBeforeRe.FindStringSubmatchIndex(s[from:at])
	if m == nil {
		return reading{}
	}
	r := parseOrdinal(s, from+m[2], v)
	if r.ok && r.end > at {
		return reading{}
	}
	return r
}

// pughScores are the Child-Pugh scores of each class.
var pughScores = map[byte][2]float64{'a': {5, 6}, 'b': {7, 9}, 'c': {10, 15}}

// childPughScore reads classes written with their score ("B7", "A or
// B7", "<= B7") as a Child-Pugh score bound. It reads nothing when no
// class carries a score: plain letters are classes.
func childPughScore(s string, p int) (r reading) {
	p += len(fillerRe.FindString(s[p:]))
	op, q := comparator(s, p)
	q += len(wsRe.FindString(s[q:]))
	lo, hi, scored := 16.0, 0.0, false
	e := q
	for first := true; ; first = false {
		at := e
		if !first {
			m := ordSepRe.FindStringIndex(s[e:])
			if m == nil {
				break
			}
			at = e + m[1]
		}
		var l, h float64
		if m := pughScoreRe.FindStringSubmatchIndex(s[at:]); m != nil {
			l, _ = strconv.ParseFloat(s[at+m[4]:at+m[5]], 64)
			h = l
			if m[6] >= 0 {
				h, _ = strconv.ParseFloat(s[at+m[6]:at+m[7]], 64)
			}
			class := pughScores[s[at]]
			if l < class[0] || h > class[1] || h < l {
				return reading{}
			}
			scored = true
			at += m[1]
		} else if c, ok := pughScores[s[at]]; ok && (at+1 == len(s) || !isWordByte(s[at+1])) {
			l, h = c[0], c[1]
			at++
		} else {
			break
		}
		lo, hi, e = min(lo, l), max(hi, h), at
		if op != "" {
			break
		}
	}
	if !scored {
		return reading{}
	}
	r = reading{op: op, a: amount{val: hi, from: q, to: e}, end: e, ok: true}
	switch {
	case op == OpGE || op == OpGT:
		r.a.val = lo
	case op != "":
	case lo == hi:
		r.op = OpEQ
	case lo == pughScores['a'][0]:
		r.op = OpLE // "A or B7": at most 7
	default:
		r.op, r.a.val, r.b = OpBetween, lo, amount{val: hi, from: q, to: e}
	}
	return r
}

// parseOrdinal reads a performance status, class or score: "0-1",
// "<= 2", "0 to 2", "of 0 or 1", "0, 1 or 2", "III or IV", "A or B",
// "2 or less".
func parseOrdinal(s string, p int, v *Variable) reading {
	op, a, b, end, ok := ordinalBounds(s, p, v)
	if !ok && v.family == famRoman {
		if m := classWordRe.FindStringIndex(s[p:]); m != nil {
			op, a, b, end, ok = ordinalBounds(s, p+m[1], v)
		}
	}
	r := reading{op: op, a: a, b: b, end: end, ok: ok}
	if ok && (op == OpGE || op == OpGT) {
		// ">= 5 to 27", ">= 1 and <= 3": two bounds.
		if m := rangeSepRe.FindStringIndex(s[end:]); m != nil {
			op2, q := comparator(s, end+m[1])
			q += len(wsRe.FindString(s[q:]))
			and := strings.Contains(s[end:end+m[1]], "and")
			if hi, e, ok := ordValue(s, q, v); ok && hi > a.val && (op2 == "" && !and || op2 != "" && op2[0] == '<') {
				r.op2, r.b, r.end = cmp.Or(op2, OpLE), amount{val: hi, from: q, to: e}, e
			}
		}
	}
	return r
}

func ordinalBounds(s string, p int, v *Variable) (op string, a, b amount, end int, ok bool) {
	p += len(fillerRe.FindString(s[p:]))
	if m := betweenRe.FindStringIndex(s[p:]); m != nil {
		p += m[1]
	}
	op, q := comparator(s, p)
	q += len(wsRe.FindString(s[q:]))
	lo, e, ok := ordValue(s, q, v)
	if !ok {
		return "", a, b, 0, false
	}
	a = amount{val: lo, from: q, to: e}
	if op != "" {
		return op, a, b, e, true
	}
	hi := lo
	for {
		m := ordSepRe.FindStringIndex(s[e:])
		if m == nil {
			break
		}
		x, e2, ok := ordValue(s, e+m[1], v)
		if !ok {
			break
		}
		lo, hi = min(lo, x), max(hi, x)
		e = e2
	}
	higherBetter := v.higherBetter
	if hi > lo {
		a.val = lo
		b = amount{val: hi, from: a.from, to: e}
		return OpBetween, a, b, e, true
	}
	if m := ordBestRe.FindStringIndex(s[e:]); m != nil {
		if higherBetter && s[e+m[1]-6:e+m[1]] == "better" {
			return OpGE, a, b, e + m[1], true
		}
		return OpLE, a, b, e + m[1], true
	}
	if m := ordWorseRe.FindStringIndex(s[e:]); m != nil {
		if higherBetter && s[e+m[1]-5:e+m[1]] == "worse" {
			return OpLE, a, b, e + m[1], true
		}
		return OpGE, a, b, e + m[1], true
	}
	return OpEQ, a, b, e, true
}
