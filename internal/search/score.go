package search

import (
	"math"
	"math/bits"
)

// BM25 parameters, the usual defaults.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// scratch is per-query working memory sized to the index: a score
// accumulator and a bitset of touched documents. Pooled, because
// allocating 2.4 MB per query at 600,000 studies would dominate.
type scratch struct {
	acc     []float32
	touched bitset
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.scratch.Get().(*scratch); ok {
		return s
	}
	return &scratch{acc: make([]float32, ix.n), touched: newBitset(ix.n)}
}

func (ix *Index) putScratch(s *scratch) { ix.scratch.Put(s) }

// idf is BM25's inverse document frequency.
func (ix *Index) idf(df uint32) float32 {
	n := float64(ix.n)
	return float32(math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)))
}

// tfNorm is BM25's saturated, length-normalised term frequency.
func (ix *Index) tfNorm(f field, doc uint32, tf uint8) float32 {
	avg := ix.avgLen[f]
	if avg == 0 {
		avg = 1
	}
	l := float32(ix.fieldLen[f][doc])
	t := float32(tf)
	return t * (bm25K1 + 1) / (t + bm25K1*(1-bm25B+bm25B*l/avg))
}

// FieldMatch says how many studies matched a query term in one field,
// before filters: the "which fields matched" part of search details.
type FieldMatch struct {
	Field   string
	Studies int
}

// tokenList scores the studies containing token in any of the weighted
// fields: the sum over fields of weight × idf × tfNorm.
func (ix *Index) tokenList(fields []fieldWeight, token string, matches *[]FieldMatch) docList {
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	for _, fw := range fields {
		p := ix.list(fw.f, token, "")
		if p == nil {
			continue
		}
		*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: int(p.df)})
		wIDF := fw.w * ix.idf(p.df)
		f := fw.f
		p.each(func(doc uint32, tf uint8) {
			sc.acc[doc] += wIDF * ix.tfNorm(f, doc, tf)
			sc.touched.set(doc)
		})
	}
	return sc.touched.collect(sc.acc)
}

// phraseList scores the studies containing the tokens as adjacent words
// in one field: every consecutive pair must be indexed as a pair of that
// field. (A repeated pair elsewhere in the field can satisfy a longer
// phrase — a rare false positive accepted to keep positions out of memory.)
// In fields without pairs, every word must occur in the field.
func (ix *Index) phraseList(fields []fieldWeight, tokens []string, matches *[]FieldMatch) docList {
	if len(tokens) == 1 {
		return ix.tokenList(fields, tokens[0], matches)
	}
	var out docList
	for _, fw := range fields {
		inField := ix.phraseInField(fw, tokens)
		if inField.len() > 0 {
			*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: inField.len()})
			out = union(out, inField)
		}
	}
	return out
}

// phraseInField intersects the lists a phrase needs in one field: its
// adjacent pairs, or in a field without pairs its words.
func (ix *Index) phraseInField(fw fieldWeight, tokens []string) docList {
	var parts []*postings
	for i := range tokens {
		switch {
		case !pairFields[fw.f]:
			parts = append(parts, ix.list(fw.f, tokens[i], ""))
		case i > 0:
			parts = append(parts, ix.list(fw.f, tokens[i-1], tokens[i]))
		}
	}
	var l docList
	for i, p := range parts {
		if p == nil {
			return docList{}
		}
		if i == 0 {
			l = ix.postingList(fw, p)
		} else {
			l = intersect(l, ix.postingList(fw, p))
		}
		if l.len() == 0 {
			break
		}
	}
	return l
}

// postingList decodes one posting list with its weighted BM25 scores.
func (ix *Index) postingList(fw fieldWeight, p *postings) docList {
	out := docList{ids: make([]uint32, 0, p.df), scores: make([]float32, 0, p.df)}
	wIDF := fw.w * ix.idf(p.df)
	p.each(func(doc uint32, tf uint8) {
		out.ids = append(out.ids, doc)
		out.scores = append(out.scores, wIDF*ix.tfNorm(fw.f, doc, tf))
	})
	return out
}

// allDocs is every study with score zero, for queries that are only
// filters and for NOT.
func (ix *Index) allDocs() docList {
	out := docList{ids: make([]uint32, ix.n), scores: make([]float32, ix.n)}
	for i := range out.ids {
		out.ids[i] = uint32(i)
	}
	return out
}

func trailing(x uint64) int { return bits.TrailingZeros64(x) }
