package web

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/study"
	"golang.org/x/net/html"
)

// post sends a form to the site as a browser on the site's own page
// would, with headers changed (an empty value removes one), and returns
// the response and its body.
func (ts *testSite) post(t testing.TB, h http.Handler, path string, form url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+req.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// postPage posts a form and parses the page, which must answer code.
func (ts *testSite) postPage(t testing.TB, path string, form url.Values, code int) (doc, *http.Response) {
	t.Helper()
	res, body := ts.post(t, ts.handler, path, form)
	if res.StatusCode != code {
		t.Fatalf("POST %s: status %d, want %d", path, res.StatusCode, code)
	}
	return parse(t, body), res
}

// formValues are the values a browser would send for a form: text and
// hidden inputs, checked boxes and radios, selected options, text areas.
func formValues(form *html.Node) url.Values {
	v := url.Values{}
	for _, n := range all(form, "input[name], select[name], textarea[name]") {
		name := attr(n, "name")
		switch n.Data {
		case "textarea":
			v.Add(name, text(n))
		case "select":
			opts := all(n, "option")
			chosen := all(n, "option[selected]")
			if len(chosen) == 0 && len(opts) > 0 {
				chosen = opts[:1]
			}
			for _, o := range chosen {
				v.Add(name, attr(o, "value"))
			}
		default:
			if t := attr(n, "type"); (t == "radio" || t == "checkbox") && !hasAttr(n, "checked") {
				continue
			}
			v.Add(name, attr(n, "value"))
		}
	}
	return v
}

// criteriaOf parses a study's criteria as the site does.
func criteriaOf(s study.Study) eligibility.Criteria { return eligibility.Parse(s.Eligibility.Criteria) }

// measures lists a study's threshold constraints on lab-like variables
// the questionnaire asks about: not age, performance status, time
// windows or life expectancy, which have questions of their own or none.
func measures(c eligibility.Criteria) []eligibility.Constraint {
	var out []eligibility.Constraint
	var walk func([]eligibility.Item)
	walk = func(items []eligibility.Item) {
		for _, it := range items {
			for _, k := range it.Constraints {
				switch k.Variable {
				case "", "age", "window", "life_expectancy", "ecog", "who_ps", "karnofsky":
					continue
				}
				out = append(out, k)
			}
			walk(it.Items)
		}
	}
	walk(c.Inclusion)
	walk(c.Exclusion)
	return out
}

func sortedIDs(ts *testSite) []string {
	ids := make([]string, 0, len(ts.studies))
	for id := range ts.studies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func TestQualifySectionOnTrialPage(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/study/NCT05111366", 200)
	sec := d.one("section#qualify")
	// Its status is unknown: no check to take.
	if h := text(all(sec, "h2, h3")[0]); h != "Can I join this trial?" {
		t.Errorf("qualify heading %q", h)
	}
	// It follows the criteria directly.
	prev := sec.PrevSibling
	for prev != nil && prev.Type != html.ElementNode {
		prev = prev.PrevSibling
	}
	if prev == nil || attr(prev, "id") != "exclusion" {
		t.Errorf("the check section does not follow the exclusion criteria")
	}
	// Its status is unknown: the section says first that it is not
	// enrolling, offers no check, and points to recruiting trials.
	checkNotEnrolling(t, ts, sec, "NCT05111366", "closed")
}

// TestQualifyOffered offers the check on trials one can join, says
// plainly first when one cannot yet or only by invitation, and offers
// none on trials that do not enrol: a trial of each kind, from the
// records.
func TestQualifyOffered(t *testing.T) {
	ts := newTestSite(t)
	seen := map[string]bool{}
	for _, id := range sortedIDs(ts) {
		e := enrollment(ts.studies[id].OverallStatus)
		if seen[e] || len(ts.studies[id].Conditions) == 0 {
			continue
		}
		seen[e] = true
		d, _ := ts.page(t, "/study/"+id, 200)
		checkNotEnrolling(t, ts, d.one("section#qualify"), id, e)
		want := map[bool]string{true: "Can I join this trial?", false: "Check if you may qualify"}[e == "closed"]
		if h := text(d.one("section#qualify h3")); h != want {
			t.Errorf("%s (%s): qualify heading %q, want %q", id, e, h, want)
		}
		// The check page itself says the same before anything else.
		d, _ = ts.page(t, "/study/"+id+"/check", 200)
		notes := d.all("main .not-enrolling")
		if e == "open" {
			if len(notes) != 0 {
				t.Errorf("%s (recruiting): the check page says it is not enrolling", id)
			}
			continue
		}
		if len(notes) != 1 || d.all("main h1, main .not-enrolling, main form")[1] != notes[0] {
			t.Errorf("%s (%s): the check page does not say first that it is not enrolling", id, e)
		} else if e != "soon" {
			checkElsewhere(t, ts, notes[0], id, e, true)
		}
	}
	for _, e := range []string{"open", "soon", "invitation", "closed"} {
		if !seen[e] {
			t.Errorf("no %s trial in the records", e)
		}
	}
}

// checkNotEnrolling checks a trial page's qualify section for a trial
// whose enrollment is e.
func checkNotEnrolling(t *testing.T, ts *testSite, sec *html.Node, id, e string) {
	t.Helper()
	links := len(all(sec, `a[href="/study/`+id+`/check"]`))
	notes := all(sec, ".not-enrolling")
	switch e {
	case "open":
		if links != 1 || len(notes) != 0 {
			t.Errorf("%s (recruiting): %d links to the check, %d notices", id, links, len(notes))
		}
		return
	case "closed":
		if links != 0 {
			t.Errorf("%s: a trial that does not enrol offers the check", id)
		}
	default:
		if links != 1 {
			t.Errorf("%s (%s): %d links to the check", id, e, links)
		}
	}
	if len(notes) != 1 {
		t.Fatalf("%s (%s): %d notices that it is not enrolling", id, e, len(notes))
	}
	if p := all(sec, "p"); len(p) == 0 || !strings.Contains(text(notes[0]), text(p[0])) {
		t.Errorf("%s (%s): the section does not open with the notice", id, e)
	}
	want := map[string]string{"soon": "not recruiting yet", "invitation": "by invitation only", "closed": "not enrolling"}[e]
	if !strings.Contains(text(notes[0]), want) {
		t.Errorf("%s (%s): notice %q does not say %q", id, e, text(notes[0]), want)
	}
	if e != "soon" {
		checkElsewhere(t, ts, notes[0], id, e, false)
	}
}

// checkElsewhere checks that the notice of a trial one cannot apply to
// points to the search for the trials recruiting for its condition. The
// check page counts them: it links only when there are some, and the
// link says how many the search finds. The trial page, to stay quick,
// links uncounted, and the link finds what that search finds.
func checkElsewhere(t *testing.T, ts *testSite, note *html.Node, id, e string, counted bool) {
	t.Helper()
	cond := ts.studies[id].Conditions[0]
	search := "/search?cond=" + url.QueryEscape(cond) + "&status=RECRUITING,NOT_YET_RECRUITING"
	d, _ := ts.page(t, search, 200)
	found := text(d.one("#results-count"))
	elsewhere := all(note, `a[href^="/search?"]`)
	switch {
	case !counted:
		if len(elsewhere) != 1 {
			t.Fatalf("%s (%s): %d links to the trials recruiting for %s", id, e, len(elsewhere), cond)
		}
		d, _ := ts.page(t, attr(elsewhere[0], "href"), 200)
		if got := text(d.one("#results-count")); got != found {
			t.Errorf("%s (%s): %q finds %q, the search for %s recruiting finds %q", id, e, text(elsewhere[0]), got, cond, found)
		}
	case strings.HasPrefix(found, "0 "):
		if len(elsewhere) != 0 {
			t.Errorf("%s (%s): links to %q, which finds none", id, e, attr(elsewhere[0], "href"))
		}
	case len(elsewhere) != 1:
		t.Errorf("%s (%s): no link to the trials recruiting for %s (%s)", id, e, cond, found)
	default:
		d, _ := ts.page(t, attr(elsewhere[0], "href"), 200)
		n := strings.Fields(strings.TrimPrefix(text(elsewhere[0]), "See "))[0]
		if got := text(d.one("#results-count")); !strings.HasSuffix(got, " of "+n) && got != n+" trials found" && got != n+" trial found" {
			t.Errorf("%s (%s): %q finds %q", id, e, text(elsewhere[0]), got)
		}
	}
}

func TestCheckAliasRedirect(t *testing.T) {
	ts := newTestSite(t)
	for _, id := range sortedIDs(ts) {
		for _, a := range ts.studies[id].Aliases {
			if _, taken := ts.studies[a]; taken {
				continue
			}
			res, _ := ts.get(t, "/study/"+a+"/check")
			if res.StatusCode != 301 || res.Header.Get("Location") != "/study/"+id+"/check" {
				t.Errorf("GET /study/%s/check: %d to %q", a, res.StatusCode, res.Header.Get("Location"))
			}
			// A form sent to an alias is sent again to the trial.
			res, _ = ts.post(t, ts.handler, "/study/"+a+"/check", url.Values{"age": {"40"}})
			if res.StatusCode != 308 || res.Header.Get("Location") != "/study/"+id+"/check" {
				t.Errorf("POST /study/%s/check: %d to %q", a, res.StatusCode, res.Header.Get("Location"))
			}
			return
		}
	}
	t.Fatal("no study with an alias in the demo data")
}

// TestCheckQuestionnaire checks on real trials that the questionnaire
// asks exactly about the facts the trial's parsed criteria and
// registered limits test.
func TestCheckQuestionnaire(t *testing.T) {
	ts := newTestSite(t)
	seen := map[string]bool{}
	for _, id := range sortedIDs(ts) {
		s := ts.studies[id]
		if !study.IsRecruiting(s.OverallStatus) || len(seen) > 40 {
			continue
		}
		c := criteriaOf(s)
		var pregnancy, sexRule bool
		var walk func([]eligibility.Item)
		walk = func(items []eligibility.Item) {
			for _, it := range items {
				for _, k := range it.Constraints {
					pregnancy = pregnancy || k.Kind == eligibility.KindPregnancy && k.Term != "lactation"
					sexRule = sexRule || k.Kind == eligibility.KindSex
				}
				walk(it.Items)
			}
		}
		walk(c.Inclusion)
		walk(c.Exclusion)
		d, res := ts.page(t, "/study/"+id+"/check", 200)
		if len(seen) < 3 {
			checkCommon(t, d, res)
		}
		form := all(d.root, `form.qform[method=post][action="/study/`+id+`/check"]`)
		if len(form) == 0 {
			continue // nothing to ask about
		}
		seen[id] = true
		f := form[0]
		if got := len(all(f, `input[name=pregnant]`)) > 0; got != pregnancy {
			t.Errorf("%s: pregnancy question %v, criteria have a pregnancy rule %v", id, got, pregnancy)
		}
		restricted := s.Eligibility.Sex == "FEMALE" || s.Eligibility.Sex == "MALE"
		if got := len(all(f, `input[name=sex]`)) > 0; restricted && !got || !restricted && !sexRule && got {
			t.Errorf("%s: sex question %v, registered sex %q, sex rules %v", id, got, s.Eligibility.Sex, sexRule)
		}
		limits := s.Eligibility.MinimumAge.IsSet() || s.Eligibility.MaximumAge.IsSet()
		if got := len(all(f, `input#age[name=age]`)) > 0; limits && !got {
			t.Errorf("%s: no age question with age limits", id)
		}
		// The labs asked about are the labs the criteria bound, each
		// with a unit choice.
		var asked []string
		for _, n := range all(f, `input[type=hidden][name$="-name"]`) {
			asked = append(asked, attr(n, "value"))
			pre := strings.TrimSuffix(attr(n, "name"), "name")
			if len(all(f, `[name="`+pre+`value"]`)) != 1 {
				t.Errorf("%s: %s has no value field", id, attr(n, "value"))
			}
		}
		var bound []string
		for _, k := range measures(c) {
			bound = append(bound, k.Variable)
		}
		for _, v := range asked {
			if !slices.Contains(bound, v) {
				t.Errorf("%s: asks about %s, which no criterion bounds", id, v)
			}
		}
		for _, k := range measures(c) {
			misread := (k.Variable == "ast" || k.Variable == "alt" || k.Variable == "alkaline_phosphatase") && !k.ULNMultiple && k.Value < 10
			if !misread && !slices.Contains(asked, k.Variable) {
				t.Errorf("%s: no question about %s, which the criteria bound", id, k.Variable)
			}
		}
		if n := len(all(f, `select[name$="-unit"]`)); n > len(asked) {
			t.Errorf("%s: %d unit choices for %d labs", id, n, len(asked))
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d recruiting trials with a questionnaire", len(seen))
	}
}

// thresholdStudy finds a recruiting study with age limits and a top-level
// inclusion item that is one lower bound on platelets in the canonical
// unit.
func thresholdStudy(t *testing.T, ts *testSite) (study.Study, eligibility.Constraint) {
	t.Helper()
	for _, id := range sortedIDs(ts) {
		s := ts.studies[id]
		// One a reader can join: the others offer no check on their page.
		if !s.Eligibility.MinimumAge.IsSet() || enrollment(s.OverallStatus) != "open" {
			continue
		}
		for _, it := range criteriaOf(s).Inclusion {
			if len(it.Constraints) != 1 || len(it.Items) > 0 {
				continue
			}
			k := it.Constraints[0]
			if k.Variable == "platelets" && (k.Op == eligibility.OpGE || k.Op == eligibility.OpGT) && !k.ULNMultiple && !k.Negated && k.Value >= 50 {
				return s, k
			}
		}
	}
	t.Fatal("no study with a single platelet lower bound")
	return study.Study{}, eligibility.Constraint{}
}

func TestCheckNotMet(t *testing.T) {
	ts := newTestSite(t)
	s, k := thresholdStudy(t, ts)
	path := "/study/" + s.NCTID + "/check"
	d, _ := ts.page(t, path, 200)
	form := formValues(d.one("form.qform"))
	var pre string
	for name, vs := range form {
		if strings.HasSuffix(name, "-name") && vs[0] == "platelets" {
			pre = strings.TrimSuffix(name, "name")
		}
	}
	if pre == "" {
		t.Fatalf("%s: no platelet question", s.NCTID)
	}
	low := strconv.FormatFloat(k.Value/2, 'f', -1, 64)
	form.Set(pre+"value", low)
	form.Set(pre+"unit", "10^9/L")
	d, res := ts.postPage(t, path, form, 200)
	checkCommon(t, d, res)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("answers page Cache-Control %q, want no-store", cc)
	}
	if v := text(d.one(".result .verdict")); !strings.Contains(v, "Not eligible") {
		t.Errorf("verdict %q, want not eligible", v)
	}
	found := false
	for _, tr := range d.all(".result table.crit tbody tr") {
		cells := all(tr, "td")
		if strings.Contains(text(cells[2]), "platelet") && strings.HasSuffix(text(cells[1]), " Not met") {
			found = true
			why := text(cells[2])
			if !strings.Contains(why, low) || !strings.Contains(why, strconv.FormatFloat(k.Value, 'f', -1, 64)) {
				t.Errorf("reason %q does not give the patient's %s and the required %v", why, low, k.Value)
			}
		}
	}
	if !found {
		t.Errorf("%s: no platelet criterion shown as not met", s.NCTID)
	}
	// The answer stays in the form, to correct and resend.
	if v := attr(d.one(`input[name="`+pre+`value"]`), "value"); v != low {
		t.Errorf("answer not kept: %q", v)
	}
	if c := d.all(`select[name="` + pre + `unit"] option[selected]`); len(c) != 1 || attr(c[0], "value") != "10^9/L" {
		t.Error("unit not kept")
	}
	// Free-text criteria are unknown, to ask the study team about.
	ask := 0
	for _, tr := range d.all(".result table.crit tbody tr.o-ask") {
		if !strings.HasSuffix(text(all(tr, "td")[1]), " Unknown — ask the study team") {
			t.Errorf("free-text criterion outcome %q", text(all(tr, "td")[1]))
		}
		ask++
	}
	if c := criteriaOf(s); ask == 0 && hasFreeText(c.Inclusion, c.Exclusion) {
		t.Error("free-text criteria are not shown as ask the study team")
	}
}

func hasFreeText(lists ...[]eligibility.Item) bool {
	for _, l := range lists {
		for _, it := range l {
			if !it.Structured {
				return true
			}
		}
	}
	return false
}

func TestCheckUnknownIsSaid(t *testing.T) {
	ts := newTestSite(t)
	s, _ := thresholdStudy(t, ts)
	d, _ := ts.postPage(t, "/study/"+s.NCTID+"/check", url.Values{}, 200)
	if v := text(d.one(".result .verdict")); !strings.Contains(v, "Possibly eligible") {
		t.Errorf("no answers: verdict %q, want possibly eligible", v)
	}
	note := text(d.one(".privacy"))
	for _, want := range []string{"unknown, never assumed", "stored or logged"} {
		if !strings.Contains(note, want) {
			t.Errorf("the page does not say %q: %q", want, note)
		}
	}
}

func TestCheckBadValues(t *testing.T) {
	ts := newTestSite(t)
	s, _ := thresholdStudy(t, ts)
	path := "/study/" + s.NCTID + "/check"
	for _, tc := range []struct{ field, value string }{
		{"age", "abc"}, {"age", "200"}, {"lab-0-value", "lots"}, {"sex", "robot"}, {"ecog", "7"}, {"lab-0-value", "-5"},
	} {
		field, value := tc.field, tc.value
		form := url.Values{field: {value}, "lab-0-name": {"platelets"}, "lab-0-unit": {"10^9/L"}}
		d, res := ts.postPage(t, path, form, 400)
		checkCommon(t, d, res)
		summary := text(d.one(".error-summary"))
		if !strings.Contains(summary, value) {
			t.Errorf("%s=%s: summary %q does not quote the value", field, value, summary)
		}
		if len(d.all(`.error-summary a[href="#`+field+`"]`)) != 1 {
			t.Errorf("%s=%s: summary does not link to the field", field, value)
		}
		if len(d.all(".result")) != 0 {
			t.Errorf("%s=%s: a result is shown for a form with errors", field, value)
		}
		if field == "age" && value == "abc" {
			in := d.one("input#age")
			if attr(in, "value") != "abc" || attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != "err-age" {
				t.Errorf("age field after error: %v", in.Attr)
			}
		}
	}
}

func TestCheckCrossSite(t *testing.T) {
	ts := newTestSite(t)
	s, _ := thresholdStudy(t, ts)
	for _, h := range [][]string{
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "null"},
	} {
		for _, path := range []string{"/study/" + s.NCTID + "/check", "/match"} {
			res, body := ts.post(t, ts.handler, path, url.Values{"step": {"read"}, "note": {"58 year old woman"}}, h...)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %s: %s: %d, want 403", path, h[0], h[1], res.StatusCode)
				continue
			}
			if d := parse(t, body); !strings.Contains(text(d.one("main")), "Trialfinder's own pages") {
				t.Errorf("403 page does not explain")
			}
		}
	}
	// Without the headers (older browsers, scripts) the form is taken.
	if res, _ := ts.post(t, ts.handler, "/study/"+s.NCTID+"/check", url.Values{"age": {"40"}}, "Origin", "", "Sec-Fetch-Site", ""); res.StatusCode != 200 {
		t.Errorf("POST without Origin or Sec-Fetch-Site: %d", res.StatusCode)
	}
}

