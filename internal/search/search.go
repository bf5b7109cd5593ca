package search

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Request is one search.
type Request struct {
	// Queries are ANDed together: one per search area (query.cond,
	// query.term, ...), each an expression in the query language.
	Queries []AreaQuery
	// Filter narrows the results and the facet counts; PostFilter narrows
	// only the results, so facets still show the values it excludes.
	Filter     Filter
	PostFilter Filter
	// Sort has at most two keys; empty means relevance when there is a
	// text query, else NCT ID.
	Sort      []SortKey
	PageSize  int
	PageToken string
	// Offset skips that many hits, for numbered pages (at most
	// MaxOffset); it cannot be combined with PageToken, which pages on
	// without limit.
	Offset int
	// Near, if set (it defaults to the geo filter's point), gives each hit
	// its nearest site and allows sorting by distance.
	Near   *Point
	Facets bool
	// Decay, with a geo filter, scales each hit's relevance by its nearest
	// site's distance from the filter's point (upstream's geoDecay).
	Decay *Decay
}

// Decay is a distance decay function, as Elasticsearch's decay functions
// and ClinicalTrials.gov's geoDecay parameter define it: the factor is 1
// within Offset of the point and Value at Offset+Scale, falling off as
// Func says (gauss, exp or linear).
type Decay struct {
	Func              string
	ScaleKm, OffsetKm float64
	Value             float64
}

// Factor is the relevance factor at distance km.
func (d *Decay) Factor(km float64) float64 {
	x := max(0, km-d.OffsetKm)
	switch d.Func {
	case "gauss":
		sigma2 := -d.ScaleKm * d.ScaleKm / (2 * math.Log(d.Value))
		return math.Exp(-x * x / (2 * sigma2))
	case "linear":
		s := d.ScaleKm / (1 - d.Value)
		return max(0, (s-x)/s)
	default: // exp
		return math.Exp(math.Log(d.Value) / d.ScaleKm * x)
	}
}

// maxDecayed is upstream's limit: geoDecay is ignored when more studies
// than this match.
const maxDecayed = 10000

// AreaQuery is a query expression searched in one area.
type AreaQuery struct {
	Area  string // cond, term, intr, titles, outc, spons, lead, id, locn
	Query string
	// Exact turns off synonym expansion of condition terms.
	Exact bool
	// Everyday searches words as people type them, for the website: a
	// query.term query also searches each term's condition synonyms in
	// the ConditionSearch fields, at ConditionSynonymWeight of those
	// fields' weights, and each word's everyday alternatives ("kids" →
	// "children", "pediatric"; textproc.LayAlternatives). Off, the API
	// and patient matching search the words as ClinicalTrials.gov does.
	Everyday bool
}

// ConditionSynonymWeight scales the condition-field weights of a
// query.term query's condition synonyms (AreaQuery.Everyday): a
// synonym found as a condition counts half as much as the words typed
// found in the same field, so studies using the user's own words rank
// first.
const ConditionSynonymWeight = 0.5

// SortKey is one sort key: relevance, distance, NCTId, EnrollmentCount, or
// a date field (StartDate, LastUpdatePostDate, ...). Studies missing the
// value come last in either direction.
type SortKey struct {
	Field string
	Desc  bool
}

// Result is one page of hits.
type Result struct {
	Total         int
	Hits          []Hit
	NextPageToken string
	Facets        []Facet
	Details       Details
}

// Hit is one matching study.
type Hit struct {
	NCTID string
	Score float64
	// Nearest is the study's nearest site to Request.Near (a recruiting one
	// first); nil when no point was given or the study has no geocoded site.
	Nearest *Nearest
}

// Facet counts the filtered results by the values of one field.
type Facet struct {
	Field  string
	Values []FacetValue
}

// FacetValue is one value of a facet and how many results have it.
type FacetValue struct {
	Value string
	Label string
	Count int
}

const (
	DefaultPageSize = 10
	MaxPageSize     = 1000
	MaxOffset       = 10000
	topCountries    = 30
)

// running admits as many searches at a time as there are cores. A search
// is CPU-bound and works in a few megabytes of scratch at full scale: more
// at once only evict each other's memory from the caches (and hold more
// scratch), so that requests wait here rather than in the scheduler.
var running = make(chan struct{}, runtime.GOMAXPROCS(0))

