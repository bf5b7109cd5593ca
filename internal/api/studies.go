package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// pagedStudies is the PagedStudies schema plus our opt-in extensions.
type pagedStudies struct {
	TotalCount    *int
	Studies       [][]byte // compact JSON records
	NextPageToken string
	Facets        []facet
	SearchDetails *searchDetails
	HitInfo       map[string]*hitInfo
}

// encode writes the page into b by hand: the records are compact JSON
// already (the store keeps them so), and passing them through
// encoding/json as RawMessage would re-scan every byte, which took most of
// a search's time.
func (p *pagedStudies) encode(b *bytes.Buffer) error {
	size := 64
	for _, s := range p.Studies {
		size += len(s) + 1
	}
	b.Grow(size)
	b.WriteByte('{')
	if p.TotalCount != nil {
		b.WriteString(`"totalCount":` + strconv.Itoa(*p.TotalCount) + ",")
	}
	b.WriteString(`"studies":[`)
	for i, s := range p.Studies {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(s)
	}
	b.WriteByte(']')
	for _, prop := range []struct {
		name string
		v    any
		set  bool
	}{
		{"nextPageToken", p.NextPageToken, p.NextPageToken != ""},
		{"facets", p.Facets, p.Facets != nil},
		{"searchDetails", p.SearchDetails, p.SearchDetails != nil},
		{"hitInfo", p.HitInfo, p.HitInfo != nil},
	} {
		if !prop.set {
			continue
		}
		b.WriteString(`,"` + prop.name + `":`)
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(prop.v); err != nil {
			return fmt.Errorf("encode %s: %w", prop.name, err)
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteString("}\n")
	return nil
}

// pages and records recycle the buffers a page is written into and its
// records read into: some hundreds of kilobytes per search, allocated
// afresh otherwise. Free lists rather than sync.Pools, which every
// garbage collection empties, and a full-size server collects several
// times a second.
var (
	pages   = newFreeList(func() *bytes.Buffer { return new(bytes.Buffer) })
	records = newFreeList(func() *[]byte { return new([]byte) })
)

// maxPooledPage keeps large pages (up to 1,000 records) out of the free
// lists.
const maxPooledPage = 1 << 20

// freeList keeps up to freeListLen values for reuse.
type freeList[T any] struct {
	free  chan T
	fresh func() T
}

const freeListLen = 32

func newFreeList[T any](fresh func() T) *freeList[T] {
	return &freeList[T]{free: make(chan T, freeListLen), fresh: fresh}
}

func (l *freeList[T]) get() T {
	select {
	case v := <-l.free:
		return v
	default:
		return l.fresh()
	}
}

func (l *freeList[T]) put(v T) {
	select {
	case l.free <- v:
	default:
	}
}

type facet struct {
	Field  string       `json:"field"`
	Values []facetValue `json:"values"`
}

type facetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type searchDetails struct {
	Terms []termDetail `json:"terms"`
}

type termDetail struct {
	Area     string         `json:"area"`
	Text     string         `json:"text"`
	Synonyms []synonym      `json:"synonyms,omitempty"`
	Fields   []fieldMatches `json:"fields,omitempty"`
}

type synonym struct {
	Text   string `json:"text"`
	Source string `json:"source"`
}

type fieldMatches struct {
	Field   string `json:"field"`
	Studies int    `json:"studies"`
}

type hitInfo struct {
	Score       float64      `json:"score"`
	NearestSite *nearestSite `json:"nearestSite,omitempty"`
}

type nearestSite struct {
	Facility   string  `json:"facility,omitempty"`
	City       string  `json:"city,omitempty"`
	State      string  `json:"state,omitempty"`
	Country    string  `json:"country,omitempty"`
	DistanceKm float64 `json:"distanceKm"`
	DistanceMi float64 `json:"distanceMi"`
	Recruiting bool    `json:"recruiting"`
}

func (a *API) studies(w http.ResponseWriter, r *http.Request) error {
	lq, err := a.parseList(r.URL.Query())
	if err != nil {
		return err
	}
	res := &search.Result{}
	if !lq.none {
		if res, err = a.cfg.Searcher.Index().Search(lq.req); err != nil {
			return err
		}
	}
	// The page's records go into one pooled buffer, cut up once all are in.
	recs := records.get()
	defer func() {
		if cap(*recs) <= maxPooledPage {
			records.put(recs)
		}
	}()
	data, ends := (*recs)[:0], make([]int, 0, len(res.Hits))
	hits := make([]search.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		data, err = a.cfg.Records.AppendRaw(r.Context(), data, h.NCTID)
		if errors.Is(err, study.ErrNotFound) {
			// Deleted from the store since the index was built; the next
			// rebuild drops it from the index too.
			a.log.Warn("indexed study missing from the store", "nct_id", h.NCTID)
			continue
		}
		if err != nil {
			return fmt.Errorf("list studies: %w", err)
		}
		ends = append(ends, len(data))
		hits = append(hits, h)
	}
	*recs = data
	raws := make([][]byte, len(ends))
	for i, end := range ends {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		raws[i] = data[start:end:end]
	}
	firstPage := lq.req.PageToken == ""
	if lq.csv {
		body, err := writeCSV(lq.columns, raws, firstPage)
		if err != nil {
			return err
		}
		if lq.countTotal && firstPage {
			w.Header().Set("x-total-count", strconv.Itoa(res.Total))
		}
		if res.NextPageToken != "" {
			w.Header().Set("x-next-page-token", res.NextPageToken)
		}
		writeBody(w, "text/csv; charset=utf-8", body)
		return nil
	}
	out := pagedStudies{Studies: make([][]byte, 0, len(raws)), NextPageToken: res.NextPageToken}
	if lq.countTotal && firstPage {
		out.TotalCount = &res.Total
	}
	for _, raw := range raws {
		if lq.proj != nil {
			if raw, err = lq.proj.project(raw); err != nil {
				return err
			}
		}
		if lq.legacy {
			if raw, err = legacyMarkup(raw); err != nil {
				return err
			}
		}
		out.Studies = append(out.Studies, raw)
	}
	if lq.ext[extFacets] {
		out.Facets = facets(res.Facets)
	}
	if lq.ext[extDetails] {
		out.SearchDetails = details(res.Details)
	}
	if lq.ext[extHitInfo] {
		if out.HitInfo, err = hitInfos(hits, raws); err != nil {
			return err
		}
	}
	b := pages.get()
	b.Reset()
	defer func() {
		if b.Cap() <= maxPooledPage {
			pages.put(b)
		}
	}()
	if err := out.encode(b); err != nil {
		return err
	}
	writeBody(w, "application/json", b.Bytes())
	return nil
}

func facets(fs []search.Facet) []facet {
	out := make([]facet, 0, len(fs))
	for _, f := range fs {
		ff := facet{Field: f.Field, Values: make([]facetValue, 0, len(f.Values))}
		for _, v := range f.Values {
			ff.Values = append(ff.Values, facetValue(v))
		}
		out = append(out, ff)
	}
	return out
}

func details(d search.Details) *searchDetails {
	out := &searchDetails{Terms: make([]termDetail, 0, len(d.Terms))}
	for _, t := range d.Terms {
		td := termDetail{Area: t.Area, Text: t.Text}
		for _, s := range t.Synonyms {
			td.Synonyms = append(td.Synonyms, synonym(s))
		}
		for _, f := range t.Fields {
			td.Fields = append(td.Fields, fieldMatches(f))
		}
		out.Terms = append(out.Terms, td)
	}
	return out
}

func hitInfos(hits []search.Hit, raws [][]byte) (map[string]*hitInfo, error) {
	out := make(map[string]*hitInfo, len(hits))
	for i, h := range hits {
		hi := &hitInfo{Score: round(h.Score, 4)}
		if n := h.Nearest; n != nil {
			s, err := ctgov.DecodeV2(raws[i])
			if err != nil {
				return nil, fmt.Errorf("hit info %s: %w", h.NCTID, err)
			}
			ns := &nearestSite{DistanceKm: round(n.DistanceKm, 2), DistanceMi: round(n.DistanceKm/kmPerMile, 2), Recruiting: n.Recruiting}
			if n.Location >= 0 && n.Location < len(s.Locations) {
				l := s.Locations[n.Location]
				ns.Facility, ns.City, ns.State, ns.Country = l.Facility, l.City, l.State, l.Country
			}
			hi.NearestSite = ns
		}
		out[h.NCTID] = hi
	}
	return out, nil
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

var studyParams = map[string]bool{"format": true, "markupFormat": true, "fields": true}

func (a *API) study(w http.ResponseWriter, r *http.Request) error {
	given := r.PathValue("nctId")
	id, ok := normalizeNCTID(given)
	if !ok {
		return badRequest("%q is not an NCT ID (NCT followed by up to eight digits)", given)
	}
	q := r.URL.Query()
	if err := checkParams(q, studyParams); err != nil {
		return err
	}
	format := cmp.Or(q.Get("format"), "json")
	if !slices.Contains([]string{"json", "csv", "json.zip", "fhir.json", "ris"}, format) {
		return badRequest("format: %q is not supported (want json, csv, json.zip, fhir.json or ris)", format)
	}
	legacy, err := parseMarkup(q)
	if err != nil {
		return err
	}
	var proj *projection
	var cols []csvColumn
	switch format {
	case "json", "json.zip", "csv":
		if err := a.parseFields(q, format == "csv", nil, &proj, &cols); err != nil {
			return err
		}
	case "fhir.json":
		if q.Has("fields") {
			return badRequest("fields: not allowed with format=fhir.json, which returns every available field")
		}
	}
	canon, err := a.cfg.Records.CanonicalID(r.Context(), id)
	if err != nil {
		return err
	}
	if canon != given {
		target := Prefix + "studies/" + canon
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil
	}
	raw, err := a.cfg.Records.AppendRaw(r.Context(), nil, canon)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		body, err := writeCSV(cols, [][]byte{raw}, true)
		if err != nil {
			return err
		}
		writeBody(w, "text/csv; charset=utf-8", body)
		return nil
	case "fhir.json", "ris":
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			return fmt.Errorf("study %s: %w", canon, err)
		}
		if format == "ris" {
			body, err := writeRIS(&s, splitList(q.Get("fields")))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Disposition", `attachment; filename="`+canon+`.ris"`)
			writeBody(w, "application/x-research-info-systems", body)
			return nil
		}
		body, err := json.Marshal(toFHIR(&s))
		if err != nil {
			return err
		}
		writeBody(w, "application/fhir+json", append(body, '\n'))
		return nil
	}
	if proj != nil {
		if raw, err = proj.project(raw); err != nil {
			return err
		}
	}
	if format == "json.zip" {
		// Upstream: the archive's markup is always Markdown.
		body, err := zipJSON(canon, raw)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+canon+`.zip"`)
		writeBody(w, "application/zip", body)
		return nil
	}
	if legacy {
		if raw, err = legacyMarkup(raw); err != nil {
			return err
		}
	}
	writeBody(w, "application/json", append(raw, '\n'))
	return nil
}
