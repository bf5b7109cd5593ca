package query

import (
	"math"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
)

func TestDateBounds(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"2020", "2020-01-01", "2020-12-31"},
		{"2020-02", "2020-02-01", "2020-02-29"},
		{"2021-02", "2021-02-01", "2021-02-28"},
		{"2021-12", "2021-12-01", "2021-12-31"},
		{"2021-11-15", "2021-11-15", "2021-11-15"},
	}
	for _, tt := range tests {
		first, last, err := DateBounds(tt.in)
		if err != nil || first != tt.first || last != tt.last {
			t.Errorf("DateBounds(%q) = %q, %q, %v; want %q, %q", tt.in, first, last, err, tt.first, tt.last)
		}
	}
	for _, bad := range []string{"", "20", "2020-1", "2020-00", "2020-13", "2021-02-29", "2020/01/01", "MIN"} {
		if _, _, err := DateBounds(bad); err == nil {
			t.Errorf("DateBounds(%q) succeeded", bad)
		}
	}
}

// rangeOf parses q, which must be a single AREA[...]RANGE[...].
func rangeOf(t *testing.T, q string) *Range {
	t.Helper()
	n, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	return n.(*Area).Node.(*Range)
}

func TestRangeDateBounds(t *testing.T) {
	tests := []struct{ q, lo, hi string }{
		{"AREA[StartDate]RANGE[2020, 2021-06]", "2020-01-01", "2021-06-30"},
		{"AREA[StartDate]RANGE[2020-01-01, 2020-01-31]", "2020-01-01", "2020-01-31"},
		{"AREA[StartDate]RANGE[MIN, 2019]", DateMin, "2019-12-31"},
		{"AREA[StartDate]RANGE[2023-01-15, MAX]", "2023-01-15", DateMax},
	}
	for _, tt := range tests {
		checkBounds(t, tt.q, (*Range).DateBounds, tt.lo, tt.hi)
	}
	if _, _, ok := rangeOf(t, "AREA[MinimumAge]RANGE[MIN, 16 years]").DateBounds(); ok {
		t.Error("an age range has date bounds")
	}
}

// checkBounds checks the bounds that a range's method returns.
func checkBounds[T comparable](t *testing.T, q string, bounds func(*Range) (T, T, bool), lo, hi T) {
	t.Helper()
	gotLo, gotHi, ok := bounds(rangeOf(t, q))
	if !ok || gotLo != lo || gotHi != hi {
		t.Errorf("%s: bounds = %v, %v, %v; want %v, %v", q, gotLo, gotHi, ok, lo, hi)
	}
}

// Study dates, full or partial, fall inside or outside ranges as their
// sortable forms say.
func TestRangeDateBoundsMatchStudyDates(t *testing.T) {
	start := study.Date{Value: "2021-11-15"}.Sortable()
	completion := study.Date{Value: "2024-07"}.Sortable()
	lo, hi, _ := rangeOf(t, "AREA[StartDate]RANGE[2021-11, 2021]").DateBounds()
	if start < lo || start > hi {
		t.Errorf("start %s outside [%s, %s]", start, lo, hi)
	}
	lo, hi, _ = rangeOf(t, "AREA[CompletionDate]RANGE[MIN, 2024-06]").DateBounds()
	if completion >= lo && completion <= hi {
		t.Errorf("completion %s inside [%s, %s]", completion, lo, hi)
	}
}

func TestRangeAgeDays(t *testing.T) {
	tests := []struct {
		q      string
		lo, hi float64
	}{
		{"AREA[MinimumAge]RANGE[MIN, 16 years]", 0, 16 * 365.25},
		{"AREA[MaximumAge]RANGE[16 years, MAX]", 16 * 365.25, math.Inf(1)},
		{"AREA[MinimumAge]RANGE[6 months, 2 years]", 182.625, 730.5},
		{"AREA[MinimumAge]RANGE[18, 216 months]", 18 * 365.25, 18 * 365.25},
		{"AREA[MinimumAge]RANGE[28 days, 4 weeks]", 28, 28},
	}
	for _, tt := range tests {
		checkBounds(t, tt.q, (*Range).AgeDays, tt.lo, tt.hi)
	}
	if _, _, ok := rangeOf(t, "AREA[StartDate]RANGE[2020, MAX]").AgeDays(); ok {
		t.Error("a date range has age days")
	}
}

// Evaluating "eligible at 16" with AgeFieldDays keeps studies whose
// limits are missing and drops those whose limits exclude 16.
func TestAgeRangeKeepsOpenEndedStudies(t *testing.T) {
	minR := rangeOf(t, "AREA[MinimumAge]RANGE[MIN, 16 years]")
	maxR := rangeOf(t, "AREA[MaximumAge]RANGE[16 years, MAX]")
	in := func(r *Range, field, age string) bool {
		a, err := study.ParseAge(age)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := r.AgeDays()
		d := AgeFieldDays(field, a)
		return d >= lo && d <= hi
	}
	tests := []struct {
		min, max string
		want     bool
	}{
		{"", "", true},                  // no limits at all
		{"12 Years", "", true},          // no maximum
		{"", "65 Years", true},          // no minimum
		{"18 Years", "", false},         // adults only
		{"", "15 Years", false},         // children under 16
		{"16 Years", "16 Years", true},  // bounds are inclusive
		{"192 Months", "N/A", true},     // 16 years written in months
		{"6 Months", "17 Years", true},  // paediatric
		{"18 Years", "75 Years", false}, // NCT05111366's ages
	}
	for _, tt := range tests {
		got := in(minR, "MinimumAge", tt.min) && in(maxR, "MaximumAge", tt.max)
		if got != tt.want {
			t.Errorf("study aged %q–%q eligible at 16 = %v, want %v", tt.min, tt.max, got, tt.want)
		}
	}
}

func TestFields(t *testing.T) {
	for _, name := range []string{"Condition", "LocationCity", "Phase", "OverallStatus", "MinimumAge", "StartDate", "ConditionSearch"} {
		if _, ok := LookupField(name); !ok {
			t.Errorf("LookupField(%q) failed", name)
		}
	}
	// Every field a search area stands for is itself in the table, so the
	// engine can resolve an area to fields with LookupField alone.
	for _, f := range Fields() {
		for _, w := range f.Fields {
			if g, ok := LookupField(w.Field); !ok || g.IsArea() {
				t.Errorf("area %s lists %s, which is not a single field", f.Name, w.Field)
			}
		}
	}
	cond, _ := LookupField("conditionsearch")
	if !cond.IsArea() || cond.Fields[0] != (Weighted{"Condition", 0.95}) {
		t.Errorf("ConditionSearch = %+v", cond)
	}
}