// Search runs a request against the index.
func (ix *Index) Search(req Request) (*Result, error) {
	running <- struct{}{}
	defer func() { <-running }()
	pageSize := req.PageSize
	switch {
	case pageSize == 0:
		pageSize = DefaultPageSize
	case pageSize < 0 || pageSize > MaxPageSize:
		return nil, invalid("pageSize must be between 1 and %d", MaxPageSize)
	}
	if req.Offset < 0 || req.Offset > MaxOffset || (req.Offset > 0 && req.PageToken != "") {
		return nil, invalid("offset must be between 0 and %d, without a pageToken", MaxOffset)
	}
	if len(req.Sort) > 2 {
		return nil, invalid("sort takes at most two keys")
	}
	filter, err := ix.compile(&req.Filter)
	if err != nil {
		return nil, err
	}
	defer filter.release(ix)
	post, err := ix.compile(&req.PostFilter)
	if err != nil {
		return nil, err
	}
	defer post.release(ix)
	near := req.Near
	if near == nil && req.Filter.Geo != nil {
		near = &req.Filter.Geo.Point
	}

	hits, details, hasText, err := ix.evalQueries(req.Queries, filter)
	if err != nil {
		return nil, err
	}
	defer ix.release(hits)
	res := &Result{Details: details}
	if req.Facets {
		res.Facets = ix.facets(hits.touched)
	}
	post.apply(&ix.col, hits)
	res.Total = hits.touched.count()
	if d := req.Decay; d != nil && req.Filter.Geo != nil && res.Total <= maxDecayed {
		for j, doc := range filter.geo.ids {
			hits.acc[doc] *= float32(d.Factor(float64(filter.geo.scores[j])))
		}
	}

	keys := req.Sort
	if len(keys) == 0 {
		keys = []SortKey{{Field: "NCTId"}}
		if hasText {
			keys = []SortKey{{Field: "relevance", Desc: true}}
		}
	}
	sorter, err := ix.newSorter(keys, near, filter.geo)
	if err != nil {
		return nil, err
	}
	fingerprint := req.fingerprint()
	var after *cursor
	if req.PageToken != "" {
		c, err := decodeCursor(req.PageToken, fingerprint)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	page, more := sorter.top(hits, req.Offset+pageSize, after)
	page = page[min(req.Offset, len(page)):]
	for _, r := range page {
		h := Hit{NCTID: ix.nctAt(r.doc), Score: float64(r.score)}
		if near != nil {
			if n, ok := ix.nearest(r.doc, *near); ok {
				h.Nearest = &n
			}
		}
		res.Hits = append(res.Hits, h)
	}
	if more && len(page) > 0 {
		res.NextPageToken = page[len(page)-1].cursor.encode(fingerprint)
	}
	return res, nil
}

// fingerprint identifies the query, filters and sort of a request, so a
// page token from one search is refused by another.
func (r *Request) fingerprint() uint32 {
	h := fnv.New32a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	for _, q := range r.Queries {
		w(q.Area)
		w(q.Query)
		if q.Exact {
			w("exact")
		}
		if q.Everyday {
			w("everyday")
		}
	}
	if d := r.Decay; d != nil {
		w(fmt.Sprint(*d))
	}
	for _, k := range r.Sort {
		w(k.Field)
		if k.Desc {
			w("desc")
		}
	}
	return h.Sum32()
}

// sorter orders hits by up to two keys, then by document number (NCT ID).
// Each key value is mapped to an unsigned integer that sorts in the wanted
// direction with missing values last, so ordering hundreds of thousands of
// hits compares integers only. The keys are computed as the hits stream
// past in document order rather than stored per hit: only the page is kept.
type sorter struct {
	ix    *Index
	keys  [2]sortSpec
	nkeys int
	near  *Point
	geo   docList // see newSorter
	geoAt int     // position in geo of the hit being keyed
	// docOrder: the order is document order (documents are numbered in
	// NCT ID order), so the page is the first hits after the cursor.
	docOrder bool
}

// sortSpec is one compiled sort key.
type sortSpec struct {
	by   sortBy
	desc bool
	date dateField
}

type sortBy uint8

const (
	byRelevance sortBy = iota
	byNCTId
	byDistance
	byEnrollment
	byArmGroups
	byDate
)

// ranked is a hit with its sort keys.
type ranked struct {
	cursor
	doc   uint32
	score float32
}

// missingKey is the sort key of a missing value: after every real one.
const missingKey = math.MaxUint64

// sortKey maps v (NaN for missing) to its sort key: IEEE bits with the
// sign bit flipped for positive numbers and all bits for negative ones
// order like the numbers; descending order complements them.
func sortKey(v float64, desc bool) uint64 {
	if math.IsNaN(v) {
		return missingKey
	}
	if v == 0 {
		v = 0 // -0 sorts with +0
	}
	u := math.Float64bits(v)
	if u>>63 == 1 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	if desc {
		u = ^u // never missingKey: u above is never 0
	}
	return u
}

// newSorter prepares a sort by keys; geo, if the search has a geo filter,
// holds the nearest distance of every hit (in document order).
func (ix *Index) newSorter(keys []SortKey, near *Point, geo docList) (*sorter, error) {
	s := &sorter{ix: ix, nkeys: len(keys), near: near, geo: geo}
	for k, key := range keys {
		spec := sortSpec{desc: key.Desc}
		switch name := strings.ToLower(key.Field); name {
		case "relevance":
			spec.by = byRelevance
		case "nctid":
			spec.by = byNCTId
		case "distance":
			if near == nil {
				return nil, invalid("sorting by distance needs a location (filter.geo)")
			}
			spec.by = byDistance
		case "enrollmentcount":
			spec.by = byEnrollment
		case "numarmgroups":
			spec.by = byArmGroups
		default:
			df, ok := dateFieldNames[name]
			if !ok {
				return nil, invalid("sort: unknown field %q (want relevance, distance, NCTId, EnrollmentCount or one of %s)", key.Field, strings.Join(DateFieldNames(), ", "))
			}
			spec.by, spec.date = byDate, df
		}
		s.keys[k] = spec
	}
	s.docOrder = len(keys) == 1 && s.keys[0].by == byNCTId && !s.keys[0].desc && ix.rank == nil
	return s, nil
}

// key returns the sort key k of hit d. Hits must come in document order.
func (s *sorter) key(k int, d uint32, score float32) uint64 {
	spec := s.keys[k]
	v := math.NaN()
	switch spec.by {
	case byRelevance:
		v = float64(score)
	case byNCTId:
		v = float64(s.ix.rankOf(d))
	case byDistance:
		ids, j := s.geo.ids, s.geoAt
		for j < len(ids) && ids[j] < d {
			j++
		}
		s.geoAt = j
		if j < len(ids) && ids[j] == d {
			v = float64(s.geo.scores[j])
		} else if n, ok := s.ix.nearest(d, *s.near); ok {
			v = n.DistanceKm
		}
	case byArmGroups:
		v = float64(s.ix.col.armGroups[d])
	case byEnrollment:
		if e := s.ix.col.enrollment[d]; e >= 0 {
			v = float64(e)
		}
	case byDate:
		if t := s.ix.col.dates[spec.date][d]; t != noDate {
			v = float64(t)
		}
	}
	return sortKey(v, spec.desc)
}

// cursor is the position after which the next page starts: sort keys,
// then the study's place in NCT ID order (its document number, but in an
// index Apply made; see rankOf).
type cursor struct {
	keys [2]uint64
	rank uint32
}

// compare orders a before or after b by the first n keys, then document.
func (a *cursor) compare(b *cursor, n int) int {
	for k := 0; k < n; k++ {
		if r := cmp.Compare(a.keys[k], b.keys[k]); r != 0 {
			return r
		}
	}
	return cmp.Compare(a.rank, b.rank)
}

// top returns the first n hits of sc after the cursor, in order, and
// whether more hits follow. It keeps a bounded heap rather than sorting
// every hit, since a broad query has hundreds of thousands.
func (s *sorter) top(sc *scratch, n int, after *cursor) (page []ranked, more bool) {
	h := make([]ranked, 0, n+1) // max-heap by order: h[0] is the worst kept
	extra := 0
	first := s.keys[0]
	byScore := first.by == byRelevance && first.desc
hits:
	for wi, w := range sc.touched {
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			r := ranked{doc: base | uint32(trailing(w))}
			r.rank = s.ix.rankOf(r.doc)
			r.score = sc.acc[r.doc]
			// By relevance, most hits score below the worst kept, and fall
			// on that alone (every kept hit is after the cursor too).
			if byScore && len(h) == n && r.score < h[0].score {
				extra++
				continue
			}
			if first.by == byRelevance { // the usual sort, inlined
				r.keys[0] = sortKey(float64(r.score), first.desc)
			} else {
				r.keys[0] = s.key(0, r.doc, r.score)
			}
			// Most hits of a broad query fall outright on the first key.
			if after != nil && r.keys[0] < after.keys[0] {
				continue
			}
			full := len(h) == n
			if full && (after == nil || r.keys[0] > after.keys[0]) && r.keys[0] > h[0].keys[0] {
				extra++
				if s.docOrder { // every later hit is worse still
					break hits
				}
				continue
			}
			if s.nkeys == 2 {
				r.keys[1] = s.key(1, r.doc, r.score)
			}
			if after != nil && r.compare(after, s.nkeys) <= 0 {
				continue
			}
			if full {
				extra++
				if r.compare(&h[0].cursor, s.nkeys) >= 0 {
					continue
				}
				h[0] = r
				s.siftDown(h)
				continue
			}
			h = append(h, r)
			s.siftUp(h)
		}
	}
	slices.SortFunc(h, func(a, b ranked) int { return a.compare(&b.cursor, s.nkeys) })
	return h, extra > 0
}

