package eligibility

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// norm is a lower-cased, ASCII-folded copy of a piece of the original
// text that the patterns run on, with a map back to the original bytes:
// byte i of s came from original[start[i]:end[i]].
type norm struct {
	text       string // the original
	s          string
	start, end []int
	// hedges remembers, by a clause's start, whether the clause is
	// conditional or permissive: the constraints of a clause share it.
	hedges map[int]bool
}

// fold maps characters the patterns would otherwise have to spell in
// several ways to one ASCII form.
var fold = map[rune]string{
	'≥': ">=", '≧': ">=", '⩾': ">=", '≤': "<=", '≦': "<=", '⩽': "<=",
	'＞': ">", '＜': "<", '＝': "=",
	'×': "x", '✕': "x", '⨯': "x", '∗': "*",
	'µ': "u", 'μ': "u",
	'–': "-", '—': "-", '−': "-", '‑': "-", '‒': "-", '―': "-",
	'～': "~", '〜': "~", '：': ":", '，': ",", '；': ";", '（': "(", '）': ")",
	'’': "'", '‘': "'", '“': "\"", '”': "\"",
	'\u00a0': " ", '\t': " ", '\r': " ", '\n': " ", '\u3000': " ",
	'·': " ", '•': " ",
	'˂': "<", '˃': ">", '≮': ">=", '≯': "<=", '⁄': "/",
	'％': "%", '．': ".", '／': "/", '－': "-", '＋': "+",
	'Ⅰ': "i", 'Ⅱ': "ii", 'Ⅲ': "iii", 'Ⅳ': "iv", 'Ⅴ': "v", 'Ⅵ': "vi",
	'ⅰ': "i", 'ⅱ': "ii", 'ⅲ': "iii", 'ⅳ': "iv", 'ⅴ': "v", 'ⅵ': "vi",
	// Full-width digits (Chinese and Japanese texts) and subscript
	// digits ("FEV₁", "SpO₂") read as plain digits.
	'０': "0", '１': "1", '２': "2", '３': "3", '４': "4",
	'５': "5", '６': "6", '７': "7", '８': "8", '９': "9",
	'₀': "0", '₁': "1", '₂': "2", '₃': "3", '₄': "4",
	'₅': "5", '₆': "6", '₇': "7", '₈': "8", '₉': "9",
}

var superscripts = map[rune]byte{
	'⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4',
	'⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9',
}

// markdownEscapes are the characters ClinicalTrials.gov escapes with a
// backslash in its markdown ("\>", "\[").
const markdownEscapes = `\<>[]()*_#~.-+=!|{}'"^&` + "`"

func normalize(text string, from, to int) norm {
	var b strings.Builder
	b.Grow(to - from)
	n := norm{text: text, start: make([]int, 0, to-from), end: make([]int, 0, to-from), hedges: map[int]bool{}}
	emit := func(s string, a, z int) {
		b.WriteString(s)
		for range len(s) {
			n.start = append(n.start, a)
			n.end = append(n.end, z)
		}
	}
	inSup := false
	for i := from; i < to; {
		if c := text[i]; c < utf8.RuneSelf && c != '\\' && c != '&' && c != '\t' && c != '\r' && c != '\n' {
			// Most bytes: plain ASCII, which only lower-cases.
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			n.start = append(n.start, i)
			n.end = append(n.end, i+1)
			inSup = false
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:to])
		j := i + size
		if r == '\\' && j < to && strings.IndexByte(markdownEscapes, text[j]) >= 0 {
			i = j
			continue
		}
		if r == '&' {
			// HTML entities left in some records: "HbA1c &gt; 6.5%".
			if e, ok := entity(text[i:to]); ok {
				emit(entities[e], i, i+len(e))
				i += len(e)
				inSup = false
				continue
			}
		}
		if d, ok := superscripts[r]; ok {
			if !inSup {
				emit("^", i, j)
			}
			emit(string(d), i, j)
			inSup = true
			i = j
			continue
		}
		inSup = false
		switch f, ok := fold[r]; {
		case ok:
			emit(f, i, j)
		case r < utf8.RuneSelf:
			emit(string(byte(unicode.ToLower(r))), i, j)
		default:
			emit(string(unicode.ToLower(r)), i, j)
		}
		i = j
	}
	n.s = b.String()
	return n
}

var entities = map[string]string{"&gt;": ">", "&lt;": "<", "&ge;": ">=", "&le;": "<=", "&amp;": "&"}

// entity returns the HTML entity s starts with.
func entity(s string) (string, bool) {
	for e := range entities {
		if len(s) >= len(e) && strings.EqualFold(s[:len(e)], e) {
			return s[:len(e)], true
		}
	}
	return "", false
}

// span maps the normalized byte range [a, b) back to the original.
func (n norm) span(a, b int) [2]int {
	if b <= a {
		return [2]int{n.start[a], n.start[a]}
	}
	return [2]int{n.start[a], n.end[b-1]}
}
