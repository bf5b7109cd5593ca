package search

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/trialfinder/trialfinder/internal/study"
)

// An index Apply makes is, until the changes grow past mergeShare of the
// base, segments: the base index as it was (its posting lists, place
// lists and sites shared, never copied; its token numbers kept), a small
// delta index of the studies added or replaced since, numbered after the
// base's documents, and the set of the base's documents removed or
// replaced. Searches walk
// a list's base part and then its delta part, and drop the dead documents
// at the end (dropDead). Every statistic BM25 uses is that of the live
// studies (live document frequencies, average field lengths and study
// count), so scores are bit for bit a fresh build's; since delta documents
// are out of NCT ID order, ties and NCT ID sorting go by rank.
type segments struct {
	base, delta *Index
	dead        bitset // over the base's documents
	deadCount   int
	// deltaTok maps a token's number to the delta's number of it.
	deltaTok map[uint32]uint32
	// newTokens are the delta's tokens the base lacks, with their
	// numbers: the vocabulary is the base's and these, so that it is not
	// copied at each Apply.
	newTokens   strtab
	newTokenIDs []uint32
	// rank is each document's place in NCT ID order.
	rank []uint32
	// lazy holds what follows from every study's statistics and so
	// changes with each Apply, made by the first search that needs it
	// rather than by Apply, which then costs what the changes cost.
	lazy *lazyStats
}

// lazyStats is a segmented index's live document frequencies of the
// base's lists and its broad terms' precomputed scores (broad.go), each
// made on first use. It is shared by the copies WithSynonyms makes.
type lazyStats struct {
	liveDF sync.Map // base list number → its live documents (uint32)
	broad  map[uint32]*lazyBroad
}

// lazyBroad is one broad term's precomputed scores, in broadList's
// encoding.
type lazyBroad struct {
	once sync.Once
	data []byte
}

// baseDF returns the live documents of the base's list i, whose postings
// are data: its document frequency less its dead documents, counted by
// the first search that reads the list after an Apply.
func (ix *Index) baseDF(i int, data []byte) uint32 {
	if ix.deadCount == 0 {
		return ix.listDF[i]
	}
	if df, ok := ix.lazy.liveDF.Load(i); ok {
		return df.(uint32)
	}
	df := ix.listDF[i]
	var doc uint32
	for j := 0; j < len(data); {
		if v := data[j]; v&shortPosting == 0 { // as in accumulate
			doc += uint32(v >> 1)
			j++
		} else {
			j, doc, _ = decodePosting(data, j, doc)
		}
		if ix.dead.has(doc) {
			df--
		}
	}
	ix.lazy.liveDF.Store(i, df)
	return df
}

// broadScores returns a broad term's precomputed scores, and false for
// a term that has none.
func (ix *Index) broadScores(id uint32) ([]byte, bool) {
	if ix.lazy == nil {
		l, ok := ix.broad[id]
		return ix.broadArena[l.start:l.end], ok
	}
	lb, ok := ix.lazy.broad[id]
	if !ok {
		return nil, false
	}
	lb.once.Do(func() { lb.data, _ = ix.precomputeBroad(id, nil) })
	return lb.data, true
}

// mergeShare: Apply merges the segments into one flat index once the
// delta and the dead documents together pass 1/mergeShare of the base.
// Searches pay for dead postings and a second lookup per list until then,
// and the first search of a list after each Apply for counting its dead
// documents; each Apply lays out the per-study arrays anew; a merge costs a pass
// over every list.
const mergeShare = 20

func (ix *Index) isDead(doc uint32) bool {
	return int(doc>>6) < len(ix.dead) && ix.dead.has(doc)
}

// rankOf returns a document's place in NCT ID order.
func (ix *Index) rankOf(doc uint32) uint32 {
	if ix.rank == nil {
		return doc
	}
	return ix.rank[doc]
}

// eachDead calls fn with each dead document, in order.
func (ix *Index) eachDead(fn func(doc uint32)) {
	for wi, w := range ix.dead {
		for ; w != 0; w &= w - 1 {
			fn(uint32(wi)<<6 | uint32(trailing(w)))
		}
	}
}