func TestStillLoading(t *testing.T) {
	ts := newTestSite(t)
	for _, path := range []string{"/locations", "/locations/United%20States", "/search?loc=Boston"} {
		rec := httptest.NewRecorder()
		ts.loading.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s while loading: %d, Retry-After %q", path, rec.Code, rec.Header().Get("Retry-After"))
			continue
		}
		if d := parse(t, rec.Body.String()); !strings.Contains(text(d.one("h1")), "Still loading") {
			t.Errorf("GET %s while loading: page %q", path, text(d.one("h1")))
		}
	}
	res, body := ts.post(t, ts.loading, "/match", url.Values{"step": {"find"}, "age": {"50"}, "cond-0-text": {"breast cancer"}})
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("finding trials while loading: %d", res.StatusCode)
	} else if d := parse(t, body); !strings.Contains(text(d.one("main")), "try again") {
		t.Error("503 page does not say to try again")
	}
	// What needs neither the gazetteer nor the matcher still works.
	for _, path := range []string{"/", "/study/NCT05111366", "/study/NCT05111366/check", "/match"} {
		rec := httptest.NewRecorder()
		ts.loading.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 {
			t.Errorf("GET %s while loading: %d", path, rec.Code)
		}
	}
}

// TestNothingLogged sends distinctive answers through every form and
// checks that none of them reaches the site's log.
func TestNothingLogged(t *testing.T) {
	ts := newTestSite(t)
	s, _ := thresholdStudy(t, ts)
	const marker = "Zqxjv"
	forms := []struct {
		path string
		v    url.Values
	}{
		{"/study/" + s.NCTID + "/check", url.Values{"age": {marker}}},
		{"/study/" + s.NCTID + "/check", url.Values{"cond-0-text": {marker + " disease"}, "cond-0-stage": {"II"}}},
		{"/match", url.Values{"step": {"read"}, "note": {"A 58-year-old woman with " + marker + " syndrome"}}},
		{"/match", url.Values{"step": {"find"}, "cond-0-text": {marker + " syndrome"}, "place": {marker + "ville"}}},
		{"/match", url.Values{"step": {"find"}, "cond-0-text": {marker + " syndrome"}, "age": {"61"}}},
	}
	for _, f := range forms {
		res, _ := ts.post(t, ts.handler, f.path, f.v)
		if res.StatusCode >= 500 {
			t.Errorf("POST %s: %d", f.path, res.StatusCode)
		}
	}
	if logs := ts.logs.String(); strings.Contains(strings.ToLower(logs), strings.ToLower(marker)) {
		t.Errorf("the log holds what was typed:\n%s", logs)
	}
}

