package web

import (
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

// searchPage is the data of the search results page.
type searchPage struct {
	Params  params
	Place   *gazetteer.Place // the resolved location
	Choices []choice         // when the location is ambiguous
	NoPlace bool             // the location is unknown
	Total   int
	Cards   []card
	Groups  []facetGroup
	Sorts   []option
	Details []termDetail
	// Also lists the condition synonyms the search used, for the line
	// under the count.
	Also []string
	// Unreadable is what the user typed when the query language could not
	// parse it and the search ran on its plain words instead.
	Unreadable string
	// Corrected is set when the words as typed found nothing and a
	// spelling correction is shown instead; DidYouMean when the correction
	// finds more but the words as typed found some.
	Corrected, DidYouMean *correction
	// First and Last are the ranks of the cards shown (from 1).
	First, Last int
	// Paging links; empty when there is no such page.
	Next, Prev      string
	Pages           []pageLink
	CSV, JSON, Feed string
	Hidden          []hidden // the search's state, for the sort and filter forms
	DataTime        string
}

type choice struct {
	Name string
	URL  string
	N    int
}

type option struct {
	Value, Label string
	Count        int
	Selected     bool
}

// facetGroup is one fieldset of the filter panel.
type facetGroup struct {
	Param   string
	Legend  string
	Radio   bool // one choice (with "Any") rather than several
	Options []option
}

type hidden struct{ Name, Value string }

// correction is a respelled search: the words typed, the words searched,
// and a link to the other search.
type correction struct {
	Typed, Searched string
	URL             string
}

// pageLink is one numbered page of results; Gap marks a run of pages
// left out.
type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

// card is one search result.
type card struct {
	NCTID      string
	Title      string
	Status     string
	Phases     string
	StudyType  string
	Conditions []string
	Sponsor    string
	Updated    string
	Ages, Sex  string
	Snippet    []snippetPart
	Nearest    *nearestSite
}

type nearestSite struct {
	Facility, Place string
	Miles, Km       float64
	Recruiting      bool
}

// located is a search's resolved place: a point for a radius search
// around a city or postal code, or a country or state for a search across
// it.
type located struct {
	place   *gazetteer.Place
	point   *search.Point
	country string
	state   string
	choices []gazetteer.Place
	unknown bool
}

func (s *site) locate(ctx context.Context, p params) (located, error) {
	if p.Lat != nil {
		return located{point: &search.Point{Lat: *p.Lat, Lon: *p.Lon}}, nil
	}
	if p.Loc == "" {
		return located{}, nil
	}
	g, err := s.places(ctx)
	if err != nil {
		return located{}, err
	}
	cands := g.Resolve(p.Loc)
	switch {
	case len(cands) == 0:
		return located{unknown: true}, nil
	case len(cands) > 1 && !sameName(cands):
		return located{choices: cands}, nil
	}
	pl := cands[0]
	switch pl.Kind {
	case gazetteer.Country:
		return located{place: &pl, country: pl.Country}, nil
	case gazetteer.State:
		return located{place: &pl, country: pl.Country, state: pl.State}, nil
	}
	if !pl.HasGeo {
		return located{unknown: true}, nil
	}
	return located{place: &pl, point: &search.Point{Lat: pl.Lat, Lon: pl.Lon}}, nil
}

// sameName reports whether candidates differ only in kind (a city and a
// state of one name, "New York"): the first, with most studies, is meant.
func sameName(ps []gazetteer.Place) bool {
	for _, p := range ps[1:] {
		if p.Country == ps[0].Country && p.Kind != ps[0].Kind && (p.Kind == gazetteer.State || ps[0].Kind == gazetteer.State) {
			continue
		}
		return false
	}
	return true
}

// request builds the search for a page of results.
func (p params) request(loc located, pageSize int) search.Request {
	return search.Request{
		Queries:  p.queries(),
		Filter:   p.filter(loc),
		Sort:     p.sortKeys(loc.point != nil),
		PageSize: pageSize,
		Near:     loc.point,
		Offset:   (p.Page - 1) * pageSize,
		Facets:   true,
	}
}

func (s *site) search(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r.URL.Query())
	if err != nil {
		return err
	}
	v, err := s.view(r.Context())
	if err != nil {
		return err
	}
	ix := v.Index
	loc, err := s.locate(r.Context(), p)
	if err != nil {
		return err
	}
	page := &searchPage{NoPlace: loc.unknown, Place: loc.place, DataTime: ix.DataTime()}
	p, page.Unreadable = p.readable()
	res, err := ix.Search(p.request(loc, search.DefaultPageSize))
	if err != nil {
		return err
	}
	if p, res, err = s.respell(ix, page, p, loc, res); err != nil {
		return err
	}
	page.Params = p
	for _, c := range loc.choices {
		q := p.firstPage()
		q.Loc = c.Name()
		page.Choices = append(page.Choices, choice{Name: c.Name(), URL: q.url("/search"), N: c.Studies})
	}
	page.Total = res.Total
	page.Details, page.Also = plainDetails(res.Details)
	if page.Groups, err = s.facetGroups(ix, p, loc, res.Facets); err != nil {
		return err
	}
	if page.Cards, err = s.cards(r.Context(), res.Hits, searchedWords(p, res.Details)); err != nil {
		return err
	}
	page.paging(search.DefaultPageSize)
	for _, o := range sorts {
		if o.Value == "distance" && loc.point == nil {
			continue
		}
		selected := o.Value == p.Sort || (p.Sort == "" && sortName(p.sortKeys(loc.point != nil)) == o.Value)
		page.Sorts = append(page.Sorts, option{Value: o.Value, Label: o.Label, Selected: selected})
	}
	page.CSV = p.apiURL("csv", loc)
	page.JSON = p.apiURL("json", loc)
	page.Feed = p.firstPage().url("/search/feed")
	for k, vs := range p.firstPage().values() {
		if k == "sort" || k == "status" || k == "phase" || k == "type" || k == "funder" || k == "age" ||
			k == "sex" || k == "healthy" || k == "results" || k == "distance" {
			continue
		}
		for _, v := range vs {
			page.Hidden = append(page.Hidden, hidden{k, v})
		}
	}
	slices.SortFunc(page.Hidden, func(a, b hidden) int { return strings.Compare(a.Name, b.Name) })
	title := "Search results"
	if what := strings.TrimSpace(p.Cond + " " + p.Q); what != "" {
		title = "Trials for " + what
	}
	return s.render(w, r, http.StatusOK, "search", title, page)
}