// dropDead clears the dead documents from a search's result.
func (ix *Index) dropDead(sc *scratch) {
	for wi, w := range ix.dead {
		if w &= sc.touched[wi]; w == 0 {
			continue
		}
		sc.touched[wi] &^= w
		for ; w != 0; w &= w - 1 {
			sc.acc[uint32(wi)<<6|uint32(trailing(w))] = 0
		}
	}
}

// deltaList returns the delta's list of a key in the index's token
// numbers.
func (ix *Index) deltaList(f field, id, next uint32) *postings {
	did, ok := ix.deltaTok[id]
	if !ok {
		return nil
	}
	if next != noNext {
		if next, ok = ix.deltaTok[next]; !ok {
			return nil
		}
	}
	return ix.delta.list(f, did, next)
}

// within returns the studies with a site within radiusKm of p, as
// sites.within does.
func (ix *Index) within(p Point, radiusKm float64, openOnly bool, sc *scratch) docList {
	if ix.delta == nil {
		return ix.sites.within(p, radiusKm, openOnly, sc)
	}
	ix.sites.scan(p, radiusKm, openOnly, sc, 0)
	ix.delta.sites.scan(p, radiusKm, openOnly, sc, uint32(ix.base.n))
	sc.list = sc.touched.collect(sc.acc, sc.list)
	return sc.list
}

// nearest returns a document's nearest site to p.
func (ix *Index) nearest(doc uint32, p Point) (Nearest, bool) {
	if ix.delta != nil && doc >= uint32(ix.base.n) {
		return ix.delta.sites.nearest(doc-uint32(ix.base.n), p)
	}
	return ix.sites.nearest(doc, p)
}

// placeDocs returns the studies with a site in a place, in order.
func (ix *Index) placeDocs(country, state, city string) []uint32 {
	docs := ix.places.lookup(country, state, city)
	if ix.delta != nil {
		for _, d := range ix.delta.places.lookup(country, state, city) {
			docs = append(docs, d+uint32(ix.base.n))
		}
	}
	return docs
}

// Apply returns an index with the studies in changed added or replaced
// (inserted, updated, restored) and the NCT IDs in removed dropped; an ID
// in both is dropped, and removing an ID the index lacks is no error. ix
// itself is unchanged and stays valid for searches in flight, and the
// result keeps ix's synonyms. Results are a fresh Build's over the same
// studies, to the bit.
//
// Only the changed studies are tokenized; the result shares ix's posting
// lists, sites and vocabulary (see segments) and lays out its per-study
// arrays (about a hundred bytes per study) anew, the base reading its own
// in them (see sharingPerDoc). The dead studies in each list
// and the broad terms' scores are left to the searches (see lazyStats).
// Once the changes since the last merge
// pass 1/mergeShare of the index, Apply merges them into one flat index
// instead, from the index's own arrays, without the store.
func (ix *Index) Apply(changed []study.Study, removed []string) (*Index, error) {
	if len(changed) == 0 && len(removed) == 0 {
		return ix, nil
	}
	base, delta, dead := ix, (*Index)(nil), bitset(nil)
	if ix.base != nil {
		base, delta, dead = ix.base, ix.delta, ix.dead
	}
	gone := make(map[string]bool, len(removed))
	for _, id := range removed {
		gone[strings.ToUpper(id)] = true
	}
	// The last version of a study listed twice wins.
	byID := make(map[string]int, len(changed))
	for i := range changed {
		byID[changed[i].NCTID] = i
	}
	order := make([]int, 0, len(byID))
	for id, i := range byID {
		if !gone[id] {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(changed[a].NCTID, changed[b].NCTID) })
	b := NewBuilder()
	for _, i := range order {
		if err := b.Add(&changed[i]); err != nil {
			return nil, err
		}
	}
	fresh := b.Finish()

	// What the changes replace or remove, in the base and in the delta.
	baseDead := newBitset(base.n)
	copy(baseDead, dead)
	deltaDead := bitset(nil)
	if delta != nil {
		deltaDead = newBitset(delta.n)
	}
	kill := func(id string) {
		if d, ok := base.nct.search(id); ok {
			baseDead.set(uint32(d))
		}
		if delta != nil {
			if d, ok := delta.nct.search(id); ok {
				deltaDead.set(uint32(d))
			}
		}
	}
	for id := range gone {
		kill(id)
	}
	for d := range fresh.n {
		kill(fresh.nct.at(d))
	}
	if delta != nil {
		fresh = merge(delta, fresh, deltaDead)
	}
	var out *Index
	if (fresh.n+baseDead.count())*mergeShare > base.n {
		out = merge(base, fresh, baseDead)
	} else {
		out = compose(base, fresh, baseDead)
	}
	out.synonyms = ix.synonyms
	return out, nil
}

