package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on a query; exceeding one is a SyntaxError.
const (
	MaxLength = 2000 // bytes
	MaxDepth  = 32   // nested groups and prefix operators
	MaxTerms  = 64   // words and phrases
)

// SyntaxError is a query that cannot be parsed. Pos is the 1-based column,
// counted in characters, where the problem was found.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at column %d: %s", e.Pos, e.Msg) }

func errAt(src string, off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: column(src, off), Msg: fmt.Sprintf(format, args...)}
}

// Parse reads a query in the Essie subset described in the package
// comment. Every error it returns is a *SyntaxError.
func Parse(src string) (Node, error) {
	if len(src) > MaxLength {
		return nil, errAt(src, MaxLength, "query is %d bytes long; the limit is %d", len(src), MaxLength)
	}
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, size := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, errAt(src, off, "the query is not valid UTF-8")
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	n, err := p.or(scope{})
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tRParen {
		return nil, p.errAt(p.tok.pos, "unexpected ')' with no '(' to close")
	}
	return n, nil
}

type parser struct {
	lex   lexer
	tok   token
	terms int
}

// scope is what the parser knows about where it is: how deep, and which
// field (nil for the default area) the enclosing AREA selects.
type scope struct {
	depth int
	field *Field
}

func (p *parser) errAt(off int, format string, args ...any) error {
	return errAt(p.lex.src, off, format, args...)
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) or(s scope) (Node, error) {
	n, err := p.and(s, "")
	if err != nil {
		return nil, err
	}
	nodes := []Node{n}
	for p.tok.kind == tOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if n, err = p.and(s, "OR"); err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return n, nil
	}
	return &Or{Nodes: nodes}, nil
}

// and reads operands joined by AND or simply written one after another.
// after names what came before, for the error when no operand follows.
func (p *parser) and(s scope, after string) (Node, error) {
	n, err := p.unary(s, after)
	if err != nil {
		return nil, err
	}
	nodes := []Node{n}
	for {
		after = ""
		switch p.tok.kind {
		case tAnd:
			if err := p.advance(); err != nil {
				return nil, err
			}
			after = "AND"
		case tEOF, tOr, tRParen:
			if len(nodes) == 1 {
				return n, nil
			}
			return &And{Nodes: nodes}, nil
		}
		if n, err = p.unary(s, after); err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
}

// unary reads a term, a phrase, a bracketed group or a prefix operator
// (NOT, AREA, EXPANSION, COVERAGE) with its operand.
func (p *parser) unary(s scope, after string) (Node, error) {
	t := p.tok
	if s.depth > MaxDepth {
		return nil, p.errAt(t.pos, "query nests deeper than %d levels", MaxDepth)
	}
	inner := scope{depth: s.depth + 1, field: s.field}
	switch t.kind {
	case tWord:
		return p.term(s.field)
	case tPhrase:
		return p.phrase(s.field)
	case tLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.or(inner)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errAt(p.tok.pos, "expected ')' to close '(' opened at column %d", column(p.lex.src, t.pos))
		}
		return n, p.advance()
	case tNot:
		n, err := p.prefixOperand(inner, "NOT")
		if err != nil {
			return nil, err
		}
		return &Not{Node: n}, nil
	case tExpansion, tCoverage:
		return p.modifier(inner, t)
	case tArea:
		return p.area(inner, t)
	case tRange, tMissing:
		name := "RANGE[...]"
		if t.kind == tMissing {
			name = "MISSING"
		}
		return nil, p.errAt(t.pos, "%s must come right after AREA[Field]", name)
	}
	found := map[tokKind]string{tEOF: "end of query", tRParen: "')'", tAnd: "AND", tOr: "OR"}[t.kind]
	if after != "" {
		return nil, p.errAt(t.pos, "expected a search term after %s, found %s", after, found)
	}
	return nil, p.errAt(t.pos, "expected a search term, found %s", found)
}

// prefixOperand skips the current operator token and reads its operand.
func (p *parser) prefixOperand(s scope, op string) (Node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	return p.unary(s, op)
}

