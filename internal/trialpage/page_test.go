package trialpage

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
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
	return Build(load(t, "testdata/"+id+".json"))
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
	if err := WriteText(&buf, Build(load(t, fixture))); err != nil {
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

// TestReferencePage checks the fixture's page against the reference page:
// the same headings in the same order, every value it shows in the text
// rendering under the same heading, and every criteria item as one item.
func TestReferencePage(t *testing.T) {
	top, ref := parseReference(t)
	p := Build(load(t, fixture))
	var buf bytes.Buffer
	if err := WriteText(&buf, p); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")

	var headings []string
	for _, s := range p.Sections {
		headings = append(headings, s.Heading)
	}
	if !slices.Equal(headings, referenceHeadings) {
		t.Errorf("page headings\n%q\nwant\n%q", headings, referenceHeadings)
	}
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
	p := Build(load(t, fixture))
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