// Merge returns ix as one flat index: the same answers, searched a little
// faster and in less memory, at the cost of a pass over every posting
// list. Apply merges on its own when the changes grow; a caller may merge
// sooner, off the request path.
func (ix *Index) Merge() *Index {
	if ix.base == nil {
		return ix
	}
	out := merge(ix.base, ix.delta, ix.dead)
	out.synonyms = ix.synonyms
	return out
}

// compose makes the segmented index of base less its dead documents, and
// delta.
func compose(base, delta *Index, dead bitset) *Index {
	nb := base.n
	out := &Index{
		n:       nb + delta.n,
		nct:     base.nct,
		scratch: &sync.Pool{},
		segments: segments{
			base: base, delta: delta, dead: dead, deadCount: dead.count(),
			deltaTok: map[uint32]uint32{},
		},
		listKeys:  base.listKeys,
		listStart: base.listStart,
		arena:     base.arena,
		sites:     base.sites,
	}
	// The base's document frequencies less the dead documents, and the
	// broad terms' scores, wait for the searches that need them (see
	// lazyStats); the broad terms are the base's.
	out.listDF = base.listDF
	out.lazy = &lazyStats{broad: make(map[uint32]*lazyBroad, len(base.broad))}
	for id := range base.broad {
		out.lazy.broad[id] = &lazyBroad{}
	}
	out.composeTokens()
	joinPerDoc(out, base, delta, nil)
	out.composePlaces()
	out.composeRank()
	out.composeAliases() // by rank
	out.finishStats()
	out.base = base.sharingPerDoc(out)
	return out
}

// sharingPerDoc returns base as the base of out, which holds base's
// per-study arrays and country lists at their start: reading them there,
// it lets base's own copies go with the index Apply was called on, so
// that a node holds one copy of them, not one for the base and one for
// each index since. Nor does it keep what only a flat index reads: the
// facet bitsets and the broad terms' scores (out makes its own, see
// lazyStats), of which it keeps the terms' numbers, for the next compose.
func (base *Index) sharingPerDoc(out *Index) *Index {
	b := *base
	b.facetBits = nil
	b.broad = make(map[uint32]broadList, len(base.broad))
	for id := range base.broad {
		b.broad[id] = broadList{}
	}
	b.broadArena = nil
	joinPerDoc(&b, out, nil, nil)
	pl := &b.places
	pl.countryFirst = out.places.countryFirst[: b.n+1 : b.n+1]
	pl.countryIDs = out.places.countryIDs[:pl.countryFirst[b.n]:pl.countryFirst[b.n]]
	return &b
}

// composeTokens makes the vocabulary of both: the base's tokens keep
// their numbers and stay where they are, the delta's new ones get the
// next free numbers.
func (ix *Index) composeTokens() {
	base, delta := ix.base, ix.delta
	ix.tokens, ix.tokenIDs = base.tokens, base.tokenIDs
	next := uint32(0)
	for _, id := range base.tokenIDs {
		next = max(next, id+1)
	}
	for k := range delta.tokens.len() {
		t := delta.tokens.bytes(k)
		id, ok := ix.tokenID(string(t))
		if !ok {
			id = next
			next++
			ix.newTokens.add(string(t))
			ix.newTokenIDs = append(ix.newTokenIDs, id)
		}
		ix.deltaTok[id] = delta.tokenIDs[k]
	}
}