// term reads a run of adjacent words as one Term.
func (p *parser) term(f *Field) (Node, error) {
	var words []string
	start := p.tok.pos
	for p.tok.kind == tWord {
		w := p.tok.text
		if err := p.countTerm(); err != nil {
			return nil, err
		}
		if f != nil && f.Kind == KindEnum {
			var err error
			if w, err = p.fieldValue(f, w, p.tok.pos); err != nil {
				return nil, err
			}
		}
		words = append(words, w)
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	text := strings.Join(words, " ")
	if f != nil && f.Kind != KindEnum {
		// A value such as "16 years" spans words, so it is checked whole.
		var err error
		if text, err = p.fieldValue(f, text, start); err != nil {
			return nil, err
		}
	}
	return &Term{Text: text}, nil
}

// phrase reads a quoted phrase.
func (p *parser) phrase(f *Field) (Node, error) {
	t := p.tok
	if err := p.countTerm(); err != nil {
		return nil, err
	}
	text := t.text
	if f != nil && f.Kind != KindText {
		var err error
		if text, err = p.fieldValue(f, strings.TrimSpace(text), t.pos); err != nil {
			return nil, err
		}
	}
	return &Phrase{Text: text}, p.advance()
}

// countTerm enforces MaxTerms on the current word or phrase.
func (p *parser) countTerm() error {
	p.terms++
	if p.terms > MaxTerms {
		return p.errAt(p.tok.pos, "too many search terms: the limit is %d", MaxTerms)
	}
	return nil
}

// fieldValue checks a value written at byte offset off for an enum, date,
// age or number field and returns its canonical spelling, so that the
// engine compares values as they are stored: "PHASE3", "16 Years".
func (p *parser) fieldValue(f *Field, v string, off int) (string, error) {
	switch f.Kind {
	case KindText:
		return v, nil
	case KindEnum:
		u := strings.ToUpper(v)
		if !f.Enum.Has(u) {
			return "", p.errAt(off, "AREA[%s] takes one of %s; found %q", f.Name, strings.Join(f.Enum.Strings(), ", "), v)
		}
		return u, nil
	}
	c, err := canonicalValue(f.Kind, v)
	if err != nil {
		return "", p.errAt(off, "AREA[%s]: %v", f.Name, err)
	}
	return c, nil
}

var modifierValues = map[tokKind][]string{
	tExpansion: {"None", "Term", "Concept", "Relaxation", "Lossy"},
	tCoverage:  {"FullMatch", "StartsWith", "EndsWith", "Contains"},
}

// modifier reads EXPANSION[level] or COVERAGE[mode] and its operand.
func (p *parser) modifier(s scope, t token) (Node, error) {
	name := "EXPANSION"
	if t.kind == tCoverage {
		name = "COVERAGE"
	}
	var value string
	for _, v := range modifierValues[t.kind] {
		if strings.EqualFold(v, strings.TrimSpace(t.text)) {
			value = v
		}
	}
	if value == "" {
		return nil, p.errAt(t.argPos, "%s takes one of %s; found %q", name, strings.Join(modifierValues[t.kind], ", "), t.text)
	}
	n, err := p.prefixOperand(s, name+"["+value+"]")
	if err != nil {
		return nil, err
	}
	if t.kind == tCoverage {
		return &Coverage{Mode: value, Node: n}, nil
	}
	return &Expansion{Level: value, Node: n}, nil
}

// area reads AREA[Field] and its operand, which may be RANGE[...] or
// MISSING.
func (p *parser) area(s scope, t token) (Node, error) {
	name := strings.TrimSpace(t.text)
	if name == "" {
		return nil, p.errAt(t.argPos, "expected a field name in AREA[]")
	}
	f, ok := LookupField(name)
	if !ok {
		return nil, p.errAt(t.argPos, "unknown search area or field %q", name)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tMissing:
		return &Area{Field: f.Name, Node: &Missing{}}, p.advance()
	case tRange:
		r, err := p.rangeOf(f)
		if err != nil {
			return nil, err
		}
		return &Area{Field: f.Name, Node: r}, p.advance()
	}
	s.field = f
	n, err := p.unary(s, "AREA["+f.Name+"]")
	if err != nil {
		return nil, err
	}
	return &Area{Field: f.Name, Node: n}, nil
}

// rangeOf reads the current RANGE[low, high] token for field f.
func (p *parser) rangeOf(f *Field) (*Range, error) {
	t := p.tok
	if f.Kind != KindDate && f.Kind != KindAge && f.Kind != KindNumber {
		return nil, p.errAt(t.pos, "RANGE needs a date, age or number field; %s is %s", f.Name, f.Kind)
	}
	lo, hi, ok := strings.Cut(t.text, ",")
	if !ok || strings.Contains(hi, ",") {
		return nil, p.errAt(t.argPos, "RANGE takes two bounds separated by one comma: RANGE[low, high]")
	}
	r := &Range{Kind: f.Kind}
	var err error
	if r.Min, err = p.bound(f, lo, t.argPos, "MIN"); err != nil {
		return nil, err
	}
	if r.Max, err = p.bound(f, hi, t.argPos+len(lo)+1, "MAX"); err != nil {
		return nil, err
	}
	if r.Min != "" && r.Max != "" {
		low, _ := valueInterval(f.Kind, r.Min)
		_, high := valueInterval(f.Kind, r.Max)
		if low > high {
			return nil, p.errAt(t.pos, "empty range: %s is after %s", r.Min, r.Max)
		}
	}
	return r, nil
}

// bound reads one bound of a RANGE written at byte offset off: open (the
// word open, MIN or MAX, gives "") or a canonical value.
func (p *parser) bound(f *Field, raw string, off int, open string) (string, error) {
	v := strings.TrimSpace(raw)
	off += strings.Index(raw, v)
	which := "a lower"
	if open == "MAX" {
		which = "an upper"
	}
	if v == "" {
		return "", p.errAt(off, "expected %s bound or %s in RANGE", which, open)
	}
	if strings.EqualFold(v, open) {
		return "", nil
	}
	c, err := canonicalValue(f.Kind, v)
	if err != nil {
		return "", p.errAt(off, "expected %s bound or %s in RANGE: %v", which, open, err)
	}
	return c, nil
}
