package trialpage

import (
	"bytes"
	"encoding/json"
	"flag"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/study"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fixture is the reconstructed NCT05111366 record shared by the repo's tests.
const fixture = "../../testdata/NCT05111366.json"

func load(t *testing.T, path string) study.Study {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ctgov.DecodeV2(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func sample(t *testing.T, id string) Page {
	t.Helper()
	return build(load(t, "testdata/"+id+".json"))
}

func sectionOf(p Page, key string) (Section, bool) {
	for _, s := range p.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return Section{}, false
}

func values(t *testing.T, p Page, key string) []string {
	t.Helper()
	s, ok := sectionOf(p, key)
	if !ok {
		t.Errorf("%s: no %q section", p.NCTID, key)
	}
	return s.Values
}

func wantValues(t *testing.T, p Page, key string, want ...string) {
	t.Helper()
	if got := values(t, p, key); !slices.Equal(got, want) {
		t.Errorf("%s %s: %q, want %q", p.NCTID, key, got, want)
	}
}

func fields(p Page) map[string]string {
	s, _ := sectionOf(p, "design")
	m := map[string]string{}
	for _, f := range s.Fields {
		m[f.Label] = f.Value
	}
	return m
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, build(load(t, fixture))); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/NCT05111366.golden"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("text rendering differs from %s (run go test -update after checking the change):\n%s", golden, buf.String())
	}
	for i, line := range strings.Split(buf.String(), "\n") {
		if n := len([]rune(line)); n > width && strings.Contains(line, " ") {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
	}
}

// referenceHeadings are the section headings of the reference page, in
// its order.
var referenceHeadings = []string{
	"Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
	"Details and patient eligibility", "About", "Full description", "Enrollment", "Sex", "Ages",
	"Volunteers", "Inclusion criteria", "Exclusion criteria", "Trial design",
	"Trial contacts and locations", "Central trial contact",
}

// refSection is one heading of the reference page and the lines under it.
type refSection struct {
	heading string
	lines   []string
}

// parseReference splits the reference page into the lines before the
// first heading and its sections, dropping the site chrome around them.
func parseReference(t *testing.T) (top []string, secs []refSection) {
	t.Helper()
	raw, err := os.ReadFile("testdata/veeva-trial-page-NCT05111366.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	_, text, _ = strings.Cut(text, "\nMenu\n")
	text, _, _ = strings.Cut(text, "\nData sourced from clinicaltrials.gov")
	next := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line == "Loading...":
		case next < len(referenceHeadings) && line == referenceHeadings[next]:
			secs = append(secs, refSection{heading: line})
			next++
		case len(secs) == 0:
			top = append(top, line)
		default:
			secs[len(secs)-1].lines = append(secs[len(secs)-1].lines, line)
		}
	}
	if next != len(referenceHeadings) {
		t.Fatalf("reference page: found %d of the %d headings in order; next missing %q", next, len(referenceHeadings), referenceHeadings[next])
	}
	return top, secs
}

// squash joins text into one line of single spaces, undoing wrapping.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// beyondReference are the sections the page adds to the reference's:
// who sponsors the study, its dates and its outcome measures.
var beyondReference = []string{"Sponsor", "Dates", "Primary outcomes", "Secondary outcomes"}

func sectionByHeading(p Page, h string) (Section, bool) {
	for _, s := range p.Sections {
		if s.Heading == h {
			return s, true
		}
	}
	return Section{}, false
}

// TestReferencePage checks the fixture's page against the reference page:
// the same headings in the same order, every value it shows in the text
// rendering under the same heading, and every criteria item as one item.
func TestReferencePage(t *testing.T) {
	top, ref := parseReference(t)
	p := build(load(t, fixture))
	var buf bytes.Buffer
	if err := WriteText(&buf, p); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")

	// The reference's headings in its order, and besides them only what
	// ClinicalTrials.gov shows and the reference leaves out.
	var headings []string
	for _, s := range p.Sections {
		if !slices.Contains(beyondReference, s.Heading) {
			headings = append(headings, s.Heading)
		}
	}
	if !slices.Equal(headings, referenceHeadings) {
		t.Errorf("page headings\n%q\nwant\n%q", headings, referenceHeadings)
	}
	// Those are read from the record: the sections the reference leaves
	// out are removed from the text before it is compared.
	for _, h := range beyondReference {
		if _, ok := sectionByHeading(p, h); !ok && h != "Secondary outcomes" {
			t.Errorf("no %q section", h)
		}
	}
	p.Sections = slices.DeleteFunc(p.Sections, func(s Section) bool { return slices.Contains(beyondReference, s.Heading) })
	buf.Reset()
	if err := WriteText(&buf, p); err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(buf.String(), "\n")
	// Each heading is a line of its own, in order; the text between two
	// headings is that section's rendering.
	pos := make([]int, 0, len(ref)+1)
	from := 0
	for _, r := range ref {
		i := slices.Index(lines[from:], r.heading)
		if i < 0 {
			t.Fatalf("heading %q is not a line of the text after line %d", r.heading, from)
		}
		pos = append(pos, from+i)
		from += i + 1
	}
	pos = append(pos, len(lines))
	head := squash(strings.Join(lines[:pos[0]], "\n"))
	for _, v := range top {
		if len([]rune(v)) > 1 && !strings.Contains(head, v) { // "X" is the page's avatar letter
			t.Errorf("title block %q does not show %q", head, v)
		}
	}
	for i, r := range ref {
		body := squash(strings.Join(lines[pos[i]+1:pos[i+1]], "\n"))
		if r.heading == "Inclusion criteria" || r.heading == "Exclusion criteria" {
			checkCriteria(t, p, r)
			continue
		}
		for _, v := range r.lines {
			if !strings.Contains(body, v) {
				t.Errorf("section %q: text %q does not show %q", r.heading, body, v)
			}
		}
	}
}

// checkCriteria checks that every item the reference page lists is one
// item of the page's list, in the same order, and that there are no others.
func checkCriteria(t *testing.T, p Page, r refSection) {
	t.Helper()
	key := strings.ToLower(strings.Fields(r.heading)[0])
	s, ok := sectionOf(p, key)
	if !ok {
		t.Fatalf("no %q section", key)
	}
	var want, got []string
	for _, l := range r.lines {
		want = append(want, strings.TrimSpace(strings.TrimPrefix(l, "•")))
	}
	for _, it := range s.Items {
		got = append(got, it.Text)
		if len(it.Children) > 0 {
			t.Errorf("%s: item %q has sub-items", r.heading, it.Text)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s items:\n%q\nwant\n%q", r.heading, got, want)
	}
}

func TestPageJSON(t *testing.T) {
	p := build(load(t, fixture))
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Page
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if !bytes.Equal(b, b2) {
		t.Errorf("Page does not survive a JSON round trip")
	}
	if !bytes.Contains(b, []byte(`"heading":"Inclusion criteria"`)) {
		t.Errorf("JSON lacks the inclusion section: %s", b)
	}
}

func TestBuildSamples(t *testing.T) {
	t.Run("observational", func(t *testing.T) {
		p := sample(t, "NCT03323645")
		wantValues(t, p, "status", "Terminated")
		f := fields(p)
		if f["Observational model"] != "Cohort" || f["Time perspective"] != "Other" {
			t.Errorf("design fields %v", f)
		}
		if _, ok := f["Primary purpose"]; ok {
			t.Errorf("observational study shows a primary purpose: %v", f)
		}
		d, _ := sectionOf(p, "design")
		if d.Summary != "190 participants in 1 patient group" || len(d.Groups) != 1 ||
			d.Groups[0].Label != "Patients with penile prostheses" || d.Groups[0].Type != "" || d.Groups[0].TreatmentHeading != "" {
			t.Errorf("design %+v", d)
		}
		wantValues(t, p, "ages", "18+ years old")
		wantValues(t, p, "enrollment", "190 patients")
		if !slices.Equal(p.Byline, []string{"Principal investigator: Aaron C Lentz, MD"}) {
			t.Errorf("byline %q", p.Byline)
		}
	})
	t.Run("several phases, no locations", func(t *testing.T) {
		p := sample(t, "NCT02385136")
		wantValues(t, p, "status", "Unknown", "Phase 1", "Phase 2")
		if _, ok := sectionOf(p, "locations"); ok {
			t.Errorf("a study without sites has a locations section")
		}
		d, _ := sectionOf(p, "design")
		if d.Summary != "135 participants in 2 patient groups" {
			t.Errorf("summary %q", d.Summary)
		}
		g := d.Groups[1]
		if g.Label != "WBRT" || g.Type != "No Intervention group" || len(g.Treatments) != 0 || g.TreatmentHeading != "" {
			t.Errorf("second group %+v", g)
		}
		wantValues(t, p, "funders", "Other")
	})
	t.Run("months", func(t *testing.T) {
		p := sample(t, "NCT05326594")
		wantValues(t, p, "ages", "18 months to 50 years old")
		wantValues(t, p, "status", "Completed")
		if got := values(t, p, "treatments"); len(got) != 4 || got[2] != "Device: Inferential therapy" {
			t.Errorf("treatments %q", got)
		}
	})
	t.Run("no minimum age, healthy volunteers, central contact", func(t *testing.T) {
		p := sample(t, "NCT05960149")
		wantValues(t, p, "ages", "Up to 75 years old")
		wantValues(t, p, "volunteers", "Accepts Healthy Volunteers")
		if got := fields(p)["Masking"]; got != "Single (Participant)" {
			t.Errorf("masking %q", got)
		}
		c, _ := sectionOf(p, "contact")
		want := []Contact{{Name: "Araz Musaev, Dr", Phone: "+905364536276", Email: "msyv.araz@gmail.com"}}
		if !slices.Equal(c.Contacts, want) {
			t.Errorf("central contact %+v", c.Contacts)
		}
	})
	t.Run("no arms", func(t *testing.T) {
		p := sample(t, "NCT00410098")
		d, _ := sectionOf(p, "design")
		if d.Summary != "" || len(d.Groups) != 0 || fields(p)["Allocation"] != "Non-Randomized" {
			t.Errorf("design %+v", d)
		}
		wantValues(t, p, "volunteers", "Accepts Healthy Volunteers")
	})
	t.Run("results", func(t *testing.T) {
		s := load(t, "testdata/NCT00329836.json")
		if !s.HasResults {
			t.Fatal("sample has no results")
		}
		p := build(s)
		wantValues(t, p, "enrollment", "41 patients")
		wantValues(t, p, "volunteers", "No Healthy Volunteers")
		wantValues(t, p, "ages", "18 to 75 years old")
	})
	t.Run("identifiers", func(t *testing.T) {
		p := sample(t, "NCT00470873")
		wantValues(t, p, "identifiers", "NCT00470873", "12842", "LV0610PL", "VALOR", "NCT00459394")
		l, _ := sectionOf(p, "locations")
		if len(l.Sites) != 1 || l.Sites[0].City != "Many locations" || l.Sites[0].Facility != "" {
			t.Errorf("sites %+v", l.Sites)
		}
	})
	t.Run("masked, no officials", func(t *testing.T) {
		p := sample(t, "NCT01589588")
		if got := fields(p)["Masking"]; got != "Double (Participant, Care Provider)" {
			t.Errorf("masking %q", got)
		}
		if got := fields(p)["Interventional model"]; got != "Crossover Assignment" {
			t.Errorf("model %q", got)
		}
		if !slices.Equal(p.Byline, []string{"Sponsor: Mads Barløse"}) {
			t.Errorf("byline %q, want the lead sponsor", p.Byline)
		}
		d, _ := sectionOf(p, "design")
		if g := d.Groups[3]; g.Type != "Placebo Comparator group" || !slices.Equal(g.Treatments, []string{"Device: Carnét oxygen demand valve"}) {
			t.Errorf("fourth group %+v", g)
		}
	})
	t.Run("site contacts, no enrollment", func(t *testing.T) {
		p := sample(t, "NCT01100827")
		if _, ok := sectionOf(p, "enrollment"); ok {
			t.Error("enrollment shown for a record without a count")
		}
		if _, ok := sectionOf(p, "volunteers"); ok {
			t.Error("volunteers shown for a record that does not say")
		}
		wantValues(t, p, "ages", "1+ years old")
		l, _ := sectionOf(p, "locations")
		want := Site{Facility: "National University Hospital Singapore", City: "Singapore", State: "Singapore", Country: "Singapore", Status: "Recruiting",
			Contacts: []Contact{
				{Name: "Ross Andrew Soo, MBBS", Role: "Contact", Phone: "65 6772 4624", Email: "ross_soo@nuhs.edu.sg"},
				{Name: "Ross Soo, MBBS", Role: "Principal Investigator"},
			}}
		if l.Summary != "1 site" || len(l.Sites) != 1 || !equalSite(l.Sites[0], want) {
			t.Errorf("locations %+v", l)
		}
		d, _ := sectionOf(p, "design")
		if d.Summary != "1 patient group" {
			t.Errorf("summary %q", d.Summary)
		}
	})
}

func equalSite(a, b Site) bool {
	return slices.Equal(a.Contacts, b.Contacts) && a.Facility == b.Facility && a.City == b.City && a.State == b.State &&
		a.Zip == b.Zip && a.Country == b.Country && a.Status == b.Status
}

func TestAges(t *testing.T) {
	y := func(n int) study.Age { return study.Age{N: n, Unit: study.Years} }
	m := func(n int) study.Age { return study.Age{N: n, Unit: study.Months} }
	tests := []struct {
		min, max study.Age
		want     string
	}{
		{y(18), y(75), "18 to 75 years old"},
		{y(18), study.Age{}, "18+ years old"},
		{study.Age{}, y(17), "Up to 17 years old"},
		{m(6), y(17), "6 months to 17 years old"},
		{m(6), m(24), "6 to 24 months old"},
		{study.Age{}, y(1), "Up to 1 year old"},
		{y(1), study.Age{}, "1+ years old"},
		{study.Age{N: 28, Unit: study.Days}, m(1), "28 days to 1 month old"},
		{study.Age{}, study.Age{}, ""},
	}
	for _, tt := range tests {
		if got := Ages(tt.min, tt.max); got != tt.want {
			t.Errorf("Ages(%v, %v) = %q, want %q", tt.min, tt.max, got, tt.want)
		}
	}
}

// BenchmarkBuildAndWrite is the work of "trialfinder show" and of one web
// page view after the store read.
func BenchmarkBuildAndWrite(b *testing.B) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	s, err := ctgov.DecodeV2(raw)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := WriteText(io.Discard, build(s)); err != nil {
			b.Fatal(err)
		}
	}
}