// composePlaces keeps the base's place lists (placeDocs adds the
// delta's) and lays out each document's countries in one numbering.
func (ix *Index) composePlaces() {
	b, d, pl := &ix.base.places, &ix.delta.places, &ix.places
	pl.docs = b.docs
	pl.countryNames = slices.Clone(b.countryNames)
	pl.countryID = maps.Clone(b.countryID)
	number := make([]uint16, len(d.countryNames))
	for k, id := range d.countryID {
		n, ok := pl.countryID[k]
		if !ok {
			n = uint16(len(pl.countryNames))
			pl.countryID[k] = n
			pl.countryNames = append(pl.countryNames, d.countryNames[id])
		}
		number[id] = n
	}
	pl.countryIDs = slices.Grow(slices.Clone(b.countryIDs), len(d.countryIDs))
	pl.countryFirst = slices.Clone(b.countryFirst[:len(b.countryFirst)-1])
	for doc := range ix.delta.n {
		pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
		for _, c := range d.countryIDs[d.countryFirst[doc]:d.countryFirst[doc+1]] {
			pl.countryIDs = append(pl.countryIDs, number[c])
		}
	}
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
}

// composeAliases gives each alias to its first live claimant.
func (ix *Index) composeAliases() {
	nb := uint32(ix.base.n)
	claimAliases(ix, ix.base, ix.delta, func(d uint32) uint32 {
		if ix.dead.has(d) {
			return gone
		}
		return d
	}, func(d uint32) uint32 { return d + nb }, ix.rankOf)
}

// composeRank numbers the live documents in NCT ID order: the numbers a
// fresh build would give them, so that page tokens stay those of a build.
// A dead document shares the next live one's number; it is never a hit.
func (ix *Index) composeRank() {
	base, delta := ix.base, ix.delta
	ix.rank = make([]uint32, ix.n)
	i, k, r := 0, 0, uint32(0)
	for i < base.n || k < delta.n {
		if k == delta.n || (i < base.n && string(base.nct.bytes(i)) < string(delta.nct.bytes(k))) {
			ix.rank[i] = r
			if !ix.dead.has(uint32(i)) {
				r++
			}
			i++
		} else {
			ix.rank[base.n+k] = r
			r++
			k++
		}
	}
}

// gone marks a document a merge drops.
const gone = math.MaxUint32

// merging is one merge of a base index, less its dead documents, with a
// delta index of the studies added or replaced: the document numbers of
// both in the result (the result keeps NCT ID order), and the result's
// token numbers of the delta's tokens (the base's keep theirs).
type merging struct {
	base, delta *Index
	out         *Index
	baseDoc     []uint32 // base document → new document, or gone
	deltaDoc    []uint32 // delta document → new document
	from        []docFrom
	deltaTok    []uint32 // delta token number → new token number
}

// docFrom is where a new document comes from.
type docFrom struct {
	delta bool
	doc   uint32
}

func merge(base, delta *Index, dead bitset) *Index {
	m := &merging{
		base:  base,
		delta: delta,
		out: &Index{
			aliases: map[string]uint32{},
			scratch: &sync.Pool{},
		},
		baseDoc:  make([]uint32, base.n),
		deltaDoc: make([]uint32, delta.n),
	}
	m.numberDocs(dead)
	m.mergeColumns()
	m.mergeTokens()
	m.mergeLists()
	m.mergeSites()
	m.mergePlaces()
	m.mergeAliases()
	m.out.finishStats()
	m.out.finishBroad()
	return m.out
}

// numberDocs numbers the surviving base documents and the delta's in
// NCT ID order.
func (m *merging) numberDocs(dead bitset) {
	out := m.out
	i, j := 0, 0
	for i < m.base.n || j < m.delta.n {
		if i < m.base.n && dead.has(uint32(i)) {
			m.baseDoc[i] = gone
			i++
			continue
		}
		doc := uint32(out.n)
		if j == m.delta.n || (i < m.base.n && string(m.base.nct.bytes(i)) < string(m.delta.nct.bytes(j))) {
			m.baseDoc[i] = doc
			m.from = append(m.from, docFrom{doc: uint32(i)})
			out.nct.add(string(m.base.nct.bytes(i)))
			i++
		} else {
			m.deltaDoc[j] = doc
			m.from = append(m.from, docFrom{delta: true, doc: uint32(j)})
			out.nct.add(string(m.delta.nct.bytes(j)))
			j++
		}
		out.n++
	}
}

func (m *merging) mergeColumns() {
	joinPerDoc(m.out, m.base, m.delta, m.from)
}

// arrayRefs collects the arrays an index passes to a snapArrays, by
// pointer.
type arrayRefs []any

