package query

import (
	"strings"
)

// Node is a node of a parsed query. String returns the node in canonical
// syntax, which Parse reads back into an equal tree.
type Node interface {
	String() string
	node()
}

// Term is a run of unquoted words ("heart attack"): Text holds them
// separated by single spaces. A study matches when every word occurs in
// the searched area; the words occurring together should rank higher.
type Term struct{ Text string }

// Phrase is a quoted phrase: its words must occur together and in order.
type Phrase struct{ Text string }

// And matches when every one of Nodes (two or more) matches.
type And struct{ Nodes []Node }

// Or matches when any of Nodes (two or more) matches.
type Or struct{ Nodes []Node }

// Not matches when Node does not.
type Not struct{ Node Node }

// Area restricts Node to one search area or field. Field is the canonical
// name from the table (see LookupField). Only an Area holds a Range or a
// Missing, and only as its direct Node.
type Area struct {
	Field string
	Node  Node
}

// Range matches a value of the enclosing Area's field between Min and
// Max, inclusive. An empty Min or Max is the open end (MIN, MAX). Values
// are canonical: dates as written ("2020", "2020-01", "2020-01-15"), ages
// as "16 Years", numbers in decimal. Kind is the field's kind.
type Range struct {
	Kind     Kind
	Min, Max string
}

// Missing matches studies in which the enclosing Area's field is empty.
type Missing struct{}

// Expansion sets how far Node's terms are expanded: None (the words as
// written), Term (also their variants: plurals, which Tokenize always
// folds), Concept (also synonyms: internal/vocab for conditions),
// Relaxation (Essie's default: Concept, and a multi-word term may match
// its words apart) or Lossy (Relaxation, and a term may match on some of
// its words).
type Expansion struct {
	Level string
	Node  Node
}

// Coverage sets how much of a field value Node's terms must cover:
// FullMatch (all of it, as for AREA[Condition]COVERAGE[FullMatch]"Asthma"),
// StartsWith, EndsWith or Contains (Essie's default: anywhere).
type Coverage struct {
	Mode string
	Node Node
}

func (*Term) node()      {}
func (*Phrase) node()    {}
func (*And) node()       {}
func (*Or) node()        {}
func (*Not) node()       {}
func (*Area) node()      {}
func (*Range) node()     {}
func (*Missing) node()   {}
func (*Expansion) node() {}
func (*Coverage) node()  {}

// String writes the words, escaping those the parser would otherwise read
// as operators or punctuation.
func (n *Term) String() string {
	words := strings.Split(n.Text, " ")
	for i, w := range words {
		words[i] = escapeWord(w)
	}
	return strings.Join(words, " ")
}

func escapeWord(w string) string {
	var b strings.Builder
	if keywords[w] != 0 || bracketOperator(w) != "" {
		b.WriteByte('\\')
	}
	for _, r := range w {
		if strings.ContainsRune(`()"\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (n *Phrase) String() string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(n.Text) + `"`
}

func (n *And) String() string { return join(n.Nodes, " AND ", false) }

func (n *Or) String() string { return join(n.Nodes, " OR ", true) }

// join writes the operands of an And (inOr false) or an Or (inOr true),
// bracketing those that would otherwise merge with or bind looser than
// their parent.
func join(nodes []Node, sep string, inOr bool) string {
	parts := make([]string, len(nodes))
	for i, c := range nodes {
		_, isOr := c.(*Or)
		_, isAnd := c.(*And)
		parts[i] = c.String()
		if isOr || (isAnd && !inOr) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func (n *Not) String() string { return "NOT " + operand(n.Node) }

func (n *Area) String() string { return "AREA[" + n.Field + "]" + operand(n.Node) }

func (n *Expansion) String() string { return "EXPANSION[" + n.Level + "]" + operand(n.Node) }

func (n *Coverage) String() string { return "COVERAGE[" + n.Mode + "]" + operand(n.Node) }

// operand writes the operand of a prefix operator, which binds tighter
// than AND and OR.
func operand(n Node) string {
	switch n.(type) {
	case *And, *Or:
		return "(" + n.String() + ")"
	}
	return n.String()
}

func (n *Range) String() string {
	lo, hi := n.Min, n.Max
	if lo == "" {
		lo = "MIN"
	}
	if hi == "" {
		hi = "MAX"
	}
	return "RANGE[" + lo + ", " + hi + "]"
}

func (*Missing) String() string { return "MISSING" }