func sortName(keys []search.SortKey) string {
	switch strings.ToLower(keys[0].Field) {
	case "distance":
		return "distance"
	case "studyfirstpostdate":
		return "newest"
	case "lastupdatepostdate":
		return "updated"
	}
	return "relevance"
}

// pageWindow is how many numbered pages are linked on each side of the
// current one.
const pageWindow = 2

// paging sets the ranks shown and the page links.
func (page *searchPage) paging(size int) {
	p := page.Params
	if page.Total > 0 {
		page.First = (p.Page-1)*size + 1
		page.Last = page.First + len(page.Cards) - 1
	}
	page.Prev, page.Next, page.Pages = pageLinks(page.Total, size, p.Page, func(n int) string {
		q := p
		q.Page = n
		return q.url("/search")
	})
}

// pageLinks are the links to the previous and next pages and the
// numbered ones: the first, the last and those around the current one.
func pageLinks(total, size, current int, link func(n int) string) (prev, next string, pages []pageLink) {
	last := min((total+size-1)/size, search.MaxOffset/size+1)
	if current > 1 {
		prev = link(current - 1)
	}
	if current < last {
		next = link(current + 1)
	}
	if last < 2 {
		return prev, next, nil
	}
	for n := 1; n <= last; n++ {
		switch {
		case n == 1 || n == last || (n >= current-pageWindow && n <= current+pageWindow):
			pages = append(pages, pageLink{N: n, URL: link(n), Current: n == current})
		case !pages[len(pages)-1].Gap:
			pages = append(pages, pageLink{Gap: true})
		}
	}
	return prev, next, pages
}

