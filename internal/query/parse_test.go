package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func term(s string) *Term     { return &Term{Text: s} }
func phrase(s string) *Phrase { return &Phrase{Text: s} }
func and(n ...Node) *And      { return &And{Nodes: n} }
func or(n ...Node) *Or        { return &Or{Nodes: n} }
func not(n Node) *Not         { return &Not{Node: n} }
func area(f string, n Node) *Area {
	return &Area{Field: f, Node: n}
}

var parseTests = []struct {
	in    string
	want  Node
	canon string // String() of the result; "" when it equals in
}{
	// terms and phrases
	{"cancer", term("cancer"), ""},
	{"  heart   attack ", term("heart attack"), "heart attack"},
	{`"back pain"`, phrase("back pain"), ""},
	{`"say \"hi\" \\ now"`, phrase(`say "hi" \ now`), ""},
	{`"  spaced  out "`, phrase("  spaced  out "), ""},
	{"covid-19 pd-l1 her2+", term("covid-19 pd-l1 her2+"), ""},
	{"lung and breast", term("lung and breast"), ""},
	{`\AND \OR \NOT \MISSING`, term("AND OR NOT MISSING"), ""},
	{`t\(9\;22\)`, term("t(9;22)"), `t\(9;22\)`},
	{`\AREA[Condition]x`, term("AREA[Condition]x"), ""},
	{`X[1] NCT05111366`, term("X[1] NCT05111366"), ""},
	{"Québec São", term("Québec São"), ""},
	// boolean operators
	{"a AND b", and(term("a"), term("b")), ""},
	{"a OR b", or(term("a"), term("b")), ""},
	{"NOT a", not(term("a")), ""},
	{"a NOT b", and(term("a"), not(term("b"))), "a AND NOT b"},
	{"bethesda NOT maryland", and(term("bethesda"), not(term("maryland"))), "bethesda AND NOT maryland"},
	{`a "b c"`, and(term("a"), phrase("b c")), `a AND "b c"`},
	{`"a" "b"`, and(phrase("a"), phrase("b")), `"a" AND "b"`},
	{"a (b OR c)", and(term("a"), or(term("b"), term("c"))), "a AND (b OR c)"},
	{"a AND b AND c", and(term("a"), term("b"), term("c")), ""},
	{"a OR b OR c", or(term("a"), term("b"), term("c")), ""},
	{"NOT NOT a", not(not(term("a"))), ""},
	// precedence: NOT > AND > OR
	{"a OR b AND c", or(term("a"), and(term("b"), term("c"))), ""},
	{"a AND b OR c", or(and(term("a"), term("b")), term("c")), ""},
	{"heart attack OR stroke OR dizziness AND shortness of breath",
		or(term("heart attack"), term("stroke"), and(term("dizziness"), term("shortness of breath"))), ""},
	{"NOT a AND b", and(not(term("a")), term("b")), ""},
	{"NOT a OR b", or(not(term("a")), term("b")), ""},
	{"a OR b c AND NOT d", or(term("a"), and(term("b c"), not(term("d")))), ""},
	// grouping and nesting
	{"(a OR b) AND c", and(or(term("a"), term("b")), term("c")), ""},
	{"((a))", term("a"), "a"},
	{"(a AND b) AND c", and(and(term("a"), term("b")), term("c")), ""},
	{"a AND (b AND c)", and(term("a"), and(term("b"), term("c"))), ""},
	{"a OR (b OR c)", or(term("a"), or(term("b"), term("c"))), ""},
	{"(a AND b) OR c", or(and(term("a"), term("b")), term("c")), "a AND b OR c"},
	{"NOT (a OR b)", not(or(term("a"), term("b"))), ""},
	{"(acetaminophen OR aspirin) AND NOT (heart failure OR heart attack)",
		and(or(term("acetaminophen"), term("aspirin")), not(or(term("heart failure"), term("heart attack")))), ""},
	// areas
	{"AREA[Condition]cancer", area("Condition", term("cancer")), ""},
	{"AREA[condition] cancer", area("Condition", term("cancer")), "AREA[Condition]cancer"},
	{"AREA[LocationCity]New York", area("LocationCity", term("New York")), ""},
	{"AREA[LocationCity]Boston OR AREA[LocationCity]Chicago",
		or(area("LocationCity", term("Boston")), area("LocationCity", term("Chicago"))), ""},
	{"AREA[Condition](lung OR breast) cancer",
		and(area("Condition", or(term("lung"), term("breast"))), term("cancer")), "AREA[Condition](lung OR breast) AND cancer"},
	{"AREA[Condition]NOT cancer", area("Condition", not(term("cancer"))), ""},
	{"NOT AREA[Phase]PHASE1", not(area("Phase", term("PHASE1"))), ""},
	{"AREA[Phase](PHASE2 OR phase3)", area("Phase", or(term("PHASE2"), term("PHASE3"))), "AREA[Phase](PHASE2 OR PHASE3)"},
	{"AREA[Phase]phase2 Phase3", area("Phase", term("PHASE2 PHASE3")), "AREA[Phase]PHASE2 PHASE3"},
	{`AREA[OverallStatus]" recruiting "`, area("OverallStatus", phrase("RECRUITING")), `AREA[OverallStatus]"RECRUITING"`},
	{"AREA[ConditionSearch]AREA[Condition]x", area("ConditionSearch", area("Condition", term("x"))), ""},
	{"AREA[StartDate]2022", area("StartDate", term("2022")), ""},
	{"AREA[MinimumAge]18 years", area("MinimumAge", term("18 Years")), "AREA[MinimumAge]18 Years"},
	{`AREA[MaximumAge]"6 months"`, area("MaximumAge", phrase("6 Months")), `AREA[MaximumAge]"6 Months"`},
	{"AREA[EnrollmentCount]0100", area("EnrollmentCount", term("100")), "AREA[EnrollmentCount]100"},
	{"AREA[Condition]Type 2 Diabetes", area("Condition", term("Type 2 Diabetes")), ""},
	{"AREA[NCTId]NCT05111366", area("NCTId", term("NCT05111366")), ""},
	// ranges
	{"AREA[StartDate]RANGE[2020-01-01, 2020-12-31]",
		area("StartDate", &Range{Kind: KindDate, Min: "2020-01-01", Max: "2020-12-31"}), ""},
	{"AREA[LastUpdatePostDate]RANGE[2023-01-15,MAX]",
		area("LastUpdatePostDate", &Range{Kind: KindDate, Min: "2023-01-15"}), "AREA[LastUpdatePostDate]RANGE[2023-01-15, MAX]"},
	{"AREA[StartDate]RANGE[min, 2020-01]", area("StartDate", &Range{Kind: KindDate, Max: "2020-01"}), "AREA[StartDate]RANGE[MIN, 2020-01]"},
	{"AREA[CompletionDate]RANGE[2020,2020]", area("CompletionDate", &Range{Kind: KindDate, Min: "2020", Max: "2020"}), "AREA[CompletionDate]RANGE[2020, 2020]"},
	{"AREA[StartDate]RANGE[2020-06, 2020]", area("StartDate", &Range{Kind: KindDate, Min: "2020-06", Max: "2020"}), ""},
	{"AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX]",
		and(area("MinimumAge", &Range{Kind: KindAge, Max: "16 Years"}), area("MaximumAge", &Range{Kind: KindAge, Min: "16 Years"})),
		"AREA[MinimumAge]RANGE[MIN, 16 Years] AND AREA[MaximumAge]RANGE[16 Years, MAX]"},
	{"AREA[MinimumAge]RANGE[6 months, 18]", area("MinimumAge", &Range{Kind: KindAge, Min: "6 Months", Max: "18 Years"}), "AREA[MinimumAge]RANGE[6 Months, 18 Years]"},
	{"AREA[MaximumAge]RANGE[1 Year, 12 months]", area("MaximumAge", &Range{Kind: KindAge, Min: "1 Years", Max: "12 Months"}), "AREA[MaximumAge]RANGE[1 Years, 12 Months]"},
	{"AREA[EnrollmentCount]RANGE[100, MAX]", area("EnrollmentCount", &Range{Kind: KindNumber, Min: "100"}), ""},
	{"AREA[EnrollmentCount]RANGE[MIN,MAX]", area("EnrollmentCount", &Range{Kind: KindNumber}), "AREA[EnrollmentCount]RANGE[MIN, MAX]"},
	// missing
	{"AREA[MaximumAge]MISSING", area("MaximumAge", &Missing{}), ""},
	{"AREA[Condition]MISSING OR AREA[Keyword]MISSING",
		or(area("Condition", &Missing{}), area("Keyword", &Missing{})), ""},
	{"NOT AREA[StartDate]MISSING", not(area("StartDate", &Missing{})), ""},
	// modifiers
	{"EXPANSION[Concept]heart attack", &Expansion{Level: "Concept", Node: term("heart attack")}, ""},
	{"EXPANSION[none](a OR b)", &Expansion{Level: "None", Node: or(term("a"), term("b"))}, "EXPANSION[None](a OR b)"},
	{`COVERAGE[FullMatch]"lung cancer"`, &Coverage{Mode: "FullMatch", Node: phrase("lung cancer")}, ""},
	{`AREA[Condition]COVERAGE[StartsWith]EXPANSION[Term]lung`,
		area("Condition", &Coverage{Mode: "StartsWith", Node: &Expansion{Level: "Term", Node: term("lung")}}), ""},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
		canon := tt.canon
		if canon == "" {
			canon = tt.in
		}
		if s := got.String(); s != canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, s, canon)
		}
		back, err := Parse(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("Parse(%q) does not round-trip: %s → %v, %v", tt.in, got, back, err)
		}
	}
}

