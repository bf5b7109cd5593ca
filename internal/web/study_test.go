package web

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// refHeadings are the section headings of the reference page, in order.
var refHeadings = []string{
	"Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
	"Details and patient eligibility", "About", "Full description", "Enrollment", "Sex", "Ages", "Volunteers",
	"Inclusion criteria", "Exclusion criteria", "Trial design", "Trial contacts and locations", "Central trial contact",
}

// refSection is one heading of the reference page with its lines.
type refSection struct {
	heading string
	lines   []string
	bullets []string
}

// readReference splits the reference page's text into its sections.
func readReference(t *testing.T) []refSection {
	t.Helper()
	b, err := os.ReadFile("testdata/veeva-trial-page-NCT05111366.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []refSection
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "Data sourced from") {
			break
		}
		switch {
		case slices.Contains(refHeadings, l):
			out = append(out, refSection{heading: l})
		case l == "" || len(out) == 0:
		case strings.HasPrefix(l, "•"):
			item := squash(strings.ReplaceAll(strings.TrimPrefix(l, "•"), "•", ""))
			out[len(out)-1].bullets = append(out[len(out)-1].bullets, item)
		case l == "Loading..." || l == "1":
			// The reference page's map placeholder and its site count,
			// which we write as "1 site".
		default:
			out[len(out)-1].lines = append(out[len(out)-1].lines, l)
		}
	}
	return out
}

func TestTrialPageMatchesReference(t *testing.T) {
	ts := newTestSite(t)
	d, res := ts.page(t, "/study/NCT05111366", 200)
	checkCommon(t, d, res)
	if h1 := text(d.one("h1")); !strings.HasPrefix(h1, "TQB2450 Plus Anlotinib as Adjuvant Therapy in HCC") || !strings.HasSuffix(h1, "(ALTER-H006)") {
		t.Errorf("h1 %q", h1)
	}
	// The reference leaves the name unlabelled; ours says the role.
	if by := text(d.one(".byline")); by != "Principal investigator: Xianhai Mao" {
		t.Errorf("byline %q", by)
	}
	// Headings in the reference order.
	var got []string
	for _, h := range d.all("article.trial section > h2, article.trial section > h3") {
		got = append(got, text(h))
	}
	// Ours adds, right after the criteria, whether one can join (this
	// trial's status is unknown, so it offers no check), and what
	// ClinicalTrials.gov shows besides: sponsors, dates and outcomes.
	want := slices.Insert(slices.Clone(refHeadings), slices.Index(refHeadings, "Exclusion criteria")+1, "Can I join this trial?")
	want = slices.Insert(want, slices.Index(want, "Identifiers")+1, "Sponsor", "Dates")
	want = slices.Insert(want, slices.Index(want, "Trial design")+1, "Primary outcomes")
	if !slices.Equal(got, want) {
		t.Errorf("section headings\n got %q\nwant %q", got, want)
	}
	ref := readReference(t)
	if len(ref) != len(refHeadings) {
		t.Fatalf("reference parsed into %d sections", len(ref))
	}
	sections := d.all("article.trial section")
	for _, r := range ref {
		var sec *html.Node
		for _, s := range sections {
			if h := all(s, "h2, h3"); len(h) > 0 && text(h[0]) == r.heading {
				sec = s
			}
		}
		if sec == nil {
			t.Errorf("no section %q", r.heading)
			continue
		}
		body := text(sec)
		for _, l := range r.lines {
			if !strings.Contains(body, squash(l)) {
				t.Errorf("section %q lacks %q", r.heading, l)
			}
		}
		if len(r.bullets) == 0 {
			continue
		}
		// Criteria are real list items, one per reference bullet, with
		// the bullet's words in order (nested items inside theirs).
		items := all(sec, "ul.criteria > li")
		if len(items) != len(r.bullets) {
			t.Errorf("%s: %d list items, reference has %d", r.heading, len(items), len(r.bullets))
			continue
		}
		for i, b := range r.bullets {
			if got := strings.ReplaceAll(text(items[i]), "• ", ""); squash(got) != b {
				t.Errorf("%s item %d:\n got %q\nwant %q", r.heading, i+1, got, b)
			}
		}
	}
	// Trial design label/value pairs are a definition list.
	var pairs []string
	for _, div := range d.all("#design dl.fields > div") {
		pairs = append(pairs, text(all(div, "dt")[0])+"="+text(all(div, "dd")[0]))
	}
	want = []string{"Primary purpose=Treatment", "Allocation=N/A", "Interventional model=Single Group Assignment", "Masking=None (Open label)"}
	if !slices.Equal(pairs, want) {
		t.Errorf("design fields %q, want %q", pairs, want)
	}
	// The arm lists its treatments as a list.
	treat := texts(d.all("#design .group ul li"))
	if !slices.Equal(treat, []string{"Drug: Anlotinib hydrochloride capsules", "Drug: TQB2450 injection"}) {
		t.Errorf("arm treatments %q", treat)
	}
	// Status not by colour alone, with the UNKNOWN banner and freshness.
	if b := text(d.one(".trial-head .badge")); !strings.Contains(b, "Unknown") {
		t.Errorf("status badge %q", b)
	}
	if b := text(d.one(".banner")); !strings.Contains(b, "status is unknown") {
		t.Errorf("banner %q", b)
	}
	fresh := text(d.one(".fresh"))
	if !strings.Contains(fresh, "2021-11-18") || !strings.Contains(fresh, ts.view.Index.DataTime()) {
		t.Errorf("freshness line %q", fresh)
	}
	if len(d.all(`a[href="https://clinicaltrials.gov/study/NCT05111366"]`)) != 1 {
		t.Error("no link to the record on ClinicalTrials.gov")
	}
	// Terms link to glossary entries that exist.
	gl, _ := ts.page(t, "/glossary", 200)
	links := d.all(`a[href^="/glossary#"]`)
	if len(links) < 5 {
		t.Errorf("only %d glossary links on the trial page", len(links))
	}
	for _, a := range links {
		id := strings.TrimPrefix(attr(a, "href"), "/glossary#")
		if len(gl.all("#"+id)) != 1 {
			t.Errorf("glossary link %s has no entry", id)
		}
	}
}