// facetGroups builds the filter panel. A group with a selection shows the
// counts the search would have without that group's own filter, so the
// reader sees what ticking another box would add.
func (s *site) facetGroups(ix *search.Index, p params, loc located, facets []search.Facet) ([]facetGroup, error) {
	defs := []struct {
		param, field, legend string
		radio                bool
		sel                  []string
		clear                func(q *params)
	}{
		{"status", "OverallStatus", "Status", false, p.Status, func(q *params) { q.Status = nil }},
		{"phase", "Phase", "Phase", false, p.Phase, func(q *params) { q.Phase = nil }},
		{"type", "StudyType", "Study type", false, p.Type, func(q *params) { q.Type = nil }},
		{"funder", "FunderType", "Funder type", false, p.Funder, func(q *params) { q.Funder = nil }},
		{"sex", "Sex", "Sex", true, []string{p.Sex}, func(q *params) { q.Sex = "" }},
		{"age", "StdAge", "Age group", false, p.Age, func(q *params) { q.Age = nil }},
		{"healthy", "HealthyVolunteers", "Healthy volunteers", true, []string{p.Healthy}, func(q *params) { q.Healthy = "" }},
		{"results", "HasResults", "Results", true, []string{p.Results}, func(q *params) { q.Results = "" }},
	}
	var out []facetGroup
	for _, d := range defs {
		fs := facets
		if len(d.sel) > 0 && d.sel[0] != "" {
			q := p.firstPage()
			d.clear(&q)
			req := q.request(loc, 1)
			res, err := ix.Search(req)
			if err != nil {
				return nil, err
			}
			fs = res.Facets
		}
		g := facetGroup{Param: d.param, Legend: d.legend, Radio: d.radio}
		for _, f := range fs {
			if f.Field != d.field {
				continue
			}
			for _, v := range f.Values {
				g.Options = append(g.Options, option{Value: v.Value, Label: cmp.Or(facetLabels[d.param+"="+v.Value], v.Label), Count: v.Count, Selected: slices.Contains(d.sel, v.Value)})
			}
		}
		if d.param == "sex" {
			sexCounts(&g)
		}
		// A selected value the results no longer contain stays visible, so
		// it can be unticked.
		for _, v := range d.sel {
			if v != "" && !slices.ContainsFunc(g.Options, func(o option) bool { return o.Value == v }) {
				g.Options = append(g.Options, option{Value: v, Label: cmp.Or(facetLabels[d.param+"="+v], filterLabel(d.param, v)), Selected: true})
			}
		}
		out = append(out, g)
	}
	if loc.point != nil {
		g := facetGroup{Param: "distance", Legend: "Distance", Radio: true}
		for _, mi := range distances {
			q := p.firstPage()
			q.Distance = mi
			res, err := ix.Search(search.Request{Queries: q.queries(), Filter: q.filter(loc), PageSize: 1})
			if err != nil {
				return nil, err
			}
			g.Options = append(g.Options, option{Value: fmt.Sprint(mi), Label: fmt.Sprintf("Within %d miles (%d km)", mi, int(milesToKm(float64(mi))+0.5)),
				Count: res.Total, Selected: mi == p.Distance})
		}
		out = append(out, g)
	}
	return out, nil
}

// facetLabels say what a filter value selects where the registry's
// label does not: beside "Any", a sex of "All" read as the same choice,
// but it selects the trials open to every sex, and "Female" those open
// to women, whether to women only or to all.
var facetLabels = map[string]string{"sex=ALL": "Open to all sexes", "sex=FEMALE": "Open to women", "sex=MALE": "Open to men"}

// sexCounts makes the sex filter's counts those of what each value
// selects (search.Filter.Sex): the facet counts trials by their
// registered sex, so trials open to all count for women and men too.
func sexCounts(g *facetGroup) {
	all := 0
	for _, o := range g.Options {
		if o.Value == "ALL" {
			all = o.Count
		}
	}
	for i := range g.Options {
		if v := g.Options[i].Value; v == "FEMALE" || v == "MALE" {
			g.Options[i].Count += all
		}
	}
}

// filterEnums are the enumerations behind the filter panel's parameters.
var filterEnums = map[string]study.Enum{
	"status": study.Statuses, "phase": study.Phases, "type": study.StudyTypes,
	"funder": study.AgencyClasses, "sex": study.Sexes, "age": study.StdAges,
}

// filterLabel is the plain label of a filter value.
func filterLabel(param, v string) string {
	if e, ok := filterEnums[param]; ok {
		return e.Label(v)
	}
	return v
}

