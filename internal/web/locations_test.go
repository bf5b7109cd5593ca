package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
)

func TestLocations(t *testing.T) {
	ts := newTestSite(t)
	d, res := ts.page(t, "/locations", 200)
	checkCommon(t, d, res)
	var usURL string
	countries := d.all("ul.places li")
	if len(countries) < 10 {
		t.Fatalf("%d countries listed", len(countries))
	}
	for _, li := range countries {
		a := all(li, "a")[0]
		if text(a) == "United States" {
			usURL = attr(a, "href")
			// The count is the number of studies with a site there.
			want := 0
			for _, s := range ts.studies {
				for _, l := range s.Locations {
					if l.Country == "United States" {
						want++
						break
					}
				}
			}
			if c := text(all(li, ".count")[0]); c != plural(want) {
				t.Errorf("United States count %q, want %q", c, plural(want))
			}
		}
	}
	if usURL == "" {
		t.Fatal("United States not listed")
	}
	if len(d.all(`form[action="/search"] input[name=loc]`)) != 1 {
		t.Error("no radius search form")
	}
	us, _ := ts.page(t, usURL, 200)
	states := us.all("ul.places li a")
	if len(states) < 20 {
		t.Fatalf("%d US states", len(states))
	}
	var maURL string
	for _, a := range states {
		if text(a) == "Massachusetts" {
			maURL = attr(a, "href")
		}
	}
	ma, _ := ts.page(t, maURL, 200)
	var bostonURL string
	for _, a := range ma.all("ul.places li a") {
		if text(a) == "Boston" {
			bostonURL = attr(a, "href")
		}
	}
	if bostonURL == "" {
		t.Fatal("Boston not among Massachusetts cities")
	}
	b, res := ts.page(t, bostonURL, 200)
	checkCommon(t, b, res)
	open := b.all("section:first-of-type .cards .card h3 a")
	if len(open) == 0 {
		t.Fatal("no recruiting trials in Boston")
	}
	for _, a := range open {
		id := strings.TrimPrefix(attr(a, "href"), "/study/")
		s := ts.studies[id]
		if !study.IsRecruiting(s.OverallStatus) && s.OverallStatus != "ENROLLING_BY_INVITATION" {
			t.Errorf("%s (%s) listed as recruiting", id, s.OverallStatus)
		}
		inBoston := false
		for _, l := range s.Locations {
			inBoston = inBoston || (strings.EqualFold(l.City, "Boston") && strings.EqualFold(l.State, "Massachusetts"))
		}
		if !inBoston {
			t.Errorf("%s has no site in Boston", id)
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return "1 trial"
	}
	return commas(n) + " trials"
}

// TestCityPage: a city's trials counted from the records, the condition
// filter, paging and the sites on the map.
func TestCityPage(t *testing.T) {
	ts := newTestSite(t)
	inBoston := func(s study.Study) bool {
		for _, l := range s.Locations {
			if strings.EqualFold(l.City, "Boston") && l.State == "Massachusetts" {
				return true
			}
		}
		return false
	}
	open := func(s study.Study) bool {
		return study.IsRecruiting(s.OverallStatus) || s.OverallStatus == "ENROLLING_BY_INVITATION"
	}
	wantOpen := countStudies(ts, func(s study.Study) bool { return inBoston(s) && open(s) })
	wantAll := countStudies(ts, inBoston)
	base := "/locations/United%20States?state=Massachusetts&city=Boston"
	d, res := ts.page(t, base, 200)
	checkCommon(t, d, res)
	if got := total(t, d); got != wantOpen {
		t.Errorf("Boston, recruiting: %d, want %d", got, wantOpen)
	}
	if n := len(d.all(".cards .card")); n != min(wantOpen, cityPageSize) {
		t.Errorf("%d cards on the first page", n)
	}
	for _, id := range cardIDs(d) {
		if s := ts.studies[id]; !inBoston(s) || !open(s) {
			t.Errorf("%s (%s) listed among Boston's recruiting trials", id, s.OverallStatus)
		}
	}
	every, _ := ts.page(t, base+"&show=all", 200)
	if got := total(t, every); got != wantAll {
		t.Errorf("Boston, all: %d, want %d", got, wantAll)
	}
	if wantAll <= cityPageSize {
		t.Fatal("Boston has too few trials to test paging")
	}
	second, _ := ts.page(t, attr(every.one(`.pager a[rel=next]`), "href"), 200)
	if h := text(second.one("#results-count")); !strings.HasPrefix(h, "Results 21–") {
		t.Errorf("second page heading %q", h)
	}
	for _, id := range cardIDs(second) {
		if slices.Contains(cardIDs(every), id) {
			t.Errorf("%s on both pages", id)
		}
	}
	// The condition filter narrows to trials about it.
	cancer, _ := ts.page(t, base+"&show=all&cond=leukemia", 200)
	if n := total(t, cancer); n == 0 || n >= wantAll {
		t.Errorf("Boston, leukemia: %d of %d", n, wantAll)
	}
	// The map's sites are the listed trials' Boston sites.
	sites := d.all(".city-sites .sites .site[data-lat]")
	if len(sites) == 0 {
		t.Fatal("no sites for the map")
	}
	for _, s := range sites {
		if w := text(all(s, ".where")[0]); !strings.HasPrefix(w, "Boston") {
			t.Errorf("map site in %q", w)
		}
	}
	if len(d.all(".map-legend li")) != 5 {
		t.Error("the map has no legend")
	}
}

// TestCountryListsEachCityOnce: outside the US and Canada a country's
// cities are listed once each, under the country.
func TestCountryListsEachCityOnce(t *testing.T) {
	ts := newTestSite(t)
	for _, country := range []string{"United%20Kingdom", "France"} {
		d, _ := ts.page(t, "/locations/"+country, 200)
		names := texts(d.all("ul.places li a"))
		seen := map[string]bool{}
		for _, n := range names {
			if seen[strings.ToLower(n)] {
				t.Errorf("%s: %q listed twice", country, n)
			}
			seen[strings.ToLower(n)] = true
			if strings.Contains(strings.ToLower(n), "cedex") || strings.Contains(n, ",") {
				t.Errorf("%s: %q keeps its postal routing or region", country, n)
			}
		}
		if len(names) < 3 {
			t.Errorf("%s lists %v", country, names)
		}
	}
	d, _ := ts.page(t, "/locations", 200)
	countries := texts(d.all("ul.places li a"))
	for _, alias := range []string{"Czech Republic", "South Korea", "Russia", "Turkey", "Turkey (Türkiye)"} {
		if slices.Contains(countries, alias) {
			t.Errorf("/locations lists %s under that name", alias)
		}
	}
}
