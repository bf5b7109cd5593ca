package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Apply returns an index with the studies in changed added or replaced
// (inserted, updated, restored) and the NCT IDs in removed dropped; an ID
// in both is dropped, and removing an ID the index lacks is no error. ix
// itself is unchanged and stays valid for searches in flight, and the
// result keeps ix's synonyms.
//
// Only the changed studies are tokenized: the rest of the index is merged
// from ix's own arrays (postings, columns, sites, places), never from the
// store, into one flat index that is the same, query for query, as a fresh
// Build over the resulting set of studies. The merge walks those arrays
// once, so its cost grows with the index (a few seconds at 600,000
// studies, see BenchmarkApply), not with the store or the parser.
func (ix *Index) Apply(changed []study.Study, removed []string) (*Index, error) {
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
	delta := b.Finish()

	dead := newBitset(ix.n)
	for id := range gone {
		if d, ok := ix.nct.search(id); ok {
			dead.set(uint32(d))
		}
	}
	for d := range delta.n {
		if old, ok := ix.nct.search(delta.nct.at(d)); ok {
			dead.set(uint32(old))
		}
	}
	out := merge(ix, delta, dead)
	out.synonyms = ix.synonyms
	return out, nil
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

// pick returns the new documents' values of a per-document column.
func pick[T any](m *merging, base, delta []T) []T {
	out := make([]T, len(m.from))
	for i, f := range m.from {
		if f.delta {
			out[i] = delta[f.doc]
		} else {
			out[i] = base[f.doc]
		}
	}
	return out
}

func (m *merging) mergeColumns() {
	b, d, c := &m.base.col, &m.delta.col, &m.out.col
	c.status = pick(m, b.status, d.status)
	c.studyType = pick(m, b.studyType, d.studyType)
	c.phases = pick(m, b.phases, d.phases)
	c.funders = pick(m, b.funders, d.funders)
	c.sex = pick(m, b.sex, d.sex)
	c.stdAges = pick(m, b.stdAges, d.stdAges)
	c.healthy = pick(m, b.healthy, d.healthy)
	c.results = pick(m, b.results, d.results)
	c.minAge = pick(m, b.minAge, d.minAge)
	c.maxAge = pick(m, b.maxAge, d.maxAge)
	c.enrollment = pick(m, b.enrollment, d.enrollment)
	c.armGroups = pick(m, b.armGroups, d.armGroups)
	for f := range numDateFields {
		c.dates[f] = pick(m, b.dates[f], d.dates[f])
	}
	for f := range numFields {
		m.out.fieldLen[f] = pick(m, m.base.fieldLen[f], m.delta.fieldLen[f])
	}
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
	m.deltaTok = make([]uint32, len(m.delta.tokenIDs))
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

// mergeAliases keeps each alias on the first study, in NCT ID order, that
// claims it among those the base or the delta gave it to.
func (m *merging) mergeAliases() {
	aliases := m.out.aliases
	claim := func(a string, doc uint32) {
		if doc == gone {
			return
		}
		if cur, ok := aliases[a]; !ok || doc < cur {
			aliases[a] = doc
		}
	}
	for a, doc := range m.base.aliases {
		claim(a, m.baseDoc[doc])
	}
	for a, doc := range m.delta.aliases {
		claim(a, m.deltaDoc[doc])
	}
}
