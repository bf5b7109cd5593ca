package api

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/query"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// listQuery is a parsed GET /studies request.
type listQuery struct {
	req        search.Request
	csv        bool
	legacy     bool // markupFormat=legacy
	countTotal bool
	proj       *projection // nil: whole records
	columns    []csvColumn // for CSV
	ext        map[string]bool
	// none is set when two filters on the same field exclude each other,
	// so nothing can match.
	none bool
}

// Extension names for the extensions parameter.
const (
	extFacets  = "facets"
	extDetails = "searchDetails"
	extHitInfo = "hitInfo"
)

// listParams are the parameters GET /studies accepts; any other is a 400,
// so a misspelt or unsupported parameter is never silently ignored.
var listParams = func() map[string]bool {
	m := map[string]bool{
		"format": true, "markupFormat": true, "query.patient": true, "aggFilters": true, "geoDecay": true,
		"fields": true, "sort": true, "countTotal": true, "pageSize": true, "pageToken": true, "extensions": true,
	}
	for _, a := range search.AreaParams() {
		m["query."+a] = true
	}
	for _, f := range []string{"overallStatus", "geo", "ids", "advanced", "synonyms"} {
		m["filter."+f] = true
		m["postFilter."+f] = true
	}
	return m
}()

func checkParams(q url.Values, allowed map[string]bool) error {
	for name := range q {
		if !allowed[name] {
			return badRequest("unknown parameter %q", name)
		}
	}
	return nil
}

// splitList splits a comma- or pipe-separated list, dropping empty items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' })
}

func (a *API) parseList(q url.Values) (*listQuery, error) {
	if err := checkParams(q, listParams); err != nil {
		return nil, err
	}
	lq := &listQuery{ext: map[string]bool{}}
	var err error
	if lq.csv, lq.legacy, err = parseFormat(q); err != nil {
		return nil, err
	}
	r := &lq.req
	for _, area := range search.AreaParams() {
		if v := q.Get("query." + area); strings.TrimSpace(v) != "" {
			r.Queries = append(r.Queries, search.AreaQuery{Area: area, Query: v})
		}
	}
	// Upstream's patient search area is its public site's main box; ours
	// is the BasicSearch area, which that box searches here too.
	if v := q.Get("query.patient"); strings.TrimSpace(v) != "" {
		r.Queries = append(r.Queries, search.AreaQuery{Area: "term", Query: v})
	}
	for _, name := range []string{"filter.synonyms", "postFilter.synonyms"} {
		if err := checkSynonyms(name, q.Get(name)); err != nil {
			return nil, err
		}
	}
	if v := q.Get("geoDecay"); v != "" {
		if r.Decay, err = parseDecay(v); err != nil {
			return nil, err
		}
	}
	for _, stage := range []struct {
		prefix string
		f      *search.Filter
	}{{"filter.", &r.Filter}, {"postFilter.", &r.PostFilter}} {
		if err := a.parseFilter(q, stage.prefix, stage.f, r); err != nil {
			return nil, err
		}
	}
	if r.Near == nil && r.Filter.Geo == nil && r.PostFilter.Geo != nil {
		r.Near = &r.PostFilter.Geo.Point
	}
	if v := q.Get("aggFilters"); v != "" {
		if lq.none, err = applyAggFilters(v, &r.PostFilter); err != nil {
			return nil, err
		}
	}
	if r.Sort, err = a.parseSort(q.Get("sort")); err != nil {
		return nil, err
	}
	if v := q.Get("countTotal"); v != "" {
		if lq.countTotal, err = strconv.ParseBool(v); err != nil {
			return nil, badRequest("countTotal: %q is not true or false", v)
		}
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, badRequest("pageSize: %q is not a whole number of 0 or more", v)
		}
		r.PageSize = min(n, search.MaxPageSize) // upstream coerces larger sizes down
	}
	r.PageToken = q.Get("pageToken")
	for _, e := range splitList(q.Get("extensions")) {
		if e != extFacets && e != extDetails && e != extHitInfo {
			return nil, badRequest("extensions: unknown extension %q (want %s, %s or %s)", e, extFacets, extDetails, extHitInfo)
		}
		lq.ext[e] = true
	}
	r.Facets = lq.ext[extFacets]
	if err := a.parseFields(q, lq.csv, queryFields(r), &lq.proj, &lq.columns); err != nil {
		return nil, err
	}
	return lq, nil
}

