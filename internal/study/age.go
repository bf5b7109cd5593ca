package study

import (
	"fmt"
	"strconv"
	"strings"
)

// Age is an eligibility age limit: a count of a unit, as registered
// ("18 Years", "6 Months"). The zero Age means no limit.
type Age struct {
	N    int
	Unit AgeUnit
}

// AgeUnit is the unit an age limit was registered in.
type AgeUnit string

// The units ClinicalTrials.gov accepts for age limits.
const (
	Years   AgeUnit = "Years"
	Months  AgeUnit = "Months"
	Weeks   AgeUnit = "Weeks"
	Days    AgeUnit = "Days"
	Hours   AgeUnit = "Hours"
	Minutes AgeUnit = "Minutes"
)

// daysPer converts each unit to days; a year is 365.25 days so that
// "216 Months" and "18 Years" compare equal.
var daysPer = map[AgeUnit]float64{
	Years:   365.25,
	Months:  365.25 / 12,
	Weeks:   7,
	Days:    1,
	Hours:   1.0 / 24,
	Minutes: 1.0 / 1440,
}

// IsSet reports whether the age is a limit rather than "no limit".
func (a Age) IsSet() bool { return a.Unit != "" }

// Days returns the age in days.
func (a Age) Days() float64 { return float64(a.N) * daysPer[a.Unit] }

// Years returns the age in years.
func (a Age) Years() float64 { return a.Days() / daysPer[Years] }

// String returns the age as ClinicalTrials.gov writes it ("18 Years"), or
// "" for no limit.
func (a Age) String() string {
	if !a.IsSet() {
		return ""
	}
	return strconv.Itoa(a.N) + " " + string(a.Unit)
}

// ParseAge reads "18 Years", "18 years", "1 Year", "6 Months", and the
// legacy "N/A" or "" for no limit.
func ParseAge(s string) (Age, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "N/A") || strings.EqualFold(s, "NA") {
		return Age{}, nil
	}
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return Age{}, fmt.Errorf("age %q: want a number and a unit", s)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return Age{}, fmt.Errorf("age %q: %q is not a whole number", s, num)
	}
	u := strings.ToLower(strings.TrimSpace(unit))
	u = strings.TrimSuffix(u, "s")
	for _, known := range []AgeUnit{Years, Months, Weeks, Days, Hours, Minutes} {
		if u == strings.TrimSuffix(strings.ToLower(string(known)), "s") {
			return Age{N: n, Unit: known}, nil
		}
	}
	return Age{}, fmt.Errorf("age %q: unknown unit %q", s, unit)
}
