package query

import (
	"sort"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Kind says what values a field holds, and so which operands AREA accepts
// for it.
type Kind int

// The field kinds.
const (
	// KindText fields are searched word by word.
	KindText Kind = iota
	// KindEnum fields hold one API v2 enumeration value; their terms must
	// be values of the enumeration ("PHASE3", "RECRUITING").
	KindEnum
	// KindDate fields hold a "YYYY", "YYYY-MM" or "YYYY-MM-DD" date; they
	// take RANGE or a date term ("AREA[StartDate]2022").
	KindDate
	// KindAge fields hold an eligibility age ("16 Years"); they take RANGE
	// or an age term.
	KindAge
	// KindNumber fields hold a whole number; they take RANGE or a number.
	KindNumber
)

var kindNames = [...]string{"text", "enum", "date", "age", "number"}

func (k Kind) String() string { return kindNames[k] }

// Field is a search area or a single study field that AREA[...] accepts.
type Field struct {
	// Name is the API v2 spelling, which String writes back; AREA matches
	// it ignoring case.
	Name string
	Kind Kind
	// Enum lists the accepted values of a KindEnum field.
	Enum *study.Enum
	// Fields are the weighted fields a search area stands for, as the
	// ClinicalTrials.gov "Search Areas" page lists them (restricted to the
	// fields of this table); empty for a single field.
	Fields []Weighted
}

// Weighted is one field of a search area and its relative weight.
type Weighted struct {
	Field  string
	Weight float64
}

// IsArea reports whether f is a search area made of several fields.
func (f *Field) IsArea() bool { return len(f.Fields) > 0 }

// The search areas, as https://clinicaltrials.gov/data-api/about-api/search-areas
// lists them, with the weights copied from that page.
var searchAreas = []Field{
	{Name: "BasicSearch", Fields: []Weighted{
		{"NCTId", 1}, {"Acronym", 1}, {"BriefTitle", 0.89}, {"OfficialTitle", 0.85},
		{"Condition", 0.81}, {"InterventionName", 0.8}, {"InterventionOtherName", 0.75},
		{"Phase", 0.65}, {"StdAge", 0.65}, {"PrimaryOutcomeMeasure", 0.6}, {"Keyword", 0.6},
		{"BriefSummary", 0.6}, {"ArmGroupLabel", 0.5}, {"SecondaryOutcomeMeasure", 0.5},
		{"InterventionDescription", 0.45}, {"ArmGroupDescription", 0.45},
		{"LeadSponsorName", 0.4}, {"OrgStudyId", 0.4}, {"SecondaryId", 0.4},
		{"InterventionType", 0.35}, {"LocationFacility", 0.35}, {"LocationStatus", 0.35},
		{"LocationState", 0.35}, {"LocationCountry", 0.35}, {"LocationCity", 0.35},
		{"OverallOfficialName", 0.3}, {"ConditionMeshTerm", 0.3}, {"InterventionMeshTerm", 0.3},
		{"StudyType", 0.3}, {"ConditionAncestorTerm", 0.25}, {"CollaboratorName", 0.25},
	}},
	{Name: "ConditionSearch", Fields: []Weighted{
		{"Condition", 0.95}, {"BriefTitle", 0.6}, {"OfficialTitle", 0.55},
		{"ConditionMeshTerm", 0.5}, {"ConditionAncestorTerm", 0.4}, {"Keyword", 0.3}, {"NCTId", 0.2},
	}},
	{Name: "InterventionSearch", Fields: []Weighted{
		{"InterventionName", 0.95}, {"InterventionType", 0.85}, {"InterventionOtherName", 0.75},
		{"BriefTitle", 0.65}, {"OfficialTitle", 0.6}, {"ArmGroupLabel", 0.5},
		{"InterventionMeshTerm", 0.5}, {"Keyword", 0.5}, {"InterventionDescription", 0.4},
		{"ArmGroupDescription", 0.4},
	}},
	{Name: "OutcomeSearch", Fields: []Weighted{
		{"PrimaryOutcomeMeasure", 0.9}, {"SecondaryOutcomeMeasure", 0.8}, {"OtherOutcomeMeasure", 0.4},
	}},
	{Name: "TitleSearch", Fields: []Weighted{
		{"Acronym", 1}, {"BriefTitle", 0.95}, {"OfficialTitle", 0.8},
	}},
	{Name: "LocationSearch", Fields: []Weighted{
		{"LocationCity", 0.95}, {"LocationState", 0.95}, {"LocationCountry", 0.95},
		{"LocationFacility", 0.95}, {"LocationZip", 0.35},
	}},
	{Name: "SponsorSearch", Fields: []Weighted{
		{"LeadSponsorName", 1}, {"CollaboratorName", 0.9}, {"OrgFullName", 0.6},
	}},
	{Name: "IdSearch", Fields: []Weighted{
		{"NCTId", 1}, {"Acronym", 0.85}, {"OrgStudyId", 0.8}, {"SecondaryId", 0.75},
	}},
	{Name: "EligibilitySearch", Fields: []Weighted{
		{"EligibilityCriteria", 0.95}, {"StudyPopulation", 0.8},
	}},
}

var textFields = []string{
	"NCTId", "Acronym", "BriefTitle", "OfficialTitle", "Condition", "ConditionMeshTerm",
	"ConditionAncestorTerm", "Keyword", "InterventionName", "InterventionOtherName",
	"InterventionDescription", "InterventionMeshTerm", "ArmGroupLabel", "ArmGroupDescription",
	"BriefSummary", "DetailedDescription", "PrimaryOutcomeMeasure", "SecondaryOutcomeMeasure",
	"OtherOutcomeMeasure", "LeadSponsorName", "CollaboratorName", "OrgFullName", "OrgStudyId",
	"SecondaryId", "LocationFacility", "LocationCity", "LocationState", "LocationCountry",
	"LocationZip", "EligibilityCriteria", "StudyPopulation", "OverallOfficialName",
}

var enumFields = map[string]*study.Enum{
	"Phase":                    &study.Phases,
	"OverallStatus":            &study.Statuses,
	"LocationStatus":           &study.Statuses,
	"StudyType":                &study.StudyTypes,
	"Sex":                      &study.Sexes,
	"StdAge":                   &study.StdAges,
	"InterventionType":         &study.InterventionTypes,
	"ArmGroupType":             &study.ArmGroupTypes,
	"LeadSponsorClass":         &study.AgencyClasses,
	"CollaboratorClass":        &study.AgencyClasses,
	"DesignAllocation":         &study.Allocations,
	"DesignPrimaryPurpose":     &study.PrimaryPurposes,
	"DesignInterventionModel":  &study.InterventionModels,
	"DesignMasking":            &study.Maskings,
	"DesignObservationalModel": &study.ObservationalModels,
	"DesignTimePerspective":    &study.TimePerspectives,
}

var valueFields = map[string]Kind{
	"StartDate": KindDate, "PrimaryCompletionDate": KindDate, "CompletionDate": KindDate,
	"StudyFirstSubmitDate": KindDate, "StudyFirstPostDate": KindDate,
	"LastUpdatePostDate": KindDate, "ResultsFirstPostDate": KindDate, "StatusVerifiedDate": KindDate,
	"MinimumAge": KindAge, "MaximumAge": KindAge,
	"EnrollmentCount": KindNumber,
}

// fieldsByKey indexes every Field by its lower-cased name.
var fieldsByKey = func() map[string]*Field {
	m := make(map[string]*Field)
	add := func(f Field) { m[strings.ToLower(f.Name)] = &f }
	for _, f := range searchAreas {
		add(f)
	}
	for _, name := range textFields {
		add(Field{Name: name})
	}
	for name, e := range enumFields {
		add(Field{Name: name, Kind: KindEnum, Enum: e})
	}
	for name, k := range valueFields {
		add(Field{Name: name, Kind: k})
	}
	return m
}()

// LookupField returns the search area or field AREA[name] refers to,
// ignoring case.
func LookupField(name string) (*Field, bool) {
	f, ok := fieldsByKey[strings.ToLower(name)]
	return f, ok
}

// Fields returns every supported search area and field, sorted by name.
func Fields() []*Field {
	out := make([]*Field, 0, len(fieldsByKey))
	for _, f := range fieldsByKey {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
