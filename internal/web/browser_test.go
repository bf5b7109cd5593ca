package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium against a live copy of the test site.
// Without Chromium the test is skipped, except under CI, where the test
// script installs it and its absence is a failure.
func browser(t *testing.T) (ctx context.Context, base string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("browser tests need %s (apt-get install chromium); skipped outside CI", chromiumPath)
		}
		t.Fatalf("CI=%s but %s is missing: %v", os.Getenv("CI"), chromiumPath, err)
	}
	ts := newTestSite(t)
	srv := httptest.NewServer(ts.handler)
	t.Cleanup(srv.Close)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx, srv.URL
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func location(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	u, err := url.Parse(run(t, ctx, "location", chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBrowserJourney searches from the home page, applies a filter,
// opens a trial and its map, and browses by location, as a reader would.
func TestBrowserJourney(t *testing.T) {
	ctx, base := browser(t)
	do(t, ctx, "search from home",
		chromedp.Navigate(base+"/"),
		chromedp.SendKeys(chromedp.CSS("#q"), "cancer"),
		chromedp.Click(chromedp.CSS(`.search-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".cards .card")),
	)
	if q := location(t, ctx).Query(); q.Get("q") != "cancer" || q.Get("status") != "RECRUITING,NOT_YET_RECRUITING" {
		t.Errorf("home search went to %v", q)
	}
	// Ticking a filter submits the form (site.js); the result is the same
	// URL a reader without JavaScript gets from the button.
	do(t, ctx, "apply phase filter",
		chromedp.Click(chromedp.CSS(`input[name=phase][value=PHASE3]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=phase][value=PHASE3][checked]`)),
	)
	if q := location(t, ctx).Query(); q.Get("phase") != "PHASE3" || q.Get("q") != "cancer" {
		t.Errorf("filter went to %v", q)
	}
	title := run(t, ctx, "first result", chromedp.Text(chromedp.CSS(".cards .card h3 a")))
	do(t, ctx, "open trial",
		chromedp.Click(chromedp.CSS(".cards .card h3 a")),
		chromedp.WaitVisible(chromedp.CSS("article.trial h1")),
	)
	if h1 := run(t, ctx, "trial h1", chromedp.Text(chromedp.CSS("h1"))); squash(h1) != squash(title) {
		t.Errorf("opened %q, clicked %q", h1, title)
	}
	openMap(t, ctx, base)

	do(t, ctx, "browse locations",
		chromedp.Navigate(base+"/locations"),
		chromedp.Click(chromedp.Search(`//ul[@class="places"]//a[text()="United States"]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[text()="Massachusetts"]`)),
		chromedp.Click(chromedp.Search(`//a[text()="Massachusetts"]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[text()="Boston"]`)),
		chromedp.Click(chromedp.Search(`//a[text()="Boston"]`)),
		chromedp.WaitVisible(chromedp.CSS(".cards .card")),
	)
	if h1 := run(t, ctx, "city h1", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(h1, "Boston") {
		t.Errorf("city page h1 %q", h1)
	}
}

// mapStudy is a trial with geocoded sites in several countries.
const mapStudy = "/study/NCT05501886"

func openMap(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, "open map",
		chromedp.Navigate(base+mapStudy),
		chromedp.WaitVisible(chromedp.CSS("[data-show-map]")),
		chromedp.Click(chromedp.CSS("[data-show-map]")),
		chromedp.WaitVisible(chromedp.CSS("#site-map.leaflet-container")),
		// Markers, then the world outline drawn under them.
		chromedp.WaitReady(chromedp.CSS("#site-map path.leaflet-interactive")),
	)
	markers := run(t, ctx, "markers", chromedp.Evaluate[int](`document.querySelectorAll("#site-map path.leaflet-interactive").length`))
	sites := run(t, ctx, "sites", chromedp.Evaluate[int](`document.querySelectorAll(".sites .site[data-lat]").length`))
	if markers != sites || sites == 0 {
		t.Errorf("%d markers for %d geocoded sites", markers, sites)
	}
	var outline int
	for range 50 {
		outline = run(t, ctx, "outline", chromedp.Evaluate[int](`document.querySelectorAll("#site-map path:not(.leaflet-interactive)").length`))
		if outline > 0 {
			break
		}
		do(t, ctx, "wait", chromedp.Sleep(100*time.Millisecond))
	}
	if outline == 0 {
		t.Error("the bundled world outline was not drawn")
	}
	run(t, ctx, "click marker", chromedp.Evaluate[bool](`document.querySelector("#site-map path.leaflet-interactive").dispatchEvent(new MouseEvent("click", {bubbles: true}))`))
	do(t, ctx, "popup", chromedp.WaitVisible(chromedp.CSS(".leaflet-popup-content strong")))
	do(t, ctx, "legend", chromedp.WaitVisible(chromedp.CSS(".map-legend")))
}

// TestBrowserSearchAsPeopleType types into the home page's one box as
// people do, at phone width: everyday words, a misspelling, and a place
// written "City, ST"; each count is computed from the records.
func TestBrowserSearchAsPeopleType(t *testing.T) {
	ctx, base := browser(t)
	ts := newTestSite(t)
	do(t, ctx, "phone", chromedp.EmulateViewport(375, 900))
	search := func(what, loc string) string {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/"),
			chromedp.SendKeys(chromedp.CSS("#q"), what),
			// All trials, not only recruiting ones, as the counts are.
			chromedp.Click(chromedp.CSS("#recruiting")),
		}
		if loc != "" {
			steps = append(steps, chromedp.SendKeys(chromedp.CSS("#loc"), loc))
		}
		steps = append(steps, chromedp.Click(chromedp.CSS(`.search-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#results-count")))
		do(t, ctx, what, steps...)
		noSideScroll(t, ctx, what, 375)
		return run(t, ctx, "count", chromedp.Text(chromedp.CSS("#results-count")))
	}
	if h, want := search("kids asthma", ""), kidsAsthma(ts); !strings.HasSuffix(h, fmt.Sprintf(" of %d", want)) {
		t.Errorf("kids asthma: %q, want %d trials", h, want)
	}
	h := search("diabetis", "")
	notice := run(t, ctx, "notice", chromedp.Text(chromedp.CSS(".notice")))
	if !strings.Contains(notice, "Showing results for “diabetes”") || !strings.Contains(h, "Results 1–10 of") {
		t.Errorf("diabetis: %q, notice %q", h, notice)
	}
	search("", "Boston, MA")
	if h1 := run(t, ctx, "h1", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(h1, "near Boston, Massachusetts, United States") {
		t.Errorf("Boston, MA: heading %q", h1)
	}
}

// labField returns the name prefix of the platelet question on a
// study's check page ("lab-1-").
func labField(t *testing.T, ts *testSite, id string) string {
	t.Helper()
	d, _ := ts.page(t, "/study/"+id+"/check", 200)
	for _, n := range d.all(`input[type=hidden][name$="-name"]`) {
		if attr(n, "value") == "platelets" {
			return strings.TrimSuffix(attr(n, "name"), "name")
		}
	}
	t.Fatalf("%s: no platelet question", id)
	return ""
}

// checkFlow opens a trial, goes to its eligibility check, answers the
// age and platelet questions with a count below the trial's limit, and
// submits.
func checkFlow(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	ts := newTestSite(t)
	s, k := thresholdStudy(t, ts)
	pre := labField(t, ts, s.NCTID)
	do(t, ctx, "open the check",
		chromedp.Navigate(base+"/study/"+s.NCTID),
		chromedp.Click(chromedp.CSS(`#qualify a[href$="/check"]`)),
		chromedp.WaitVisible(chromedp.CSS("form.qform")),
		chromedp.SendKeys(chromedp.CSS("#age"), "45"),
		chromedp.SendKeys(chromedp.CSS("#"+pre+"value"), fmt.Sprint(k.Value/2)),
		chromedp.Click(chromedp.CSS(`form.qform button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".result .verdict")),
	)
	if v := run(t, ctx, "verdict", chromedp.Text(chromedp.CSS(".result .verdict"))); !strings.Contains(v, "Not eligible") {
		t.Errorf("verdict %q after a platelet count below the limit", v)
	}
	if got := run(t, ctx, "kept answer", chromedp.Value(chromedp.CSS("#age"))); got != "45" {
		t.Errorf("the age answer is not kept: %q", got)
	}
	rows := run(t, ctx, "not met rows", chromedp.Evaluate[int](`document.querySelectorAll(".result tr.o-notmet").length`))
	if rows == 0 {
		t.Error("no criterion shown as not met")
	}
}

// matchFlow reads a clinic note on "Find trials for a patient", sends
// the profile it fills in, and opens the first trial's criteria.
func matchFlow(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	ts := newTestSite(t)
	note, _ := matchNote(t, ts)
	do(t, ctx, "read the note",
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`nav a[href="/match"]`)),
		chromedp.WaitVisible(chromedp.CSS("#note")),
		chromedp.SetValue(chromedp.CSS("#note"), note),
		chromedp.Click(chromedp.CSS(`#note ~ .form-go button`)),
		chromedp.WaitVisible(chromedp.CSS(".findings")),
	)
	if age := run(t, ctx, "age", chromedp.Value(chromedp.CSS("#age"))); age == "" {
		t.Error("the note's age is not in the form")
	}
	do(t, ctx, "find trials",
		chromedp.Click(chromedp.CSS(`form.pform .form-go button`)),
		chromedp.WaitVisible(chromedp.CSS(".hits .hit")),
		chromedp.Click(chromedp.CSS(".hits .hit details summary")),
		chromedp.WaitVisible(chromedp.CSS(".hits .hit details table.crit")),
	)
}

// TestBrowserEligibility checks a trial and finds trials for a patient,
// as a reader would.
func TestBrowserEligibility(t *testing.T) {
	ctx, base := browser(t)
	checkFlow(t, ctx, base)
	matchFlow(t, ctx, base)
}

// TestBrowserKeyboard uses the site with the keyboard only.
func TestBrowserKeyboard(t *testing.T) {
	ctx, base := browser(t)
	do(t, ctx, "home", chromedp.Navigate(base+"/"))
	tabTo(t, ctx, `document.activeElement.id === "q"`)
	do(t, ctx, "type and submit",
		chromedp.KeyEvent("diabetes"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(".cards .card")),
	)
	tabTo(t, ctx, `document.activeElement.matches(".card h3 a")`)
	href := run(t, ctx, "focused link", chromedp.Evaluate[string](`document.activeElement.getAttribute("href")`))
	do(t, ctx, "open with Enter",
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("article.trial h1")),
	)
	if got := location(t, ctx).Path; got != href {
		t.Errorf("Enter on %s went to %s", href, got)
	}
	// Focus is visible: the focused element draws an outline.
	do(t, ctx, "home again", chromedp.Navigate(base+"/"))
	tabTo(t, ctx, `document.activeElement.id === "q"`)
	style := run(t, ctx, "focus style", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle + " " + getComputedStyle(document.activeElement).outlineWidth`))
	if strings.HasPrefix(style, "none") || strings.HasSuffix(style, " 0px") {
		t.Errorf("focused search box has no visible outline (%s)", style)
	}
}

// tabTo presses Tab until cond holds, failing after a bounded number of
// presses.
func tabTo(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	for range 80 {
		if run(t, ctx, "focus check", chromedp.Evaluate[bool](cond)) {
			return
		}
		do(t, ctx, "tab", chromedp.KeyEvent("\t"))
	}
	t.Fatalf("Tab never reached an element where %s", cond)
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID    string   `json:"id"`
	Help  string   `json:"help"`
	Nodes []string `json:"nodes"`
}

// TestBrowserAccessibility runs axe-core on every page type, at desktop
// and phone widths, and saves screenshots of each.
func TestBrowserAccessibility(t *testing.T) {
	ctx, base := browser(t)
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"search", "/search?q=cancer&status=RECRUITING,NOT_YET_RECRUITING&loc=Boston,+Massachusetts"},
		{"search-empty", "/search?q=zzzzqqq"},
		{"search-corrected", "/search?q=diabetis"},
		{"search-unreadable", "/search?q=crohn%22s+disease"},
		{"search-page-3", "/search?q=leukaemia&page=3"},
		{"trial", "/study/NCT05111366"},
		{"trial-sites", mapStudy + "?near=Boston"},
		{"trial-most-sites", "/study/NCT02465060"},
		{"trial-long-emails", "/study/NCT03067181"},
		{"trial-legacy-text", "/study/NCT00001350"},
		{"locations", "/locations"},
		{"country", "/locations/United%20States"},
		{"city", "/locations/United%20States?state=Massachusetts&city=Boston"},
		{"city-all-page-2", "/locations/United%20States?state=Massachusetts&city=Boston&show=all&page=2"},
		{"country-uk", "/locations/United%20Kingdom"},
		{"glossary", "/glossary"},
		{"check", "/study/NCT05111366/check"},
		{"match", "/match"},
		{"not-found", "/study/NCT99999999"},
		{"bad-request", "/search?sort=bogus"},
	}
	for _, width := range []int64{1280, 375} {
		do(t, ctx, "viewport", chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			do(t, ctx, p.name, chromedp.Navigate(base+p.path), chromedp.WaitReady(chromedp.CSS("footer")))
			checkAxe(t, ctx, string(axe), fmt.Sprintf("%s at %dpx", p.name, width))
			noSideScroll(t, ctx, p.name, width)
			shot(t, ctx, dir, fmt.Sprintf("%s-%d.png", p.name, width))
		}
		// The map, once shown, must pass too.
		openMap(t, ctx, base)
		checkAxe(t, ctx, string(axe), fmt.Sprintf("map at %dpx", width))
		shot(t, ctx, dir, fmt.Sprintf("map-%d.png", width))
		// So must the answers of the eligibility pages.
		checkFlow(t, ctx, base)
		checkAxe(t, ctx, string(axe), fmt.Sprintf("check result at %dpx", width))
		noSideScroll(t, ctx, "check result", width)
		shot(t, ctx, dir, fmt.Sprintf("check-result-%d.png", width))
		matchFlow(t, ctx, base)
		checkAxe(t, ctx, string(axe), fmt.Sprintf("match results at %dpx", width))
		noSideScroll(t, ctx, "match results", width)
		shot(t, ctx, dir, fmt.Sprintf("match-results-%d.png", width))
	}
}

// noSideScroll checks that a page fits a phone's width.
func noSideScroll(t *testing.T, ctx context.Context, what string, width int64) {
	t.Helper()
	if width != 375 {
		return
	}
	if sw := run(t, ctx, "scrollWidth", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > 375 {
		t.Errorf("%s at 375px scrolls sideways: scrollWidth %d", what, sw)
	}
}

func checkAxe(t *testing.T, ctx context.Context, axe, what string) {
	t.Helper()
	const script = `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
		id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}))))`
	out := run(t, ctx, "axe", chromedp.Evaluate[string](axe+";\n"+script, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe result: %v", what, err)
	}
	for _, v := range vs {
		t.Errorf("%s: axe %s (%s): %s", what, v.ID, v.Help, strings.Join(v.Nodes, "; "))
	}
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserPhoneLayout reads a check's result and search results at
// phone width: each criterion shows its outcome first, a sub-criterion
// is indented as a whole, and a result card's facts take two columns,
// not one long column.
func TestBrowserPhoneLayout(t *testing.T) {
	ctx, base := browser(t)
	do(t, ctx, "phone", chromedp.EmulateViewport(375, 900))
	do(t, ctx, "check with no answers",
		chromedp.Navigate(base+mapStudy+"/check"),
		chromedp.Click(chromedp.CSS(`form.qform button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".result .verdict")),
	)
	noSideScroll(t, ctx, "check result", 375)
	const rows = `[...document.querySelectorAll(".result table.crit tbody tr")]`
	if bad := run(t, ctx, "outcome first", chromedp.Evaluate[int](rows+`.filter(tr => tr.querySelector("td.outcome").getBoundingClientRect().top >= tr.querySelector("td").getBoundingClientRect().top).length`)); bad > 0 {
		t.Errorf("%d criteria show their outcome after the criterion", bad)
	}
	indent := run(t, ctx, "sub-criteria indented", chromedp.Evaluate[[]float64](`(() => {
		const left = sel => Math.min(...[...document.querySelectorAll(sel)].map(td => td.getBoundingClientRect().left));
		return [left(".result table.crit tr:not(.sub) td.outcome"), left(".result table.crit tr.sub td.outcome"), left(".result table.crit tr.sub td:last-child")];
	})()`))
	if len(indent) != 3 || !(indent[1] > indent[0] && indent[2] > indent[0]) {
		t.Errorf("sub-criteria are not indented as a whole: outcome and reason at %v, a criterion's outcome at %v", indent[1:], indent[0])
	}
	do(t, ctx, "search",
		chromedp.Navigate(base+"/search?q=breast+cancer"),
		chromedp.WaitVisible(chromedp.CSS(".cards .card")),
	)
	columns := run(t, ctx, "fact columns", chromedp.Evaluate[int](`new Set([...document.querySelector(".cards .card .facts").children].map(d => Math.round(d.getBoundingClientRect().left))).size`))
	if columns < 2 {
		t.Errorf("a result card's facts take %d column at phone width", columns)
	}
}
