package ctgov

import "strings"

// xmlStudy mirrors the parts of a legacy <clinical_study> document
// (ClinicalTrials.gov's public.xsd, 2008–2023) that have an API v2
// counterpart. Elements without one (location_countries, which v2
// derives; study_docs; the results tables) are left out.
type xmlStudy struct {
	IDInfo struct {
		OrgStudyID   string   `xml:"org_study_id"`
		SecondaryIDs []string `xml:"secondary_id"`
		NCTID        string   `xml:"nct_id"`
		Aliases      []string `xml:"nct_alias"`
	} `xml:"id_info"`
	BriefTitle    string `xml:"brief_title"`
	OfficialTitle string `xml:"official_title"`
	Acronym       string `xml:"acronym"`
	Sponsors      struct {
		Lead          xmlAgency   `xml:"lead_sponsor"`
		Collaborators []xmlAgency `xml:"collaborator"`
	} `xml:"sponsors"`
	Source    string `xml:"source"`
	Oversight struct {
		HasDMC           string `xml:"has_dmc"`
		FDADrug          string `xml:"is_fda_regulated_drug"`
		FDADevice        string `xml:"is_fda_regulated_device"`
		UnapprovedDevice string `xml:"is_unapproved_device"`
		PPSD             string `xml:"is_ppsd"`
		USExport         string `xml:"is_us_export"`
	} `xml:"oversight_info"`
	BriefSummary        xmlText `xml:"brief_summary"`
	DetailedDescription xmlText `xml:"detailed_description"`

	OverallStatus   string `xml:"overall_status"`
	LastKnownStatus string `xml:"last_known_status"`
	WhyStopped      string `xml:"why_stopped"`

	StartDate               xmlDated `xml:"start_date"`
	CompletionDate          xmlDated `xml:"completion_date"`
	PrimaryCompletionDate   xmlDated `xml:"primary_completion_date"`
	VerificationDate        string   `xml:"verification_date"`
	StudyFirstSubmitted     string   `xml:"study_first_submitted"`
	StudyFirstSubmittedQC   string   `xml:"study_first_submitted_qc"`
	StudyFirstPosted        xmlDated `xml:"study_first_posted"`
	ResultsFirstSubmitted   string   `xml:"results_first_submitted"`
	ResultsFirstSubmittedQC string   `xml:"results_first_submitted_qc"`
	ResultsFirstPosted      xmlDated `xml:"results_first_posted"`
	LastUpdateSubmitted     string   `xml:"last_update_submitted"`
	LastUpdatePosted        xmlDated `xml:"last_update_posted"`
	// The dates of the 2017 and older variant.
	FirstReceived        string `xml:"firstreceived_date"`
	LastChanged          string `xml:"lastchanged_date"`
	FirstReceivedResults string `xml:"firstreceived_results_date"`

	Phase              string `xml:"phase"`
	StudyType          string `xml:"study_type"`
	HasExpandedAccess  string `xml:"has_expanded_access"`
	ExpandedAccessInfo *struct {
		Individual   string `xml:"expanded_access_type_individual"`
		Intermediate string `xml:"expanded_access_type_intermediate"`
		Treatment    string `xml:"expanded_access_type_treatment"`
	} `xml:"expanded_access_info"`
	Design struct {
		Allocation                   string `xml:"allocation"`
		InterventionModel            string `xml:"intervention_model"`
		InterventionModelDescription string `xml:"intervention_model_description"`
		PrimaryPurpose               string `xml:"primary_purpose"`
		ObservationalModel           string `xml:"observational_model"`
		TimePerspective              string `xml:"time_perspective"`
		Masking                      string `xml:"masking"`
		MaskingDescription           string `xml:"masking_description"`
	} `xml:"study_design_info"`
	PrimaryOutcomes   []xmlOutcome `xml:"primary_outcome"`
	SecondaryOutcomes []xmlOutcome `xml:"secondary_outcome"`
	OtherOutcomes     []xmlOutcome `xml:"other_outcome"`
	Enrollment        xmlDated     `xml:"enrollment"`
	Conditions        []string     `xml:"condition"`
	Keywords          []string     `xml:"keyword"`
	Arms              []struct {
		Label       string `xml:"arm_group_label"`
		Type        string `xml:"arm_group_type"`
		Description string `xml:"description"`
	} `xml:"arm_group"`
	Interventions []struct {
		Type        string   `xml:"intervention_type"`
		Name        string   `xml:"intervention_name"`
		Description string   `xml:"description"`
		ArmLabels   []string `xml:"arm_group_label"`
		OtherNames  []string `xml:"other_name"`
	} `xml:"intervention"`
	BiospecRetention string         `xml:"biospec_retention"`
	BiospecDescr     xmlText        `xml:"biospec_descr"`
	Eligibility      xmlEligibility `xml:"eligibility"`
	Officials        []xmlPerson    `xml:"overall_official"`
	Contact          *xmlPerson     `xml:"overall_contact"`
	ContactBackup    *xmlPerson     `xml:"overall_contact_backup"`
	Locations        []struct {
		Facility struct {
			Name    string `xml:"name"`
			Address struct {
				City    string `xml:"city"`
				State   string `xml:"state"`
				Zip     string `xml:"zip"`
				Country string `xml:"country"`
			} `xml:"address"`
		} `xml:"facility"`
		Status        string      `xml:"status"`
		Contact       *xmlPerson  `xml:"contact"`
		ContactBackup *xmlPerson  `xml:"contact_backup"`
		Investigators []xmlPerson `xml:"investigator"`
	} `xml:"location"`
	Links []struct {
		URL         string `xml:"url"`
		Description string `xml:"description"`
	} `xml:"link"`
	References        []xmlReference `xml:"reference"`
	ResultsReferences []xmlReference `xml:"results_reference"`
	ResponsibleParty  *struct {
		Type                    string `xml:"responsible_party_type"`
		InvestigatorFullName    string `xml:"investigator_full_name"`
		InvestigatorTitle       string `xml:"investigator_title"`
		InvestigatorAffiliation string `xml:"investigator_affiliation"`
		NameTitle               string `xml:"name_title"`
		Organization            string `xml:"organization"`
	} `xml:"responsible_party"`
	PatientData *struct {
		Sharing        string   `xml:"sharing_ipd"`
		Description    string   `xml:"ipd_description"`
		InfoTypes      []string `xml:"ipd_info_type"`
		TimeFrame      string   `xml:"ipd_time_frame"`
		AccessCriteria string   `xml:"ipd_access_criteria"`
		URL            string   `xml:"ipd_url"`
	} `xml:"patient_data"`
	ConditionMeSH    []string  `xml:"condition_browse>mesh_term"`
	InterventionMeSH []string  `xml:"intervention_browse>mesh_term"`
	Results          *struct{} `xml:"clinical_results"`
}