// TestCheckBiomarkerQuestion answers a recruiting trial's biomarker
// question both ways through the form: what the criteria naming the
// marker say (outcome and reason) differs between the answers, the
// answer is kept, and an open trial's result says whom to ask next.
func TestCheckBiomarkerQuestion(t *testing.T) {
	ts := newTestSite(t)
	tested := 0
	for _, id := range sortedIDs(ts) {
		if !study.IsRecruiting(ts.studies[id].OverallStatus) {
			continue
		}
		path := "/study/" + id + "/check"
		d, _ := ts.page(t, path, 200)
		forms := d.all("form.qform")
		if len(forms) == 0 {
			continue
		}
		form := formValues(forms[0])
		var pre, marker string
		for name, vs := range form {
			if strings.HasSuffix(name, "-marker") {
				pre, marker = strings.TrimSuffix(name, "marker"), vs[0]
			}
		}
		if pre == "" {
			continue
		}
		outcomes := map[string]string{}
		for _, answer := range []string{"positive", "negative"} {
			form.Set(pre+"status", answer)
			d, res := ts.postPage(t, path, form, 200)
			checkCommon(t, d, res)
			if c := d.all(`input[name="` + pre + `status"][checked]`); len(c) != 1 || attr(c[0], "value") != answer {
				t.Errorf("%s: answer %s not kept", id, answer)
			}
			for _, tr := range d.all(".result table.crit tbody tr") {
				cells := all(tr, "td")
				if why := text(cells[2]); strings.Contains(why, marker+"-") {
					outcomes[answer] += text(cells[1]) + ": " + why + ";"
				}
			}
			if len(d.all(".result .next-steps")) != 1 {
				t.Errorf("%s: an open trial's result does not say what to do next", id)
			}
		}
		if outcomes["positive"] == "" || outcomes["positive"] == outcomes["negative"] {
			t.Errorf("%s: %s positive and negative give %q and %q: the answer changes nothing", id, marker, outcomes["positive"], outcomes["negative"])
		}
		tested++
		if tested == 3 {
			break
		}
	}
	if tested == 0 {
		t.Fatal("no recruiting trial asks about a biomarker")
	}
}