func TestTrialPageAliasRedirect(t *testing.T) {
	ts := newTestSite(t)
	for id, s := range ts.studies {
		for _, a := range s.Aliases {
			if _, taken := ts.studies[a]; taken {
				continue
			}
			res, _ := ts.get(t, "/study/"+a)
			if res.StatusCode != 301 || res.Header.Get("Location") != "/study/"+id {
				t.Errorf("/study/%s: %d to %q, want 301 to /study/%s", a, res.StatusCode, res.Header.Get("Location"), id)
			}
			return
		}
	}
	t.Fatal("no study with an alias in the demo data")
}

// TestTrialPageEscapes checks that record text with markup characters
// reaches the reader as text: the parsed page holds the characters, and
// no element was injected.
func TestTrialPageEscapes(t *testing.T) {
	ts := newTestSite(t)
	found := 0
	for id, s := range ts.studies {
		c := s.Eligibility.Criteria
		if !strings.ContainsAny(c, "<&") {
			continue
		}
		d, _ := ts.page(t, "/study/"+id, 200)
		crit := text(d.one("article.trial"))
		for _, word := range strings.Fields(c) {
			w := strings.Trim(word, `*\`)
			if strings.ContainsAny(w, "<&") && !strings.ContainsAny(w, `\*[]`) && !strings.Contains(crit, w) {
				t.Errorf("%s: %q is not shown as text", id, w)
				break
			}
		}
		if n := len(d.all("article.trial script, article.trial iframe, article.trial img")); n > 0 {
			t.Errorf("%s: %d injected elements", id, n)
		}
		if found++; found == 5 {
			break
		}
	}
	if found == 0 {
		t.Fatal("no study with < or & in its criteria")
	}
}

func TestTrialPageSites(t *testing.T) {
	ts := newTestSite(t)
	// A study with sites in several countries, some geocoded.
	var id, country string
	best := 0
	for k, s := range ts.studies {
		countries := map[string]bool{}
		for _, l := range s.Locations {
			if l.Geo != nil {
				countries[l.Country] = true
			}
		}
		if len(countries) > 2 && len(s.Locations) > best && len(s.Locations) <= sitesPerPage {
			id, best = k, len(s.Locations)
			for c := range countries {
				country = c
				break
			}
		}
	}
	if id == "" {
		t.Fatal("no multi-country study")
	}
	d, _ := ts.page(t, "/study/"+id, 200)
	if n := len(d.all("#locations ol.sites > li.site")); n != best {
		t.Errorf("%s: %d sites listed, want %d", id, n, best)
	}
	if len(d.all(`#locations form select#site-country option`)) < 3 {
		t.Error("no country filter")
	}
	if len(d.all(`#site-map[data-world][data-leaflet-js]`)) != 1 {
		t.Error("no map container")
	}
	f, _ := ts.page(t, "/study/"+id+"?country="+strings.ReplaceAll(country, " ", "+"), 200)
	want := 0
	for _, l := range ts.studies[id].Locations {
		if l.Country == country {
			want++
		}
	}
	if n := len(f.all("ol.sites > li.site")); n != want {
		t.Errorf("%s in %s: %d sites, want %d", id, country, n, want)
	}
	// Nearest first from a place.
	var near string
	for _, l := range ts.studies[id].Locations {
		if l.Geo != nil && l.City != "" {
			near = l.City + ", " + l.Country
			break
		}
	}
	n, _ := ts.page(t, "/study/"+id+"?near="+strings.ReplaceAll(near, " ", "+"), 200)
	var dist []string
	for _, p := range n.all("ol.sites .distance") {
		dist = append(dist, text(p))
	}
	if len(dist) == 0 {
		t.Fatalf("no distances near %s", near)
	}
	if !strings.HasPrefix(dist[0], "under 1 mile") && !strings.HasPrefix(dist[0], "0") && !strings.HasPrefix(dist[0], "1") {
		t.Errorf("nearest site to %s is %s away", near, dist[0])
	}
}

// TestTrialPageLargestSiteList: the 1,218 sites of NCT02465060 come 50 at
// a time, every site once over the pages, in the record's counts.
func TestTrialPageLargestSiteList(t *testing.T) {
	ts := newTestSite(t)
	const id = "NCT02465060"
	n := len(ts.studies[id].Locations)
	if n <= sitesPerPage {
		t.Fatalf("%s has %d sites", id, n)
	}
	d, res := ts.page(t, "/study/"+id, 200)
	checkCommon(t, d, res)
	if got := len(d.all("#locations ol.sites > li.site")); got != sitesPerPage {
		t.Errorf("first page lists %d sites, want %d", got, sitesPerPage)
	}
	pages := d.all("#locations .pager a")
	if len(pages) == 0 {
		t.Fatal("no pages of sites")
	}
	last := (n + sitesPerPage - 1) / sitesPerPage
	lastPage, _ := ts.page(t, fmt.Sprintf("/study/%s?sitepage=%d", id, last), 200)
	if got, want := len(lastPage.all("#locations ol.sites > li.site")), n-(last-1)*sitesPerPage; got != want {
		t.Errorf("last page lists %d sites, want %d", got, want)
	}
	if start := attr(lastPage.one("#locations ol.sites"), "start"); start != fmt.Sprint((last-1)*sitesPerPage+1) {
		t.Errorf("last page's list starts at %s", start)
	}
	bad, _ := ts.page(t, fmt.Sprintf("/study/%s?sitepage=%d", id, last+1), 400)
	if h, p := text(bad.one("h1")), text(bad.one("main p")); h != "We could not show that page" || !strings.Contains(p, "sitepage") {
		t.Errorf("a site page past the last: %q, %q", h, p)
	}
}

// TestTrialPageFacts: sponsors, dates, outcomes, results and banners, as
// the records give them.
func TestTrialPageFacts(t *testing.T) {
	ts := newTestSite(t)
	st := ts.studies["NCT05111366"]
	d, _ := ts.page(t, "/study/NCT05111366", 200)
	sponsor := text(d.one("#sponsor"))
	if !strings.Contains(sponsor, "Lead sponsor "+st.LeadSponsor.Name) || !strings.Contains(sponsor, st.Collaborators[0].Name) {
		t.Errorf("sponsor section %q", sponsor)
	}
	dates := text(d.one("#dates"))
	for _, want := range []string{"Study start " + st.Dates.Start.Value + " (actual)", "Primary completion " + st.Dates.PrimaryCompletion.Value + " (estimated)",
		"First posted " + st.Dates.FirstPosted.Value} {
		if !strings.Contains(dates, want) {
			t.Errorf("dates %q lack %q", dates, want)
		}
	}
	outcomes := d.all("#primary-outcomes .outcomes li")
	if len(outcomes) != 1 || !strings.Contains(text(outcomes[0]), st.Outcomes[0].TimeFrame) {
		t.Errorf("primary outcomes %v", texts(outcomes))
	}
	// Results, banners and site status symbols across the records.
	seenBanner := map[string]bool{}
	resultsChecked := false
	for id, s := range ts.studies {
		if !s.HasResults && seenBanner[s.OverallStatus] {
			continue
		}
		if s.HasResults && resultsChecked && seenBanner[s.OverallStatus] {
			continue
		}
		d, _ := ts.page(t, "/study/"+id, 200)
		if s.HasResults && !resultsChecked {
			resultsChecked = true
			if a := d.all(".results-posted a"); len(a) != 1 || attr(a[0], "href") != "https://clinicaltrials.gov/study/"+id+"?tab=results" {
				t.Errorf("%s has results but no link to them", id)
			}
		}
		seenBanner[s.OverallStatus] = true
		hasBanner := len(d.all(".banner")) == 1
		if enrolling := s.OverallStatus == "RECRUITING" || s.OverallStatus == "AVAILABLE"; hasBanner == enrolling {
			t.Errorf("%s (%s): banner %v", id, s.OverallStatus, hasBanner)
		}
		for _, b := range d.all(".site .badge") {
			if strings.Contains(text(b), "✓") {
				t.Errorf("%s: site status %q uses the check mark of a criterion met", id, text(b))
			}
		}
	}
	if !resultsChecked || !seenBanner["COMPLETED"] || !seenBanner["ACTIVE_NOT_RECRUITING"] || !seenBanner["NOT_YET_RECRUITING"] {
		t.Errorf("the records lack a status or results to check: %v, results %v", seenBanner, resultsChecked)
	}
}

// TestTrialPageReflowsLegacyText: a legacy record's hard-wrapped summary
// is shown as paragraphs, not one per line.
func TestTrialPageReflowsLegacyText(t *testing.T) {
	ts := newTestSite(t)
	const id = "NCT00001350"
	lines := strings.Count(strings.TrimSpace(ts.studies[id].BriefSummary), "\n") + 1
	d, _ := ts.page(t, "/study/"+id, 200)
	paras := d.all("#about p")
	if len(paras) == 0 || len(paras) >= lines/2 {
		t.Errorf("%d lines shown as %d paragraphs", lines, len(paras))
	}
	if first := text(paras[0]); !strings.HasSuffix(first, ".") || !strings.Contains(first, "evaluated at the NIH Clinical Center") {
		t.Errorf("first paragraph %q", first)
	}
}

// TestGlossify links the glossary's terms in criteria text and escapes
// the rest, with and without a term to link.
func TestGlossify(t *testing.T) {
	for in, want := range map[string]string{
		"ECOG 0-1 & randomised":     `<a class="term" href="/glossary#ecog">ECOG</a> 0-1 &amp; <a class="term" href="/glossary#randomized">randomised</a>`,
		"Platelets <100 & no ecogs": "Platelets &lt;100 &amp; no ecogs",
		"ECOGs and placebos":        "ECOGs and placebos",
	} {
		if got := string(glossify(in)); got != want {
			t.Errorf("glossify(%q) = %q, want %q", in, got, want)
		}
	}
}
