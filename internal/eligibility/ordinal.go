package eligibility

import (
	"regexp"
	"strconv"
)

var (
	ordSepRe    = regexp.MustCompile(`^\s*(?:,\s*(?:or|and|and/or)?|-|~|to|/|or|and/or|and)\s*`)
	ordDigitRe  = regexp.MustCompile(`^(\d{1,3})(?:\s*%)?`)
	ordRomanRe  = regexp.MustCompile(`^(iv|i{1,3}|[1-4])`)
	ordLetterRe = regexp.MustCompile(`^([abc])(?:\d{1,2}(?:\s*-\s*\d{1,2})?)?`)
	// pointsRe skips the score that restates a class: "A (5-6 points)".
	pointsRe   = regexp.MustCompile(`^\s*\(\s*\d{1,2}\s*(?:(?:-|~|to|or)\s*\d{1,2})?\s*(?:points?)?\s*\)`)
	ordWorseRe = regexp.MustCompile(`^\s*(?:or|and)\s+(?:worse|more|higher|greater|above)\b`)
	ordBestRe  = regexp.MustCompile(`^\s*(?:or|and)\s+(?:better|less|lower|below|fewer)\b`)
	betweenRe  = regexp.MustCompile(`^(?:between|from)\s+`)
)

// ordValue reads one grade of v at p: a digit, a roman numeral (NYHA) or
// a letter (Child-Pugh class).
func ordValue(s string, p int, v *Variable) (float64, int, bool) {
	var re *regexp.Regexp
	switch v.family {
	case famRoman:
		re = ordRomanRe
	case famLetter:
		re = ordLetterRe
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
	tok := s[p+m[2] : p+m[3]]
	var val float64
	switch {
	case v.family == famLetter:
		val = float64(tok[0]-'a') + 1
	case tok[0] >= '0' && tok[0] <= '9':
		n, _ := strconv.Atoi(tok)
		val = float64(n)
	default:
		val = map[string]float64{"i": 1, "ii": 2, "iii": 3, "iv": 4}[tok]
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

func ordBounds(v *Variable) (float64, float64) {
	switch v.Name {
	case "karnofsky", "lansky":
		return 10, 100
	case "child_pugh_score":
		return 5, 15
	case "nyha_class":
		return 1, 4
	case "child_pugh_class":
		return 1, 3
	}
	return 0, 5
}

// parseOrdinal reads a performance status, class or score: "0-1",
// "<= 2", "0 to 2", "of 0 or 1", "0, 1 or 2", "III or IV", "A or B",
// "2 or less".
func parseOrdinal(s string, p int, v *Variable) (op string, a, b amount, end int, ok bool) {
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
	higherBetter := v.Name == "karnofsky" || v.Name == "lansky"
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