// TestCheckNearestSites answers a recruiting trial's questions with
// where the reader lives, a city of one of its sites: the result lists
// the trial's recruiting sites nearest to it, nearest first, as the
// records' coordinates place them; a place no site is near is said so,
// and what was typed is put in no link.
func TestCheckNearestSites(t *testing.T) {
	ts := newTestSite(t)
	const id = "NCT05501886" // recruiting, sites across the United States
	s := ts.studies[id]
	var home study.Location
	for _, l := range s.Locations {
		if l.Geo != nil && l.City == "Boston" && l.State == "Massachusetts" {
			home = l
		}
	}
	if home.Geo == nil {
		t.Fatalf("%s has no geocoded site in Boston", id)
	}
	place := ts.gaz.Resolve("Boston, Massachusetts")
	if len(place) != 1 {
		t.Fatalf("Boston, Massachusetts resolves to %+v", place)
	}
	type near struct {
		facility string
		km       float64
	}
	var want []near
	for _, l := range s.Locations {
		if l.Geo != nil && study.IsRecruiting(l.Status) {
			want = append(want, near{l.Facility, gazetteer.DistanceKm(place[0].Lat, place[0].Lon, l.Geo.Lat, l.Geo.Lon)})
		}
	}
	slices.SortStableFunc(want, func(a, b near) int { return cmp.Compare(a.km, b.km) })

	path := "/study/" + id + "/check"
	d, _ := ts.page(t, path, 200)
	form := formValues(d.one("form.qform"))
	form.Set("place", "Boston, Massachusetts")
	d, res := ts.postPage(t, path, form, 200)
	checkCommon(t, d, res)
	sites := d.all(".next-steps ol.sites li.site")
	if len(sites) != nearestShown {
		t.Fatalf("%d nearest sites listed, want %d", len(sites), nearestShown)
	}
	for i, li := range sites {
		if got := text(all(li, ".facility")[0]); got != want[i].facility {
			t.Errorf("nearest site %d: %q, want %q (%.0f km)", i+1, got, want[i].facility, want[i].km)
		}
	}
	if h := text(d.one(".next-steps h4:last-of-type")); !strings.Contains(h, "Boston") {
		t.Errorf("nearest sites heading %q does not name the place", h)
	}
	for _, a := range d.all("a[href]") {
		if strings.Contains(attr(a, "href"), "Boston") {
			t.Errorf("the place typed is in a link: %s", attr(a, "href"))
		}
	}

	form.Set("place", "Nowhere-on-earth")
	d, _ = ts.postPage(t, path, form, 200)
	if len(d.all(".next-steps ol.sites")) != 0 || !strings.Contains(text(d.one(".next-steps .notice")), "Nowhere-on-earth") {
		t.Error("a place no site is near is not said so")
	}
}

