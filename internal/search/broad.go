package search

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/query"
)

// Broad terms in the "other terms" area (query.term, BasicSearch) have
// their area scores precomputed. The area has two dozen indexed fields,
// and scoring a term means walking its list in each: "cancer" has 2,287
// postings there in the bundled records, for 699 studies, and at full
// scale those walks were most of the search time. A study's score for one
// term in one area depends only on the index, so it is computed once at
// build time, by the same additions in the same order as a query's, and
// kept as one list of studies with their scores: bit for bit what the
// walk would give.

// broadShare: a term is broad when its lists in the area hold more
// postings than 1/broadShare of the studies. Only terms that name
// conditions (in the Condition field of more than 1/conditionShare of the
// studies) are precomputed: those are what people search for, unlike
// "study", "will" or "united", which are as broad.
const (
	broadShare     = 16
	conditionShare = 500
)

// broadBudget bounds the precomputed postings, in studies' worth: at most
// broadBudget × the number of studies (about 24 MB at 600,000 studies),
// given to the broadest terms first.
const broadBudget = 8

// broadList is one term's precomputed list: per study, a uvarint of the
// delta from the previous study's document number, then the score as
// four bytes, in broadArena[start:end].
type broadList struct{ start, end uint32 }

// basicFields are the fields and weights of the BasicSearch area, in the
// order its scores are summed.
var basicFields = func() []fieldWeight {
	f, _ := query.LookupField("BasicSearch")
	return areaFields(f)
}()

// areaFields returns an area's indexed fields with their weights.
func areaFields(f *query.Field) []fieldWeight {
	var fws []fieldWeight
	for _, w := range f.Fields {
		if idx, ok := fieldsByName[strings.ToLower(w.Field)]; ok {
			fws = append(fws, fieldWeight{idx, float32(w.Weight)})
		}
	}
	return fws
}

// finishBroad precomputes the broad terms' lists, once the posting lists
// and length norms are final.
func (ix *Index) finishBroad() {
	inArea := [numFields]bool{}
	for _, fw := range basicFields {
		inArea[fw.f] = true
	}
	postings := map[uint32]int{} // token number → postings in the area
	condition := map[uint32]bool{}
	for i, k := range ix.listKeys {
		f, id, next := field(k>>58), uint32(k>>29)&noNext, uint32(k)&noNext
		if next != noNext {
			continue
		}
		if inArea[f] {
			postings[id] += int(ix.listDF[i])
		}
		if f == fCondition && int(ix.listDF[i]) > ix.n/conditionShare {
			condition[id] = true
		}
	}
	var broad []uint32
	for id, n := range postings {
		if n > ix.n/broadShare && condition[id] {
			broad = append(broad, id)
		}
	}
	slices.SortFunc(broad, func(a, b uint32) int { return cmp.Or(cmp.Compare(postings[b], postings[a]), cmp.Compare(a, b)) })
	ix.broad = map[uint32]broadList{}
	budget := ix.n * broadBudget
	sc := ix.getScratch()
	defer ix.putScratch(sc)
	for _, id := range broad {
		data, n := ix.precomputeBroad(id, sc)
		if n > budget {
			continue
		}
		budget -= n
		ix.broad[id] = broadList{start: uint32(len(ix.broadArena)), end: uint32(len(ix.broadArena) + len(data))}
		ix.broadArena = append(ix.broadArena, data...)
	}
	ix.broadArena = slices.Clip(ix.broadArena)
}

// precomputeBroad returns a term's scores in the BasicSearch area, in
// broadList's encoding, and their number, using sc (nil: one of the
// index's own).
func (ix *Index) precomputeBroad(id uint32, sc *scratch) ([]byte, int) {
	if sc == nil {
		sc = ix.getScratch()
		defer ix.putScratch(sc)
	}
	var matches []FieldMatch
	ix.scoreToken(sc, basicFields, false, id, &matches)
	var out []byte
	var buf [binary.MaxVarintLen32 + 4]byte
	var prev uint32
	n := 0
	for wi, w := range sc.touched {
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			n++
			d := base | uint32(trailing(w))
			k := binary.PutUvarint(buf[:], uint64(d-prev))
			binary.LittleEndian.PutUint32(buf[k:], math.Float32bits(sc.acc[d]))
			out = append(out, buf[:k+4]...)
			prev = d
		}
	}
	sc.reset()
	return out, n
}

// addBroad adds a broad term's precomputed scores to sc, which must hold
// nothing yet (its accumulators are set, not summed, to stay bit for bit
// what scoring the fields gives).
func (ix *Index) addBroad(sc *scratch, data []byte) {
	acc, touched := sc.acc, sc.touched
	var doc uint32
	for i := 0; i < len(data); {
		delta, k := binary.Uvarint(data[i:])
		i += k
		doc += uint32(delta)
		acc[doc] = math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))
		touched.set(doc)
		i += 4
	}
}