func (r *arrayRefs) u8(a *[]uint8)    { *r = append(*r, a) }
func (r *arrayRefs) u16(a *[]uint16)  { *r = append(*r, a) }
func (r *arrayRefs) u32(a *[]uint32)  { *r = append(*r, a) }
func (r *arrayRefs) u64(a *[]uint64)  { *r = append(*r, a) }
func (r *arrayRefs) i32(a *[]int32)   { *r = append(*r, a) }
func (r *arrayRefs) f32(a *[]float32) { *r = append(*r, a) }
func (r *arrayRefs) bools(a *[]bool)  { *r = append(*r, a) }
func (r *arrayRefs) strtab(t *strtab) { *r = append(*r, t) }
func (r *arrayRefs) ok() bool         { return true }

// joinPerDoc sets out's per-study arrays from b's and d's: d's after b's,
// or with from, in from's order; with d nil, the first out.n of b's,
// shared.
func joinPerDoc(out, b, d *Index, from []docFrom) {
	var o, bs, ds arrayRefs
	out.perDocArrays(&o)
	b.perDocArrays(&bs)
	if d != nil {
		d.perDocArrays(&ds)
	}
	for i, p := range o {
		switch p := p.(type) {
		case *[]uint8:
			join(p, out.n, from, bs.at(i), ds.at(i))
		case *[]uint16:
			join(p, out.n, from, bs.at(i), ds.at(i))
		case *[]int32:
			join(p, out.n, from, bs.at(i), ds.at(i))
		case *[]float32:
			join(p, out.n, from, bs.at(i), ds.at(i))
		case *[]bool:
			join(p, out.n, from, bs.at(i), ds.at(i))
		default:
			panic(fmt.Sprintf("search: no join for %T", p)) // a new column type needs a case
		}
	}
}

// at returns the i-th array, nil for none.
func (r arrayRefs) at(i int) any {
	if i < len(r) {
		return r[i]
	}
	return nil
}

// join sets *p to n values: d's after b's (b and d are arrays of p's
// type, d nil for none), or with from, in from's order. Where b's first
// n are the answer they are shared, not copied.
func join[T any](p *[]T, n int, from []docFrom, b, d any) {
	bv, _ := b.(*[]T)
	dv, _ := d.(*[]T)
	switch {
	case from == nil && len(*bv) >= n:
		*p = (*bv)[:n:n]
		return
	case from == nil:
		*p = slices.Concat(*bv, *dv)
		return
	}
	out := make([]T, len(from))
	for i, f := range from {
		if f.delta {
			out[i] = (*dv)[f.doc]
		} else {
			out[i] = (*bv)[f.doc]
		}
	}
	*p = out
}

// mergeTokens numbers the delta's tokens: a token the base has keeps the
// base's number, a new one gets the next free number. Keeping the base's
// numbers keeps its list keys, and so their order, as they are. Tokens
// left without a list are dropped by mergeLists.
func (m *merging) mergeTokens() {
	next := uint32(0)
	for _, id := range m.base.tokenIDs {
		next = max(next, id+1)
	}
	size := 0 // token numbers have gaps where a merge dropped tokens
	for _, id := range m.delta.tokenIDs {
		size = max(size, int(id)+1)
	}
	m.deltaTok = make([]uint32, size)
	for i, id := range m.delta.tokenIDs {
		if bi, ok := m.base.tokens.search(string(m.delta.tokens.bytes(i))); ok {
			m.deltaTok[id] = m.base.tokenIDs[bi]
		} else {
			m.deltaTok[id] = next
			next++
		}
	}
}

