// Package patient describes the person looking for a trial: a documented
// JSON profile (Profile), its validation and normalisation to the units
// eligibility criteria are written in (Facts), and a reader of clinic-note
// text (FromText) that fills a profile and says where each fact came from.
//
// # JSON profile
//
// Every field is optional; a fact left out is unknown, never assumed.
//
//	{
//	  "age": 58,                        // years; or "birthDate": "1967-04-02"
//	  "sex": "female",                  // "female" | "male"
//	  "pregnant": false, "breastfeeding": false,
//	  "conditions": [{"text": "HER2-positive breast cancer",
//	                  "mesh": ["D001943"], "stage": "IIIA", "metastatic": false,
//	                  "diseaseStatus": "newly diagnosed"}],  // or "relapsed", "refractory"
//	  "healthyVolunteer": false,        // true: no condition, looking for studies of healthy people
//	  "biomarkers": [{"name": "HER2", "status": "positive"}],  // "positive" | "negative"
//	  "priorLines": 2,                  // lines of systemic therapy for the main condition (0: none yet)
//	  "smoking": "never",               // "never" | "former" | "current"
//	  "noHistoryOf": ["heart failure"],  // conditions the patient certainly never had
//	  "ecog": 1,                        // or "karnofsky": 80; each implies the other
//	  "labs": [{"name": "platelets", "value": 160, "unit": "10^9/L"},
//	           {"name": "hemoglobin", "value": 102, "unit": "g/L"},
//	           {"name": "alt", "value": 1.5, "unit": "ULN"},
//	           {"name": "ast", "value": 80, "unit": "U/L", "uln": 40}],
//	  "therapies": [{"name": "trastuzumab", "class": "anti-HER2",
//	                 "start": "2023-01", "end": "2024-06"}],
//	  "medications": ["metformin"],
//	  "location": {"lat": 42.36, "lon": -71.06},   // or {"place": "Boston, Massachusetts"}
//	  "maxDistance": 100, "distanceUnit": "mi"       // "km" (default) or "mi"
//	}
//
// A lab's name is a variable of eligibility.Variables ("platelets",
// "total_bilirubin") or any of its synonyms ("PLT", "bilirubin"); its unit
// is converted to the variable's canonical unit. "ULN" marks a multiple of
// the upper limit of normal; "uln" gives the laboratory's upper limit in
// the value's unit, so an absolute value can also be compared with a
// criterion written as a multiple of it.
package patient

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

// Profile is what a patient (or their clinician) tells Trialfinder.
type Profile struct {
	Age           *float64    `json:"age,omitempty"`
	BirthDate     string      `json:"birthDate,omitempty"`
	Sex           string      `json:"sex,omitempty"`
	Pregnant      *bool       `json:"pregnant,omitempty"`
	Breastfeeding *bool       `json:"breastfeeding,omitempty"`
	Conditions    []Condition `json:"conditions,omitempty"`
	NoHistoryOf   []string    `json:"noHistoryOf,omitempty"`
	// HealthyVolunteer is set by a person with no condition who looks
	// for studies of healthy people.
	HealthyVolunteer *bool       `json:"healthyVolunteer,omitempty"`
	Biomarkers       []Biomarker `json:"biomarkers,omitempty"`
	PriorLines       *int        `json:"priorLines,omitempty"`
	Smoking          string      `json:"smoking,omitempty"`
	ECOG             *int        `json:"ecog,omitempty"`
	Karnofsky        *int        `json:"karnofsky,omitempty"`
	Labs             []Lab       `json:"labs,omitempty"`
	Therapies        []Therapy   `json:"therapies,omitempty"`
	Medications      []string    `json:"medications,omitempty"`
	Location         *Location   `json:"location,omitempty"`
	MaxDistance      float64     `json:"maxDistance,omitempty"`
	DistanceUnit     string      `json:"distanceUnit,omitempty"`
}