// TestCheckPlainWords: the questions say what the trial requires or
// excludes, not "Inclusion:" or "Exclusion:", and the outcome of an
// exclusion says whether it rules the reader out, never "Met".
func TestCheckPlainWords(t *testing.T) {
	ts := newTestSite(t)
	const id = "NCT05501886"
	path := "/study/" + id + "/check"
	d, _ := ts.page(t, path, 200)
	whys := d.all("form.qform .why")
	if len(whys) == 0 {
		t.Fatal("no question says why it is asked")
	}
	excludes := false
	for _, w := range whys {
		s := text(w)
		if strings.Contains(s, "Inclusion:") || strings.Contains(s, "Exclusion:") {
			t.Errorf("a question's reason in the criteria's terms: %q", s)
		}
		excludes = excludes || strings.Contains(s, "The trial excludes: ")
		if strings.Count(s, "The trial requires: ") > 1 || strings.Count(s, "The trial excludes: ") > 1 || strings.Contains(s, "; The trial") {
			t.Errorf("a question's reasons not one sentence of each kind: %q", s)
		}
	}
	if !excludes {
		t.Error("no question says what the trial excludes")
	}
	form := formValues(d.one("form.qform"))
	form.Set("age", "58")
	form.Set("pregnant", "no")
	form.Set("breastfeeding", "no")
	d, _ = ts.postPage(t, path, form, 200)
	labels := map[string]bool{}
	for _, table := range d.all(".result table.crit") {
		exclusion := text(all(table, "caption")[0]) == "Exclusion criteria"
		for _, td := range all(table, "td.outcome") {
			label := strings.TrimSpace(strings.TrimLeft(text(td), "✓✗? "))
			if exclusion {
				labels[label] = true
				if label == "Met" || label == "Not met" {
					t.Errorf("an exclusion's outcome reads %q", label)
				}
			}
		}
	}
	if !labels["Doesn't rule you out"] {
		t.Errorf("no exclusion says it does not rule out a reader who is not pregnant: %v", labels)
	}
}

