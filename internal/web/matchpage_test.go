package web

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
	"golang.org/x/net/html"
)

// notes reads the TREC patient descriptions kept in testdata.
func notes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/trec_2021_notes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var q struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		out = append(out, q.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// matchNote returns a note whose profile the matcher ranks at least
// three trials for, and that profile.
func matchNote(t *testing.T, ts *testSite) (string, patient.Profile) {
	t.Helper()
	for _, n := range notes(t) {
		p, _ := patient.FromText(n)
		if p.Age == nil || p.Sex == "" || len(p.Conditions) == 0 {
			continue
		}
		if rk, err := ts.matcher.Rank(t.Context(), p, match.RankOptions{Limit: rankLimit}); err == nil && len(rk.Hits) >= 3 {
			return n, p
		}
	}
	t.Fatal("no note in testdata finds three trials in the demo data")
	return "", patient.Profile{}
}

func TestMatchLinked(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.page(t, "/", 200)
	for _, sel := range []string{`nav a[href="/match"]`, `main a[href="/match"]`} {
		if len(d.all(sel)) == 0 {
			t.Errorf("home page has no %s", sel)
		}
	}
	m, res := ts.page(t, "/match", 200)
	checkCommon(t, m, res)
	if len(m.all(`nav a[href="/match"][aria-current=page]`)) != 1 {
		t.Error("the navigation does not mark the page as current")
	}
	if len(m.all(`form[method=post][action="/match"] textarea#note[name=note]`)) != 1 {
		t.Error("no description box posting to /match")
	}
}

// TestMatchFlow follows a real note through the page: read it, check
// the pre-filled profile, find trials, as a reader without JavaScript
// would, and compares each step with the packages it stands on.
func TestMatchFlow(t *testing.T) {
	ts := newTestSite(t)
	note, want := matchNote(t, ts)
	d, res := ts.postPage(t, "/match", url.Values{"step": {"read"}, "note": {note}}, 200)
	checkCommon(t, d, res)
	if got := text(d.one("textarea#note")); got != squash(note) {
		t.Errorf("the note is not kept: %q", got)
	}
	_, findings := patient.FromText(note)
	if n := len(d.all(".findings li")); n != len(findings) {
		t.Errorf("%d findings listed, FromText has %d", n, len(findings))
	}
	if len(d.all(".note-text mark")) == 0 {
		t.Error("nothing marked in the note")
	}
	form := d.one("form.pform")
	if got := attr(d.one("input#age"), "value"); got != strconv.FormatFloat(*want.Age, 'f', -1, 64) {
		t.Errorf("age field %q, note says %v", got, *want.Age)
	}
	if len(all(form, `input[name=sex][value="`+want.Sex+`"][checked]`)) != 1 {
		t.Errorf("sex %s not chosen", want.Sex)
	}
	for i, c := range want.Conditions {
		if got := attr(d.one(`input[name="cond-`+strconv.Itoa(i)+`-text"]`), "value"); got != c.Text {
			t.Errorf("condition %d is %q, want %q", i, got, c.Text)
		}
	}
	for i, l := range want.Labs {
		v, _ := patient.LookupVariable(l.Name)
		if got := formValues(form).Get("lab-" + strconv.Itoa(i) + "-name"); got != v.Name {
			t.Errorf("lab %d is %q, want %q", i, got, v.Name)
		}
	}
	// Sending the form back unchanged ranks as the profile itself does.
	v := formValues(form)
	d, res = ts.postPage(t, "/match", v, 200)
	checkCommon(t, d, res)
	rk, err := ts.matcher.Rank(t.Context(), want, match.RankOptions{Limit: rankLimit})
	if err != nil {
		t.Fatal(err)
	}
	var got, wantIDs []string
	for _, a := range d.all(".hits .hit h3 a") {
		got = append(got, strings.TrimPrefix(attr(a, "href"), "/study/"))
	}
	for _, h := range rk.Hits {
		wantIDs = append(wantIDs, h.NCTID)
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("ranked\n %v\nwant\n %v", got, wantIDs)
	}
	for i, hit := range d.all(".hits .hit") {
		h := rk.Hits[i]
		if v := text(all(hit, ".verdict")[0]); !strings.Contains(strings.ToLower(v), string(h.Verdict)) {
			t.Errorf("%s: verdict %q, want %s", h.NCTID, v, h.Verdict)
		}
		if n := len(all(hit, "details.crit-details table.crit tbody tr")); n < len(h.Rows) {
			t.Errorf("%s: table has %d rows for %d criteria", h.NCTID, n, len(h.Rows))
		}
		checkRuledOut(t, hit, h)
		counts := text(all(hit, ".counts")[0])
		if !strings.HasPrefix(counts, strconv.Itoa(h.Counts.Met)+" fit you · "+strconv.Itoa(h.Counts.NotMet)+" rule you out") {
			t.Errorf("%s: counts %q, want %+v", h.NCTID, counts, h.Counts)
		}
	}
	// The profile form and the note survive the ranking.
	if attr(d.one("input#age"), "value") != v.Get("age") || attr(d.one(`input[type=hidden][name=note]`), "value") != note {
		t.Error("the form is not kept with the results")
	}
}

func TestMatchNearPlace(t *testing.T) {
	ts := newTestSite(t)
	_, p := matchNote(t, ts)
	v := profileForm(p).v
	v.Set("step", "find")
	v.Set("place", "Boston, Massachusetts")
	v.Set("distance", "100")
	v.Set("unit", "mi")
	d, _ := ts.postPage(t, "/match", v, 200)
	p.Location = &patient.Location{Place: "Boston, Massachusetts"}
	p.MaxDistance, p.DistanceUnit = 100, "mi"
	rk, err := ts.matcher.Rank(t.Context(), p, match.RankOptions{Limit: rankLimit})
	if err != nil {
		t.Fatal(err)
	}
	hits := d.all(".hits .hit")
	if len(hits) != len(rk.Hits) {
		t.Fatalf("%d hits, matcher gives %d", len(hits), len(rk.Hits))
	}
	for i, h := range rk.Hits {
		if h.DistanceKm == nil {
			continue
		}
		dist := all(hits[i], ".distance")
		if len(dist) != 1 || !strings.Contains(text(dist[0]), distanceText(kmToMiles(*h.DistanceKm))) || !strings.Contains(text(dist[0]), h.Site) {
			t.Errorf("%s: distance line %v, want %s at %s", h.NCTID, texts(dist), distanceText(kmToMiles(*h.DistanceKm)), h.Site)
		}
	}
}

func TestMatchBadForms(t *testing.T) {
	ts := newTestSite(t)
	for _, tc := range []struct {
		form  url.Values
		field string
		says  string
	}{
		{url.Values{"step": {"find"}, "age": {"abc"}}, "age", "abc"},
		{url.Values{"step": {"find"}, "place": {"Qwxyzville"}, "cond-0-text": {"asthma"}}, "place", "Qwxyzville"},
		{url.Values{"step": {"find"}, "lab-0-name": {"hemoglobin"}, "lab-0-value": {"12"}, "lab-0-unit": {"furlongs"}}, "lab-0-value", "furlongs"},
		{url.Values{"step": {"find"}, "therapy-0-name": {"trastuzumab"}, "therapy-0-end": {"last spring"}}, "therapy-0-end", "last spring"},
		{url.Values{"step": {"find"}, "ecog": {"1"}, "karnofsky": {"40"}}, "karnofsky", "40"},
		{url.Values{"step": {"find"}, "distance": {"50"}}, "distance", "location"},
		{url.Values{"step": {"read"}, "note": {"  "}}, "note", "description"},
		{url.Values{"step": {"bogus"}}, "", "buttons"},
	} {
		d, res := ts.postPage(t, "/match", tc.form, 400)
		checkCommon(t, d, res)
		if tc.field == "" {
			if !strings.Contains(text(d.one("main")), tc.says) {
				t.Errorf("%v: page %q does not mention %q", tc.form, text(d.one("main")), tc.says)
			}
			continue
		}
		summary := d.all(".error-summary")
		if len(summary) != 1 || !strings.Contains(text(summary[0]), tc.says) {
			t.Errorf("%v: summary %v does not mention %q", tc.form, texts(summary), tc.says)
			continue
		}
		if len(all(summary[0], `a[href="#`+tc.field+`"]`)) != 1 || len(d.all("#"+tc.field)) != 1 {
			t.Errorf("%v: summary does not link to field %s on the page", tc.form, tc.field)
		}
		if len(d.all(".hits")) != 0 {
			t.Errorf("%v: results shown with errors", tc.form)
		}
	}
}

// TestProfileFormRoundTrip writes the profiles of real notes as forms
// and reads them back.
func TestProfileFormRoundTrip(t *testing.T) {
	for _, n := range notes(t) {
		p, _ := patient.FromText(n)
		f := profileForm(p)
		got := f.profile()
		if len(f.Errors) > 0 {
			t.Errorf("%.40q: errors %v", n, f.Errors)
			continue
		}
		// The form names labs by their variable, as its choices do.
		for i, l := range p.Labs {
			v, _ := patient.LookupVariable(l.Name)
			p.Labs[i].Name = v.Name
		}
		a, _ := json.Marshal(p)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Errorf("round trip of %.40q:\n got %s\nwant %s", n, b, a)
		}
	}
}

