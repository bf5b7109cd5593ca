package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Open ends of a date interval, chosen so that plain string comparison
// with "YYYY-MM-DD" values needs no special case.
const (
	DateMin = "0000-01-01"
	DateMax = "9999-12-31"
)

// DateBounds returns the first and last day ("YYYY-MM-DD") a date as
// ClinicalTrials.gov writes it covers: "2020" is 2020-01-01…2020-12-31,
// "2020-02" is 2020-02-01…2020-02-29.
func DateBounds(v string) (first, last string, err error) {
	var t time.Time
	switch len(v) {
	case 4:
		t, err = time.Parse("2006", v)
		if err == nil {
			return v + "-01-01", v + "-12-31", nil
		}
	case 7:
		t, err = time.Parse("2006-01", v)
		if err == nil {
			end := t.AddDate(0, 1, -1)
			return v + "-01", end.Format(time.DateOnly), nil
		}
	case 10:
		_, err = time.Parse(time.DateOnly, v)
		if err == nil {
			return v, v, nil
		}
	}
	return "", "", fmt.Errorf("%q is not a date: want YYYY, YYYY-MM or YYYY-MM-DD", v)
}

// parseAge reads an age bound: "16 years", "6 Months", or a bare number
// of years ("18"); it returns the canonical spelling ("16 Years").
func parseAge(v string) (study.Age, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return study.Age{N: n, Unit: study.Years}, nil
	}
	a, err := study.ParseAge(v)
	if err == nil && !a.IsSet() {
		err = fmt.Errorf("%q is not an age", v)
	}
	if err != nil {
		return study.Age{}, fmt.Errorf("%q is not an age: want a number and a unit, such as \"16 years\" or \"6 months\"", v)
	}
	return a, nil
}

// canonicalValue checks a value of a date, age or number field and
// returns its canonical spelling.
func canonicalValue(k Kind, v string) (string, error) {
	switch k {
	case KindDate:
		_, _, err := DateBounds(v)
		return v, err
	case KindAge:
		a, err := parseAge(v)
		return a.String(), err
	case KindNumber:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return "", fmt.Errorf("%q is not a whole number", v)
		}
		return strconv.Itoa(n), nil
	}
	return v, nil
}

// valueInterval returns the numeric interval a canonical value covers:
// days since year 0 for dates (compared only with each other), days of
// age for ages, the number itself for numbers.
func valueInterval(k Kind, v string) (lo, hi float64) {
	switch k {
	case KindDate:
		first, last, _ := DateBounds(v)
		return dayNumber(first), dayNumber(last)
	case KindAge:
		a, _ := parseAge(v)
		return a.Days(), a.Days()
	}
	n, _ := strconv.Atoi(v)
	return float64(n), float64(n)
}

func dayNumber(date string) float64 {
	t, _ := time.Parse(time.DateOnly, date)
	return float64(t.Unix() / 86400)
}

// DateBounds returns the range as sortable "YYYY-MM-DD" bounds, both
// inclusive: a partial lower bound starts on its first day, a partial
// upper bound ends on its last, and MIN and MAX become DateMin and
// DateMax. ok is false when the range is not over a date field.
func (r *Range) DateBounds() (lo, hi string, ok bool) {
	if r.Kind != KindDate {
		return "", "", false
	}
	lo, hi = DateMin, DateMax
	if r.Min != "" {
		lo, _, _ = DateBounds(r.Min)
	}
	if r.Max != "" {
		_, hi, _ = DateBounds(r.Max)
	}
	return lo, hi, true
}

// AgeDays returns the range as an inclusive interval of days of age, with
// MIN as 0 and MAX as +Inf. ok is false when the range is not over an age
// field. Compare it with AgeFieldDays, never with a raw study.Age, so that
// studies without an age limit are kept (see the package comment).
func (r *Range) AgeDays() (lo, hi float64, ok bool) {
	if r.Kind != KindAge {
		return 0, 0, false
	}
	lo, hi = 0, math.Inf(1)
	if r.Min != "" {
		lo, _ = valueInterval(KindAge, r.Min)
	}
	if r.Max != "" {
		hi, _ = valueInterval(KindAge, r.Max)
	}
	return lo, hi, true
}

// AgeFieldDays is the value a study's age limit takes in an age RANGE:
// its days, or, when the study sets no limit, 0 for MinimumAge and +Inf
// for MaximumAge. field is "MinimumAge" or "MaximumAge" (any case).
func AgeFieldDays(field string, a study.Age) float64 {
	if a.IsSet() {
		return a.Days()
	}
	if strings.EqualFold(field, "MaximumAge") {
		return math.Inf(1)
	}
	return 0
}
