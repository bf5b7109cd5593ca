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
		basic  bool // fields are the whole BasicSearch area
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

// eval runs a plan. The result is a scratch from the pool, which the
// caller releases: results stay dense from the posting lists to the page,
// so a broad term's hundreds of thousands of hits are never copied into
// lists. Every combination adds scores in the same order as summing sorted
// lists would, so the float32 scores do not depend on the representation.
func (ix *Index) eval(p plan) *scratch {
	switch p := p.(type) {
	case planText:
		var matches []FieldMatch
		sc := ix.getScratch()
		if p.phrase {
			ix.phraseInto(sc, p.fields, p.basic, p.tokens, &matches)
		} else {
			ix.tokenInto(sc, p.fields, p.basic, p.tokens[0], &matches)
		}
		if p.detail != nil {
			p.detail.Fields = append(p.detail.Fields, matches...)
		}
		return sc
	case planAnd:
		var out *scratch
		var negs []plan
		for _, c := range p.parts {
			if n, ok := c.(planNot); ok {
				negs = append(negs, n.p)
				continue
			}
			if out == nil {
				out = ix.eval(c)
			} else {
				ix.combine(out, c, (*scratch).intersect)
			}
		}
		if out == nil { // only negations: start from every study
			out = ix.allDocs()
		}
		for _, n := range negs {
			ix.combine(out, n, (*scratch).subtract)
		}
		if p.bonus != nil && out.touched.any() {
			ix.combine(out, p.bonus, (*scratch).addShared)
		}
		return out
	case planOr:
		// Summing into the dense scratch rather than merging list after
		// list: a condition with dozens of synonyms has as many parts.
		sc := ix.getScratch()
		for _, c := range p {
			ix.combine(sc, c, (*scratch).merge)
		}
		return sc
	case planNot:
		out := ix.allDocs()
		ix.combine(out, p.p, (*scratch).subtract)
		return out
	case planColumn:
		sc := ix.getScratch()
		for d := range uint32(ix.n) {
			if p.match(&ix.col, d) {
				sc.touched.set(d)
			}
		}
		return sc
	case planNone:
		return ix.getScratch()
	}
	panic("search: unknown plan node")
}

// combine evaluates p into sc with op, which leaves p's result cleared
// for the pool.
func (ix *Index) combine(sc *scratch, p plan, op func(s, o *scratch)) {
	l := ix.eval(p)
	op(sc, l)
	ix.putScratch(l)
}
