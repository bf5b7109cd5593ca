package study

import "strings"

// Enum is one enumerated field: its API v2 values in the official order,
// each with the plain-language label a reader sees.
type Enum struct {
	Name   string
	Values []EnumValue
}

// EnumValue is one value of an Enum.
type EnumValue struct {
	Value string // API v2 spelling, e.g. NOT_YET_RECRUITING
	Label string // plain language, e.g. Not yet recruiting
}

// Has reports whether v is one of the enum's values.
func (e Enum) Has(v string) bool {
	for _, ev := range e.Values {
		if ev.Value == v {
			return true
		}
	}
	return false
}

// Label returns v's plain-language label; an unknown value is returned
// as it is, with underscores as spaces, rather than hidden.
func (e Enum) Label(v string) string {
	for _, ev := range e.Values {
		if ev.Value == v {
			return ev.Label
		}
	}
	return strings.ReplaceAll(v, "_", " ")
}

// Strings returns the enum's values.
func (e Enum) Strings() []string {
	out := make([]string, len(e.Values))
	for i, ev := range e.Values {
		out[i] = ev.Value
	}
	return out
}

// The enumerations of ClinicalTrials.gov API v2.0.5, in the order its
// OpenAPI document lists them.
var (
	Statuses = Enum{"Status", []EnumValue{
		{"ACTIVE_NOT_RECRUITING", "Active, not recruiting"},
		{"COMPLETED", "Completed"},
		{"ENROLLING_BY_INVITATION", "Enrolling by invitation"},
		{"NOT_YET_RECRUITING", "Not yet recruiting"},
		{"RECRUITING", "Recruiting"},
		{"SUSPENDED", "Suspended"},
		{"TERMINATED", "Terminated"},
		{"WITHDRAWN", "Withdrawn"},
		{"AVAILABLE", "Available"},
		{"NO_LONGER_AVAILABLE", "No longer available"},
		{"TEMPORARILY_NOT_AVAILABLE", "Temporarily not available"},
		{"APPROVED_FOR_MARKETING", "Approved for marketing"},
		{"WITHHELD", "Withheld"},
		{"UNKNOWN", "Unknown"},
	}}
	Phases = Enum{"Phase", []EnumValue{
		{"NA", "Not applicable"},
		{"EARLY_PHASE1", "Early Phase 1"},
		{"PHASE1", "Phase 1"},
		{"PHASE2", "Phase 2"},
		{"PHASE3", "Phase 3"},
		{"PHASE4", "Phase 4"},
	}}
	StudyTypes = Enum{"StudyType", []EnumValue{
		{"EXPANDED_ACCESS", "Expanded access"},
		{"INTERVENTIONAL", "Interventional"},
		{"OBSERVATIONAL", "Observational"},
	}}
	AgencyClasses = Enum{"AgencyClass", []EnumValue{
		{"NIH", "NIH"},
		{"FED", "U.S. federal government"},
		{"OTHER_GOV", "Other government"},
		{"INDIV", "Individual"},
		{"INDUSTRY", "Industry"},
		{"NETWORK", "Network"},
		{"AMBIG", "Ambiguous"},
		{"OTHER", "Other"},
		{"UNKNOWN", "Unknown"},
	}}
	InterventionTypes = Enum{"InterventionType", []EnumValue{
		{"BEHAVIORAL", "Behavioral"},
		{"BIOLOGICAL", "Biological"},
		{"COMBINATION_PRODUCT", "Combination Product"},
		{"DEVICE", "Device"},
		{"DIAGNOSTIC_TEST", "Diagnostic Test"},
		{"DIETARY_SUPPLEMENT", "Dietary Supplement"},
		{"DRUG", "Drug"},
		{"GENETIC", "Genetic"},
		{"PROCEDURE", "Procedure"},
		{"RADIATION", "Radiation"},
		{"OTHER", "Other"},
	}}
	ArmGroupTypes = Enum{"ArmGroupType", []EnumValue{
		{"EXPERIMENTAL", "Experimental"},
		{"ACTIVE_COMPARATOR", "Active Comparator"},
		{"PLACEBO_COMPARATOR", "Placebo Comparator"},
		{"SHAM_COMPARATOR", "Sham Comparator"},
		{"NO_INTERVENTION", "No Intervention"},
		{"OTHER", "Other"},
	}}
	PrimaryPurposes = Enum{"PrimaryPurpose", []EnumValue{
		{"TREATMENT", "Treatment"},
		{"PREVENTION", "Prevention"},
		{"DIAGNOSTIC", "Diagnostic"},
		{"ECT", "Educational/Counseling/Training"},
		{"SUPPORTIVE_CARE", "Supportive Care"},
		{"SCREENING", "Screening"},
		{"HEALTH_SERVICES_RESEARCH", "Health Services Research"},
		{"BASIC_SCIENCE", "Basic Science"},
		{"DEVICE_FEASIBILITY", "Device Feasibility"},
		{"OTHER", "Other"},
	}}
	Allocations = Enum{"DesignAllocation", []EnumValue{
		{"RANDOMIZED", "Randomized"},
		{"NON_RANDOMIZED", "Non-Randomized"},
		{"NA", "N/A"},
	}}
	InterventionModels = Enum{"InterventionalAssignment", []EnumValue{
		{"SINGLE_GROUP", "Single Group Assignment"},
		{"PARALLEL", "Parallel Assignment"},
		{"CROSSOVER", "Crossover Assignment"},
		{"FACTORIAL", "Factorial Assignment"},
		{"SEQUENTIAL", "Sequential Assignment"},
	}}
	Maskings = Enum{"DesignMasking", []EnumValue{
		{"NONE", "None (Open label)"},
		{"SINGLE", "Single"},
		{"DOUBLE", "Double"},
		{"TRIPLE", "Triple"},
		{"QUADRUPLE", "Quadruple"},
	}}
	WhoMaskedValues = Enum{"WhoMasked", []EnumValue{
		{"PARTICIPANT", "Participant"},
		{"CARE_PROVIDER", "Care Provider"},
		{"INVESTIGATOR", "Investigator"},
		{"OUTCOMES_ASSESSOR", "Outcomes Assessor"},
	}}
	ObservationalModels = Enum{"ObservationalModel", []EnumValue{
		{"COHORT", "Cohort"},
		{"CASE_CONTROL", "Case-Control"},
		{"CASE_ONLY", "Case-Only"},
		{"CASE_CROSSOVER", "Case-Crossover"},
		{"ECOLOGIC_OR_COMMUNITY", "Ecologic or Community"},
		{"FAMILY_BASED", "Family-Based"},
		{"DEFINED_POPULATION", "Defined Population"},
		{"NATURAL_HISTORY", "Natural History"},
		{"OTHER", "Other"},
	}}
	TimePerspectives = Enum{"DesignTimePerspective", []EnumValue{
		{"RETROSPECTIVE", "Retrospective"},
		{"PROSPECTIVE", "Prospective"},
		{"CROSS_SECTIONAL", "Cross-Sectional"},
		{"OTHER", "Other"},
	}}
	Sexes = Enum{"Sex", []EnumValue{
		{"FEMALE", "Female"},
		{"MALE", "Male"},
		{"ALL", "All"},
	}}
	StdAges = Enum{"StandardAge", []EnumValue{
		{"CHILD", "Child"},
		{"ADULT", "Adult"},
		{"OLDER_ADULT", "Older Adult"},
	}}
	ContactRoles = Enum{"ContactRole", []EnumValue{
		{"STUDY_CHAIR", "Study Chair"},
		{"STUDY_DIRECTOR", "Study Director"},
		{"PRINCIPAL_INVESTIGATOR", "Principal Investigator"},
		{"SUB_INVESTIGATOR", "Sub-Investigator"},
		{"CONTACT", "Contact"},
	}}
)

// RecruitingStatuses are the site or study statuses under which a patient
// can still join.
var RecruitingStatuses = []string{"RECRUITING", "NOT_YET_RECRUITING"}

// IsRecruiting reports whether status is one of RecruitingStatuses.
func IsRecruiting(status string) bool {
	return status == "RECRUITING" || status == "NOT_YET_RECRUITING"
}
