package web

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/textproc"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

// total reads the count of a results page's heading: "Results 1–10 of
// 1,234" or "0 trials found".
func total(t *testing.T, d doc) int {
	t.Helper()
	h := text(d.one("#results-count"))
	m := regexp.MustCompile(`([\d,]+)( trials? found)?$`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("results heading %q has no count", h)
	}
	n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	return n
}

// basicTexts are the texts of a study that the keywords box searches
// (ClinicalTrials.gov's BasicSearch area), and conditionTexts those
// where it also looks for condition synonyms.
func basicTexts(st study.Study) []string {
	out := []string{st.NCTID, st.Acronym, st.BriefTitle, st.OfficialTitle, st.BriefSummary, st.LeadSponsor.Name, st.OrgStudyID}
	out = append(out, st.Conditions...)
	out = append(out, st.Keywords...)
	for _, in := range st.Interventions {
		out = append(append(out, in.Name, study.InterventionTypes.Label(in.Type)), in.OtherNames...)
	}
	for _, o := range st.Outcomes {
		if o.Kind != "OTHER" {
			out = append(out, o.Measure)
		}
	}
	for _, a := range st.Arms {
		out = append(out, a.Label)
	}
	for _, m := range append(append(slices.Clone(st.ConditionMeSH), st.ConditionAncestors...), st.InterventionMeSH...) {
		out = append(out, m.Term)
	}
	for _, c := range st.Collaborators {
		out = append(out, c.Name)
	}
	for _, o := range st.OverallOfficials {
		out = append(out, o.Name)
	}
	for _, id := range st.SecondaryIDs {
		out = append(out, id.ID)
	}
	for _, l := range st.Locations {
		out = append(out, l.Facility, l.City, l.State, l.Country)
	}
	return out
}

func conditionTexts(st study.Study) []string {
	out := append([]string{st.BriefTitle, st.OfficialTitle}, st.Conditions...)
	out = append(out, st.Keywords...)
	for _, m := range append(slices.Clone(st.ConditionMeSH), st.ConditionAncestors...) {
		out = append(out, m.Term)
	}
	return out
}

func countStudies(ts *testSite, keep func(st study.Study) bool) int {
	n := 0
	for _, st := range ts.studies {
		if keep(st) {
			n++
		}
	}
	return n
}

func anyMatch(re *regexp.Regexp, texts []string) bool {
	return slices.ContainsFunc(texts, re.MatchString)
}

// TestSearchSpellingVariants: "leukaemia" finds what "leukemia" finds,
// counted from the records with a pattern rather than the tokenizer.
func TestSearchSpellingVariants(t *testing.T) {
	ts := newTestSite(t)
	word := regexp.MustCompile(`(?i)\bleuka?emias?\b`)
	synonym := regexp.MustCompile(`(?i)\bleucocytha?emias?\b`) // the MeSH entry term it expands to
	want := countStudies(ts, func(st study.Study) bool {
		return anyMatch(word, basicTexts(st)) || anyMatch(synonym, conditionTexts(st))
	})
	for _, q := range []string{"leukaemia", "leukemia", "Leukaemias"} {
		d, _ := ts.page(t, "/search?q="+q, 200)
		if got := total(t, d); got != want {
			t.Errorf("%q: %d trials, want %d", q, got, want)
		}
	}
}

// TestSearchEverydayWords: "kids asthma" finds the trials about asthma in
// children, counted from the records.
func TestSearchEverydayWords(t *testing.T) {
	ts := newTestSite(t)
	want := kidsAsthma(ts)
	if want == 0 {
		t.Fatal("no trial about asthma in children in the test data")
	}
	d, _ := ts.page(t, "/search?q=kids+asthma", 200)
	if got := total(t, d); got != want {
		t.Errorf("kids asthma: %d trials, want %d", got, want)
	}
	if also := text(d.one(".also")); !strings.Contains(also, "pediatric") {
		t.Errorf("the page does not say it also searched for “pediatric”: %q", also)
	}
}

// kidsAsthma counts the trials that mention asthma and children in any
// of the words people and records use for them.
func kidsAsthma(ts *testSite) int {
	kids := regexp.MustCompile(`(?i)\b(kids?|child|children|pa?ediatrics?)\b`)
	asthma := regexp.MustCompile(`(?i)\basthmas?\b`)
	return countStudies(ts, func(st study.Study) bool {
		texts := basicTexts(st)
		return anyMatch(kids, texts) && anyMatch(asthma, texts)
	})
}