var errorTests = []struct {
	in  string
	pos int
	msg string // a part of the message
}{
	{"", 1, "expected a search term, found end of query"},
	{"   ", 4, "expected a search term, found end of query"},
	{"AND a", 1, "expected a search term, found AND"},
	{"a OR", 5, "expected a search term after OR, found end of query"},
	{"a AND OR b", 7, "expected a search term after AND, found OR"},
	{"a AND", 6, "after AND, found end of query"},
	{"NOT", 4, "expected a search term after NOT, found end of query"},
	{"()", 2, "expected a search term, found ')'"},
	{"(a OR)", 6, "after OR, found ')'"},
	{"a)", 2, "unexpected ')' with no '(' to close"},
	{"(a OR (b AND c)", 16, "expected ')' to close '(' opened at column 1"},
	{"x AND (a OR b", 14, "expected ')' to close '(' opened at column 7"},
	{`"abc`, 5, `expected '"' to close the phrase opened at column 1`},
	{`a "b\"`, 7, `expected '"' to close the phrase opened at column 3`},
	{`""`, 1, "empty phrase"},
	{`a " " b`, 3, "empty phrase"},
	{`a\`, 2, `expected a character after '\'`},
	{`a\ b`, 2, `expected a character after '\'`},
	{"AREA[Condition", 15, "expected ']' to close 'AREA[' at column 1"},
	{"AREA[]x", 6, "expected a field name in AREA[]"},
	{"AREA[Foo]x", 6, `unknown search area or field "Foo"`},
	{"a AREA[Gender]x", 8, `unknown search area or field "Gender"`},
	{"AREA[Condition]", 16, "expected a search term after AREA[Condition], found end of query"},
	{"AREA[Condition] OR x", 17, "after AREA[Condition], found OR"},
	{"AREA[Phase]PHASE5", 12, `AREA[Phase] takes one of NA, EARLY_PHASE1, PHASE1, PHASE2, PHASE3, PHASE4; found "PHASE5"`},
	{"AREA[Phase](PHASE1 OR Phase 2)", 23, `found "Phase"`},
	{`AREA[OverallStatus]"Not yet recruiting"`, 20, `found "Not yet recruiting"`},
	{"AREA[StartDate]yesterday", 16, `AREA[StartDate]: "yesterday" is not a date: want YYYY, YYYY-MM or YYYY-MM-DD`},
	{"AREA[StartDate]2020-13", 16, "is not a date"},
	{`AREA[MinimumAge]"N/A"`, 17, `AREA[MinimumAge]: "N/A" is not an age`},
	{"AREA[EnrollmentCount]many", 22, "is not a whole number"},
	{"RANGE[2020, 2021]", 1, "RANGE[...] must come right after AREA[Field]"},
	{"MISSING", 1, "MISSING must come right after AREA[Field]"},
	{"AREA[Condition]x MISSING", 18, "MISSING must come right after AREA[Field]"},
	{"AREA[StartDate]NOT RANGE[2020, 2021]", 20, "RANGE[...] must come right after"},
	{"AREA[Condition]RANGE[a, b]", 16, "RANGE needs a date, age or number field; Condition is text"},
	{"AREA[Phase]RANGE[a, b]", 12, "Phase is enum"},
	{"AREA[StartDate]RANGE[2020]", 22, "RANGE takes two bounds separated by one comma"},
	{"AREA[StartDate]RANGE[2020,2021,2022]", 22, "RANGE takes two bounds"},
	{"AREA[StartDate]RANGE[ , 2021]", 22, "expected a lower bound or MIN in RANGE"},
	{"AREA[StartDate]RANGE[2020, ]", 27, "expected an upper bound"},
	{"AREA[StartDate]RANGE[MAX, 2021]", 22, `expected a lower bound or MIN in RANGE: "MAX" is not a date`},
	{"AREA[StartDate]RANGE[2020,  MIN]", 29, `"MIN" is not a date`},
	{"AREA[StartDate]RANGE[2020-02-30, MAX]", 22, `"2020-02-30" is not a date`},
	{"AREA[StartDate]RANGE[20200101, MAX]", 22, "want YYYY, YYYY-MM or YYYY-MM-DD"},
	{"AREA[StartDate]RANGE[2021, 2020-12]", 16, "empty range: 2021 is after 2020-12"},
	{"AREA[MinimumAge]RANGE[sixteen, MAX]", 23, `"sixteen" is not an age`},
	{"AREA[MinimumAge]RANGE[16 eons, MAX]", 23, "is not an age"},
	{"AREA[MinimumAge]RANGE[N/A, MAX]", 23, "is not an age"},
	{"AREA[MaximumAge]RANGE[2 years, 6 months]", 17, "empty range: 2 Years is after 6 Months"},
	{"AREA[EnrollmentCount]RANGE[-1, 5]", 28, "is not a whole number"},
	{"EXPANSION[Synonyms]x", 11, "EXPANSION takes one of None, Term, Concept, Relaxation, Lossy; found \"Synonyms\""},
	{"COVERAGE[All]x", 10, "COVERAGE takes one of FullMatch, StartsWith, EndsWith, Contains"},
	{"EXPANSION[None]", 16, "after EXPANSION[None], found end of query"},
	{"SEARCH[Location](AREA[LocationCity]Boston)", 1, "the SEARCH[...] operator is not supported"},
	{"TILT[StartDate]cancer", 1, "TILT[...] operator is not supported"},
	{"héllo)", 6, "unexpected ')'"},
	{"ab\xffcd", 3, "not valid UTF-8"},
	{strings.Repeat("a", MaxLength+1), MaxLength + 1, "query is 2001 bytes long; the limit is 2000"},
	{strings.Repeat("é", MaxLength/2+1), MaxLength/2 + 1, "query is 2002 bytes long"},
	{strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1), MaxDepth + 2, "query nests deeper than 32 levels"},
	{strings.Repeat("NOT ", MaxDepth+1) + "a", 4*MaxDepth + 5, "query nests deeper than 32 levels"},
	{strings.Repeat("AREA[Condition]", MaxDepth+1) + "a", 15*MaxDepth + 16, "query nests deeper than 32 levels"},
	{strings.Repeat("w ", MaxTerms) + "x", 2*MaxTerms + 1, "too many search terms: the limit is 64"},
	{strings.Repeat(`"p" `, MaxTerms+1), 4*MaxTerms + 1, "too many search terms"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		n, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q) = %v, %v; want a *SyntaxError", tt.in, n, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%.40q) error = %q (column %d), want column %d and %q", tt.in, err, se.Pos, tt.pos, tt.msg)
		}
		if want := "at column "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%.40q) error %q does not start with %q", tt.in, err, want)
		}
	}
}

