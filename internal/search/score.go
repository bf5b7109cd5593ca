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
// accumulator and a bitset of touched documents, which together are also
// how a plan's result is passed on. Pooled, because allocating 2.4 MB per
// query at 600,000 studies would dominate. Invariant: acc is zero wherever
// touched is clear, so clearing the touched bits clears everything.
type scratch struct {
	acc     []float32
	touched bitset
	// Buffers kept for reuse with the scratch, so that phrases and geo
	// filters, which build lists, do not allocate per query: a phrase's
	// candidate studies and each word's term frequencies of them, and a
	// geo filter's studies.
	docs []uint32
	tfs  [][]uint8
	list docList
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.scratch.Get().(*scratch); ok {
		return s
	}
	return &scratch{acc: make([]float32, ix.n), touched: newBitset(ix.n)}
}

// putScratch returns a cleared scratch to the pool.
func (ix *Index) putScratch(s *scratch) { ix.scratch.Put(s) }

// release clears s and returns it to the pool.
func (ix *Index) release(s *scratch) {
	s.reset()
	ix.putScratch(s)
}

// The combinations below leave o cleared. Each adds a document's scores
// as s + o, as merging sorted lists did, so scores are bit for bit the same.

// merge adds o to s: the union, summing scores.
func (s *scratch) merge(o *scratch) {
	for wi, w := range o.touched {
		if w == 0 {
			continue
		}
		s.touched[wi] |= w
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			d := base | uint32(trailing(w))
			s.acc[d] += o.acc[d]
			o.acc[d] = 0
		}
		o.touched[wi] = 0
	}
}

// intersect keeps the documents of s that are also in o, summing scores.
func (s *scratch) intersect(o *scratch) {
	for wi, a := range s.touched {
		b := o.touched[wi]
		if a|b == 0 {
			continue
		}
		base := uint32(wi) << 6
		both := a & b
		for w := a &^ b; w != 0; w &= w - 1 {
			s.acc[base|uint32(trailing(w))] = 0
		}
		for w := both; w != 0; w &= w - 1 {
			d := base | uint32(trailing(w))
			s.acc[d] += o.acc[d]
		}
		o.clearWord(wi)
		s.touched[wi] = both
	}
}

// subtract removes the documents of o from s.
func (s *scratch) subtract(o *scratch) {
	for wi, b := range o.touched {
		if b == 0 {
			continue
		}
		base := uint32(wi) << 6
		for w := s.touched[wi] & b; w != 0; w &= w - 1 {
			s.acc[base|uint32(trailing(w))] = 0
		}
		s.touched[wi] &^= b
		o.clearWord(wi)
	}
}

// addShared adds o's scores to the documents of s that o also has.
func (s *scratch) addShared(o *scratch) {
	for wi, b := range o.touched {
		if b == 0 {
			continue
		}
		base := uint32(wi) << 6
		for w := s.touched[wi] & b; w != 0; w &= w - 1 {
			d := base | uint32(trailing(w))
			s.acc[d] += o.acc[d]
		}
		o.clearWord(wi)
	}
}

// clearWord clears the 64 documents of word wi.
func (s *scratch) clearWord(wi int) {
	base := uint32(wi) << 6
	for w := s.touched[wi]; w != 0; w &= w - 1 {
		s.acc[base|uint32(trailing(w))] = 0
	}
	s.touched[wi] = 0
}

// reset clears s for the pool: document by document, or when many are
// touched, all at once, which writes memory in order (a broad term touches
// a quarter of the index).
func (s *scratch) reset() {
	if s.touched.count() > len(s.acc)/16 {
		clear(s.acc)
		clear(s.touched)
		return
	}
	for wi, w := range s.touched {
		if w != 0 {
			s.clearWord(wi)
		}
	}
}

// idf is BM25's inverse document frequency.
func (ix *Index) idf(df uint32) float32 {
	n := float64(ix.Len())
	return float32(math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)))
}

// tfNorm is BM25's saturated, length-normalised term frequency. Most
// terms occur once in a field, and for them it comes from a table. (A
// table for up to four occurrences measured no faster.)
func (ix *Index) tfNorm(f field, doc uint32, tf uint8) float32 {
	n := ix.normOf(f)
	return n.tfNorm(doc, tf)
}

