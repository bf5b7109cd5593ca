package gazetteer

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// demoStudies lists the bundled real records.
type demoStudies []study.Study

func (ss demoStudies) Each(ctx context.Context, fn func(study.Study) error) error {
	for _, s := range ss {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// demoGazetteer is built once: the gazetteer is immutable.
var demoGazetteer = demotest.Once(func(t testing.TB) *Gazetteer {
	g, err := Build(context.Background(), demoStudies(demotest.Studies(t)))
	if err != nil {
		t.Fatal(err)
	}
	return g
})

func loadDemo(t *testing.T) ([]study.Study, *Gazetteer) {
	t.Helper()
	return demotest.Studies(t), demoGazetteer(t)
}

// TestCountsAndMeans recomputes, straight from the records, the study
// count and mean coordinates of each place the test names, and compares.
func TestCountsAndMeans(t *testing.T) {
	all, g := loadDemo(t)
	type want struct {
		studies  int
		lat, lon float64
		n        int
	}
	compute := func(match func(l study.Location) bool) want {
		var w want
		for _, s := range all {
			hit := false
			for _, l := range s.Locations {
				if !match(l) {
					continue
				}
				hit = true
				if l.Geo != nil {
					w.lat += l.Geo.Lat
					w.lon += l.Geo.Lon
					w.n++
				}
			}
			if hit {
				w.studies++
			}
		}
		w.lat /= float64(w.n)
		w.lon /= float64(w.n)
		return w
	}
	check := func(name string, p Place, w want) {
		t.Helper()
		if p.Studies != w.studies {
			t.Errorf("%s: %d studies, want %d", name, p.Studies, w.studies)
		}
		if !p.HasGeo || math.Abs(p.Lat-w.lat) > 1e-9 || math.Abs(p.Lon-w.lon) > 1e-9 {
			t.Errorf("%s: at (%g, %g), want mean (%g, %g)", name, p.Lat, p.Lon, w.lat, w.lon)
		}
	}
	us, ok := g.Country("united states")
	if !ok {
		t.Fatal("no United States")
	}
	check("United States", us, compute(func(l study.Location) bool { return strings.EqualFold(l.Country, "United States") }))

	bos := g.Resolve("Boston, Massachusetts")
	if len(bos) != 1 || bos[0].Kind != City {
		t.Fatalf("Boston, Massachusetts resolves to %+v", bos)
	}
	check("Boston", bos[0], compute(func(l study.Location) bool {
		return strings.EqualFold(l.City, "Boston") && strings.EqualFold(l.State, "Massachusetts") && l.Country == "United States"
	}))

	var states []string
	for _, p := range g.States("United States") {
		if p.Kind != State || p.Country != "United States" {
			t.Errorf("state list holds %+v", p)
		}
		states = append(states, p.State)
	}
	if len(states) < 30 {
		t.Errorf("%d US states", len(states))
	}
	for _, c := range g.Cities("United States", "Massachusetts") {
		if c.Kind != City || c.State != "Massachusetts" || c.City == "" {
			t.Errorf("Massachusetts city list holds %+v", c)
		}
	}
}

func TestResolveAmbiguousAndZip(t *testing.T) {
	all, g := loadDemo(t)
	// A city name that sites give in two states is ambiguous; naming the
	// state settles it.
	states := map[string]map[string]bool{}
	zips := map[string][]study.Location{}
	for _, s := range all {
		for _, l := range s.Locations {
			if l.Geo == nil || l.City == "" || l.Country != "United States" {
				continue
			}
			if states[l.City] == nil {
				states[l.City] = map[string]bool{}
			}
			states[l.City][l.State] = true
			if len(l.Zip) == 5 {
				zips[l.Zip] = append(zips[l.Zip], l)
			}
		}
	}
	// Every ambiguous city and every ZIP, in order: a test that picks one
	// by map iteration checks a different one each run.
	tested := 0
	for _, city := range slices.Sorted(maps.Keys(states)) {
		st := states[city]
		if len(st) < 2 {
			continue
		}
		got := g.Resolve(city)
		if len(got) < 2 {
			t.Errorf("%s (in %d states) resolves to %d places", city, len(st), len(got))
		}
		for _, s := range slices.Sorted(maps.Keys(st)) {
			one := g.Resolve(city + ", " + s)
			if len(one) != 1 || one[0].State != s {
				t.Errorf("%s, %s resolves to %+v", city, s, one)
			}
		}
		tested++
	}
	if tested == 0 {
		t.Fatal("no ambiguous US city in the demo data")
	}
	// A ZIP alone may also be another country's postal code (75020 is
	// Denison, Texas and Paris 20e): it then resolves to one place per
	// country, most studies first, for the reader to choose from, and
	// the state settles it. A ZIP is placed at the sites that give it
	// with its name: one site giving it with another city (37067 is
	// Franklin, Tennessee, and once Annapolis, Maryland) moves it not.
	shared, named := 0, 0
	for _, zip := range slices.Sorted(maps.Keys(zips)) {
		got := g.Resolve(zip)
		countries := map[string]bool{}
		var us *Place
		for i, p := range got {
			if p.Kind != Postcode || !p.HasGeo || p.Zip != zip || countries[p.Country] {
				t.Errorf("ZIP %s resolves to %+v", zip, got)
			}
			countries[p.Country] = true
			if p.Country == "United States" {
				us = &got[i]
			}
			if i > 0 && p.Studies > got[i-1].Studies {
				t.Errorf("ZIP %s: candidates not in order of studies: %+v", zip, got)
			}
		}
		if us == nil {
			t.Errorf("ZIP %s resolves to no US place: %+v", zip, got)
			continue
		}
		for _, l := range zips[zip] {
			if l.State != us.State || fold(study.CityName(l.City)) != fold(us.City) {
				continue
			}
			named++
			if d := DistanceKm(us.Lat, us.Lon, l.Geo.Lat, l.Geo.Lon); d > 50 {
				t.Errorf("ZIP %s placed %.0f km from a site in %s, %s that gives it", zip, d, l.City, l.State)
			}
		}
		if len(got) > 1 {
			shared++
			if one := g.Resolve(zip + ", " + us.State); len(one) != 1 || one[0] != *us {
				t.Errorf("%s, %s resolves to %+v", zip, us.State, one)
			}
		}
	}
	if shared == 0 || named < len(zips) {
		t.Errorf("%d ZIPs also another country's, %d sites of %d ZIPs placed: the demo data should have some of each", shared, named, len(zips))
	}
	if got := g.Resolve("Nowhere-on-earth"); len(got) != 0 {
		t.Errorf("an unknown name resolves to %+v", got)
	}
	if got := g.Resolve("  ,  "); len(got) != 0 {
		t.Errorf("blank text resolves to %+v", got)
	}
}

func TestDistanceKm(t *testing.T) {
	// Boston to New York City, about 306 km great-circle.
	if d := DistanceKm(42.3601, -71.0589, 40.7128, -74.0060); math.Abs(d-306) > 3 {
		t.Errorf("Boston–New York %.1f km", d)
	}
	if d := DistanceKm(10, 20, 10, 20); d != 0 {
		t.Errorf("zero distance %g", d)
	}
}

func TestFoldAndName(t *testing.T) {
	if fold("  St. Louis ") != fold("st louis") {
		t.Error("dots and case are not folded")
	}
	p := Place{Kind: Postcode, Zip: "02115", City: "Boston", State: "Massachusetts", Country: "United States"}
	if p.Name() != "02115, Boston, Massachusetts, United States" {
		t.Errorf("Name %q", p.Name())
	}
}

// TestResolveAsPeopleWrite: abbreviations, ZIP codes after a state and
// other names of a country resolve to the place its full name does.
func TestResolveAsPeopleWrite(t *testing.T) {
	_, g := loadDemo(t)
	// The first candidate, with most studies: the others, if any, must
	// be a state of the same name ("London", a city and a region).
	one := func(text string) Place {
		t.Helper()
		ps := g.Resolve(text)
		if len(ps) == 0 {
			t.Fatalf("Resolve(%q) finds nothing", text)
		}
		for _, p := range ps[1:] {
			if p.Kind != State || p.State != ps[0].City {
				t.Errorf("Resolve(%q) is ambiguous: %v", text, ps)
			}
		}
		return ps[0]
	}
	for text, want := range map[string]string{
		"Boston, MA":       "Boston, Massachusetts, United States",
		"boston, ma 02115": "Boston, Massachusetts, United States",
		"Boston, Mass":     "",
		"Springfield, IL":  "Springfield, Illinois, United States",
		"Springfield, MO":  "Springfield, Missouri, United States",
		"MA":               "Massachusetts, United States",
		"Massachusetts":    "Massachusetts, United States",
		"ON":               "Ontario, Canada",
		"London, ON":       "London, Ontario, Canada",
		"South Korea":      "Korea, Republic of",
		"Czech Republic":   "Czechia",
		"Turkey":           "Türkiye",
		"Russia":           "Russian Federation",
		"USA":              "United States",
		"London, UK":       "London, United Kingdom",
		"Paris":            "Paris, France",
	} {
		if want == "" {
			if ps := g.Resolve(text); len(ps) != 0 {
				t.Errorf("Resolve(%q) = %v, want nothing", text, ps)
			}
			continue
		}
		if got := one(text).Name(); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestOnePlaceOneEntry: each country is listed once under its canonical
// name, and a city's spellings in one country outside the US and Canada
// are one place, counting each study once.
func TestOnePlaceOneEntry(t *testing.T) {
	all, g := loadDemo(t)
	seen := map[string]bool{}
	for _, c := range g.Countries() {
		if seen[c.Country] {
			t.Errorf("%s listed twice", c.Country)
		}
		seen[c.Country] = true
	}
	for _, alias := range []string{"Czech Republic", "South Korea", "Russia", "Turkey", "Turkey (Türkiye)"} {
		if seen[alias] {
			t.Errorf("%s listed under that name", alias)
		}
	}
	var london []Place
	for _, p := range g.Cities("United Kingdom", "") {
		if p.City == "London" {
			london = append(london, p)
		}
	}
	want := 0
	for _, s := range all {
		for _, l := range s.Locations {
			if strings.EqualFold(l.City, "london") && l.Country == "United Kingdom" {
				want++
				break
			}
		}
	}
	if len(london) != 1 || london[0].Studies != want {
		t.Errorf("London, United Kingdom: %v, want one place of %d studies", london, want)
	}
	var paris []Place
	for _, p := range g.Cities("France", "") {
		if strings.HasPrefix(strings.ToLower(p.City), "paris") {
			paris = append(paris, p)
		}
	}
	if len(paris) != 1 {
		t.Errorf("Paris, France is %d places: %v", len(paris), paris)
	}
}
