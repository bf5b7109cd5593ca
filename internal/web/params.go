package web

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// params is the whole state of a search page, read from and written back
// to its URL, so every result page can be bookmarked and shared.
type params struct {
	Q        string // keywords, anywhere in the record
	Cond     string // condition, expanded through synonyms
	Loc      string // a place name, resolved by the gazetteer
	Lat, Lon *float64
	Distance int // miles around Loc or Lat/Lon
	Status   []string
	Phase    []string
	Type     []string
	Funder   []string
	Age      []string // age groups (CHILD, ADULT, OLDER_ADULT) or one age in years
	Sex      string
	Healthy  string // "true", "false" or ""
	Results  string
	Sort     string // relevance, distance, newest, updated
	Page     int    // page number, from 1
	AsIs     bool   // search the words as typed, without correcting them
}

// distances are the radius choices, in miles.
var distances = []int{10, 25, 50, 100, 250, 500}

const defaultDistance = 50

// maxPage is the last page number a search offers: numbered pages cost
// the pages before them.
const maxPage = search.MaxOffset/search.DefaultPageSize + 1

var sorts = []struct{ Value, Label string }{
	{"relevance", "Best match"},
	{"distance", "Nearest first"},
	{"newest", "Newest first"},
	{"updated", "Recently updated"},
}

// multi reads a repeated parameter whose values may also be
// comma-separated ("status=RECRUITING,NOT_YET_RECRUITING", as the home
// page's "recruiting only" box sends).
func multi(v url.Values, key string) []string {
	var out []string
	for _, s := range v[key] {
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

func parseParams(v url.Values) (params, error) {
	p := params{
		Q: strings.TrimSpace(v.Get("q")), Cond: strings.TrimSpace(v.Get("cond")), Loc: strings.TrimSpace(v.Get("loc")),
		Status: multi(v, "status"), Phase: multi(v, "phase"), Type: multi(v, "type"), Funder: multi(v, "funder"),
		Age: multi(v, "age"), Sex: v.Get("sex"), Healthy: v.Get("healthy"), Results: v.Get("results"),
		Sort: v.Get("sort"), AsIs: v.Get("asis") == "1",
		Distance: defaultDistance, Page: 1,
	}
	if pg := v.Get("page"); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 1 || n > maxPage {
			return p, &search.InvalidError{Msg: fmt.Sprintf("page: %q is not a page number between 1 and %d", pg, maxPage)}
		}
		p.Page = n
	}
	if d := v.Get("distance"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 12000 {
			return p, &search.InvalidError{Msg: fmt.Sprintf("distance: %q is not a number of miles between 1 and 12000", d)}
		}
		p.Distance = n
	}
	if v.Get("lat") != "" || v.Get("lon") != "" {
		lat, err1 := strconv.ParseFloat(v.Get("lat"), 64)
		lon, err2 := strconv.ParseFloat(v.Get("lon"), 64)
		if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			return p, &search.InvalidError{Msg: "lat and lon must be a latitude (-90 to 90) and a longitude (-180 to 180)"}
		}
		p.Lat, p.Lon = &lat, &lon
	}
	for _, b := range []struct{ name, v string }{{"healthy", p.Healthy}, {"results", p.Results}} {
		if b.v != "" && b.v != "true" && b.v != "false" {
			return p, &search.InvalidError{Msg: fmt.Sprintf("%s: want true or false, not %q", b.name, b.v)}
		}
	}
	if p.Sort != "" && !slices.ContainsFunc(sorts, func(s struct{ Value, Label string }) bool { return s.Value == p.Sort }) {
		return p, &search.InvalidError{Msg: fmt.Sprintf("sort: unknown order %q (want relevance, distance, newest or updated)", p.Sort)}
	}
	return p, nil
}

// values writes the parameters back as a URL query, leaving out defaults.
func (p params) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", p.Q)
	set("cond", p.Cond)
	set("loc", p.Loc)
	if p.Lat != nil {
		v.Set("lat", strconv.FormatFloat(*p.Lat, 'f', 4, 64))
		v.Set("lon", strconv.FormatFloat(*p.Lon, 'f', 4, 64))
	}
	if p.Distance != defaultDistance {
		v.Set("distance", strconv.Itoa(p.Distance))
	}
	for k, vs := range map[string][]string{"status": p.Status, "phase": p.Phase, "type": p.Type, "funder": p.Funder, "age": p.Age} {
		for _, x := range vs {
			v.Add(k, x)
		}
	}
	set("sex", p.Sex)
	set("healthy", p.Healthy)
	set("results", p.Results)
	set("sort", p.Sort)
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	if p.AsIs {
		v.Set("asis", "1")
	}
	return v
}

// firstPage is the same search from its first page.
func (p params) firstPage() params {
	p.Page = 1
	return p
}

func (p params) url(base string) string {
	q := p.values().Encode()
	if q == "" {
		return base
	}
	return base + "?" + q
}