// queryFields is what the special fields name @query stands for: the
// search areas the request queries.
func queryFields(r *search.Request) []string {
	var out []string
	for _, aq := range r.Queries {
		area, _ := search.AreaOfParam(aq.Area)
		out = append(out, area)
	}
	return out
}

func parseFormat(q url.Values) (csv, legacy bool, err error) {
	switch f := q.Get("format"); f {
	case "", "json":
	case "csv":
		csv = true
	default:
		return false, false, badRequest("format: %q is not supported (want json or csv)", f)
	}
	legacy, err = parseMarkup(q)
	return csv, legacy, err
}

// parseMarkup reads markupFormat: markdown (the records as stored) or
// legacy (see legacyMarkup).
func parseMarkup(q url.Values) (legacy bool, err error) {
	switch m := q.Get("markupFormat"); m {
	case "", "markdown":
		return false, nil
	case "legacy":
		return true, nil
	default:
		return false, badRequest("markupFormat: %q is not supported (want markdown or legacy)", m)
	}
}

var synonymPair = regexp.MustCompile(`^([A-Za-z]+):(\d+)$`)

// checkSynonyms checks filter.synonyms and postFilter.synonyms: pairs of
// a search area and one of ClinicalTrials.gov's synonym IDs, which
// upstream's search pages send to keep a chosen synonym. Our synonyms are
// MeSH's and our own and have none of those IDs, so a well-formed list
// is accepted and narrows nothing (documented in our overlay).
func checkSynonyms(name, v string) error {
	for _, it := range splitList(v) {
		m := synonymPair.FindStringSubmatch(strings.TrimSpace(it))
		if m == nil {
			return badRequest("%s: %q is not area:synonym_id, e.g. ConditionSearch:1651367", name, it)
		}
		if f, ok := query.LookupField(m[1]); !ok || !f.IsArea() {
			return badRequest("%s: %q is not a search area", name, m[1])
		}
	}
	return nil
}

var decayPattern = regexp.MustCompile(`^func:(gauss|exp|linear),scale:(\d+(?:\.\d+)?)(km|mi),offset:(\d+(?:\.\d+)?)(km|mi),decay:(\d+(?:\.\d+)?)$`)

// parseDecay reads geoDecay, e.g. func:exp,scale:300mi,offset:0mi,decay:0.5.
func parseDecay(v string) (*search.Decay, error) {
	m := decayPattern.FindStringSubmatch(v)
	if m == nil {
		return nil, badRequest("geoDecay: %q: want func:(gauss|exp|linear),scale:DISTANCE,offset:DISTANCE,decay:NUMBER, e.g. func:exp,scale:300mi,offset:0mi,decay:0.5", v)
	}
	km := func(num, unit string) float64 {
		f, _ := strconv.ParseFloat(num, 64)
		if unit == "mi" {
			f *= kmPerMile
		}
		return f
	}
	d := &search.Decay{Func: m[1], ScaleKm: km(m[2], m[3]), OffsetKm: km(m[4], m[5])}
	d.Value, _ = strconv.ParseFloat(m[6], 64)
	if d.ScaleKm <= 0 || d.Value <= 0 || d.Value >= 1 {
		return nil, badRequest("geoDecay: %q: scale must be above 0 and decay between 0 and 1 (exclusive)", v)
	}
	return d, nil
}

// parseFields reads the fields parameter: JSON paths to keep, or for CSV
// the columns to write.
func (a *API) parseFields(q url.Values, csv bool, queried []string, proj **projection, cols *[]csvColumn) error {
	names := splitList(q.Get("fields"))
	if q.Has("fields") && len(names) == 0 {
		return badRequest("fields: give at least one field, or leave the parameter out for all")
	}
	if csv {
		var err error
		*cols, err = selectColumns(names)
		return err
	}
	if len(names) == 0 {
		return nil
	}
	var expanded []string
	for _, n := range names {
		if n == "@query" {
			expanded = append(expanded, queried...)
			expanded = append(expanded, "NCTId")
			continue
		}
		expanded = append(expanded, n)
	}
	var err error
	*proj, err = a.fields.newProjection(expanded)
	return err
}