// siftUp restores the heap after an append: a worse hit moves up.
func (s *sorter) siftUp(h []ranked) {
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[i].compare(&h[p].cursor, s.nkeys) <= 0 {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// siftDown restores the heap after its top was replaced by a better hit.
func (s *sorter) siftDown(h []ranked) {
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].compare(&h[l].cursor, s.nkeys) > 0 {
			m = r
		}
		if h[m].compare(&h[i].cursor, s.nkeys) <= 0 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// cursorVersion 2 carries sort keys rather than the values they come from.
const cursorVersion = 2

func (c cursor) encode(fingerprint uint32) string {
	var b [1 + 4 + 16 + 4]byte
	b[0] = cursorVersion
	binary.LittleEndian.PutUint32(b[1:], fingerprint)
	binary.LittleEndian.PutUint64(b[5:], c.keys[0])
	binary.LittleEndian.PutUint64(b[13:], c.keys[1])
	binary.LittleEndian.PutUint32(b[21:], c.rank)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(token string, fingerprint uint32) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 25 || b[0] != cursorVersion {
		return cursor{}, invalid("pageToken is not a token this server issued")
	}
	if binary.LittleEndian.Uint32(b[1:]) != fingerprint {
		return cursor{}, invalid("pageToken belongs to a different search; repeat the same query, filters and sort")
	}
	return cursor{
		keys: [2]uint64{binary.LittleEndian.Uint64(b[5:]), binary.LittleEndian.Uint64(b[13:])},
		rank: binary.LittleEndian.Uint32(b[21:]),
	}, nil
}

// facets counts the marked documents by each facet field's values.
func (ix *Index) facets(docs bitset) []Facet {
	var c facetCounts
	countries := make([]int, len(ix.places.countryNames))
	if docs.count() > ix.n/facetBitsShare {
		ix.facetBits.count(&c, docs)
		if !ix.facetBits.countCountries(countries, docs) {
			clear(countries)
			ix.places.countCountries(countries, docs)
		}
	} else {
		c.countDocs(&ix.col, docs)
		ix.places.countCountries(countries, docs)
	}
	enumFacet := func(name string, e study.Enum, counts []int, offset int) Facet {
		f := Facet{Field: name}
		for i, v := range e.Values {
			if n := counts[i+offset]; n > 0 {
				f.Values = append(f.Values, FacetValue{Value: v.Value, Label: v.Label, Count: n})
			}
		}
		return f
	}
	out := []Facet{
		enumFacet("OverallStatus", study.Statuses, c.status[:], 1),
		enumFacet("Phase", study.Phases, c.phase[:], 0),
		enumFacet("StudyType", study.StudyTypes, c.studyType[:], 1),
		enumFacet("FunderType", study.AgencyClasses, c.funder[:], 0),
		enumFacet("Sex", study.Sexes, c.sex[:], 1),
		enumFacet("StdAge", study.StdAges, c.stdAge[:], 0),
		{Field: "HealthyVolunteers", Values: nonZero(
			FacetValue{Value: "true", Label: "Accepts healthy volunteers", Count: c.healthy[1]},
			FacetValue{Value: "false", Label: "No healthy volunteers", Count: c.healthy[2]})},
		{Field: "HasResults", Values: nonZero(
			FacetValue{Value: "true", Label: "With results", Count: c.results[1]},
			FacetValue{Value: "false", Label: "Without results", Count: c.results[0]})},
	}
	cf := Facet{Field: "LocationCountry"}
	for id, n := range countries {
		if n > 0 {
			name := ix.places.countryNames[id]
			cf.Values = append(cf.Values, FacetValue{Value: name, Label: name, Count: n})
		}
	}
	slices.SortFunc(cf.Values, func(a, b FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	if len(cf.Values) > topCountries {
		cf.Values = cf.Values[:topCountries]
	}
	return append(out, cf)
}

func nonZero(vs ...FacetValue) []FacetValue {
	var out []FacetValue
	for _, v := range vs {
		if v.Count > 0 {
			out = append(out, v)
		}
	}
	return out
}