// mergeLists merges the posting lists: each base list less its dead
// documents, renumbered, then the delta's postings of the same key.
func (m *merging) mergeLists() {
	d := m.delta
	// The delta's lists under their new keys, in key order.
	dKeys := make([]uint64, len(d.listKeys))
	dList := make([]int, len(d.listKeys))
	for i, k := range d.listKeys {
		f, id, next := field(k>>58), uint32(k>>29)&noNext, uint32(k)&noNext
		if next != noNext {
			next = m.deltaTok[next]
		}
		dKeys[i] = listKey(f, m.deltaTok[id], next)
		dList[i] = i
	}
	slices.SortFunc(dList, func(a, b int) int { return cmp.Compare(dKeys[a], dKeys[b]) })

	b, out := m.base, m.out
	out.listKeys = make([]uint64, 0, len(b.listKeys)+len(d.listKeys))
	out.listDF = make([]uint32, 0, cap(out.listKeys))
	out.listStart = make([]uint32, 0, cap(out.listKeys)+1)
	out.arena = make([]byte, 0, len(b.arena)+len(d.arena))
	used := map[uint32]bool{}
	emit := func(k uint64, p *postings) {
		if p.df == 0 {
			return
		}
		out.listKeys = append(out.listKeys, k)
		out.listDF = append(out.listDF, p.df)
		out.listStart = append(out.listStart, uint32(len(out.arena)))
		out.arena = append(out.arena, p.data...)
		used[uint32(k>>29)&noNext] = true
	}
	var p postings
	j := 0
	for i, k := range b.listKeys {
		for ; j < len(dList) && dKeys[dList[j]] < k; j++ {
			p = postings{data: p.data[:0]}
			p.mergePostings(nil, nil, d.arena[d.listStart[dList[j]]:d.listStart[dList[j]+1]], m.deltaDoc)
			emit(dKeys[dList[j]], &p)
		}
		var dl []byte
		if j < len(dList) && dKeys[dList[j]] == k {
			dl = d.arena[d.listStart[dList[j]]:d.listStart[dList[j]+1]]
			j++
		}
		p = postings{data: p.data[:0]}
		p.mergePostings(b.arena[b.listStart[i]:b.listStart[i+1]], m.baseDoc, dl, m.deltaDoc)
		emit(k, &p)
	}
	for ; j < len(dList); j++ {
		p = postings{data: p.data[:0]}
		p.mergePostings(nil, nil, d.arena[d.listStart[dList[j]]:d.listStart[dList[j]+1]], m.deltaDoc)
		emit(dKeys[dList[j]], &p)
	}
	out.listStart = append(out.listStart, uint32(len(out.arena)))
	out.arena = slices.Clip(out.arena)

	// The vocabulary: every token with a list, in order.
	addTokens := func(ix *Index, number func(uint32) uint32) []int {
		var keep []int
		for i, id := range ix.tokenIDs {
			if used[number(id)] {
				keep = append(keep, i)
			}
		}
		return keep
	}
	bKeep := addTokens(b, func(id uint32) uint32 { return id })
	dKeep := addTokens(d, func(id uint32) uint32 { return m.deltaTok[id] })
	i, k := 0, 0
	for i < len(bKeep) || k < len(dKeep) {
		var t string
		var id uint32
		switch {
		case k == len(dKeep) || (i < len(bKeep) && string(b.tokens.bytes(bKeep[i])) <= string(d.tokens.bytes(dKeep[k]))):
			t, id = string(b.tokens.bytes(bKeep[i])), b.tokenIDs[bKeep[i]]
			if k < len(dKeep) && string(d.tokens.bytes(dKeep[k])) == t {
				k++ // the same token, with the base's number
			}
			i++
		default:
			t, id = string(d.tokens.bytes(dKeep[k])), m.deltaTok[d.tokenIDs[dKeep[k]]]
			k++
		}
		out.tokens.add(t)
		out.tokenIDs = append(out.tokenIDs, id)
	}
}

// mergePostings appends to p the postings of two lists (their bytes) whose
// documents aTo and bTo map to a new number, renumbered and in order; the
// two maps are increasing where they do not drop a document.
func (p *postings) mergePostings(a []byte, aTo []uint32, b []byte, bTo []uint32) {
	next := func(data []byte, i int, doc uint32, to []uint32) (int, uint32, uint32, uint8) {
		for i < len(data) {
			var tf uint8
			i, doc, tf = decodePosting(data, i, doc)
			if nd := to[doc]; nd != gone {
				return i, doc, nd, tf
			}
		}
		return i, doc, gone, 0
	}
	var ai, bi int
	var ad, bd uint32
	ai, ad, an, atf := next(a, 0, 0, aTo)
	bi, bd, bn, btf := next(b, 0, 0, bTo)
	for an != gone || bn != gone {
		if an < bn {
			p.add(an, int(atf))
			ai, ad, an, atf = next(a, ai, ad, aTo)
		} else {
			p.add(bn, int(btf))
			bi, bd, bn, btf = next(b, bi, bd, bTo)
		}
	}
}

