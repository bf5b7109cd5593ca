package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tPhrase
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tMissing
	tArea
	tRange
	tExpansion
	tCoverage
)

// keywords are the operator words; lower-case "and" is an ordinary word.
var keywords = map[string]tokKind{"AND": tAnd, "OR": tOr, "NOT": tNot, "MISSING": tMissing}

// bracketKinds are the NAME[...] operators; the unsupported ones are
// recognised so that they get a clear error rather than being searched
// as words.
var bracketKinds = map[string]tokKind{
	"AREA": tArea, "RANGE": tRange, "EXPANSION": tExpansion, "COVERAGE": tCoverage,
	"SEARCH": tEOF, "TILT": tEOF, "DISTANCE": tEOF,
}

// bracketOperator returns NAME when s starts with a NAME[ operator.
func bracketOperator(s string) string {
	i := strings.IndexByte(s, '[')
	if i <= 0 {
		return ""
	}
	if _, ok := bracketKinds[s[:i]]; ok {
		return s[:i]
	}
	return ""
}

// token is one lexeme. pos and argPos are byte offsets into the query.
type token struct {
	kind   tokKind
	pos    int
	text   string // a word or phrase, unescaped; a NAME[...] argument
	argPos int    // where a NAME[...] argument starts
}

type lexer struct {
	src string
	off int
}

func (l *lexer) errAt(off int, format string, args ...any) *SyntaxError {
	return errAt(l.src, off, format, args...)
}

func (l *lexer) next() (token, error) {
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if !unicode.IsSpace(r) {
			break
		}
		l.off += size
	}
	start := l.off
	if start == len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	switch l.src[start] {
	case '(':
		l.off++
		return token{kind: tLParen, pos: start}, nil
	case ')':
		l.off++
		return token{kind: tRParen, pos: start}, nil
	case '"':
		return l.phrase()
	}
	if name := bracketOperator(l.src[start:]); name != "" {
		return l.bracket(name)
	}
	return l.word()
}

// phrase reads a quoted phrase, in which \" and \\ stand for " and \.
func (l *lexer) phrase() (token, error) {
	start := l.off
	var b strings.Builder
	for i := start + 1; i < len(l.src); i++ {
		switch c := l.src[i]; c {
		case '\\':
			if i+1 < len(l.src) {
				i++
				b.WriteByte(l.src[i])
			}
		case '"':
			l.off = i + 1
			if strings.TrimSpace(b.String()) == "" {
				return token{}, l.errAt(start, "empty phrase: expected words between the quotes")
			}
			return token{kind: tPhrase, pos: start, text: b.String()}, nil
		default:
			b.WriteByte(c)
		}
	}
	return token{}, l.errAt(len(l.src), "expected '\"' to close the phrase opened at column %d", column(l.src, start))
}

// bracket reads NAME[argument].
func (l *lexer) bracket(name string) (token, error) {
	start := l.off
	argPos := start + len(name) + 1
	end := strings.IndexByte(l.src[argPos:], ']')
	if end < 0 {
		return token{}, l.errAt(len(l.src), "expected ']' to close '%s[' at column %d", name, column(l.src, start))
	}
	kind := bracketKinds[name]
	if kind == tEOF {
		return token{}, l.errAt(start, "the %s[...] operator is not supported", name)
	}
	l.off = argPos + end + 1
	return token{kind: kind, pos: start, text: l.src[argPos : argPos+end], argPos: argPos}, nil
}

// word reads an unquoted word, in which a backslash makes the next
// character literal: \AND is the word AND, \( a parenthesis.
func (l *lexer) word() (token, error) {
	start := l.off
	var b strings.Builder
	escaped := false
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		if r == '\\' {
			next, nsize := utf8.DecodeRuneInString(l.src[l.off+size:])
			if l.off+size == len(l.src) || unicode.IsSpace(next) {
				return token{}, l.errAt(l.off, "expected a character after '\\'")
			}
			escaped = true
			l.off += size
			r, size = next, nsize
		}
		b.WriteRune(r)
		l.off += size
	}
	w := b.String()
	if k := keywords[w]; k != 0 && !escaped {
		return token{kind: k, pos: start, text: w}, nil
	}
	return token{kind: tWord, pos: start, text: w}, nil
}

// column turns a byte offset into a 1-based column counted in characters.
func column(src string, off int) int {
	return utf8.RuneCountInString(src[:off]) + 1
}