// checkRuledOut checks that a hit's card says, without opening its
// table, which criteria rule the patient out, and says none for a trial
// they may join.
func checkRuledOut(t *testing.T, hit *html.Node, h match.Hit) {
	t.Helper()
	var want []match.Row
	for _, r := range h.Rows {
		if r.Status == match.NotMet {
			want = append(want, r)
		}
	}
	got := all(hit, ".ruled-out li")
	if len(got) != min(len(want), ruledOutShown) {
		t.Errorf("%s (%s): %d criteria said to rule the patient out, want %d", h.NCTID, h.Verdict, len(got), min(len(want), ruledOutShown))
		return
	}
	for i, li := range got {
		if !strings.Contains(text(li), strings.Join(strings.Fields(want[i].Reason), " ")) {
			t.Errorf("%s: %q does not give the reason %q", h.NCTID, text(li), want[i].Reason)
		}
	}
}

// TestMatchNoneFit: a child's note finds only adult trials, each of
// which says why it rules the child out, and the page says that none of
// them is likely to take the child; the page says how the trials are
// ordered.
func TestMatchNoneFit(t *testing.T) {
	ts := newTestSite(t)
	d, _ := ts.postPage(t, "/match", url.Values{"step": {"read"}, "note": {"7-year-old boy with asthma, lives in Houston, Texas"}}, 200)
	for _, f := range d.all(".findings li") {
		if s := text(f); !strings.Contains(s, "(from “") || strings.Contains(s, " ”") || strings.Contains(s, "“ ") {
			t.Errorf("finding %q does not quote the note's words as they are", s)
		}
	}
	v := formValues(d.one("form.pform"))
	d, _ = ts.postPage(t, "/match", v, 200)
	hits := d.all(".hits .hit")
	if len(hits) == 0 {
		t.Fatal("no trial found for a child with asthma")
	}
	for i, hit := range hits {
		v := text(all(hit, ".verdict")[0])
		if !strings.Contains(v, "Not eligible") {
			t.Fatalf("hit %d is %q: the test needs a note no trial takes", i+1, v)
		}
		if len(all(hit, ".ruled-out li")) == 0 {
			t.Errorf("hit %d does not say what rules the child out", i+1)
		}
	}
	if n := d.all(".results .notice"); len(n) != 1 || !strings.Contains(text(n[0]), "None of these trials") {
		t.Error("the page does not say that none of the trials is likely to take the patient")
	}
	if h := d.all(".results .how-ranked"); len(h) != 1 || !strings.Contains(text(h[0]), "ordered") {
		t.Error("the page does not say how the trials are ordered")
	}
}

// TestMatchPriorLines: the lines of treatment a note gives fill their
// field, and a trial for patients treated before says, on its row, that
// the patient has had none.
func TestMatchPriorLines(t *testing.T) {
	ts := newTestSite(t)
	note := "64 yo never-smoker man, newly diagnosed stage IVB lung adenocarcinoma (bone, adrenal), EGFR exon 19 deletion, ALK negative, PD-L1 10%. No treatment yet. ECOG 1."
	d, _ := ts.postPage(t, "/match", url.Values{"step": {"read"}, "note": {note}}, 200)
	if got := attr(d.one("input#lines"), "value"); got != "0" {
		t.Fatalf("lines field %q, want 0", got)
	}
	v := formValues(d.one("form.pform"))
	d, _ = ts.postPage(t, "/match", v, 200)
	for _, tr := range d.all(".hits table.crit tbody tr") {
		if strings.Contains(text(tr), "You have had no treatment for it yet; this trial is for people whose disease progressed after earlier treatment") {
			return
		}
	}
	t.Error("no row says the patient has had no treatment yet")
}
