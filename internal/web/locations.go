package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

// locationsPage is the data of the trials-by-location pages: a list of
// places one level down, or the trials in one city.
type locationsPage struct {
	Crumbs    []crumb
	Heading   string
	Places    []placeLink
	PlaceKind string      // "countries", "states or regions", "cities"
	Loose     []placeLink // cities of a country whose sites give no state
	Distances []option
	City      *cityPage
}

// cityPage is a city's trials: those a patient can join, or all, with
// an optional condition, a page at a time, and their sites in the city
// for the map.
type cityPage struct {
	Action              string // the page's own URL, without parameters
	Country, State      string // hidden form fields naming the city
	Name                string
	Cond                string
	All                 bool // every trial, not only those open to patients
	OpenTotal, AllTotal int
	Total, First, Last  int
	Cards               []card
	Prev, Next, AllURL  string
	Pages               []pageLink
	Sites               []siteView
	TileURL             string
}

type crumb struct{ Name, URL string }

type placeLink struct {
	Name string
	URL  string
	N    int
}

// cityPageSize is how many trials a city page lists at a time.
const cityPageSize = 20

func (s *site) locations(w http.ResponseWriter, r *http.Request) error {
	g, err := s.places(r.Context())
	if err != nil {
		return err
	}
	page := &locationsPage{Heading: "Trials by location", PlaceKind: "countries", Distances: distanceOptions(defaultDistance)}
	for _, c := range g.Countries() {
		page.Places = append(page.Places, placeLink{Name: c.Country, URL: countryURL(c.Country, "", ""), N: c.Studies})
	}
	return s.render(w, r, http.StatusOK, "locations", page.Heading, page)
}

func distanceOptions(sel int) []option {
	var out []option
	for _, mi := range distances {
		out = append(out, option{Value: strconv.Itoa(mi), Label: strconv.Itoa(mi) + " mi / " + strconv.Itoa(int(milesToKm(float64(mi))+0.5)) + " km", Selected: mi == sel})
	}
	return out
}

func countryURL(country, state, city string) string {
	v := url.Values{}
	if state != "" {
		v.Set("state", state)
	}
	if city != "" {
		v.Set("city", city)
	}
	u := "/locations/" + url.PathEscape(country)
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// country shows a country's states, a state's cities, or a city's trials,
// as the state and city parameters ask.
func (s *site) country(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r.Context())
	if err != nil {
		return err
	}
	g, err := s.places(r.Context())
	if err != nil {
		return err
	}
	ix := v.Index
	c, ok := g.Country(r.PathValue("country"))
	if !ok {
		return errNotFound
	}
	state, city := r.URL.Query().Get("state"), r.URL.Query().Get("city")
	page := &locationsPage{Crumbs: []crumb{{"All countries", "/locations"}}}
	switch {
	case city != "":
		page.Crumbs = append(page.Crumbs, crumb{c.Country, countryURL(c.Country, "", "")})
		if state != "" && study.RegionsMatter(c.Country) {
			page.Crumbs = append(page.Crumbs, crumb{state, countryURL(c.Country, state, "")})
		} else {
			state = ""
		}
		page.Heading = strings.Join(nonEmptyStrings(city, state, c.Country), ", ")
		if err := s.cityTrials(r, ix, page, c.Country, state, city); err != nil {
			return err
		}
		if page.City.AllTotal == 0 {
			return errNotFound
		}
		return s.render(w, r, http.StatusOK, "place", "Trials in "+page.Heading, page)
	case state != "":
		page.Crumbs = append(page.Crumbs, crumb{c.Country, countryURL(c.Country, "", "")})
		page.Heading = state + ", " + c.Country
		page.PlaceKind = "cities"
		for _, p := range g.Cities(c.Country, state) {
			page.Places = append(page.Places, placeLink{Name: p.City, URL: countryURL(c.Country, p.State, p.City), N: p.Studies})
		}
	default:
		page.Heading = c.Country
		page.PlaceKind = "states or regions"
		// Where regions do not tell cities apart, the cities are listed
		// under the country, each once.
		if study.RegionsMatter(c.Country) {
			for _, p := range g.States(c.Country) {
				page.Places = append(page.Places, placeLink{Name: p.State, URL: countryURL(c.Country, p.State, ""), N: p.Studies})
			}
		}
		if len(page.Places) == 0 {
			page.PlaceKind = "cities"
		}
		for _, p := range g.Cities(c.Country, "") {
			page.Loose = append(page.Loose, placeLink{Name: p.City, URL: countryURL(c.Country, "", p.City), N: p.Studies})
		}
	}
	if len(page.Places) == 0 && len(page.Loose) == 0 {
		return errNotFound
	}
	return s.render(w, r, http.StatusOK, "locations", "Trials in "+page.Heading, page)
}

