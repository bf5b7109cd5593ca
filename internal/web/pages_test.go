package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/study"
)

func TestHome(t *testing.T) {
	ts := newTestSite(t)
	d, res := ts.page(t, "/", 200)
	checkCommon(t, d, res)
	form := d.one(`form[role=search][action="/search"]`)
	if len(all(form, `input#q[name=q]`)) != 1 || len(all(form, `input#loc[name=loc]`)) != 1 {
		t.Error("home search form lacks the keyword or location box")
	}
	box := d.one(`input#recruiting[type=checkbox]`)
	if !hasAttr(box, "checked") {
		t.Error(`"Recruiting only" is not checked by default`)
	}
	for _, href := range []string{"/locations", "/glossary"} {
		if len(d.all(`main a[href="`+href+`"]`)) == 0 {
			t.Errorf("home page does not link to %s", href)
		}
	}
}

// cardIDs returns the NCT IDs of a results page's cards, in order.
func cardIDs(d doc) []string {
	var out []string
	for _, a := range d.all(".cards .card h3 a") {
		out = append(out, strings.TrimPrefix(attr(a, "href"), "/study/"))
	}
	return out
}

func TestSearchResults(t *testing.T) {
	ts := newTestSite(t)
	d, res := ts.page(t, "/search?q=cancer&status=RECRUITING,NOT_YET_RECRUITING", 200)
	checkCommon(t, d, res)
	ids := cardIDs(d)
	if len(ids) != 10 {
		t.Fatalf("%d result cards, want a full first page of 10", len(ids))
	}
	for i, card := range d.all(".cards .card") {
		st := ts.studies[ids[i]]
		if !study.IsRecruiting(st.OverallStatus) {
			t.Errorf("%s has status %s, outside the status filter", st.NCTID, st.OverallStatus)
		}
		badge := text(all(card, ".badge")[0])
		if !strings.Contains(badge, study.Statuses.Label(st.OverallStatus)) {
			t.Errorf("%s badge %q does not say %q in words", st.NCTID, badge, study.Statuses.Label(st.OverallStatus))
		}
		if title := text(all(card, "h3")[0]); title != squash(displayTitle(st)) {
			t.Errorf("card title %q, want %q", title, displayTitle(st))
		}
	}
	// The filter panel is a plain GET form with a fieldset per facet, and
	// every option shows its count.
	form := d.one("form.filter-form")
	if attr(form, "method") != "get" {
		t.Error("filter form is not GET")
	}
	legends := texts(all(form, "fieldset legend"))
	for _, want := range []string{"Status", "Phase", "Study type", "Funder type", "Sex", "Age group", "Healthy volunteers", "Results"} {
		if !slices.Contains(legends, want) {
			t.Errorf("filter panel has no %q group (has %v)", want, legends)
		}
	}
	for _, l := range all(form, ".opt label") {
		if len(all(l, ".count")) == 0 && text(l) != "Any" {
			t.Errorf("filter option %q shows no count", text(l))
		}
	}
	// Selected statuses stay ticked.
	for _, v := range []string{"RECRUITING", "NOT_YET_RECRUITING"} {
		box := all(form, `input[name=status][value="`+v+`"]`)
		if len(box) != 1 || !hasAttr(box[0], "checked") {
			t.Errorf("status %s is not ticked in the filter panel", v)
		}
	}
	// Export links name the API with the same search.
	for _, f := range []string{"csv", "json"} {
		found := false
		for _, a := range d.all(".export a") {
			u, err := url.Parse(attr(a, "href"))
			if err == nil && u.Path == "/api/v2/studies/download" && u.Query().Get("format") == f {
				found = true
				q := u.Query()
				if q.Get("query.term") != "cancer" || q.Get("filter.overallStatus") != "RECRUITING,NOT_YET_RECRUITING" {
					t.Errorf("%s export %s does not carry the search", f, u)
				}
			}
		}
		if !found {
			t.Errorf("no %s export link", f)
		}
	}
	if len(d.all(`details.search-details summary`)) != 1 {
		t.Error("no search details disclosure")
	}
	if len(d.all(`link[rel=alternate][type="application/atom+xml"]`)) != 1 {
		t.Error("no feed link in the head")
	}
}

