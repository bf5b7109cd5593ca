package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// locationsPage is the data of the trials-by-location pages: a list of
// places one level down, or the trials in one city.
type locationsPage struct {
	Crumbs                 []crumb
	Heading                string
	Places                 []placeLink
	PlaceKind              string      // "countries", "states or regions", "cities"
	Loose                  []placeLink // cities of a country whose sites give no state
	Open                   []card      // trials recruiting or about to
	Closed                 []card
	OpenTotal, ClosedTotal int
	Distances              []option
}

type crumb struct{ Name, URL string }

type placeLink struct {
	Name string
	URL  string
	N    int
}

// cityTrials is how many trials of each group a city page lists.
const cityTrials = 50

func (s *site) locations(w http.ResponseWriter, r *http.Request) error {
	g, err := s.places()
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
	ix := s.cfg.Search.Index()
	g, err := s.places()
	if err != nil {
		return err
	}
	c, ok := g.Country(r.PathValue("country"))
	if !ok {
		return errNotFound
	}
	state, city := r.URL.Query().Get("state"), r.URL.Query().Get("city")
	page := &locationsPage{Crumbs: []crumb{{"All countries", "/locations"}}}
	switch {
	case city != "":
		page.Crumbs = append(page.Crumbs, crumb{c.Country, countryURL(c.Country, "", "")})
		if state != "" {
			page.Crumbs = append(page.Crumbs, crumb{state, countryURL(c.Country, state, "")})
		}
		page.Heading = strings.Join(nonEmptyStrings(city, state, c.Country), ", ")
		if err := s.cityTrials(r.Context(), ix, page, search.Filter{Country: c.Country, State: state, City: city}); err != nil {
			return err
		}
		if page.OpenTotal+page.ClosedTotal == 0 {
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
		for _, p := range g.States(c.Country) {
			page.Places = append(page.Places, placeLink{Name: p.State, URL: countryURL(c.Country, p.State, ""), N: p.Studies})
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

// cityTrials lists a place's trials, those a patient can join first.
func (s *site) cityTrials(ctx context.Context, ix *search.Index, page *locationsPage, f search.Filter) error {
	sortKeys := []search.SortKey{{Field: "LastUpdatePostDate", Desc: true}}
	open := f
	open.Statuses = append(append([]string{}, study.RecruitingStatuses...), "ENROLLING_BY_INVITATION")
	res, err := ix.Search(search.Request{Filter: open, Sort: sortKeys, PageSize: cityTrials})
	if err != nil {
		return err
	}
	page.OpenTotal = res.Total
	if page.Open, err = s.cards(ctx, res.Hits, nil); err != nil {
		return err
	}
	closed := f
	for _, v := range study.Statuses.Values {
		if v.Value != "ENROLLING_BY_INVITATION" && !study.IsRecruiting(v.Value) {
			closed.Statuses = append(closed.Statuses, v.Value)
		}
	}
	if res, err = ix.Search(search.Request{Filter: closed, Sort: sortKeys, PageSize: cityTrials}); err != nil {
		return err
	}
	page.ClosedTotal = res.Total
	page.Closed, err = s.cards(ctx, res.Hits, nil)
	return err
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