// Condition is a diagnosis. Text is free text; MeSH lists descriptor IDs
// when known. Stage is a roman or arabic stage with an optional letter
// ("IIIA", "4"); Metastatic is nil when not known.
type Condition struct {
	Text       string   `json:"text,omitempty"`
	MeSH       []string `json:"mesh,omitempty"`
	Stage      string   `json:"stage,omitempty"`
	Metastatic *bool    `json:"metastatic,omitempty"`
	// DiseaseStatus is "newly diagnosed", "relapsed" or "refractory".
	DiseaseStatus string `json:"diseaseStatus,omitempty"`
}

// Biomarker is a tumour marker's status: Status "positive" or
// "negative".
type Biomarker struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Lab is one measured value; see the package documentation.
type Lab struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	ULN   float64 `json:"uln,omitempty"`
}

// Therapy is a treatment received. Dates are "YYYY", "YYYY-MM" or
// "YYYY-MM-DD"; Current marks a therapy still going on.
type Therapy struct {
	Name    string `json:"name"`
	Class   string `json:"class,omitempty"`
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Current bool   `json:"current,omitempty"`
}

// Location is where the patient travels from: coordinates, or a place
// name that a Geocoder resolves.
type Location struct {
	Lat   *float64 `json:"lat,omitempty"`
	Lon   *float64 `json:"lon,omitempty"`
	Place string   `json:"place,omitempty"`
}

// Measure is a patient's value of one eligibility variable, as an
// interval in the variable's canonical unit: exact values have Lo == Hi,
// a performance status converted from the other scale spans the grades
// it maps to. ULNLo/ULNHi are the value as multiples of the upper limit
// of normal.
type Measure struct {
	Known        bool
	Lo, Hi       float64
	Unit         string
	ULNKnown     bool
	ULNLo, ULNHi float64
	// Given is the value as the patient gave it, for explanations
	// ("hemoglobin 102 g/L").
	Given string
}

// Tri is a yes/no fact that may be unknown.
type Tri int8

// The values of a Tri.
const (
	Unknown Tri = iota
	Yes
	No
)

func tri(b *bool) Tri {
	switch {
	case b == nil:
		return Unknown
	case *b:
		return Yes
	}
	return No
}

// Facts is a validated profile in the units criteria use.
type Facts struct {
	HasAge        bool
	Age           float64 // years
	Sex           string  // "female", "male" or ""
	Pregnant      Tri
	Breastfeeding Tri
	Conditions    []Condition
	NoHistoryOf   []string
	Measures      map[string]Measure // by eligibility variable name
	// HealthyVolunteer is Yes for a healthy person, No for a patient.
	HealthyVolunteer Tri
	// Markers are biomarker statuses by canonical name: Yes positive, No
	// negative.
	Markers map[string]Tri
	// Course is eligibility.NewlyDiagnosed, eligibility.RelapsedRefractor
	// or "" when not given.
	Course string
	// PriorLines is how many lines of treatment the patient has had
	// for the disease, when HasPriorLines.
	PriorLines    int
	HasPriorLines bool
	Therapies     []Therapy
	Medications   []string
	// Point is set when the location has coordinates; Place when it must
	// be resolved by name.
	Point *[2]float64
	Place string
	// MaxKm is the travel limit in kilometres; 0 means none.
	MaxKm float64
	// AsOf is the day the profile is read on, for ages from birth dates
	// and therapy time windows.
	AsOf time.Time
}