// The example queries of the API's OpenAPI document (v2.0.5, the
// query.cond, query.term and filter.advanced parameters) parse.
func TestOpenAPIExamples(t *testing.T) {
	for _, q := range []string{
		"lung cancer",
		"(head OR neck) AND pain",
		"AREA[LastUpdatePostDate]RANGE[2023-01-15,MAX]",
		"AREA[StartDate]2022",
		"AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX]",
	} {
		if _, err := Parse(q); err != nil {
			t.Errorf("Parse(%q): %v", q, err)
		}
	}
}

// The limits are reached, not exceeded, by these.
func TestParseAtLimits(t *testing.T) {
	for _, q := range []string{
		strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth),
		strings.Repeat("NOT ", MaxDepth) + "a",
		strings.Repeat("AREA[Condition]", MaxDepth) + "a",
		strings.TrimSpace(strings.Repeat("w ", MaxTerms)),
		strings.Repeat("a", MaxLength),
	} {
		if _, err := Parse(q); err != nil {
			t.Errorf("Parse(%.40q…): %v", q, err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	q := `AREA[ConditionSearch](EXPANSION[Concept]"heart failure" OR heart attack) AND NOT AREA[OverallStatus]WITHDRAWN AND AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX] AND AREA[StartDate]RANGE[2020-01, MAX]`
	b.SetBytes(int64(len(q)))
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}
