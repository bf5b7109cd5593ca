package search

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/textproc"
)

// fieldTexts returns the text values of a study's fields by query-language
// field name, written out here independently of the index's own table.
func fieldTexts(s *study.Study) map[string][]string {
	m := map[string][]string{
		"NCTId":         {s.NCTID},
		"Acronym":       {s.Acronym},
		"BriefTitle":    {s.BriefTitle},
		"OfficialTitle": {s.OfficialTitle},
		"Condition":     s.Conditions,
		"Keyword":       s.Keywords,
		"BriefSummary":  {s.BriefSummary},
	}
	for _, t := range s.ConditionMeSH {
		m["ConditionMeshTerm"] = append(m["ConditionMeshTerm"], t.Term)
	}
	for _, t := range s.ConditionAncestors {
		m["ConditionAncestorTerm"] = append(m["ConditionAncestorTerm"], t.Term)
	}
	for _, in := range s.Interventions {
		m["InterventionName"] = append(m["InterventionName"], in.Name)
		m["InterventionOtherName"] = append(m["InterventionOtherName"], in.OtherNames...)
	}
	for _, l := range s.Locations {
		m["LocationCity"] = append(m["LocationCity"], l.City)
		m["LocationFacility"] = append(m["LocationFacility"], l.Facility)
		m["LocationCountry"] = append(m["LocationCountry"], l.Country)
	}
	return m
}

var condFields = []string{"Condition", "BriefTitle", "OfficialTitle", "ConditionMeshTerm", "ConditionAncestorTerm", "Keyword", "NCTId"}

// hasWords reports whether every word of q occurs in the study's fields.
func hasWords(s *study.Study, fields []string, q string) bool {
	texts := fieldTexts(s)
	have := map[string]bool{}
	for _, f := range fields {
		for _, v := range texts[f] {
			for _, t := range textproc.Tokenize(v) {
				have[t] = true
			}
		}
	}
	for _, w := range textproc.Tokenize(q) {
		if !have[w] {
			return false
		}
	}
	return true
}

// hasPhrase reports whether the words of q occur consecutively within one
// field value.
func hasPhrase(s *study.Study, fields []string, q string) bool {
	want := strings.Join(textproc.Tokenize(q), " ")
	texts := fieldTexts(s)
	for _, f := range fields {
		for _, v := range texts[f] {
			if strings.Contains(" "+strings.Join(textproc.Tokenize(v), " ")+" ", " "+want+" ") {
				return true
			}
		}
	}
	return false
}

// hasPairs reports whether, in one of the fields, each pair of adjacent
// words of q occurs adjacent within one of the field's values: what a
// phrase of more than two words matches in fields indexed with pairs.
func hasPairs(s *study.Study, fields []string, q string) bool {
	words := textproc.Tokenize(q)
	texts := fieldTexts(s)
	for _, f := range fields {
		all := true
		for i := 1; i < len(words) && all; i++ {
			pair := " " + words[i-1] + " " + words[i] + " "
			all = slices.ContainsFunc(texts[f], func(v string) bool {
				return strings.Contains(" "+strings.Join(textproc.Tokenize(v), " ")+" ", pair)
			})
		}
		if all {
			return true
		}
	}
	return false
}

func condQuery(q string) Request {
	return Request{Queries: []AreaQuery{{Area: "cond", Query: q}}, PageSize: 1000}
}

func TestTextQueries(t *testing.T) {
	studies, ix := loadDemo(t)
	cases := []struct {
		query string
		keep  func(s *study.Study) bool
	}{
		{"asthma", func(s *study.Study) bool { return hasWords(s, condFields, "asthma") }},
		{"prostate cancer", func(s *study.Study) bool { return hasWords(s, condFields, "prostate cancer") }},
		{`"breast cancer"`, func(s *study.Study) bool { return hasPhrase(s, condFields, "breast cancer") }},
		{`"non small cell lung"`, func(s *study.Study) bool { return hasPairs(s, condFields, "non small cell lung") }},
		// Summaries are indexed without pairs: a phrase there matches when
		// all its words occur.
		{`AREA[BriefSummary]"breast cancer"`, func(s *study.Study) bool { return hasWords(s, []string{"BriefSummary"}, "breast cancer") }},
		// Sites are many values of one field: a phrase must not run from
		// one site's name into another's ("… Breast Care …", "… Cancer …").
		{`AREA[LocationCity]"new york"`, func(s *study.Study) bool { return hasPhrase(s, []string{"LocationCity"}, "new york") }},
		{`AREA[LocationFacility]"breast cancer"`, func(s *study.Study) bool { return hasPhrase(s, []string{"LocationFacility"}, "breast cancer") }},
		{`AREA[LocationFacility]"cancer center"`, func(s *study.Study) bool { return hasPhrase(s, []string{"LocationFacility"}, "cancer center") }},
		{"diabetes OR hypertension", func(s *study.Study) bool {
			return hasWords(s, condFields, "diabetes") || hasWords(s, condFields, "hypertension")
		}},
		{"cancer AND NOT lung", func(s *study.Study) bool {
			return hasWords(s, condFields, "cancer") && !hasWords(s, condFields, "lung")
		}},
		{"(asthma OR copd) AND AREA[Phase]PHASE3", func(s *study.Study) bool {
			return (hasWords(s, condFields, "asthma") || hasWords(s, condFields, "copd")) && slices.Contains(s.Phases, "PHASE3")
		}},
		{"AREA[LocationCountry]India AND diabetes", func(s *study.Study) bool {
			return hasWords(s, []string{"LocationCountry"}, "india") && hasWords(s, condFields, "diabetes")
		}},
		{"AREA[InterventionName]placebo", func(s *study.Study) bool {
			return hasWords(s, []string{"InterventionName"}, "placebo")
		}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			want := expect(studies, c.keep)
			if len(want) == 0 {
				t.Fatal("no study in the test data matches; pick another query")
			}
			got := searchAll(t, ix, condQuery(c.query))
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Errorf("got %d studies, want %d; extra %v, missing %v", len(got), len(want), diff(got, want), diff(want, got))
			}
		})
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