// FieldError is a validation failure of one profile field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Facts validates the profile and normalises it as of the given day.
// The error joins one FieldError per problem.
func (p Profile) Facts(asOf time.Time) (Facts, error) {
	f := Facts{AsOf: asOf, Conditions: p.Conditions, NoHistoryOf: p.NoHistoryOf,
		Therapies: p.Therapies, Medications: p.Medications, Measures: map[string]Measure{},
		Pregnant: tri(p.Pregnant), Breastfeeding: tri(p.Breastfeeding)}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(p.age(&f))
	switch s := strings.ToLower(strings.TrimSpace(p.Sex)); s {
	case "", "female", "male":
		f.Sex = s
	case "f", "woman":
		f.Sex = "female"
	case "m", "man":
		f.Sex = "male"
	default:
		add(fieldErr("sex", "%q: want \"female\" or \"male\"", p.Sex))
	}
	if f.Sex == "male" {
		if f.Pregnant == Yes || f.Breastfeeding == Yes {
			add(fieldErr("pregnant", "a male profile cannot be pregnant or breastfeeding"))
		}
		f.Pregnant, f.Breastfeeding = No, No
	}
	for i, c := range p.Conditions {
		if strings.TrimSpace(c.Text) == "" && len(c.MeSH) == 0 {
			add(fieldErr(fmt.Sprintf("conditions[%d]", i), "give a text or a MeSH ID"))
		}
		for _, id := range c.MeSH {
			if len(id) < 2 || id[0] != 'D' && id[0] != 'C' {
				add(fieldErr(fmt.Sprintf("conditions[%d].mesh", i), "%q is not a MeSH descriptor ID (D000000)", id))
			}
		}
	}
	add(p.typed(&f))
	add(p.performance(&f))
	for i, l := range p.Labs {
		name, m, err := NormalizeLab(l)
		if err != nil {
			add(fieldErr(fmt.Sprintf("labs[%d]", i), "%v", err))
			continue
		}
		f.Measures[name] = merge(f.Measures[name], m)
	}
	for i, t := range p.Therapies {
		if strings.TrimSpace(t.Name) == "" && strings.TrimSpace(t.Class) == "" {
			add(fieldErr(fmt.Sprintf("therapies[%d]", i), "give a name or a class"))
		}
		for _, d := range []string{t.Start, t.End} {
			if _, ok := ParseDate(d); d != "" && !ok {
				add(fieldErr(fmt.Sprintf("therapies[%d]", i), "date %q: want YYYY, YYYY-MM or YYYY-MM-DD", d))
			}
		}
	}
	add(p.location(&f))
	if len(errs) > 0 {
		return Facts{}, errors.Join(errs...)
	}
	return f, nil
}

// typed reads the typed facts: healthy volunteer, biomarkers, disease
// course.
func (p Profile) typed(f *Facts) error {
	var errs []error
	f.HealthyVolunteer = tri(p.HealthyVolunteer)
	if f.HealthyVolunteer == Unknown && len(p.Conditions) > 0 {
		f.HealthyVolunteer = No
	}
	f.Markers = map[string]Tri{}
	for i, b := range p.Biomarkers {
		name := MarkerName(b.Name)
		if name == "" {
			errs = append(errs, fieldErr(fmt.Sprintf("biomarkers[%d].name", i), "%q: not a biomarker we know (HER2, ER, PR, EGFR, ALK, KRAS, BRAF, BRCA1, PD-L1, …)", b.Name))
			continue
		}
		switch strings.ToLower(strings.TrimSpace(b.Status)) {
		case "positive", "pos", "+", "mutated", "mutation", "amplified", "fusion", "rearranged", "high":
			f.Markers[name] = Yes
		case "negative", "neg", "-", "wild type", "wild-type", "wildtype", "not amplified":
			f.Markers[name] = No
		default:
			errs = append(errs, fieldErr(fmt.Sprintf("biomarkers[%d].status", i), "%q: want \"positive\" or \"negative\"", b.Status))
		}
	}
	switch er, pr := f.Markers["ER"], f.Markers["PR"]; {
	case f.Markers["HR"] != Unknown:
	case er == Yes || pr == Yes:
		f.Markers["HR"] = Yes
	case er == No && pr == No:
		f.Markers["HR"] = No
	}
	for i, c := range p.Conditions {
		switch strings.ToLower(strings.TrimSpace(c.DiseaseStatus)) {
		case "":
		case "newly diagnosed", "new", "untreated", "previously untreated":
			f.Course = eligibility.NewlyDiagnosed
		case "relapsed", "refractory", "recurrent", "relapsed or refractory":
			f.Course = eligibility.RelapsedRefractor
		default:
			errs = append(errs, fieldErr(fmt.Sprintf("conditions[%d].diseaseStatus", i), "%q: want \"newly diagnosed\", \"relapsed\" or \"refractory\"", c.DiseaseStatus))
		}
	}
	if p.PriorLines != nil {
		if *p.PriorLines < 0 || *p.PriorLines > 30 {
			errs = append(errs, fieldErr("priorLines", "%d is not a number of lines of therapy", *p.PriorLines))
		} else {
			f.PriorLines, f.HasPriorLines = *p.PriorLines, true
		}
	}
	switch strings.ToLower(p.Smoking) {
	case "", "never", "former", "current":
	default:
		errs = append(errs, fieldErr("smoking", "%q: want \"never\", \"former\" or \"current\"", p.Smoking))
	}
	return errors.Join(errs...)
}

