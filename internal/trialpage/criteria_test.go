package trialpage

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

// loadCriteria reads the eligibility texts of real records, keyed by NCT
// ID: API v2 records' Markdown, or with legacy set the wrapped text
// blocks of legacy XML records.
func loadCriteria(t testing.TB, legacy bool) map[string]string {
	t.Helper()
	name := "testdata/criteria.json.gz"
	if legacy {
		name = "testdata/legacy_criteria.json.gz"
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if len(m) < 100 {
		t.Fatalf("only %d records in %s", len(m), name)
	}
	return m
}

var tokenRE = regexp.MustCompile(`[\p{L}\p{N}]+`)

// droppable are the tokens a splitter may leave out: the words of plain
// section headers and the numbers and letters of list markers.
var droppable = regexp.MustCompile(`(?i)^(key|main|major|general|inclusion|exclusions?|non|criteria|criterion|citeria|criteriar|eligibility|and|include|includes|are|study|patients?|subjects?|participants?|list|of|were|as|follows|the|\d{1,3}|[a-z]|[ivx]+|o|[①-⑳])$`)

// headerLine is a short line naming a list ("Inclusion Criteria for all
// groups:", "Primary Exclusion Criteria:"). The splitter keeps its words
// when it heads one of several groups of a list; when it is the list's
// only header they qualify the whole list and may be left out.
var headerLine = regexp.MustCompile(`(?im)^[ \t*#]*(?:[\w()/,-]+[ \t]+){0,6}(?:inclusions?|exclusions?)\b[^.\n]{0,50}$`)

// sourceWords returns the words of src and which of them a splitter may
// leave out.
func sourceWords(src string) (words []string, optional []bool) {
	heads := headerLine.FindAllStringIndex(src, -1)
	for _, loc := range tokenRE.FindAllStringIndex(src, -1) {
		w := src[loc[0]:loc[1]]
		opt := droppable.MatchString(w)
		for _, h := range heads {
			opt = opt || h[0] <= loc[0] && loc[1] <= h[1]
		}
		words = append(words, w)
		optional = append(optional, opt)
	}
	return words, optional
}

func flatten(items []Item, out *[]string) {
	for _, it := range items {
		*out = append(*out, it.Text)
		flatten(it.Children, out)
	}
}

// checkCovers fails unless the items keep every word of src in order,
// leaving out only header words and list markers, and invent none.
func checkCovers(t *testing.T, id, src string, c Criteria) {
	t.Helper()
	var texts []string
	flatten(c.General, &texts)
	flatten(c.Inclusion, &texts)
	flatten(c.Exclusion, &texts)
	for _, x := range texts {
		if strings.TrimSpace(x) == "" {
			t.Errorf("%s: empty item", id)
		}
	}
	got := tokenRE.FindAllString(strings.Join(texts, " "), -1)
	want, optional := sourceWords(src)
	// The lists are shown general, inclusion, exclusion; in the source an
	// exclusion list may come first, so compare as multisets by section
	// order only when the order check fails.
	i := 0
	for j, w := range want {
		if i < len(got) && got[i] == w {
			i++
			continue
		}
		if !optional[j] {
			if !coversUnordered(got, want, optional) {
				t.Errorf("%s: word %q of the source is missing from the items", id, w)
			}
			return
		}
	}
	if i < len(got) {
		t.Errorf("%s: item words from %q on are not in the source in order", id, strings.Join(got[i:min(i+8, len(got))], " "))
	}
}

// coversUnordered reports whether got holds every required token of want,
// and nothing else, as multisets.
func coversUnordered(got, want []string, optional []bool) bool {
	count := map[string]int{}
	spare := map[string]int{} // optional occurrences
	for j, w := range want {
		count[w]++
		if optional[j] {
			spare[w]++
		}
	}
	for _, g := range got {
		if count[g] == 0 {
			return false
		}
		count[g]--
	}
	for w, n := range count {
		if n > spare[w] {
			return false
		}
	}
	return true
}

func TestCriteriaKeepsAllText(t *testing.T) {
	t.Run("v2", func(t *testing.T) { checkKeepsAllText(t, loadCriteria(t, false)) })
	t.Run("legacy XML", func(t *testing.T) { checkKeepsAllText(t, loadCriteria(t, true)) })
}

func checkKeepsAllText(t *testing.T, recs map[string]string) {
	ids := make([]string, 0, len(recs))
	for id := range recs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var withBoth int
	for _, id := range ids {
		c := criteriaOf(eligibility.Parse(recs[id]))
		checkCovers(t, id, recs[id], c)
		if len(c.Inclusion) > 0 && len(c.Exclusion) > 0 {
			withBoth++
		}
	}
	// Nearly every record has both headers; a splitter that misses them
	// would put everything in General.
	if withBoth < len(ids)*85/100 {
		t.Errorf("only %d of %d records split into inclusion and exclusion lists", withBoth, len(ids))
	}
}

// want describes the expected shape of one list: each top-level item's
// text and number of children.
type want struct {
	text     string
	children int
}

func checkList(t *testing.T, id, name string, got []Item, w []want) {
	t.Helper()
	if len(got) != len(w) {
		var texts []string
		for _, it := range got {
			texts = append(texts, it.Text)
		}
		t.Errorf("%s %s: %d items %q, want %d", id, name, len(got), texts, len(w))
		return
	}
	for i := range w {
		if got[i].Text != w[i].text || len(got[i].Children) != w[i].children {
			t.Errorf("%s %s[%d] = %q with %d children, want %q with %d", id, name, i, got[i].Text, len(got[i].Children), w[i].text, w[i].children)
		}
	}
}

func TestCriteriaRecords(t *testing.T) {
	recs := loadCriteria(t, false)
	for id, text := range loadCriteria(t, true) {
		recs[id] = text
	}
	tests := []struct {
		id                string
		general, inc, exc []want
		firstChild        string // the last inclusion item's first child
	}{
		// Sub-headers keep their own words and hold their lists.
		{id: "NCT03648918",
			inc: []want{{"Inclusion Criteria (Families):", 3}, {"Inclusion Criteria (Controls):", 2}},
			exc: []want{{"Exclusion Criteria (Families):", 2}, {"Exclusion Criteria (Controls):", 1}}},
		// An item on the header's line, then "*" items: one list.
		{id: "NCT05823506",
			inc: []want{{"Age 20 to 45;", 0}, {"Married or have had a permanent sex partner for at least 3 months;", 0}, {"IIEF-5 questionnaire scores below 20", 0}}},
		{id: "NCT05236296",
			exc: []want{{"none", 0}}},
		// Legacy XML: indented "-  " items whose lines wrap.
		{id: "NCT00000105",
			inc: []want{
				{"Patients must have a diagnosis of cancer of any histologic type.", 0},
				{"Patients must have a Karnofsky performance status great or equal to 70%.", 0},
				{"Patients must have an expected survival for at least four months.", 0},
				{"Normal healthy volunteers to serve as control for this study.", 0},
				{"All patients must sign informed consent approved by the Committee on the Use of Human Subjects at the University of Minnesota", 0}}},
		// A bulleted plain header is a header, not an entry.
		{id: "NCT05161130",
			inc: []want{
				{"Degenerative pathologies (one or multiple of the following: spinal stenosis, spondylolisthesis, degenerative disc disease, recurrent disc herniation, failed back surgery syndrome (FBSS), radiculopathy, pseudarthrosis).", 0},
				{"Patients are required to give informed consent.", 0},
				{"Only patients aged 18 or older are considered for inclusion.", 0}}},
		// "1. Inclusion Criteria" is a header; the indented sentence holds
		// the numbered list under it.
		{id: "NCT00636506",
			inc: []want{{"To be eligible to participate in this study, male subjects must meet the following requirements:", 11}}},
		// Short unmarked lines over bullets head their lists.
		{id: "NCT01119404",
			inc: []want{{"Group 1: Metabolic syndrome", 3}, {"Group 2: Coronary heart disease (CHD)", 2}, {"Group 3: Control", 4}}},
		// Without inclusion or exclusion headers everything is general;
		// old NCI-style sub-headers ("Age", "Renal") hold their bullets.
		{id: "NCT00057759",
			general: []want{{"DISEASE CHARACTERISTICS:", 4}, {"PATIENT CHARACTERISTICS:", 0}, {"Age", 1}, {"Performance status", 1},
				{"Life expectancy", 1}, {"Hematopoietic", 1}, {"Hepatic", 1}, {"Renal", 1}, {"Cardiovascular", 1}, {"Other", 3},
				{"PRIOR CONCURRENT THERAPY:", 0}, {"Biologic therapy", 1}, {"Chemotherapy", 1}, {"Endocrine therapy", 1},
				{"Radiotherapy", 1}, {"Surgery", 2}, {"Other", 5}}},
		// A sentence under the header announcing the same list is an item
		// holding the bullets; the closing note is an item of its own.
		{id: "NCT06716424",
			exc: []want{{"Participants are excluded from the study if any of the following criteria apply:", 15},
				{"The above information is not intended to contain all considerations relevant to a participant's potential participation in a clinical trial.", 0}}},
		// "Inclusion Criteria:a." then a numbered list with nested lists
		// and an escaped "\>".
		{id: "NCT01785420",
			firstChild: "Absolute neutrophil count (ANC) ≥1.5 x 109 /L (1500/mm3)"},
	}
	for _, tt := range tests {
		src, ok := recs[tt.id]
		if !ok {
			t.Fatalf("%s is not in testdata/criteria.json.gz", tt.id)
		}
		c := criteriaOf(eligibility.Parse(src))
		if tt.general != nil {
			checkList(t, tt.id, "general", c.General, tt.general)
		}
		if tt.inc != nil {
			checkList(t, tt.id, "inclusion", c.Inclusion, tt.inc)
		}
		if tt.exc != nil {
			checkList(t, tt.id, "exclusion", c.Exclusion, tt.exc)
		}
		if tt.firstChild != "" {
			last := c.Inclusion[len(c.Inclusion)-1]
			if len(last.Children) == 0 || last.Children[0].Text != tt.firstChild {
				t.Errorf("%s: last inclusion item %q has children %v, want first %q", tt.id, last.Text, last.Children, tt.firstChild)
			}
		}
	}
}