// filter turns the filter parameters and the resolved location into a
// search filter.
func (p params) filter(loc located) search.Filter {
	f := search.Filter{
		Statuses: p.Status, Phases: p.Phase, StudyTypes: p.Type, FunderTypes: p.Funder,
		Sex: p.Sex, Country: loc.country, State: loc.state,
	}
	for _, a := range p.Age {
		if y, err := strconv.ParseFloat(a, 64); err == nil {
			f.AgeYears = &y
			continue
		}
		f.StdAges = append(f.StdAges, a)
	}
	f.HealthyVolunteers = boolPtr(p.Healthy)
	f.HasResults = boolPtr(p.Results)
	if loc.point != nil {
		f.Geo = &search.GeoFilter{Point: *loc.point, RadiusKm: milesToKm(float64(p.Distance)),
			RecruitingOnly: onlyRecruiting(p.Status)}
	}
	return f
}

// onlyRecruiting reports whether a status filter keeps only studies that
// are open to patients, in which case only their open sites should count
// for distance.
func onlyRecruiting(statuses []string) bool {
	if len(statuses) == 0 {
		return false
	}
	for _, s := range statuses {
		if !study.IsRecruiting(s) {
			return false
		}
	}
	return true
}

func boolPtr(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

func milesToKm(mi float64) float64 { return mi * 1.609344 }

func kmToMiles(km float64) float64 { return km / 1.609344 }

// queries are the text parts of the search. The keywords box, which is
// the home page's one box, also searches its words' condition synonyms.
func (p params) queries() []search.AreaQuery {
	var qs []search.AreaQuery
	if p.Cond != "" {
		qs = append(qs, search.AreaQuery{Area: "cond", Query: p.Cond})
	}
	if p.Q != "" {
		qs = append(qs, search.AreaQuery{Area: "term", Query: p.Q, Everyday: true})
	}
	return qs
}

// sortKeys maps the page's sort choice to the index's keys.
func (p params) sortKeys(hasPoint bool) []search.SortKey {
	switch p.Sort {
	case "distance":
		if hasPoint {
			return []search.SortKey{{Field: "distance"}}
		}
	case "newest":
		return []search.SortKey{{Field: "StudyFirstPostDate", Desc: true}}
	case "updated":
		return []search.SortKey{{Field: "LastUpdatePostDate", Desc: true}}
	case "relevance":
		if p.Q == "" && p.Cond == "" {
			// Without words there is no relevance; newest is the most
			// useful order for browsing.
			return []search.SortKey{{Field: "LastUpdatePostDate", Desc: true}}
		}
		return []search.SortKey{{Field: "relevance", Desc: true}}
	}
	switch {
	case p.Q != "" || p.Cond != "":
		return []search.SortKey{{Field: "relevance", Desc: true}}
	case hasPoint:
		return []search.SortKey{{Field: "distance"}}
	}
	return []search.SortKey{{Field: "LastUpdatePostDate", Desc: true}}
}

// apiURL is the /api/v2/studies/download URL returning the same result
// set, every study of it up to the API's export limit, in the
// API's own parameter names (ClinicalTrials.gov's aggFilters option keys
// for the filter panel's choices).
func (p params) apiURL(format string, loc located) string {
	place := loc.point
	v := url.Values{}
	v.Set("format", format)
	if p.Cond != "" {
		v.Set("query.cond", p.Cond)
	}
	if p.Q != "" {
		v.Set("query.term", p.Q)
	}
	if loc.country != "" {
		v.Set("query.locn", strings.Join(nonEmptyStrings(loc.state, loc.country), ", "))
	}
	if len(p.Status) > 0 {
		v.Set("filter.overallStatus", strings.Join(p.Status, ","))
	}
	if place != nil {
		v.Set("filter.geo", fmt.Sprintf("distance(%.4f,%.4f,%dmi)", place.Lat, place.Lon, p.Distance))
	}
	var agg []string
	addAgg := func(id string, vals []string, keys map[string]string) {
		var ks []string
		for _, x := range vals {
			if k, ok := keys[x]; ok {
				ks = append(ks, k)
			}
		}
		if len(ks) > 0 {
			agg = append(agg, id+":"+strings.Join(ks, " "))
		}
	}
	addAgg("phase", p.Phase, map[string]string{"EARLY_PHASE1": "0", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4", "NA": "na"})
	addAgg("studyType", p.Type, map[string]string{"INTERVENTIONAL": "int", "OBSERVATIONAL": "obs", "EXPANDED_ACCESS": "exp"})
	addAgg("funderType", p.Funder, map[string]string{"NIH": "nih", "FED": "fed", "INDUSTRY": "industry", "OTHER": "other", "OTHER_GOV": "other_gov", "INDIV": "indiv", "NETWORK": "network", "AMBIG": "ambig", "UNKNOWN": "unknown"})
	addAgg("ages", p.Age, map[string]string{"CHILD": "child", "ADULT": "adult", "OLDER_ADULT": "older"})
	addAgg("sex", []string{p.Sex}, map[string]string{"FEMALE": "f", "MALE": "m", "ALL": "all"})
	addAgg("healthy", []string{p.Healthy}, map[string]string{"true": "y", "false": "n"})
	addAgg("results", []string{p.Results}, map[string]string{"true": "with", "false": "without"})
	if len(agg) > 0 {
		v.Set("aggFilters", strings.Join(agg, ","))
	}
	if keys := p.sortKeys(place != nil); len(keys) > 0 && keys[0].Field != "relevance" {
		k := keys[0]
		dir := "asc"
		if k.Desc {
			dir = "desc"
		}
		// The API sorts by distance from the filter.geo point.
		v.Set("sort", k.Field+":"+dir)
	}
	return "/api/v2/studies/download?" + v.Encode()
}