func TestRangesKeepOpenEndedAges(t *testing.T) {
	studies, ix := loadDemo(t)
	// Upstream's own example: who could a 16-year-old join?
	q := "AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX]"
	want := expect(studies, func(s *study.Study) bool {
		e := s.Eligibility
		return (!e.MinimumAge.IsSet() || e.MinimumAge.Years() <= 16) && (!e.MaximumAge.IsSet() || e.MaximumAge.Years() >= 16)
	})
	noMax := expect(studies, func(s *study.Study) bool {
		e := s.Eligibility
		return !e.MaximumAge.IsSet() && (!e.MinimumAge.IsSet() || e.MinimumAge.Years() <= 16)
	})
	if len(noMax) == 0 {
		t.Fatal("test data has no open-ended study that a 16-year-old could join")
	}
	got := searchAll(t, ix, Request{Queries: []AreaQuery{{Area: "term", Query: q}}, PageSize: 1000})
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("got %d studies, want %d (missing %v)", len(got), len(want), diff(want, got))
	}
	for _, id := range noMax {
		if !slices.Contains(got, id) {
			t.Errorf("%s has no maximum age and was dropped", id)
		}
	}

	missing := searchAll(t, ix, Request{Queries: []AreaQuery{{Area: "term", Query: "AREA[MaximumAge]MISSING"}}, PageSize: 1000})
	wantMissing := expect(studies, func(s *study.Study) bool { return !s.Eligibility.MaximumAge.IsSet() })
	if !slices.Equal(sorted(missing), sorted(wantMissing)) {
		t.Errorf("MISSING: got %d, want %d", len(missing), len(wantMissing))
	}

	started := searchAll(t, ix, Request{Queries: []AreaQuery{{Area: "term", Query: "AREA[StartDate]RANGE[2019-07, 2020]"}}, PageSize: 1000})
	wantStarted := expect(studies, func(s *study.Study) bool {
		d := s.Dates.Start.Sortable()
		return d >= "2019-07-01" && d <= "2020-12-31"
	})
	if !slices.Equal(sorted(started), sorted(wantStarted)) {
		t.Errorf("date range: got %d, want %d", len(started), len(wantStarted))
	}
}