func TestSearchPaging(t *testing.T) {
	ts := newTestSite(t)
	first, _ := ts.page(t, "/search?q=cancer", 200)
	firstIDs := cardIDs(first)
	next := attr(first.one(`.pager a[rel=next]`), "href")
	second, _ := ts.page(t, next, 200)
	secondIDs := cardIDs(second)
	if len(secondIDs) == 0 {
		t.Fatal("second page is empty")
	}
	for _, id := range secondIDs {
		if slices.Contains(firstIDs, id) {
			t.Errorf("%s is on both pages", id)
		}
	}
	if len(second.all(`.pager a[href="/search?q=cancer"]`)) == 0 {
		t.Error("second page has no link to the first page")
	}
	third, _ := ts.page(t, attr(second.one(`.pager a[rel=next]`), "href"), 200)
	back, _ := ts.page(t, attr(third.one(`.pager a[rel=prev]`), "href"), 200)
	if !slices.Equal(cardIDs(back), secondIDs) {
		t.Errorf("previous from page 3 shows %v, want page 2 %v", cardIDs(back), secondIDs)
	}
	back1, _ := ts.page(t, attr(second.one(`.pager a[rel=prev]`), "href"), 200)
	if !slices.Equal(cardIDs(back1), firstIDs) {
		t.Errorf("previous from page 2 shows %v, want page 1 %v", cardIDs(back1), firstIDs)
	}
}

func TestSearchFilterPhase(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/search?q=cancer&phase=PHASE2", 200)
	ids := cardIDs(d)
	if len(ids) == 0 {
		t.Fatal("no phase 2 cancer trials")
	}
	for _, id := range ids {
		if !slices.Contains(ts.studies[id].Phases, "PHASE2") {
			t.Errorf("%s (phases %v) passed the phase 2 filter", id, ts.studies[id].Phases)
		}
	}
	// With phase 2 chosen, the phase group still offers the other phases
	// with their own counts.
	if n := len(d.all(`input[name=phase]`)); n < 3 {
		t.Errorf("phase group offers %d choices after choosing one", n)
	}
}

// placeOf finds the gazetteer's entry for a city, as the site resolves it.
func placeOf(t *testing.T, ts *testSite, name string) gazetteer.Place {
	t.Helper()
	ps := ts.gaz.Resolve(name)
	if len(ps) == 0 {
		t.Fatalf("gazetteer does not know %q", name)
	}
	return ps[0]
}

func TestSearchNearPlace(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/search?q=cancer&loc=Boston,+Massachusetts&distance=25", 200)
	if h1 := text(d.one("h1")); !strings.Contains(h1, "near Boston, Massachusetts") {
		t.Errorf("h1 %q does not name the place", h1)
	}
	boston := placeOf(t, ts, "Boston, Massachusetts")
	ids := cardIDs(d)
	if len(ids) == 0 {
		t.Fatal("no cancer trials near Boston")
	}
	for i, card := range d.all(".cards .card") {
		best := 1e9
		for _, l := range ts.studies[ids[i]].Locations {
			if l.Geo != nil {
				best = min(best, gazetteer.DistanceKm(boston.Lat, boston.Lon, l.Geo.Lat, l.Geo.Lon))
			}
		}
		if best > milesToKm(25)+0.01 {
			t.Errorf("%s: nearest site %.0f km away, beyond 25 miles", ids[i], best)
		}
		if !strings.Contains(text(card), "Nearest site") {
			t.Errorf("%s card does not show its nearest site", ids[i])
		}
	}
	if len(d.all(`select#sort option[value=distance]`)) != 1 {
		t.Error("no distance sort when a place is given")
	}
	if len(d.all(`input[name=distance][value="25"][checked]`)) != 1 {
		t.Error("the distance filter does not show 25 miles chosen")
	}
}

