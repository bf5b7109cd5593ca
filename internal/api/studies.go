package api

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/view"
)

// records and writers recycle the buffer a record is read into and the
// one a response is written through, allocated afresh per search
// otherwise. Free lists rather than sync.Pools, which every garbage
// collection empties, and a full-size server collects several times a
// second.
var (
	records = newFreeList(func() *[]byte { return new([]byte) })
	writers = newFreeList(func() *bufio.Writer { return bufio.NewWriterSize(nil, 32<<10) })
)

// maxPooledRecord keeps the buffers of huge records out of the free list.
const maxPooledRecord = 1 << 20

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
	res, err := a.search(r.Context(), lq)
	if err != nil {
		return err
	}
	first := lq.req.PageToken == ""
	total := &res.Total
	if !lq.countTotal || !first {
		total = nil
	}
	if lq.csv {
		if total != nil {
			w.Header().Set("x-total-count", strconv.Itoa(res.Total))
		}
		if res.NextPageToken != "" {
			w.Header().Set("x-next-page-token", res.NextPageToken)
		}
	}
	st := a.newListStream(w, r, lq)
	defer st.release()
	st.begin(total, first)
	if err := st.write(res.Hits); err != nil {
		return st.fail(err)
	}
	var extra []prop
	if res.NextPageToken != "" {
		extra = append(extra, prop{"nextPageToken", res.NextPageToken})
	}
	if lq.ext[extFacets] {
		extra = append(extra, prop{"facets", facets(res.Facets)})
	}
	if lq.ext[extDetails] {
		extra = append(extra, prop{"searchDetails", details(res.Details)})
	}
	return st.fail(st.end(extra))
}

// search runs a list query.
func (a *API) search(ctx context.Context, lq *listQuery) (*search.Result, error) {
	if lq.none {
		return &search.Result{}, nil
	}
	v, err := a.view(ctx)
	if err != nil {
		return nil, err
	}
	return v.Index.Search(lq.req)
}

// view returns the views the request reads; while the first are built,
// an error the client is told to retry.
func (a *API) view(ctx context.Context) (*view.View, error) {
	if v := a.cfg.Views.In(ctx); v != nil {
		return v, nil
	}
	return nil, &UnavailableError{Msg: "the trial data is still loading; try again shortly", RetryAfter: 5 * time.Second}
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

// newHitInfo is a hit's extras; raw is its record, read for the
// nearest site's name.
func newHitInfo(h search.Hit, raw []byte) (*hitInfo, error) {
	hi := &hitInfo{Score: round(h.Score, 4)}
	if n := h.Nearest; n != nil {
		s, err := ctgov.DecodeV2(raw)
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
	return hi, nil
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
		var b bytes.Buffer
		cw := newCSVWriter(&b, cols, true)
		if err := cw.write(raw); err != nil {
			return err
		}
		if err := cw.flush(); err != nil {
			return err
		}
		writeBody(w, "text/csv; charset=utf-8", b.Bytes())
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

// ExportLimit is how many studies one download holds at most, unless
// Config.ExportLimit says otherwise: a CSV row is some 3 KB, so the
// default is some 30 MB, streamed.
const ExportLimit = 10000

// download serves /studies/download, our extension: every study a
// /studies query matches (up to the export limit), in one streamed CSV or
// JSON file named for saving. When the limit cuts the list, the
// X-Export-Notice header says so, and in JSON a notice property too.
func (a *API) download(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for _, name := range []string{"pageSize", "pageToken", "countTotal"} {
		if q.Has(name) {
			return badRequest("%s: a download holds every matching study (up to %d); leave it out", name, a.exportLimit())
		}
	}
	lq, err := a.parseList(q)
	if err != nil {
		return err
	}
	limit := a.exportLimit()
	lq.req.PageSize = min(limit, search.MaxPageSize)
	res, err := a.search(r.Context(), lq)
	if err != nil {
		return err
	}
	ext := "json"
	if lq.csv {
		ext = "csv"
	}
	w.Header().Set("Content-Disposition", `attachment; filename="trialfinder-studies-`+time.Now().UTC().Format("2006-01-02")+"."+ext+`"`)
	w.Header().Set("x-total-count", strconv.Itoa(res.Total))
	var notice string
	if res.Total > limit {
		notice = fmt.Sprintf("This download holds the first %d of the %d matching studies; narrow the search to get the rest.", limit, res.Total)
		w.Header().Set("X-Export-Notice", notice)
	}
	st := a.newListStream(w, r, lq)
	defer st.release()
	st.begin(&res.Total, true)
	for {
		if err := st.write(res.Hits[:min(len(res.Hits), limit-st.n)]); err != nil {
			return st.fail(err)
		}
		if res.NextPageToken == "" || st.n >= limit {
			break
		}
		// Each page goes out before the next is searched, so the client
		// reads as the server works.
		if err := st.bw.Flush(); err != nil {
			return st.fail(err)
		}
		lq.req.PageToken = res.NextPageToken
		if res, err = a.search(r.Context(), lq); err != nil {
			return st.fail(err)
		}
	}
	var extra []prop
	if notice != "" {
		extra = append(extra, prop{"notice", notice})
	}
	return st.fail(st.end(extra))
}

func (a *API) exportLimit() int {
	if a.cfg.ExportLimit > 0 {
		return a.cfg.ExportLimit
	}
	return ExportLimit
}