// mergeSites lists the new documents' sites, as Builder.Add does, and
// groups them by point again.
func (m *merging) mergeSites() {
	g := &m.out.sites
	for doc, f := range m.from {
		src := &m.base.sites
		if f.delta {
			src = &m.delta.sites
		}
		g.first = append(g.first, uint32(len(g.lat)))
		for si := src.first[f.doc]; si < src.first[f.doc+1]; si++ {
			e := src.point[si]
			lat, lon := float32(math.NaN()), float32(math.NaN())
			if pt := e & noPoint; pt != noPoint {
				lat, lon = src.pointLat[pt], src.pointLon[pt]
			}
			g.lat = append(g.lat, lat)
			g.lon = append(g.lon, lon)
			g.point = append(g.point, e&openSite)
			g.doc = append(g.doc, uint32(doc))
		}
	}
	g.finish()
}

// mergePlaces merges the places' lists and numbers the countries in order
// of first appearance, as a build does.
func (m *merging) mergePlaces() {
	b, d, pl := &m.base.places, &m.delta.places, &m.out.places
	pl.docs = map[placeKey]*postings{}
	for k, bp := range b.docs {
		p := &postings{}
		var dl []byte
		if dp := d.docs[k]; dp != nil {
			dl = dp.data
		}
		p.mergePostings(bp.data, m.baseDoc, dl, m.deltaDoc)
		if p.df > 0 {
			p.data = slices.Clip(p.data)
			pl.docs[k] = p
		}
	}
	for k, dp := range d.docs {
		if b.docs[k] == nil {
			p := &postings{}
			p.mergePostings(nil, nil, dp.data, m.deltaDoc)
			pl.docs[k] = p
		}
	}

	pl.countryID = map[string]uint16{}
	baseKeys := countryKeys(b)
	deltaKeys := countryKeys(d)
	for _, f := range m.from {
		src, keys := b, baseKeys
		if f.delta {
			src, keys = d, deltaKeys
		}
		pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
		for _, c := range src.countryIDs[src.countryFirst[f.doc]:src.countryFirst[f.doc+1]] {
			id, ok := pl.countryID[keys[c]]
			if !ok {
				id = uint16(len(pl.countryNames))
				pl.countryID[keys[c]] = id
				pl.countryNames = append(pl.countryNames, src.countryNames[c])
			}
			pl.countryIDs = append(pl.countryIDs, id)
		}
	}
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
}

// countryKeys returns the folded names of pl's countries by number.
func countryKeys(pl *places) []string {
	keys := make([]string, len(pl.countryNames))
	for k, id := range pl.countryID {
		keys[id] = k
	}
	return keys
}

// mergeAliases gives each alias to its first claimant that stays.
func (m *merging) mergeAliases() {
	claimAliases(m.out, m.base, m.delta, func(d uint32) uint32 { return m.baseDoc[d] },
		func(d uint32) uint32 { return m.deltaDoc[d] }, func(d uint32) uint32 { return d })
}

// claimAliases sets out's aliases from the claims in b and d, whose
// documents bTo and dTo map to out's (or gone): each alias goes to its
// first claimant in NCT ID order (by rank), the others stay its further
// claimants, as a build over the same studies gives them.
func claimAliases(out, b, d *Index, bTo, dTo, rank func(uint32) uint32) {
	claims := map[string][]uint32{}
	for _, src := range []struct {
		ix *Index
		to func(uint32) uint32
	}{{b, bTo}, {d, dTo}} {
		claim := func(a string, doc uint32) {
			if nd := src.to(doc); nd != gone {
				claims[a] = append(claims[a], nd)
			}
		}
		for a, doc := range src.ix.aliases {
			claim(a, doc)
		}
		for a, docs := range src.ix.aliasAlso {
			for _, doc := range docs {
				claim(a, doc)
			}
		}
	}
	out.aliases = make(map[string]uint32, len(claims))
	out.aliasAlso = nil
	for a, docs := range claims {
		slices.SortFunc(docs, func(x, y uint32) int { return cmp.Compare(rank(x), rank(y)) })
		out.aliases[a] = docs[0]
		if len(docs) > 1 {
			if out.aliasAlso == nil {
				out.aliasAlso = map[string][]uint32{}
			}
			out.aliasAlso[a] = docs[1:]
		}
	}
}
