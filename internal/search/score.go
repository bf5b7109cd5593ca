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

// add sums the scores of l into the accumulator.
func (s *scratch) add(l docList) {
	for i, doc := range l.ids {
		s.acc[doc] += l.scores[i]
		s.touched.set(doc)
	}
}

// idf is BM25's inverse document frequency.
func (ix *Index) idf(df uint32) float32 {
	n := float64(ix.n)
	return float32(math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)))
}

// tfNorm is BM25's saturated, length-normalised term frequency. Most
// terms occur once in a field, and for them it comes from a table.
func (ix *Index) tfNorm(f field, doc uint32, tf uint8) float32 {
	l := ix.fieldLen[f][doc]
	if tf == 1 && int(l) < len(ix.norm1[f]) {
		return ix.norm1[f][l]
	}
	return ix.tfNormLen(f, l, tf)
}

func (ix *Index) tfNormLen(f field, length uint16, tf uint8) float32 {
	avg := ix.avgLen[f]
	if avg == 0 {
		avg = 1
	}
	l := float32(length)
	t := float32(tf)
	return t * (bm25K1 + 1) / (t + bm25K1*(1-bm25B+bm25B*l/avg))
}

// maxNorm1 bounds the length table of each field: longer fields are rare.
const maxNorm1 = 4096

// fillNorm1 makes the table of tfNorm for a single occurrence, per field
// length up to the longest, once the average lengths are known.
func (ix *Index) fillNorm1() {
	for f := range numFields {
		longest := 0
		for _, l := range ix.fieldLen[f] {
			longest = max(longest, int(l))
		}
		t := make([]float32, min(longest+1, maxNorm1))
		for l := range t {
			t[l] = ix.tfNormLen(field(f), uint16(l), 1)
		}
		ix.norm1[f] = t
	}
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
		ix.accumulate(sc, fw, p)
	}
	return sc.touched.collect(sc.acc)
}

// accumulate adds the scores of the postings of p in field fw to sc.
func (ix *Index) accumulate(sc *scratch, fw fieldWeight, p *postings) {
	wIDF := fw.w * ix.idf(p.df)
	r := p.reader()
	for n := r.block(); n > 0; n = r.block() {
		for k, doc := range r.docs[:n] {
			sc.acc[doc] += wIDF * ix.tfNorm(fw.f, doc, r.tfs[k])
			sc.touched.set(doc)
		}
	}
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
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	for _, fw := range fields {
		parts := ix.phraseLists(fw, tokens)
		switch len(parts) {
		case 0:
			continue
		case 1: // a two-word phrase in a field with pairs
			*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: int(parts[0].df)})
			ix.accumulate(sc, fw, parts[0])
			continue
		}
		l := ix.intersectLists(fw, parts)
		if l.len() == 0 {
			continue
		}
		*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: l.len()})
		sc.add(l)
	}
	return sc.touched.collect(sc.acc)
}

// phraseLists returns the lists a phrase needs in one field, all of which
// a study must be in: its adjacent pairs, or in a field without pairs its
// words. Nil when one of them does not exist.
func (ix *Index) phraseLists(fw fieldWeight, tokens []string) []*postings {
	var parts []*postings
	for i := range tokens {
		var p *postings
		switch {
		case !pairFields[fw.f]:
			p = ix.list(fw.f, tokens[i], "")
		case i > 0:
			p = ix.list(fw.f, tokens[i-1], tokens[i])
		default:
			continue
		}
		if p == nil {
			return nil
		}
		parts = append(parts, p)
	}
	return parts
}

// intersectLists scores the studies in every list of parts with the sum
// of their scores in the order of parts. The studies are narrowed from the
// shortest list and scored only once they are known to be in all: a
// phrase's rare word bounds the work its common words cost.
func (ix *Index) intersectLists(fw fieldWeight, parts []*postings) docList {
	shortest := 0
	for i, p := range parts {
		if p.df < parts[shortest].df {
			shortest = i
		}
	}
	docs := parts[shortest].docs()
	for i, p := range parts {
		if i != shortest && len(docs) > 0 {
			docs = keepIn(docs, p)
		}
	}
	if len(docs) == 0 {
		return docList{}
	}
	out := docList{ids: docs, scores: make([]float32, len(docs))}
	for _, p := range parts {
		wIDF := fw.w * ix.idf(p.df)
		i := 0 // every document of out is in p
		r := p.reader()
		for n := r.block(); n > 0 && i < len(docs); n = r.block() {
			for k, doc := range r.docs[:n] {
				if i < len(docs) && docs[i] == doc {
					out.scores[i] += wIDF * ix.tfNorm(fw.f, doc, r.tfs[k])
					i++
				}
			}
		}
	}
	return out
}

// keepIn keeps, in place, the documents of docs (in order) that p lists.
func keepIn(docs []uint32, p *postings) []uint32 {
	out := docs[:0]
	i := 0
	r := p.reader()
	for n := r.block(); n > 0 && i < len(docs); n = r.block() {
		for _, doc := range r.docs[:n] {
			for i < len(docs) && docs[i] < doc {
				i++
			}
			if i == len(docs) {
				break
			}
			if docs[i] == doc {
				out = append(out, doc)
				i++
			}
		}
	}
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