type xmlEligibility struct {
	StudyPop          xmlText `xml:"study_pop"`
	SamplingMethod    string  `xml:"sampling_method"`
	Criteria          xmlText `xml:"criteria"`
	Gender            string  `xml:"gender"`
	GenderBased       string  `xml:"gender_based"`
	GenderDescription string  `xml:"gender_description"`
	MinimumAge        string  `xml:"minimum_age"`
	MaximumAge        string  `xml:"maximum_age"`
	HealthyVolunteers string  `xml:"healthy_volunteers"`
}

type xmlAgency struct {
	Agency string `xml:"agency"`
	Class  string `xml:"agency_class"`
}

// xmlText is a <textblock> holder such as <brief_summary>.
type xmlText struct {
	Text string `xml:"textblock"`
}

// xmlDated is an element whose text carries a type attribute: dates
// (Actual, Anticipated, Estimate) and enrollment.
type xmlDated struct {
	Value string `xml:",chardata"`
	Type  string `xml:"type,attr"`
}

type xmlOutcome struct {
	Measure     string `xml:"measure"`
	TimeFrame   string `xml:"time_frame"`
	Description string `xml:"description"`
}

type xmlPerson struct {
	FirstName   string `xml:"first_name"`
	MiddleName  string `xml:"middle_name"`
	LastName    string `xml:"last_name"`
	Degrees     string `xml:"degrees"`
	Role        string `xml:"role"`
	Affiliation string `xml:"affiliation"`
	Phone       string `xml:"phone"`
	PhoneExt    string `xml:"phone_ext"`
	Email       string `xml:"email"`
}

// name joins the name parts; AllPublicXML puts the whole name, degrees
// included, in last_name, older records split it.
func (p xmlPerson) name() string {
	var parts []string
	for _, s := range []string{p.FirstName, p.MiddleName, p.LastName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	n := strings.Join(parts, " ")
	if d := strings.TrimSpace(p.Degrees); d != "" {
		n += ", " + d
	}
	return n
}

type xmlReference struct {
	Citation string `xml:"citation"`
	PMID     string `xml:"PMID"`
}