func TestRelevancePrefersConditionField(t *testing.T) {
	studies, ix := loadDemo(t)
	res, err := ix.Search(condQuery("glaucoma"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 2 {
		t.Fatalf("only %d hits for glaucoma", res.Total)
	}
	byID := map[string]*study.Study{}
	for i := range studies {
		byID[studies[i].NCTID] = &studies[i]
	}
	// Every study with glaucoma among its conditions ranks above every
	// study that mentions it only elsewhere.
	seenOther := false
	for _, h := range res.Hits {
		inCond := hasWords(byID[h.NCTID], []string{"Condition"}, "glaucoma")
		if inCond && seenOther {
			t.Fatalf("%s has glaucoma as a condition but ranks below a study that does not", h.NCTID)
		}
		seenOther = seenOther || !inCond
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Fatalf("hits not in score order at %d", i)
		}
	}
}

// withHypertension is ix expanding "high blood pressure" alone, to
// "Hypertension".
func withHypertension(ix *Index) *Index {
	return ix.WithSynonyms(func(text string) []Synonym {
		if strings.EqualFold(text, "high blood pressure") {
			return []Synonym{{Text: "Hypertension", Source: "test"}}
		}
		return nil
	})
}

func TestSynonymsAndDetails(t *testing.T) {
	studies, base := loadDemo(t)
	ix := withHypertension(base)
	res, err := ix.Search(Request{Queries: []AreaQuery{{Area: "cond", Query: "high blood pressure"}}, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := expect(studies, func(s *study.Study) bool {
		return hasWords(s, condFields, "high blood pressure") || hasPhrase(s, condFields, "hypertension")
	})
	wantExact := expect(studies, func(s *study.Study) bool { return hasWords(s, condFields, "high blood pressure") })
	if len(wantExact) >= len(want) {
		t.Fatal("the synonym adds no study in the test data; pick another")
	}
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.NCTID)
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("expanded search: %d studies, want %d", len(got), len(want))
	}
	if len(res.Details.Terms) != 1 || len(res.Details.Terms[0].Synonyms) != 1 || len(res.Details.Terms[0].Fields) == 0 {
		t.Fatalf("details %+v: want one term with its synonym and matched fields", res.Details)
	}
	exact, err := ix.Search(Request{Queries: []AreaQuery{{Area: "cond", Query: "high blood pressure", Exact: true}}, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if exact.Total != len(wantExact) || len(exact.Details.Terms[0].Synonyms) != 0 {
		t.Errorf("exact mode: %d hits with synonyms %v; want %d and none", exact.Total, exact.Details.Terms[0].Synonyms, len(wantExact))
	}
}

func TestQueryErrors(t *testing.T) {
	_, ix := loadDemo(t)
	for _, q := range []AreaQuery{
		{Area: "cond", Query: "(asthma"},
		{Area: "term", Query: "AREA[Nonsense]x"},
		{Area: "term", Query: "AREA[Phase]PHASE9"},
		{Area: "term", Query: "AREA[StartDate]RANGE[yesterday, MAX]"},
		{Area: "term", Query: "AREA[DetailedDescription]rare"},
		{Area: "nope", Query: "x"},
	} {
		_, err := ix.Search(Request{Queries: []AreaQuery{q}})
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("%s %q: got %v, want an InvalidError", q.Area, q.Query, err)
		}
	}
	_, err := ix.Search(Request{Queries: []AreaQuery{{Area: "cond", Query: "asthma AND (copd"}}})
	if err == nil || !strings.Contains(err.Error(), "column") {
		t.Errorf("syntax error %v does not name the column", err)
	}
}

// TestHowPeopleType checks that British spellings and, in an everyday
// search, everyday words find what the records' own words find; without
// Everyday, "kids" is only "kids".
func TestHowPeopleType(t *testing.T) {
	_, ix := loadDemo(t)
	term := func(q string) Request {
		return Request{Queries: []AreaQuery{{Area: "term", Query: q, Everyday: true}}, PageSize: 1000}
	}
	for _, c := range [][2]string{
		{"leukaemia", "leukemia"},
		{"tumour", "tumor"},
		{"paediatric oedema", "pediatric edema"},
		{"kids asthma", "(kids OR child OR pediatric) AND asthma"},
	} {
		got, want := searchAll(t, ix, term(c[0])), searchAll(t, ix, term(c[1]))
		if len(want) == 0 {
			t.Fatalf("%q finds nothing; pick another query", c[1])
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%q finds %d studies, %q %d; want the same", c[0], len(got), c[1], len(want))
		}
	}
	kids := searchAll(t, ix, Request{Queries: []AreaQuery{{Area: "term", Query: "kids"}}, PageSize: 1000})
	if everyday := searchAll(t, ix, term("kids")); len(kids) >= len(everyday) {
		t.Errorf("kids: %d studies as typed, %d in an everyday search", len(kids), len(everyday))
	}
}

// TestTermWithConditionSynonyms checks the home page's one box: words
// anywhere, or a condition synonym in the condition fields.
func TestTermWithConditionSynonyms(t *testing.T) {
	studies, base := loadDemo(t)
	ix := withHypertension(base)
	res, err := ix.Search(Request{Queries: []AreaQuery{{Area: "term", Query: "high blood pressure", Everyday: true}}, PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"NCTId", "BriefTitle", "OfficialTitle", "Condition", "Keyword", "BriefSummary", "ConditionMeshTerm", "ConditionAncestorTerm",
		"InterventionName", "InterventionOtherName", "LocationCity", "LocationCountry", "LocationFacility"}
	want := expect(studies, func(s *study.Study) bool {
		return hasWords(s, all, "high blood pressure") || hasPhrase(s, condFields, "hypertension")
	})
	plain := searchAll(t, base, Request{Queries: []AreaQuery{{Area: "term", Query: "high blood pressure"}}, PageSize: 1000})
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.NCTID)
	}
	if len(got) <= len(plain) {
		t.Fatalf("the synonyms add nothing: %d studies, %d without", len(got), len(plain))
	}
	// Every study found has the words somewhere or the synonym as a
	// condition (the check's field list is narrower than the area's, so
	// only this direction is exact for the synonym part).
	for _, id := range diff(got, append(want, plain...)) {
		t.Errorf("%s found, but has neither the words nor the synonym", id)
	}
	if d := res.Details.Terms; len(d) != 1 || len(d[0].Synonyms) != 1 {
		t.Errorf("details = %+v, want the one synonym", d)
	}
}