// TestCheckLinesQuestion: a trial whose criteria count lines of prior
// treatment asks how many the patient has had, "not sure" among the
// answers, and a count its criteria rule out says so on the row.
func TestCheckLinesQuestion(t *testing.T) {
	ts := newTestSite(t)
	const id = "NCT05048797" // "Treatment-naïve for palliative intent systemic therapy for … metastatic disease"
	path := "/study/" + id + "/check"
	d, _ := ts.page(t, path, 200)
	sel := d.one("select#lines")
	if len(all(sel, `option[value=""]`)) != 1 || len(all(sel, `option[value="0"]`)) != 1 {
		t.Fatalf("%s: the lines question offers no \"not sure\" or no \"none\"", id)
	}
	form := formValues(d.one("form.qform"))
	outcomes := map[string]string{}
	for _, answer := range []string{"", "0", "1"} {
		form.Set("lines", answer)
		d, res := ts.postPage(t, path, form, 200)
		checkCommon(t, d, res)
		for _, tr := range d.all(".result table.crit tbody tr") {
			if cells := all(tr, "td"); strings.Contains(text(cells[0]), "Treatment-naïve") {
				outcomes[answer] = text(cells[1]) + ": " + text(cells[2])
			}
		}
	}
	if !strings.Contains(outcomes["1"], "You have had 1 prior line of treatment; this trial is for people who have had none") ||
		!strings.Contains(strings.ToLower(outcomes["1"]), "not met") ||
		!strings.Contains(outcomes["0"], "You have had no prior line of treatment") ||
		!strings.Contains(outcomes[""], "We don't know how many lines of treatment you have had") {
		t.Errorf("%s: the treatment-naïve row by answer: %q", id, outcomes)
	}
}
