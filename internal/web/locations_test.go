package web

import (
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
