package search

// plan is a query compiled against the index: what to look up and how to
// combine it. The query package's syntax tree compiles into it (compile.go),
// synonym expansion included.
type plan interface{ isPlan() }

type (
	// planText matches tokens in weighted fields: a single token, or a
	// phrase whose tokens must be adjacent.
	planText struct {
		fields []fieldWeight
		tokens []string
		phrase bool
		detail *TermDetail // where to record which fields matched
	}
	// planAnd matches what every part matches; bonus, if set, adds its
	// score to the documents it also matches.
	planAnd struct {
		parts []plan
		bonus plan
	}
	planOr  []plan
	planNot struct{ p plan }
	// planColumn matches documents by a column test (enum value, range,
	// missing value); it adds nothing to the score.
	planColumn struct {
		match func(col *columns, doc uint32) bool
	}
	planNone struct{} // matches nothing (a term absent from the index)
)

func (planText) isPlan()   {}
func (planAnd) isPlan()    {}
func (planOr) isPlan()     {}
func (planNot) isPlan()    {}
func (planColumn) isPlan() {}
func (planNone) isPlan()   {}

// Details explains a search: per query term, the synonyms it was expanded
// with and the fields it matched in.
type Details struct {
	Terms []TermDetail
}

// TermDetail is one term or phrase of the query as searched.
type TermDetail struct {
	Area     string
	Text     string
	Synonyms []Synonym    // condition terms only, unless exact
	Fields   []FieldMatch // fields with at least one match, before filters
}

// Synonym is a term a condition query was expanded with, and why.
type Synonym struct {
	Text   string
	Source string // e.g. "MeSH D006528 entry term"
}

// eval runs a plan.
func (ix *Index) eval(p plan) docList {
	switch p := p.(type) {
	case planText:
		var matches []FieldMatch
		var l docList
		if p.phrase {
			l = ix.phraseList(p.fields, p.tokens, &matches)
		} else {
			l = ix.tokenList(p.fields, p.tokens[0], &matches)
		}
		if p.detail != nil {
			p.detail.Fields = append(p.detail.Fields, matches...)
		}
		return l
	case planAnd:
		var out docList
		var negs []plan
		first := true
		for _, c := range p.parts {
			if n, ok := c.(planNot); ok {
				negs = append(negs, n.p)
				continue
			}
			l := ix.eval(c)
			if first {
				out, first = l, false
			} else {
				out = intersect(out, l)
			}
		}
		if first { // only negations: start from every study
			out = ix.allDocs()
		}
		for _, n := range negs {
			out = subtract(out, ix.eval(n))
		}
		if p.bonus != nil && out.len() > 0 {
			addScores(out, ix.eval(p.bonus))
		}
		return out
	case planOr:
		// Summing into the dense scratch rather than merging list after
		// list: a condition with dozens of synonyms has as many parts.
		sc := ix.getScratch()
		defer ix.putScratch(sc)
		for _, c := range p {
			sc.add(ix.eval(c))
		}
		return sc.touched.collect(sc.acc)
	case planNot:
		return subtract(ix.allDocs(), ix.eval(p.p))
	case planColumn:
		out := docList{}
		for d := range uint32(ix.n) {
			if p.match(&ix.col, d) {
				out.ids = append(out.ids, d)
			}
		}
		out.scores = make([]float32, len(out.ids))
		return out
	case planNone:
		return docList{}
	}
	panic("search: unknown plan node")
}