// fieldNorm is what tfNorm needs of one field, taken out of the index once
// per posting list so that the scoring loops keep it in registers.
type fieldNorm struct {
	ix    *Index
	f     field
	lens  []uint16
	norm1 []float32
}

func (ix *Index) normOf(f field) fieldNorm {
	return fieldNorm{ix: ix, f: f, lens: ix.fieldLen[f], norm1: ix.norm1[f]}
}

func (n *fieldNorm) tfNorm(doc uint32, tf uint8) float32 {
	l := n.lens[doc]
	if tf == 1 && int(l) < len(n.norm1) {
		return n.norm1[l]
	}
	return n.ix.tfNormLen(n.f, l, tf)
}

func (ix *Index) tfNormLen(f field, length uint16, tf uint8) float32 {
	l := float32(length)
	t := float32(tf)
	return t * (bm25K1 + 1) / (t + bm25K1*(1-bm25B+bm25B*l/ix.avgLen[f]))
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

// tokenInto scores into sc, which holds nothing yet, the studies
// containing token in any of the weighted fields: the sum over fields of
// weight × idf × tfNorm. basic says the fields are the whole BasicSearch
// area, whose broad terms are precomputed (broad.go).
func (ix *Index) tokenInto(sc *scratch, fields []fieldWeight, basic bool, token string, matches *[]FieldMatch) {
	if id, ok := ix.tokenID(token); ok {
		ix.scoreToken(sc, fields, basic, id, matches)
	}
}

func (ix *Index) scoreToken(sc *scratch, fields []fieldWeight, basic bool, id uint32, matches *[]FieldMatch) {
	var broad []byte
	precomputed := false
	if basic {
		broad, precomputed = ix.broadScores(id)
	}
	for _, fw := range fields {
		p := ix.list(fw.f, id, noNext)
		if p == nil {
			continue
		}
		*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: int(p.df)})
		if !precomputed {
			ix.accumulate(sc, fw, p)
		}
	}
	if precomputed {
		ix.addBroad(sc, broad)
	}
}

// accumulate adds the scores of the postings of p in field fw to sc.
func (ix *Index) accumulate(sc *scratch, fw fieldWeight, p *postings) {
	wIDF := fw.w * ix.idf(p.df)
	norm := ix.normOf(fw.f)
	acc, touched := sc.acc, sc.touched
	// Decoding in this loop rather than by blocks saves storing and
	// reloading every posting: the broad terms' lists are most of the work.
	data := p.data
	var doc uint32
	for more := p.more; ; {
		for i := 0; i < len(data); {
			tf := uint8(1)
			if v := data[i]; v&shortPosting == 0 {
				doc += uint32(v >> 1)
				i++
			} else {
				i, doc, tf = decodePosting(data, i, doc)
			}
			acc[doc] += wIDF * norm.tfNorm(doc, tf)
			touched.set(doc)
		}
		if more == nil {
			return
		}
		data, doc, more = more.data, more.start, nil
	}
}

// phraseInto scores into sc the studies containing the tokens as adjacent words
// in one field: every consecutive pair must be indexed as a pair of that
// field. (A repeated pair elsewhere in the field can satisfy a longer
// phrase — a rare false positive accepted to keep positions out of memory.)
// In fields without pairs, every word must occur in the field.
func (ix *Index) phraseInto(sc *scratch, fields []fieldWeight, basic bool, tokens []string, matches *[]FieldMatch) {
	if len(tokens) == 1 {
		ix.tokenInto(sc, fields, basic, tokens[0], matches)
		return
	}
	ids := make([]uint32, len(tokens))
	for i, t := range tokens {
		var ok bool
		if ids[i], ok = ix.tokenID(t); !ok {
			return
		}
	}
	for _, fw := range fields {
		parts := ix.phraseLists(fw, ids)
		switch len(parts) {
		case 0:
			continue
		case 1: // a two-word phrase in a field with pairs
			*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: int(parts[0].df)})
			ix.accumulate(sc, fw, parts[0])
			continue
		}
		if n := ix.intersectInto(sc, fw, parts); n > 0 {
			*matches = append(*matches, FieldMatch{Field: fw.f.String(), Studies: n})
		}
	}
}