// cityTrials lists a city's trials, newest updated first: those open to
// patients unless all are asked for, narrowed to a condition if one is
// given, a page at a time; with the sites of the listed trials in the
// city, for the map.
func (s *site) cityTrials(r *http.Request, ix *search.Index, page *locationsPage, country, state, city string) error {
	q := r.URL.Query()
	cp := &cityPage{Action: "/locations/" + url.PathEscape(country), Country: country, State: state, Name: city,
		Cond: strings.TrimSpace(q.Get("cond")), All: q.Get("show") == "all", TileURL: s.cfg.TileURL}
	page.City = cp
	n := 1
	if v := q.Get("page"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > search.MaxOffset/cityPageSize+1 {
			return &search.InvalidError{Msg: fmt.Sprintf("page: %q is not a page number", v)}
		}
	}
	f := search.Filter{Country: country, State: state, City: city}
	var qs []search.AreaQuery
	if cp.Cond != "" {
		// As the search page does, an unreadable condition is searched
		// as its plain words.
		cond, _ := params{Cond: cp.Cond}.readable()
		qs = []search.AreaQuery{{Area: "cond", Query: cond.Cond}}
	}
	all, err := ix.Search(search.Request{Queries: qs, Filter: f, PageSize: 1})
	if err != nil {
		return err
	}
	cp.AllTotal = all.Total
	open := f
	open.Statuses = append(slices.Clone(study.RecruitingStatuses), "ENROLLING_BY_INVITATION")
	if !cp.All {
		f = open
	}
	res, err := ix.Search(search.Request{Queries: qs, Filter: f, Sort: []search.SortKey{{Field: "LastUpdatePostDate", Desc: true}},
		PageSize: cityPageSize, Offset: (n - 1) * cityPageSize})
	if err != nil {
		return err
	}
	cp.Total = res.Total
	if cp.All {
		if res, err := ix.Search(search.Request{Queries: qs, Filter: open, PageSize: 1}); err == nil {
			cp.OpenTotal = res.Total
		}
	} else {
		cp.OpenTotal = res.Total
	}
	if cp.Cards, err = s.cards(r.Context(), res.Hits, nil); err != nil {
		return err
	}
	link := func(n int, all bool) string {
		v := url.Values{"city": {city}}
		if state != "" {
			v.Set("state", state)
		}
		if cp.Cond != "" {
			v.Set("cond", cp.Cond)
		}
		if all {
			v.Set("show", "all")
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return cp.Action + "?" + v.Encode()
	}
	cp.First, cp.Last = (n-1)*cityPageSize+1, (n-1)*cityPageSize+len(cp.Cards)
	cp.AllURL = link(1, true)
	cp.Prev, cp.Next, cp.Pages = pageLinks(cp.Total, cityPageSize, n, func(n int) string { return link(n, cp.All) })
	return s.citySites(r, cp, res.Hits)
}

// citySites gathers the sites in the city of the listed trials, one per
// facility, with the most open status any of the trials has there.
func (s *site) citySites(r *http.Request, cp *cityPage, hits []search.Hit) error {
	byName := map[string]int{}
	for _, h := range hits {
		st, err := s.cfg.Studies.Study(r.Context(), h.NCTID)
		if err != nil {
			return fmt.Errorf("city site %s: %w", h.NCTID, err)
		}
		for _, l := range st.Locations {
			if l.Geo == nil || !strings.EqualFold(study.CityName(l.City), cp.Name) || study.CountryName(l.Country) != cp.Country ||
				(cp.State != "" && study.StateName(l.Country, l.State) != cp.State) {
				continue
			}
			k := strings.ToLower(l.Facility)
			if i, ok := byName[k]; ok {
				if siteRank(l.Status) < siteRank(cp.Sites[i].StatusValue) {
					cp.Sites[i].StatusValue = l.Status
				}
				continue
			}
			byName[k] = len(cp.Sites)
			cp.Sites = append(cp.Sites, siteView{
				Site:        trialpage.Site{Facility: l.Facility, City: l.City, State: l.State, Zip: l.Zip},
				StatusValue: l.Status, Lat: l.Geo.Lat, Lon: l.Geo.Lon, HasGeo: true,
			})
		}
	}
	slices.SortFunc(cp.Sites, func(a, b siteView) int { return strings.Compare(a.Site.Facility, b.Site.Facility) })
	return nil
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
