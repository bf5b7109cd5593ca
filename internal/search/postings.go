package search

import "math/bits"

// postings is one term's posting list in one field: for each study that
// has the term, the delta from the previous study's document number as a
// uvarint, then the term's frequency in the field (capped at 255) as one
// byte. Studies are added in document order, so deltas are small and the
// whole index of a full ClinicalTrials.gov corpus fits in a few hundred MB.
type postings struct {
	df   uint32 // number of studies
	last uint32 // last document number added
	data []byte
}

func (p *postings) add(doc uint32, tf int) {
	delta := doc - p.last
	if p.df == 0 {
		delta = doc
	}
	for delta >= 0x80 {
		p.data = append(p.data, byte(delta)|0x80)
		delta >>= 7
	}
	if tf > 255 {
		tf = 255
	}
	p.data = append(p.data, byte(delta), byte(tf))
	p.df++
	p.last = doc
}

// each calls fn for every (document, term frequency) in order.
func (p *postings) each(fn func(doc uint32, tf uint8)) {
	var doc uint32
	data := p.data
	for i := 0; i < len(data); {
		var delta uint32
		var shift uint
		for {
			b := data[i]
			i++
			delta |= uint32(b&0x7f) << shift
			if b < 0x80 {
				break
			}
			shift += 7
		}
		doc += delta
		fn(doc, data[i])
		i++
	}
}

// docList is a set of documents in increasing order with a score each.
type docList struct {
	ids    []uint32
	scores []float32
}

func (l docList) len() int { return len(l.ids) }

// eachCommon calls fn with the positions in a and b of every document
// both increasing lists hold.
func eachCommon(a, b []uint32, fn func(i, j int)) {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			fn(i, j)
			i++
			j++
		}
	}
}

// intersect keeps the documents in both lists, summing scores.
func intersect(a, b docList) docList {
	out := docList{ids: make([]uint32, 0, min(len(a.ids), len(b.ids)))}
	out.scores = make([]float32, 0, cap(out.ids))
	eachCommon(a.ids, b.ids, func(i, j int) {
		out.ids = append(out.ids, a.ids[i])
		out.scores = append(out.scores, a.scores[i]+b.scores[j])
	})
	return out
}

// union keeps the documents in either list, summing scores of those in both.
func union(a, b docList) docList {
	out := docList{ids: make([]uint32, 0, len(a.ids)+len(b.ids))}
	out.scores = make([]float32, 0, cap(out.ids))
	i, j := 0, 0
	for i < len(a.ids) && j < len(b.ids) {
		switch {
		case a.ids[i] < b.ids[j]:
			out.ids = append(out.ids, a.ids[i])
			out.scores = append(out.scores, a.scores[i])
			i++
		case a.ids[i] > b.ids[j]:
			out.ids = append(out.ids, b.ids[j])
			out.scores = append(out.scores, b.scores[j])
			j++
		default:
			out.ids = append(out.ids, a.ids[i])
			out.scores = append(out.scores, a.scores[i]+b.scores[j])
			i++
			j++
		}
	}
	out.ids = append(out.ids, a.ids[i:]...)
	out.scores = append(out.scores, a.scores[i:]...)
	out.ids = append(out.ids, b.ids[j:]...)
	out.scores = append(out.scores, b.scores[j:]...)
	return out
}

// subtract keeps the documents of a that are not in b.
func subtract(a, b docList) docList {
	out := docList{ids: make([]uint32, 0, len(a.ids)), scores: make([]float32, 0, len(a.ids))}
	j := 0
	for i, id := range a.ids {
		for j < len(b.ids) && b.ids[j] < id {
			j++
		}
		if j < len(b.ids) && b.ids[j] == id {
			continue
		}
		out.ids = append(out.ids, id)
		out.scores = append(out.scores, a.scores[i])
	}
	return out
}

// addScores adds to dst's scores those of the same documents in src.
func addScores(dst, src docList) {
	eachCommon(dst.ids, src.ids, func(i, j int) { dst.scores[i] += src.scores[j] })
}

// bitset marks documents; it turns an unordered set of touched documents
// into an ordered docList without sorting.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// collect returns the marked documents in order with their scores from
// acc, and clears both for reuse.
func (b bitset) collect(acc []float32) docList {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	out := docList{ids: make([]uint32, 0, n), scores: make([]float32, 0, n)}
	for wi, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			id := uint32(wi*64 + t)
			out.ids = append(out.ids, id)
			out.scores = append(out.scores, acc[id])
			acc[id] = 0
			w &= w - 1
		}
		b[wi] = 0
	}
	return out
}