// MarkerName returns the canonical name of a biomarker as people write
// it, or "".
func MarkerName(s string) string {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.TrimSuffix(strings.TrimSuffix(k, " status"), " mutation")
	if n, ok := markerAliases[k]; ok {
		return n
	}
	if n := eligibility.MarkerName(k); n != "" {
		return n
	}
	// A variant names its gene first: "KRAS G12C", "EGFR exon 19
	// deletion" are KRAS and EGFR positive.
	first, _, _ := strings.Cut(k, " ")
	return eligibility.MarkerName(first)
}

var markerAliases = map[string]string{"her2/neu": "HER2", "erbb2": "HER2", "oestrogen receptor": "ER",
	"estrogen receptor": "ER", "progesterone receptor": "PR", "hormone receptor": "HR", "pdl1": "PD-L1",
	"pd-l1": "PD-L1", "msi": "MSI-H", "msi-high": "MSI-H", "dmmr": "MSI-H", "brca": "BRCA"}

// Validate reports what is wrong with the profile, nil if nothing.
func (p Profile) Validate() error {
	_, err := p.Facts(time.Now())
	return err
}

func (p Profile) age(f *Facts) error {
	switch {
	case p.Age != nil && p.BirthDate != "":
		return fieldErr("age", "give age or birthDate, not both")
	case p.Age != nil:
		if *p.Age < 0 || *p.Age > 125 || math.IsNaN(*p.Age) {
			return fieldErr("age", "%v is not an age in years", *p.Age)
		}
		f.HasAge, f.Age = true, *p.Age
	case p.BirthDate != "":
		b, err := time.Parse(time.DateOnly, p.BirthDate)
		if err != nil || b.After(f.AsOf) {
			return fieldErr("birthDate", "%q: want a past date as YYYY-MM-DD", p.BirthDate)
		}
		years := f.AsOf.Year() - b.Year()
		if f.AsOf.YearDay() < b.YearDay() {
			years--
		}
		f.HasAge, f.Age = true, float64(years)
	}
	return nil
}

// ecogKarnofsky is the standard correspondence of the two scales (Oken
// et al. 1982; Buccheri et al. 1996): ECOG grade i covers Karnofsky
// [lo, hi].
var ecogKarnofsky = [6][2]float64{{90, 100}, {70, 80}, {50, 60}, {30, 40}, {10, 20}, {0, 0}}

// KarnofskyToECOG maps a Karnofsky score to the ECOG grade it falls in.
func KarnofskyToECOG(k int) int {
	for g, r := range ecogKarnofsky {
		if float64(k) >= r[0] {
			return g
		}
	}
	return 5
}

// ECOGToKarnofsky returns the Karnofsky range of an ECOG grade.
func ECOGToKarnofsky(ecog int) (lo, hi int) {
	r := ecogKarnofsky[ecog]
	return int(r[0]), int(r[1])
}