// ambiguousCity returns a city name that sites give in two states of one
// country whose states tell cities apart (elsewhere a city is one place
// whatever district its sites name).
func ambiguousCity(ts *testSite) string {
	states := map[string]map[string]bool{}
	for _, s := range ts.studies {
		for _, l := range s.Locations {
			if l.Geo == nil || l.State == "" || l.City == "" || !study.RegionsMatter(l.Country) {
				continue
			}
			k := strings.ToLower(l.City + "|" + l.Country)
			if states[k] == nil {
				states[k] = map[string]bool{}
			}
			states[k][study.StateName(l.Country, l.State)] = true
		}
	}
	var names []string
	for k, v := range states {
		if len(v) > 1 {
			names = append(names, strings.Split(k, "|")[0])
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

func TestSearchAmbiguousPlace(t *testing.T) {
	ts := newTestSite(t)
	city := ambiguousCity(ts)
	if city == "" {
		t.Fatal("the demo data has no city name in two states")
	}
	d, _ := ts.page(t, "/search?loc="+url.QueryEscape(city), 200)
	choices := d.all(".choices a")
	if len(choices) < 2 {
		t.Fatalf("%q offers %d choices, want at least 2", city, len(choices))
	}
	// Each choice is a search that resolves.
	c, _ := ts.page(t, attr(choices[0], "href"), 200)
	if len(c.all(".choices a")) != 0 {
		t.Errorf("choice %s is still ambiguous", attr(choices[0], "href"))
	}
}

func TestSearchUnknownPlace(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/search?loc=Qwxyzville", 200)
	if !strings.Contains(text(d.one(".notice")), "Qwxyzville") {
		t.Error("an unknown place is not reported")
	}
}

func TestBadRequests(t *testing.T) {
	ts := newTestSite(t)
	for path, want := range map[string]string{
		"/search?sort=bogus":      "sort",
		"/search?status=BOGUS":    "BOGUS",
		"/search?distance=-4":     "distance",
		"/search?lat=95&lon=10":   "lat",
		"/search?page=notanumber": "page",
		"/search?page=0":          "page",
		"/search?page=99999":      "page",
	} {
		d, res := ts.page(t, path, 400)
		checkCommon(t, d, res)
		if msg := text(d.one("main")); !strings.Contains(msg, want) {
			t.Errorf("%s: 400 page says %q, want it to mention %q", path, msg, want)
		}
	}
	for _, path := range []string{"/nope", "/study/NCT99999999", "/study/foo", "/locations/Atlantis", "/static/site.css"} {
		d, res := ts.page(t, path, 404)
		if path != "/static/site.css" {
			checkCommon(t, d, res)
		}
	}
}

// TestExpiredRequestIsA503: a request past its deadline (the server sets
// one on every request) gets a "took too long" page, not a 500.
func TestExpiredRequestIsA503(t *testing.T) {
	ts := newTestSite(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/study/NCT05111366", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if h := text(parse(t, rec.Body.String()).one("h1")); !strings.Contains(h, "too long") {
		t.Errorf("the page's heading is %q", h)
	}
}

func TestFeed(t *testing.T) {
	ts := newTestSite(t)
	res, body := ts.get(t, "/search/feed?q=cancer")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("feed Content-Type %q", ct)
	}
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Author  []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("feed is not Atom: %v", err)
	}
	if f.ID == "" || f.Title == "" || f.Updated == "" || len(f.Author) == 0 {
		t.Errorf("feed lacks a required element: %+v", f)
	}
	if len(f.Entries) == 0 {
		t.Fatal("feed has no entries")
	}
	for i, e := range f.Entries {
		id := strings.TrimPrefix(e.Link.Href, testBaseURL+"/study/")
		st, ok := ts.studies[id]
		if !ok {
			t.Fatalf("entry link %s is not a trial page", e.Link.Href)
		}
		if !strings.HasPrefix(e.Updated, st.Dates.LastUpdatePosted.Sortable()) {
			t.Errorf("%s updated %s, want %s", id, e.Updated, st.Dates.LastUpdatePosted.Value)
		}
		if i > 0 && e.Updated > f.Entries[i-1].Updated {
			t.Errorf("entries not newest first at %d", i)
		}
	}
}

func TestGlossary(t *testing.T) {
	ts := newTestSite(t)
	d, res := ts.page(t, "/glossary", 200)
	checkCommon(t, d, res)
	for _, id := range []string{"phase-1", "phase-2", "phase-3", "phase-4", "early-phase-1", "randomized", "masking", "placebo", "arm",
		"ecog", "karnofsky", "healthy-volunteers", "inclusion-criteria", "exclusion-criteria", "enrollment", "sponsor",
		"collaborator", "funder-type", "interventional", "observational", "expanded-access", "status-recruiting", "status-withdrawn"} {
		if len(d.all(`.glossary #`+id+` dt`)) != 1 {
			t.Errorf("glossary has no entry %s", id)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/", 200)
	href := attr(d.one(`link[rel=stylesheet]`), "href")
	res, body := ts.get(t, href)
	if res.StatusCode != 200 || !strings.Contains(body, ".badge") {
		t.Fatalf("stylesheet %s: %d", href, res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("hashed asset Cache-Control %q", cc)
	}
	etag := res.Header.Get("ETag")
	req := httptest.NewRequest("GET", href, nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, req)
	if rec.Code != 304 {
		t.Errorf("conditional request: %d, want 304", rec.Code)
	}
}

func TestPageWeight(t *testing.T) {
	ts := newTestSite(t)
	for path, budget := range map[string]int{
		"/study/NCT05111366": 100_000,
		"/search?q=cancer&status=RECRUITING,NOT_YET_RECRUITING&loc=Boston": 150_000,
		// The trial with most sites (1,218): its site list comes a page at
		// a time.
		"/study/NCT02465060": 150_000,
	} {
		res, body := ts.get(t, path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		total := len(body)
		d := parse(t, body)
		for _, n := range append(d.all(`link[rel=stylesheet]`), d.all(`script[src]`)...) {
			u := attr(n, "href") + attr(n, "src")
			_, b := ts.get(t, u)
			total += len(b)
		}
		t.Logf("%s: %d bytes of HTML, CSS and JS", path, total)
		if total > budget {
			t.Errorf("%s weighs %d bytes, over the %d budget", path, total, budget)
		}
	}
}

func TestMedicalTrialJSONLD(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/study/NCT05111366", 200)
	var ld map[string]any
	if err := json.Unmarshal([]byte(text(d.one(`script[type="application/ld+json"]`))), &ld); err != nil {
		t.Fatal(err)
	}
	if ld["@type"] != "MedicalTrial" || ld["identifier"] != "NCT05111366" || ld["@context"] != "https://schema.org" {
		t.Errorf("JSON-LD %v", ld)
	}
	if conds, _ := ld["healthCondition"].([]any); len(conds) != 2 {
		t.Errorf("JSON-LD conditions %v", ld["healthCondition"])
	}
}

// TestSexFilterSaysWhatItSelects: beside "Any", the sex filter's values
// say what they select (trials open to every sex, or open to women,
// whether to women only or to all), each with the count of trials it
// then finds.
func TestSexFilterSaysWhatItSelects(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/search?q=cancer", 200)
	labels := map[string]string{}
	for _, in := range d.all(`input[type=radio][name=sex]`) {
		labels[attr(in, "value")] = text(d.one(`label[for="` + attr(in, "id") + `"]`))
	}
	for v, want := range map[string]string{"": "Any", "ALL": "Open to all sexes", "FEMALE": "Open to women"} {
		if !strings.HasPrefix(labels[v], want) {
			t.Errorf("sex filter %q reads %q, want %q", v, labels[v], want)
		}
	}
	d, _ = ts.page(t, "/search?q=cancer&sex=FEMALE", 200)
	n := strings.TrimSuffix(strings.TrimPrefix(text(d.one(`label[for="`+attr(d.one(`input[type=radio][name=sex][value=FEMALE]`), "id")+`"] .count`)), "("), ")")
	if h := text(d.one("#results-count")); !strings.HasSuffix(h, " of "+n) && !strings.HasSuffix(h, n+" trials") {
		t.Errorf("women only: %q, the filter said %s", h, n)
	}
	for _, c := range d.all(".cards .card") {
		if strings.Contains(text(c), "Sex Male") {
			t.Errorf("a trial for men found as open to women: %s", text(all(c, "h3")[0]))
		}
	}
}
