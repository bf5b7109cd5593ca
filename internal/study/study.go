// Package study is Trialfinder's domain model: one clinical study as the
// rest of the program sees it, independent of the format it was read from
// and of where it is stored. It imports nothing outside the standard library.
//
// Enumerated values use the ClinicalTrials.gov API v2 spelling
// ("RECRUITING", "PHASE2", "INTERVENTIONAL") so that the API can return
// them unchanged; labels.go turns them into plain language.
package study

// Study is everything Trialfinder knows about one registered study.
type Study struct {
	// Identifiers.
	NCTID        string
	Aliases      []string // obsolete NCT IDs that now point at this study
	OrgStudyID   string
	SecondaryIDs []SecondaryID
	Acronym      string

	BriefTitle    string
	OfficialTitle string

	// Status.
	OverallStatus   string // RECRUITING, COMPLETED, ... (see Statuses)
	LastKnownStatus string // set when OverallStatus is UNKNOWN
	WhyStopped      string
	Dates           Dates

	StudyType string   // INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS
	Phases    []string // EARLY_PHASE1, PHASE1, ..., NA; empty for observational studies

	Conditions []string
	Keywords   []string
	// MeSH terms assigned by ClinicalTrials.gov, and their ancestors in the
	// MeSH tree; search expands a condition query through both.
	ConditionMeSH         []MeSHTerm
	ConditionAncestors    []MeSHTerm
	InterventionMeSH      []MeSHTerm
	InterventionAncestors []MeSHTerm

	Interventions []Intervention
	Arms          []Arm
	Design        Design
	Enrollment    Enrollment
	Outcomes      []Outcome

	LeadSponsor   Organization
	Collaborators []Organization

	BriefSummary        string
	DetailedDescription string

	Eligibility Eligibility

	CentralContacts  []Contact
	OverallOfficials []Official
	Locations        []Location

	HasResults bool

	// Raw is the record exactly as ClinicalTrials.gov API v2 serves it
	// (for legacy XML input, the v2-shaped JSON built from it), so the API
	// can return it unchanged.
	Raw []byte
}

// SecondaryID is another registry's or funder's identifier for the study.
type SecondaryID struct {
	ID     string
	Type   string // NIH, FDA, VA, CDC, AHRQ, SAMHSA, OTHER_GRANT, EUDRACT_NUMBER, CTIS, REGISTRY, OTHER
	Domain string
	Link   string
}

// Dates holds the study's milestones. A Date may be partial ("2021-11").
type Dates struct {
	Start              Date
	PrimaryCompletion  Date
	Completion         Date
	FirstSubmitted     Date
	FirstPosted        Date
	LastUpdatePosted   Date
	ResultsFirstPosted Date
	StatusVerified     Date
}

// Date is a calendar date as ClinicalTrials.gov publishes it: "YYYY-MM-DD"
// or "YYYY-MM", with whether it is an estimate. The zero Date is unknown.
type Date struct {
	Value     string
	Estimated bool
}

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d.Value == "" }

// Sortable returns the date as "YYYY-MM-DD", filling a missing day with
// "01" so that partial dates sort and compare as strings; "" when unknown.
func (d Date) Sortable() string {
	switch len(d.Value) {
	case 10:
		return d.Value
	case 7:
		return d.Value + "-01"
	case 4:
		return d.Value + "-01-01"
	}
	return d.Value
}

// MeSHTerm is a Medical Subject Headings descriptor.
type MeSHTerm struct {
	ID   string // D006528
	Term string // Carcinoma, Hepatocellular
}

// Intervention is a treatment, device, procedure or other thing studied.
type Intervention struct {
	Type        string // DRUG, DEVICE, BIOLOGICAL, PROCEDURE, RADIATION, BEHAVIORAL, GENETIC, DIETARY_SUPPLEMENT, COMBINATION_PRODUCT, DIAGNOSTIC_TEST, OTHER
	Name        string
	Description string
	OtherNames  []string
	ArmLabels   []string
}

// Arm is a group of participants and what they receive.
type Arm struct {
	Label             string
	Type              string // EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, NO_INTERVENTION, OTHER
	Description       string
	InterventionNames []string // "Drug: Anlotinib hydrochloride capsules"
}

// Design describes how the study is run.
type Design struct {
	PrimaryPurpose               string // TREATMENT, PREVENTION, ...
	Allocation                   string // RANDOMIZED, NON_RANDOMIZED, NA
	InterventionModel            string // SINGLE_GROUP, PARALLEL, CROSSOVER, FACTORIAL, SEQUENTIAL
	InterventionModelDescription string
	ObservationalModel           string // COHORT, CASE_CONTROL, ...
	TimePerspective              string // PROSPECTIVE, RETROSPECTIVE, ...
	Masking                      string // NONE, SINGLE, DOUBLE, TRIPLE, QUADRUPLE
	WhoMasked                    []string
	MaskingDescription           string
	PatientRegistry              bool
}

// Enrollment is the number of participants, actual or expected.
type Enrollment struct {
	Count     int
	Known     bool // false when the record gives no count
	Estimated bool
}

// Outcome is a measure the study reports on.
type Outcome struct {
	Kind        string // PRIMARY, SECONDARY, OTHER
	Measure     string
	Description string
	TimeFrame   string
}

// Organization is a sponsor or collaborator with its funder class.
type Organization struct {
	Name  string
	Class string // NIH, FED, OTHER_GOV, INDIV, INDUSTRY, NETWORK, AMBIG, OTHER, UNKNOWN
}

// FunderTypes returns the distinct funder classes of the lead sponsor and
// collaborators, lead sponsor first, in first-seen order.
func (s *Study) FunderTypes() []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	add(s.LeadSponsor.Class)
	for _, c := range s.Collaborators {
		add(c.Class)
	}
	return out
}

// Eligibility says who may take part.
type Eligibility struct {
	Criteria          string // free text, as registered
	Sex               string // ALL, FEMALE, MALE
	GenderBased       bool
	GenderDescription string
	MinimumAge        Age
	MaximumAge        Age
	StdAges           []string // CHILD, ADULT, OLDER_ADULT
	// HealthyVolunteers is nil when the record does not say.
	HealthyVolunteers *bool
	StudyPopulation   string
	SamplingMethod    string
}

// Contact is a person or office to ask about the study.
type Contact struct {
	Name     string
	Role     string // CONTACT, PRINCIPAL_INVESTIGATOR, SUB_INVESTIGATOR, STUDY_CHAIR, STUDY_DIRECTOR
	Phone    string
	PhoneExt string
	Email    string
}

// Official is an investigator responsible for the study.
type Official struct {
	Name        string
	Affiliation string
	Role        string // STUDY_CHAIR, STUDY_DIRECTOR, PRINCIPAL_INVESTIGATOR, SUB_INVESTIGATOR
}

// Location is one site where the study runs.
type Location struct {
	Facility string
	Status   string // site recruitment status, same enum as OverallStatus; often empty
	City     string
	State    string
	Zip      string
	Country  string
	Geo      *GeoPoint // nil when ClinicalTrials.gov has not geocoded the site
	Contacts []Contact
}

// GeoPoint is a WGS84 coordinate.
type GeoPoint struct {
	Lat, Lon float64
}