func (p Profile) performance(f *Facts) error {
	exact := func(v float64, given string) Measure {
		return Measure{Known: true, Lo: v, Hi: v, Given: given}
	}
	var errs []error
	if p.ECOG != nil {
		e := *p.ECOG
		if e < 0 || e > 5 {
			errs = append(errs, fieldErr("ecog", "%d: ECOG grades are 0 to 5", e))
		} else {
			given := fmt.Sprintf("ECOG %d", e)
			f.Measures["ecog"] = exact(float64(e), given)
			f.Measures["who_ps"] = exact(float64(e), given)
			lo, hi := ECOGToKarnofsky(e)
			f.Measures["karnofsky"] = Measure{Known: true, Lo: float64(lo), Hi: float64(hi), Unit: "%", Given: given}
		}
	}
	if p.Karnofsky != nil {
		k := *p.Karnofsky
		switch {
		case k < 0 || k > 100 || k%10 != 0:
			errs = append(errs, fieldErr("karnofsky", "%d: Karnofsky scores are 0 to 100 in steps of 10", k))
		case p.ECOG != nil && KarnofskyToECOG(k) != *p.ECOG:
			errs = append(errs, fieldErr("karnofsky", "Karnofsky %d is ECOG %d, not the ECOG %d given", k, KarnofskyToECOG(k), *p.ECOG))
		default:
			given := fmt.Sprintf("Karnofsky %d", k)
			f.Measures["karnofsky"] = Measure{Known: true, Lo: float64(k), Hi: float64(k), Unit: "%", Given: given}
			if p.ECOG == nil {
				e := float64(KarnofskyToECOG(k))
				f.Measures["ecog"] = exact(e, given)
				f.Measures["who_ps"] = exact(e, given)
			}
		}
	}
	return errors.Join(errs...)
}

func (p Profile) location(f *Facts) error {
	if l := p.Location; l != nil {
		switch {
		case l.Lat != nil && l.Lon != nil:
			if *l.Lat < -90 || *l.Lat > 90 || *l.Lon < -180 || *l.Lon > 180 {
				return fieldErr("location", "latitude must be within ±90 and longitude within ±180")
			}
			f.Point = &[2]float64{*l.Lat, *l.Lon}
		case l.Lat != nil || l.Lon != nil:
			return fieldErr("location", "give both lat and lon")
		case strings.TrimSpace(l.Place) != "":
			f.Place = strings.TrimSpace(l.Place)
		default:
			return fieldErr("location", "give lat and lon, or a place name")
		}
	}
	if p.MaxDistance < 0 {
		return fieldErr("maxDistance", "must not be negative")
	}
	switch strings.ToLower(p.DistanceUnit) {
	case "", "km":
		f.MaxKm = p.MaxDistance
	case "mi", "miles":
		f.MaxKm = p.MaxDistance * 1.609344
	default:
		return fieldErr("distanceUnit", "%q: want \"km\" or \"mi\"", p.DistanceUnit)
	}
	if f.MaxKm > 0 && p.Location == nil {
		return fieldErr("maxDistance", "needs a location to measure from")
	}
	return nil
}

// ParseDate reads "YYYY", "YYYY-MM" or "YYYY-MM-DD"; a partial date is
// taken at its last day, so "ended 2024-06" is not counted as earlier
// than it may have been.
func ParseDate(s string) (time.Time, bool) {
	for _, l := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{time.DateOnly, func(t time.Time) time.Time { return t }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, -1) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, -1) }},
	} {
		if t, err := time.Parse(l.layout, s); err == nil {
			return l.next(t), true
		}
	}
	return time.Time{}, false
}

func merge(old, m Measure) Measure {
	if !old.Known && !old.ULNKnown {
		return m
	}
	if m.Known {
		old.Known, old.Lo, old.Hi, old.Unit, old.Given = true, m.Lo, m.Hi, m.Unit, m.Given
	}
	if m.ULNKnown {
		old.ULNKnown, old.ULNLo, old.ULNHi = true, m.ULNLo, m.ULNHi
		if old.Given == "" {
			old.Given = m.Given
		}
	}
	return old
}