// phraseLists returns the lists a phrase needs in one field, all of which
// a study must be in: its adjacent pairs, or in a field without pairs its
// words (by token number). Nil when one of them does not exist.
func (ix *Index) phraseLists(fw fieldWeight, ids []uint32) []*postings {
	var parts []*postings
	for i := range ids {
		var p *postings
		switch {
		case !pairFields[fw.f]:
			p = ix.list(fw.f, ids[i], noNext)
		case i > 0:
			p = ix.list(fw.f, ids[i-1], ids[i])
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

// intersectInto adds to sc the studies in every list of parts, scored
// with the sum of their scores in the order of parts, and returns how many
// there are. The studies are narrowed from the shortest list and scored
// only once they are known to be in all: a phrase's rare word bounds the
// work its common words cost. Each list's term frequencies of the studies
// are kept while narrowing, so that no list is decoded twice.
func (ix *Index) intersectInto(sc *scratch, fw fieldWeight, parts []*postings) int {
	shortest := 0
	for i, p := range parts {
		if p.df < parts[shortest].df {
			shortest = i
		}
	}
	for len(sc.tfs) < len(parts) {
		sc.tfs = append(sc.tfs, []uint8{}) // not nil: decode fills only rows it is given
	}
	tfs := sc.tfs[:len(parts)] // per part, per study of docs, once live
	for i := range tfs {
		tfs[i] = tfs[i][:0]
	}
	docs, first := parts[shortest].decode(sc.docs[:0], tfs[shortest])
	sc.docs = docs[:0]
	live := make([]bool, len(parts))
	live[shortest] = true
	tfs[shortest] = first
	for i, p := range parts {
		if i != shortest && len(docs) > 0 {
			docs, tfs[i] = keepIn(docs, tfs, live, p, tfs[i])
			live[i] = true
		}
	}
	if len(docs) == 0 {
		return 0
	}
	norm := ix.normOf(fw.f)
	wIDF := make([]float32, len(parts))
	for pi, p := range parts {
		wIDF[pi] = fw.w * ix.idf(p.df)
	}
	found := 0
	for i, doc := range docs {
		if ix.isDead(doc) {
			continue
		}
		found++
		var score float32
		for pi := range parts {
			score += wIDF[pi] * norm.tfNorm(doc, tfs[pi][i])
		}
		sc.acc[doc] += score
		sc.touched.set(doc)
	}
	return found
}

// keepIn keeps, in place, the documents of docs (in order) that p lists,
// and with them the frequencies in each row of tfs that is live. It
// returns the documents kept and p's frequencies of them, appended to ptfs.
func keepIn(docs []uint32, tfs [][]uint8, live []bool, p *postings, ptfs []uint8) ([]uint32, []uint8) {
	out := docs[:0]
	i := 0
	r := p.reader()
	for n := r.block(); n > 0 && i < len(docs); n = r.block() {
		for k, doc := range r.docs[:n] {
			for i < len(docs) && docs[i] < doc {
				i++
			}
			if i == len(docs) {
				break
			}
			if docs[i] == doc {
				for j, row := range tfs {
					if live[j] {
						row[len(out)] = row[i]
					}
				}
				out = append(out, doc)
				ptfs = append(ptfs, r.tfs[k])
				i++
			}
		}
	}
	for j, row := range tfs {
		if live[j] {
			tfs[j] = row[:len(out)]
		}
	}
	return out, ptfs
}

// allDocs is every study with score zero, for queries that are only
// filters and for NOT.
func (ix *Index) allDocs() *scratch {
	sc := ix.getScratch()
	for wi := range sc.touched {
		sc.touched[wi] = ^uint64(0)
	}
	if r := ix.n % 64; r != 0 {
		sc.touched[len(sc.touched)-1] = 1<<r - 1
	}
	return sc
}

func trailing(x uint64) int { return bits.TrailingZeros64(x) }
