package search

import "math/bits"

// postings is one term's posting list in one field: for each study that
// has the term, a uvarint of the delta from the previous study's document
// number shifted left by one, its low bit set when the term occurs more
// than once, and then the term's frequency in the field (capped at 255) as
// one byte. Most terms occur once per field, so most postings of a broad
// term take a single byte.
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
	v := delta << 1
	if tf > 1 {
		v |= 1
	}
	for v >= 0x80 {
		p.data = append(p.data, byte(v)|0x80)
		v >>= 7
	}
	p.data = append(p.data, byte(v))
	if tf > 1 {
		p.data = append(p.data, byte(min(tf, 255)))
	}
	p.df++
	p.last = doc
}

// reader decodes a posting list a block at a time, so that the scoring
// loops run over plain arrays rather than calling a decoder per posting.
type reader struct {
	data []byte
	i    int
	doc  uint32
	docs [128]uint32
	tfs  [128]uint8
}

func (p *postings) reader() reader { return reader{data: p.data} }

// block decodes the next postings into r.docs and r.tfs and returns how
// many; 0 at the end.
func (r *reader) block() int {
	n := 0
	data := r.data
	for n < len(r.docs) && r.i < len(data) {
		var v uint32
		var shift uint
		for {
			b := data[r.i]
			r.i++
			v |= uint32(b&0x7f) << shift
			if b < 0x80 {
				break
			}
			shift += 7
		}
		r.doc += v >> 1
		r.docs[n] = r.doc
		r.tfs[n] = 1
		if v&1 != 0 {
			r.tfs[n] = data[r.i]
			r.i++
		}
		n++
	}
	return n
}

// docs returns the list's documents.
func (p *postings) docs() []uint32 {
	out := make([]uint32, 0, p.df)
	r := p.reader()
	for n := r.block(); n > 0; n = r.block() {
		out = append(out, r.docs[:n]...)
	}
	return out
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
