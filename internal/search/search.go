package search

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"math"
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
	// Near, if set (it defaults to the geo filter's point), gives each hit
	// its nearest site and allows sorting by distance.
	Near   *Point
	Facets bool
}

// AreaQuery is a query expression searched in one area.
type AreaQuery struct {
	Area  string // cond, term, intr, titles, outc, spons, lead, id, locn
	Query string
	// Exact turns off synonym expansion of condition terms.
	Exact bool
}

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
	topCountries    = 30
)

// Search runs a request against the index.
func (ix *Index) Search(req Request) (*Result, error) {
	pageSize := req.PageSize
	switch {
	case pageSize == 0:
		pageSize = DefaultPageSize
	case pageSize < 0 || pageSize > MaxPageSize:
		return nil, invalid("pageSize must be between 1 and %d", MaxPageSize)
	}
	if len(req.Sort) > 2 {
		return nil, invalid("sort takes at most two keys")
	}
	filter, err := ix.compile(&req.Filter)
	if err != nil {
		return nil, err
	}
	post, err := ix.compile(&req.PostFilter)
	if err != nil {
		return nil, err
	}
	near := req.Near
	if near == nil && req.Filter.Geo != nil {
		near = &req.Filter.Geo.Point
	}

	matched, details, hasText, err := ix.evalQueries(req.Queries, filter)
	if err != nil {
		return nil, err
	}
	hits := filter.apply(&ix.col, matched)
	res := &Result{Details: details}
	if req.Facets {
		res.Facets = ix.facets(hits.ids)
	}
	hits = post.apply(&ix.col, hits)
	res.Total = hits.len()

	keys := req.Sort
	if len(keys) == 0 {
		keys = []SortKey{{Field: "NCTId"}}
		if hasText {
			keys = []SortKey{{Field: "relevance", Desc: true}}
		}
	}
	sorter, err := ix.newSorter(keys, hits, near, filter.geo)
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
	page, more := sorter.top(pageSize, after)
	for _, i := range page {
		doc := hits.ids[i]
		h := Hit{NCTID: ix.nct[doc], Score: float64(hits.scores[i])}
		if near != nil {
			if n, ok := ix.sites.nearest(doc, *near); ok {
				h.Nearest = &n
			}
		}
		res.Hits = append(res.Hits, h)
	}
	if more && len(page) > 0 {
		res.NextPageToken = sorter.cursorAt(page[len(page)-1]).encode(fingerprint)
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
// hits compares integers only.
type sorter struct {
	n     int
	keys  [2][]uint64 // per hit
	nkeys int
	docs  []uint32
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

// newSorter prepares the sort of hits; geo, if the search has a geo filter,
// holds the nearest distance of every hit (in document order, like hits).
func (ix *Index) newSorter(keys []SortKey, hits docList, near *Point, geo docList) (*sorter, error) {
	s := &sorter{n: hits.len(), docs: hits.ids, nkeys: len(keys)}
	for k, key := range keys {
		vals := make([]uint64, s.n)
		desc := key.Desc
		name := strings.ToLower(key.Field)
		switch {
		case name == "relevance":
			for i, sc := range hits.scores {
				vals[i] = sortKey(float64(sc), desc)
			}
		case name == "nctid":
			for i, d := range hits.ids {
				vals[i] = sortKey(float64(d), desc)
			}
		case name == "distance":
			if near == nil {
				return nil, invalid("sorting by distance needs a location (filter.geo)")
			}
			j := 0
			for i, d := range hits.ids {
				for j < geo.len() && geo.ids[j] < d {
					j++
				}
				v := math.NaN()
				if j < geo.len() && geo.ids[j] == d {
					v = float64(geo.scores[j])
				} else if n, ok := ix.sites.nearest(d, *near); ok {
					v = n.DistanceKm
				}
				vals[i] = sortKey(v, desc)
			}
		case name == "enrollmentcount":
			for i, d := range hits.ids {
				v := float64(ix.col.enrollment[d])
				if v < 0 {
					v = math.NaN()
				}
				vals[i] = sortKey(v, desc)
			}
		default:
			df, ok := dateFieldNames[name]
			if !ok {
				return nil, invalid("sort: unknown field %q (want relevance, distance, NCTId, EnrollmentCount or one of %s)", key.Field, strings.Join(DateFieldNames(), ", "))
			}
			for i, d := range hits.ids {
				v := float64(ix.col.dates[df][d])
				if ix.col.dates[df][d] == noDate {
					v = math.NaN()
				}
				vals[i] = sortKey(v, desc)
			}
		}
		s.keys[k] = vals
	}
	return s, nil
}

// cursor is the position after which the next page starts.
type cursor struct {
	keys [2]uint64
	doc  uint32
}

func (s *sorter) cursorAt(i int) cursor {
	c := cursor{doc: s.docs[i]}
	for k := 0; k < s.nkeys; k++ {
		c.keys[k] = s.keys[k][i]
	}
	return c
}

func (s *sorter) compare(i int, c cursor) int {
	for k := 0; k < s.nkeys; k++ {
		if r := cmp.Compare(s.keys[k][i], c.keys[k]); r != 0 {
			return r
		}
	}
	return cmp.Compare(s.docs[i], c.doc)
}

// less orders hit i before hit j.
func (s *sorter) less(i, j int) bool {
	for k := 0; k < s.nkeys; k++ {
		if a, b := s.keys[k][i], s.keys[k][j]; a != b {
			return a < b
		}
	}
	return s.docs[i] < s.docs[j]
}

// top returns the indexes of the first n hits after the cursor, in order,
// and whether more hits follow. It keeps a bounded heap rather than
// sorting every hit, since a broad query has hundreds of thousands.
func (s *sorter) top(n int, after *cursor) (page []int, more bool) {
	h := make([]int, 0, n+1) // max-heap by order: h[0] is the worst kept
	worse := func(a, b int) bool { return s.less(b, a) }
	extra := 0
	for i := 0; i < s.n; i++ {
		if after != nil && s.compare(i, *after) <= 0 {
			continue
		}
		if len(h) == n {
			extra++
			if !s.less(i, h[0]) {
				continue
			}
			h[0] = i
			siftDown(h, 0, worse)
			continue
		}
		h = append(h, i)
		siftUp(h, len(h)-1, worse)
	}
	slices.SortFunc(h, func(a, b int) int {
		if s.less(a, b) {
			return -1
		}
		return 1
	})
	return h, extra > 0
}

func siftUp(h []int, i int, worse func(a, b int) bool) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func siftDown(h []int, i int, worse func(a, b int) bool) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
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
	binary.LittleEndian.PutUint32(b[21:], c.doc)
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
		doc:  binary.LittleEndian.Uint32(b[21:]),
	}, nil
}

// facets counts docs by each facet field's values.
func (ix *Index) facets(docs []uint32) []Facet {
	col := &ix.col
	var status [16]int
	var studyType [4]int
	var phase [8]int
	var funder [16]int
	var sex [4]int
	var stdAge [4]int
	var healthy [3]int
	var results [2]int
	countries := make([]int, len(ix.places.countryNames))
	for _, d := range docs {
		status[col.status[d]]++
		studyType[col.studyType[d]]++
		sex[col.sex[d]]++
		healthy[col.healthy[d]]++
		if col.results[d] {
			results[1]++
		} else {
			results[0]++
		}
		for b := col.phases[d]; b != 0; b &= b - 1 {
			phase[trailing(uint64(b))]++
		}
		for b := col.funders[d]; b != 0; b &= b - 1 {
			funder[trailing(uint64(b))]++
		}
		for b := col.stdAges[d]; b != 0; b &= b - 1 {
			stdAge[trailing(uint64(b))]++
		}
		pl := &ix.places
		for _, c := range pl.countryIDs[pl.countryFirst[d]:pl.countryFirst[d+1]] {
			countries[c]++
		}
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
		enumFacet("OverallStatus", study.Statuses, status[:], 1),
		enumFacet("Phase", study.Phases, phase[:], 0),
		enumFacet("StudyType", study.StudyTypes, studyType[:], 1),
		enumFacet("FunderType", study.AgencyClasses, funder[:], 0),
		enumFacet("Sex", study.Sexes, sex[:], 1),
		enumFacet("StdAge", study.StdAges, stdAge[:], 0),
		{Field: "HealthyVolunteers", Values: nonZero(
			FacetValue{Value: "true", Label: "Accepts healthy volunteers", Count: healthy[1]},
			FacetValue{Value: "false", Label: "No healthy volunteers", Count: healthy[2]})},
		{Field: "HasResults", Values: nonZero(
			FacetValue{Value: "true", Label: "With results", Count: results[1]},
			FacetValue{Value: "false", Label: "Without results", Count: results[0]})},
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