// cards reads each hit's study for its result card.
func (s *site) cards(ctx context.Context, hits []search.Hit, words map[string]bool) ([]card, error) {
	out := make([]card, 0, len(hits))
	for _, h := range hits {
		st, err := s.cfg.Studies.Study(ctx, h.NCTID)
		if err != nil {
			return nil, fmt.Errorf("result %s: %w", h.NCTID, err)
		}
		c := card{
			NCTID: st.NCTID, Title: displayTitle(st), Status: st.OverallStatus,
			Phases: phaseText(st.Phases), StudyType: study.StudyTypes.Label(st.StudyType),
			Conditions: st.Conditions, Sponsor: st.LeadSponsor.Name, Updated: st.Dates.LastUpdatePosted.Value,
			Ages: trialpage.Ages(st.Eligibility.MinimumAge, st.Eligibility.MaximumAge), Snippet: snippet(st, words),
		}
		if c.Ages == "" {
			c.Ages = "Any age"
		}
		if st.Eligibility.Sex != "" {
			c.Sex = study.Sexes.Label(st.Eligibility.Sex)
		}
		if len(c.Conditions) > 5 {
			c.Conditions = append(c.Conditions[:5:5], fmt.Sprintf("and %d more", len(st.Conditions)-5))
		}
		if n := h.Nearest; n != nil && n.Location < len(st.Locations) {
			l := st.Locations[n.Location]
			c.Nearest = &nearestSite{Facility: l.Facility, Place: placeText(l), Miles: kmToMiles(n.DistanceKm), Km: n.DistanceKm, Recruiting: n.Recruiting}
		}
		out = append(out, c)
	}
	return out, nil
}

func displayTitle(st study.Study) string {
	if st.BriefTitle != "" {
		return st.BriefTitle
	}
	if st.OfficialTitle != "" {
		return st.OfficialTitle
	}
	return st.NCTID
}

// phaseText joins the phases: "Phase 2, Phase 3"; "" when not applicable.
func phaseText(phases []string) string {
	var out []string
	for _, ph := range phases {
		if ph != "NA" {
			out = append(out, study.Phases.Label(ph))
		}
	}
	return strings.Join(out, ", ")
}

func placeText(l study.Location) string {
	var parts []string
	for _, s := range []string{l.City, l.State, l.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// Atom 1.0 (RFC 4287) feed of the newest-updated matches.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string       `xml:"title"`
	ID      string       `xml:"id"`
	Updated string       `xml:"updated"`
	Link    atomLink     `xml:"link"`
	Summary string       `xml:"summary"`
	Authors []atomAuthor `xml:"author,omitempty"`
}

const feedSize = 30

func (s *site) feed(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r.URL.Query())
	if err != nil {
		return err
	}
	p = p.firstPage()
	p.Sort = "updated"
	v, err := s.view(r.Context())
	if err != nil {
		return err
	}
	ix := v.Index
	loc, err := s.locate(r.Context(), p)
	if err != nil {
		return err
	}
	req := p.request(loc, feedSize)
	req.Facets = false
	res, err := ix.Search(req)
	if err != nil {
		return err
	}
	base := s.cfg.BaseURL
	f := atomFeed{
		Title:   feedTitle(p),
		ID:      base + p.url("/search/feed"),
		Updated: atomTime(ix.DataTime()),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + p.url("/search/feed")},
			{Rel: "alternate", Type: "text/html", Href: base + p.url("/search")},
		},
		Author: atomAuthor{Name: "Trialfinder"},
	}
	for _, h := range res.Hits {
		st, err := s.cfg.Studies.Study(r.Context(), h.NCTID)
		if err != nil {
			return fmt.Errorf("feed %s: %w", h.NCTID, err)
		}
		e := atomEntry{
			Title:   displayTitle(st),
			ID:      base + "/study/" + st.NCTID,
			Updated: atomTime(st.Dates.LastUpdatePosted.Sortable()),
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + "/study/" + st.NCTID},
			Summary: fmt.Sprintf("%s. %s. %s", study.Statuses.Label(st.OverallStatus), strings.Join(st.Conditions, ", "), st.LeadSponsor.Name),
		}
		if err := s.latestChange(r.Context(), &e, base, st.NCTID); err != nil {
			return fmt.Errorf("feed %s: %w", h.NCTID, err)
		}
		f.Entries = append(f.Entries, e)
	}
	// Newest change first, by when it reached us.
	slices.SortStableFunc(f.Entries, func(a, b atomEntry) int { return strings.Compare(b.Updated, a.Updated) })
	return writeFeed(w, f)
}

func feedTitle(p params) string {
	what := strings.TrimSpace(p.Cond + " " + p.Q)
	if what == "" {
		what = "all studies"
	}
	if p.Loc != "" {
		what += " near " + p.Loc
	}
	return "Trialfinder: recently updated trials for " + what
}

// atomTime turns a "YYYY-MM-DD" date into an RFC 3339 timestamp; Atom
// requires one even when only the day is known. An unknown date becomes
// the Unix epoch, the least surprising valid value.
func atomTime(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}