// build lays s out with its criteria parsed here, as the store would.
func build(s study.Study) Page { return Build(s, eligibility.Parse(s.Eligibility.Criteria)) }

func TestParagraphsReflow(t *testing.T) {
	wrapped := "The purpose of the protocol is to allow for patients, and relatives of patients, who may have\n" +
		"the newly described autoimmune lymphoproliferative syndrome, to be evaluated at the NIH\n" +
		"Clinical Center.\n" +
		"\n" +
		"Objectives of the study are as follows, each measured over the whole of the study period:\n" +
		"- to describe the natural history of the syndrome in patients and their relatives over time;\n" +
		"- to find the genes involved, in families where more than one person has the\n" +
		"syndrome.\n" +
		"Short closing line, as if\n" +
		"\n" +
		"a blank line cut the sentence."
	want := []string{
		"The purpose of the protocol is to allow for patients, and relatives of patients, who may have the newly described autoimmune lymphoproliferative syndrome, to be evaluated at the NIH Clinical Center.",
		"Objectives of the study are as follows, each measured over the whole of the study period:",
		"- to describe the natural history of the syndrome in patients and their relatives over time;",
		"- to find the genes involved, in families where more than one person has the syndrome.",
		"Short closing line, as if a blank line cut the sentence.",
	}
	if got := paragraphs(wrapped); !slices.Equal(got, want) {
		t.Errorf("hard-wrapped text:\n%q\nwant\n%q", got, want)
	}
	// Lines of API v2 text are paragraphs or list entries as they stand.
	v2 := "A first paragraph that runs on well beyond the width that a legacy record would ever wrap its lines to, as modern records do.\nA second one.\n* an item"
	if got := paragraphs(v2); len(got) != 3 {
		t.Errorf("v2 text: %q, want its 3 lines", got)
	}
}

// TestLegacyProseReflows: the summaries of the bundled legacy XML
// records become paragraphs, none of them a wrapped line's fragment.
func TestLegacyProseReflows(t *testing.T) {
	checked := 0
	for _, s := range demotest.Studies(t) {
		lines := strings.Split(strings.TrimSpace(s.BriefSummary), "\n")
		if len(lines) < 4 || !hardWrapped(lines) {
			continue
		}
		checked++
		paras := paragraphs(s.BriefSummary)
		if len(paras) >= len(lines) {
			t.Errorf("%s: %d lines stay %d paragraphs", s.NCTID, len(lines), len(paras))
		}
		// No paragraph is the rest of the sentence before it.
		for i := 1; i < len(paras); i++ {
			if continues(paras[i-1], paras[i]) {
				t.Errorf("%s: %q is cut from %q", s.NCTID, paras[i], paras[i-1])
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d hard-wrapped summaries among the bundled records", checked)
	}
}