func (a *API) parseFilter(q url.Values, prefix string, f *search.Filter, r *search.Request) error {
	if v := q.Get(prefix + "overallStatus"); v != "" {
		for _, s := range splitList(v) {
			s = strings.ToUpper(strings.TrimSpace(s))
			if !study.Statuses.Has(s) {
				return badRequest("%soverallStatus: unknown status %q (want one of %s)", prefix, s, strings.Join(study.Statuses.Strings(), ", "))
			}
			f.Statuses = append(f.Statuses, s)
		}
	}
	if v := q.Get(prefix + "geo"); v != "" {
		g, err := parseGeo(v)
		if err != nil {
			return badRequest("%sgeo: %v", prefix, err)
		}
		f.Geo = g
	}
	if v := q.Get(prefix + "ids"); v != "" {
		for _, id := range splitList(v) {
			n, ok := normalizeNCTID(strings.TrimSpace(id))
			if !ok {
				return badRequest("%sids: %q is not an NCT ID", prefix, id)
			}
			f.NCTIDs = append(f.NCTIDs, n)
		}
	}
	if v := q.Get(prefix + "advanced"); strings.TrimSpace(v) != "" {
		// Parsed here too, so a syntax error names this parameter; the
		// engine then searches it as an extra query ANDed with the others.
		if _, err := query.Parse(v); err != nil {
			return badRequest("%sadvanced: %v", prefix, err)
		}
		r.Queries = append(r.Queries, search.AreaQuery{Area: "term", Query: v})
	}
	return nil
}

var geoPattern = regexp.MustCompile(`^distance\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*(km|mi)?\s*\)$`)

// kmPerMile converts the miles of a distance without a unit: Essie's
// DISTANCE and the upstream example use miles.
const kmPerMile = 1.609344

func parseGeo(v string) (*search.GeoFilter, error) {
	m := geoPattern.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil, badRequest("%q: want distance(latitude,longitude,radius) with the radius in km or mi, e.g. distance(39.0035707,-77.1013313,50mi)", v)
	}
	lat, _ := strconv.ParseFloat(m[1], 64)
	lon, _ := strconv.ParseFloat(m[2], 64)
	radius, _ := strconv.ParseFloat(m[3], 64)
	if m[4] != "km" {
		radius *= kmPerMile
	}
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, badRequest("(%s, %s) is not a latitude and longitude", m[1], m[2])
	}
	return &search.GeoFilter{Point: search.Point{Lat: lat, Lon: lon}, RadiusKm: radius}, nil
}

var nctPattern = regexp.MustCompile(`^[Nn][Cc][Tt]0*([1-9]\d{0,7})$`)

// normalizeNCTID accepts the forms the upstream pattern does ("nct123",
// "NCT00000123") and returns the canonical NCT plus eight digits.
func normalizeNCTID(id string) (string, bool) {
	m := nctPattern.FindStringSubmatch(id)
	if m == nil {
		return "", false
	}
	return "NCT" + strings.Repeat("0", 8-len(m[1])) + m[1], true
}

// parseSort reads up to two sort keys. Upstream default directions:
// dates descending, numbers ascending, @relevance descending; our
// distance ascending.
func (a *API) parseSort(v string) ([]search.SortKey, error) {
	items := splitList(v)
	if len(items) > 2 {
		return nil, badRequest("sort: at most two keys, got %d", len(items))
	}
	var keys []search.SortKey
	for _, it := range items {
		name, dir, hasDir := strings.Cut(strings.TrimSpace(it), ":")
		key, desc, err := a.sortField(name)
		if err != nil {
			return nil, err
		}
		if hasDir {
			switch dir {
			case "asc":
				desc = false
			case "desc":
				desc = true
			default:
				return nil, badRequest("sort: %q: direction must be asc or desc", it)
			}
		}
		keys = append(keys, search.SortKey{Field: key, Desc: desc})
	}
	return keys, nil
}

// sortField maps a sort name (piece or field path) to the engine's key
// and its default direction.
func (a *API) sortField(name string) (field string, desc bool, err error) {
	switch strings.ToLower(name) {
	case "@relevance":
		return "relevance", true, nil
	case "distance":
		return "distance", false, nil
	}
	numeric := []string{"NCTId", "EnrollmentCount", "NumArmGroups"}
	dates := search.DateFieldNames()
	for _, cand := range slices.Concat(numeric, dates) {
		match := strings.EqualFold(name, cand)
		if p, ok := a.fields.paths[strings.ToLower(name)]; ok {
			match = slices.Contains(a.fields.pieces[strings.ToLower(cand)], p)
		}
		if match {
			return cand, slices.Contains(dates, cand), nil
		}
	}
	return "", false, badRequest("sort: %q cannot be sorted on (want @relevance, distance, %s or %s)", name, strings.Join(numeric, ", "), strings.Join(dates, ", "))
}