// NormalizeLab resolves a lab's name to an eligibility variable and
// converts its value to the variable's canonical unit.
func NormalizeLab(l Lab) (string, Measure, error) {
	v, ok := LookupVariable(l.Name)
	if !ok {
		return "", Measure{}, fmt.Errorf("%q is not a known measure (see eligibility.Variables)", l.Name)
	}
	if math.IsNaN(l.Value) || math.IsInf(l.Value, 0) || l.Value < 0 {
		return "", Measure{}, fmt.Errorf("%s: value %v is not a measurement", l.Name, l.Value)
	}
	given := strings.TrimSpace(fmt.Sprintf("%s %s %s", l.Name, formatNum(l.Value), l.Unit))
	m := Measure{Given: given}
	if strings.EqualFold(strings.TrimSpace(l.Unit), "ULN") || strings.EqualFold(strings.TrimSpace(l.Unit), "x ULN") {
		m.ULNKnown, m.ULNLo, m.ULNHi = true, l.Value, l.Value
		return v.Name, m, nil
	}
	val, err := Convert(v, l.Value, l.Unit)
	if err != nil {
		return "", Measure{}, err
	}
	m.Known, m.Lo, m.Hi, m.Unit = true, val, val, v.Unit
	if l.ULN > 0 {
		m.ULNKnown = true
		m.ULNLo, m.ULNHi = l.Value/l.ULN, l.Value/l.ULN
	}
	return v.Name, m, nil
}

var variableByName = func() map[string]eligibility.Variable {
	m := map[string]eligibility.Variable{}
	for _, v := range eligibility.Variables {
		for _, s := range v.Synonyms {
			if _, taken := m[s]; !taken {
				m[s] = v
			}
		}
	}
	// A variable's own name wins over another's synonym.
	for _, v := range eligibility.Variables {
		m[v.Name] = v
		m[strings.ReplaceAll(v.Name, "_", " ")] = v
	}
	return m
}()

// LookupVariable finds an eligibility variable by name or synonym,
// ignoring case.
func LookupVariable(name string) (eligibility.Variable, bool) {
	v, ok := variableByName[strings.ToLower(strings.Join(strings.Fields(name), " "))]
	return v, ok
}

// Convert converts value in unit to v's canonical unit; with no unit,
// the unit is inferred from the magnitude as criteria's are (hemoglobin
// 102 is g/L, 10.2 g/dL). The eligibility
// package exports no conversion function, so a value in another unit is
// written as the criterion "<name> = <value> <unit>" and read back with
// eligibility.Parse: patient and criteria then go through one conversion
// table and one set of unit spellings.
func Convert(v eligibility.Variable, value float64, unit string) (float64, error) {
	u := strings.TrimSpace(unit)
	if sameUnit(u, v.Unit) {
		return value, nil
	}
	if len(v.Synonyms) == 0 {
		return 0, fmt.Errorf("%s: give the value in %s", v.Name, unitName(v.Unit))
	}
	written := u
	if strings.HasPrefix(u, "10^") || strings.HasPrefix(u, "10*") {
		written = "x " + u
	}
	text := v.Synonyms[0] + " = " + formatNum(value) + " " + written
	for _, it := range eligibility.Parse(text).Inclusion {
		for _, c := range it.Constraints {
			// A unit given must have been read, not left behind as a word;
			// none given lets the parser infer it from the magnitude.
			read := u == "" || c.Original != nil && c.Original.Unit != ""
			if c.Kind == eligibility.KindMeasure && c.Variable == v.Name && c.Op == eligibility.OpEQ && !c.ULNMultiple && c.Unit == v.Unit && read {
				return c.Value, nil
			}
		}
	}
	return 0, fmt.Errorf("%s: unit %q is not understood; give the value in %s", v.Name, unit, unitName(v.Unit))
}

func unitName(u string) string {
	if u == "" {
		return "no unit"
	}
	return u
}

// sameUnit compares unit spellings ignoring case, spaces, "x" and "×"
// before a power of ten, and "cells" before a volume.
func sameUnit(a, b string) bool {
	clean := func(s string) string {
		s = strings.ToLower(strings.Join(strings.Fields(s), ""))
		s = strings.TrimPrefix(s, "×")
		s = strings.TrimPrefix(s, "x")
		s = strings.TrimPrefix(s, "cells")
		return strings.ReplaceAll(s, "µ", "u")
	}
	return clean(a) == clean(b)
}

func formatNum(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", f), ".0") }