// TestSearchRespelling: a misspelling that finds nothing shows the
// corrected search, says so, and links to the words as typed.
func TestSearchRespelling(t *testing.T) {
	ts := newTestSite(t)
	for typed, correct := range map[string]string{"breast cancr": "breast cancer", "diabetis": "diabetes"} {
		right, _ := ts.page(t, "/search?q="+strings.ReplaceAll(correct, " ", "+"), 200)
		d, res := ts.page(t, "/search?q="+strings.ReplaceAll(typed, " ", "+"), 200)
		checkCommon(t, d, res)
		notice := text(d.one(".notice"))
		if !strings.Contains(notice, "No trials match “"+typed+"”") || !strings.Contains(notice, "Showing results for “"+correct+"”") {
			t.Errorf("%q: notice %q", typed, notice)
		}
		if got, want := total(t, d), total(t, right); got != want || want == 0 {
			t.Errorf("%q: %d trials, but %q finds %d", typed, got, correct, want)
		}
		if !slices.Equal(cardIDs(d), cardIDs(right)) {
			t.Errorf("%q shows other trials than %q", typed, correct)
		}
		asTyped, _ := ts.page(t, attr(d.one(".notice a"), "href"), 200)
		if total(t, asTyped) != 0 || len(asTyped.all(".notice a")) != 0 {
			t.Errorf("%q as typed: want the empty search, not corrected again", typed)
		}
	}
	// A word the records use is never corrected.
	d, _ := ts.page(t, "/search?q=leukemia", 200)
	if len(d.all(".notice")) != 0 {
		t.Errorf("leukemia: unexpected notice %q", text(d.one(".notice")))
	}
}

// TestSearchUnreadableQuery: a stray quote or bracket searches the plain
// words, with a notice, where the API answers 400.
func TestSearchUnreadableQuery(t *testing.T) {
	ts := newTestSite(t)
	for typed, words := range map[string]string{`crohn"s disease`: "crohn s disease", "(breast": "breast", "AND": "and"} {
		d, res := ts.page(t, "/search?q="+strings.NewReplacer(`"`, "%22", "(", "%28", " ", "+").Replace(typed), 200)
		checkCommon(t, d, res)
		if n := text(d.one(".notice")); !strings.Contains(n, "“"+typed+"”") || !strings.Contains(n, "“"+words+"”") {
			t.Errorf("%q: notice %q", typed, n)
		}
		plain, _ := ts.page(t, "/search?q="+strings.ReplaceAll(words, " ", "+"), 200)
		if total(t, d) != total(t, plain) {
			t.Errorf("%q: %d trials, its words %d", typed, total(t, d), total(t, plain))
		}
		if len(d.all("form[role=search] input[name=q]")) != 1 {
			t.Errorf("%q: no search box", typed)
		}
	}
}

// TestSearchWhereYouAre: numbered pages, the ranks shown, and each card's
// ages, sex and snippet.
func TestSearchWhereYouAre(t *testing.T) {
	ts := newTestSite(t)
	first, _ := ts.page(t, "/search?q=cancer", 200)
	n := total(t, first)
	d, res := ts.page(t, "/search?q=cancer&page=3", 200)
	checkCommon(t, d, res)
	if h, want := text(d.one("#results-count")), fmt.Sprintf("Results 21–30 of %s", commas(n)); h != want {
		t.Errorf("heading %q, want %q", h, want)
	}
	if attr(d.one("ol.cards"), "start") != "21" {
		t.Error("the list of cards does not start at 21")
	}
	cur := d.all(`.pager a[aria-current=page]`)
	if len(cur) != 1 || text(cur[0]) != "Page 3" {
		t.Errorf("current page link %v", texts(cur))
	}
	lastPage := strconv.Itoa((n + 9) / 10)
	if links := texts(d.all(".pager a")); !slices.Contains(links, "Page 1") || !slices.Contains(links, "Page "+lastPage) {
		t.Errorf("page links %v lack the first or the last (%s)", links, lastPage)
	}
	words := map[string]bool{"cancer": true}
	for i, card := range d.all(".cards .card") {
		st := ts.studies[cardIDs(d)[i]]
		facts := texts(all(card, ".facts dd"))
		ages := trialpage.Ages(st.Eligibility.MinimumAge, st.Eligibility.MaximumAge)
		if ages == "" {
			ages = "Any age"
		}
		if !slices.Contains(facts, ages) {
			t.Errorf("%s: card facts %q lack the ages %q", st.NCTID, facts, ages)
		}
		if sex := study.Sexes.Label(st.Eligibility.Sex); st.Eligibility.Sex != "" && !slices.Contains(facts, sex) {
			t.Errorf("%s: card facts %q lack the sex %q", st.NCTID, facts, sex)
		}
		for _, m := range all(card, ".snippet mark") {
			if toks := textproc.Tokenize(text(m)); len(toks) != 1 || !words[toks[0]] && !isSynonymOfCancer(toks[0]) {
				t.Errorf("%s: snippet marks %q, which was not searched", st.NCTID, text(m))
			}
		}
	}
	if len(d.all(".snippet mark")) == 0 {
		t.Error("no card's snippet marks the searched word")
	}
	details := text(d.one(".search-details"))
	for _, jargon := range []string{"BriefTitle", "ConditionMeshTerm", "LocationFacility"} {
		if strings.Contains(details, jargon) {
			t.Errorf("search details use the field name %s: %q", jargon, details)
		}
	}
}

// isSynonymOfCancer reports whether a token is a word of one of the
// names "cancer" expands to (MeSH Neoplasms).
func isSynonymOfCancer(tok string) bool {
	return slices.Contains([]string{"neoplasm", "tumor", "neoplasia", "malignant", "malignancy", "benign"}, tok)
}
