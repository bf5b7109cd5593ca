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
	// more, in a list of an index Apply made (incremental.go), is the
	// same list in its delta index, whose documents follow data's.
	more *deltaPostings
}

// deltaPostings is a delta index's part of a list: its data decodes as
// documents from start on.
type deltaPostings struct {
	data  []byte
	start uint32
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

// reader decodes a posting list a block at a time, for the loops that walk
// a list in step with another (accumulate, the hot one, decodes inline).
type reader struct {
	data []byte
	more *deltaPostings // read after data
	i    int
	doc  uint32
	docs [128]uint32
	tfs  [128]uint8
}

func (p *postings) reader() reader { return reader{data: p.data, more: p.more} }

// block decodes the next postings into r.docs and r.tfs and returns how
// many; 0 at the end.
func (r *reader) block() int {
	// The position and document live in locals: stores into r.docs could
	// alias r's fields, which would force a reload per posting.
	if r.i == len(r.data) && r.more != nil {
		r.data, r.i, r.doc, r.more = r.more.data, 0, r.more.start, nil
	}
	data, i, doc := r.data, r.i, r.doc
	n := 0
	for ; n < len(r.docs) && i < len(data); n++ {
		i, doc, r.tfs[n] = decodePosting(data, i, doc)
		r.docs[n] = doc
	}
	r.i, r.doc = i, doc
	return n
}

// shortPosting masks the bits of a posting's first byte that are clear
// when it is the whole posting: a delta under 64 and a single occurrence,
// the bulk of a broad term's list. The hottest loop, accumulate, decodes
// that case inline and calls decodePosting for the others.
const shortPosting = 0x81

// decodePosting decodes the posting at data[i], which follows document
// doc, and returns the position after it, its document and its term
// frequency.
func decodePosting(data []byte, i int, doc uint32) (int, uint32, uint8) {
	var v uint32
	for shift := uint(0); ; shift += 7 {
		b := data[i]
		i++
		v |= uint32(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	tf := uint8(1)
	if v&1 != 0 {
		tf = data[i]
		i++
	}
	return i, doc + v>>1, tf
}

// docs returns the list's documents.
func (p *postings) docs() []uint32 {
	docs, _ := p.decode(make([]uint32, 0, p.df), nil)
	return docs
}

// decode appends the list's documents to docs and, if tfs is not nil,
// their term frequencies to tfs.
func (p *postings) decode(docs []uint32, tfs []uint8) ([]uint32, []uint8) {
	r := p.reader()
	for n := r.block(); n > 0; n = r.block() {
		docs = append(docs, r.docs[:n]...)
		if tfs != nil {
			tfs = append(tfs, r.tfs[:n]...)
		}
	}
	return docs, tfs
}

// docList is a set of documents in increasing order with a score each.
type docList struct {
	ids    []uint32
	scores []float32
}

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

// bitset marks documents; it turns an unordered set of touched documents
// into an ordered docList without sorting.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// any reports whether any document is marked.
func (b bitset) any() bool {
	for _, w := range b {
		if w != 0 {
			return true
		}
	}
	return false
}

// count returns how many documents are marked.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// collect returns the marked documents in order with their scores from
// acc, in out's memory, and clears both for reuse.
func (b bitset) collect(acc []float32, out docList) docList {
	out.ids, out.scores = out.ids[:0], out.scores[:0]
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
