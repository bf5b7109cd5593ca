package ctgov

// The API v2 study object as XMLToV2 writes it: the field names, nesting
// and order of ClinicalTrials.gov's API v2.0.5 schema, limited to what
// legacy XML carries. Empty fields are left out, as the API does.

type v2Study struct {
	ProtocolSection v2Protocol `json:"protocolSection"`
	DerivedSection  *v2Derived `json:"derivedSection,omitempty"`
	HasResults      bool       `json:"hasResults"`
}

type v2Protocol struct {
	IdentificationModule       v2Identification     `json:"identificationModule"`
	StatusModule               v2Status             `json:"statusModule"`
	SponsorCollaboratorsModule *v2Sponsors          `json:"sponsorCollaboratorsModule,omitempty"`
	OversightModule            *v2Oversight         `json:"oversightModule,omitempty"`
	DescriptionModule          *v2Description       `json:"descriptionModule,omitempty"`
	ConditionsModule           *v2Conditions        `json:"conditionsModule,omitempty"`
	DesignModule               *v2Design            `json:"designModule,omitempty"`
	ArmsInterventionsModule    *v2ArmsInterventions `json:"armsInterventionsModule,omitempty"`
	OutcomesModule             *v2Outcomes          `json:"outcomesModule,omitempty"`
	EligibilityModule          *v2Eligibility       `json:"eligibilityModule,omitempty"`
	ContactsLocationsModule    *v2ContactsLocations `json:"contactsLocationsModule,omitempty"`
	ReferencesModule           *v2References        `json:"referencesModule,omitempty"`
	IPDSharingStatementModule  *v2IPDSharing        `json:"ipdSharingStatementModule,omitempty"`
}

type v2Identification struct {
	NCTID            string   `json:"nctId"`
	NCTIDAliases     []string `json:"nctIdAliases,omitempty"`
	OrgStudyIDInfo   *v2ID    `json:"orgStudyIdInfo,omitempty"`
	SecondaryIDInfos []v2ID   `json:"secondaryIdInfos,omitempty"`
	Organization     *v2Org   `json:"organization,omitempty"`
	BriefTitle       string   `json:"briefTitle,omitempty"`
	OfficialTitle    string   `json:"officialTitle,omitempty"`
	Acronym          string   `json:"acronym,omitempty"`
}

type v2ID struct {
	ID string `json:"id"`
}

type v2Org struct {
	FullName string `json:"fullName"`
}

type v2Status struct {
	StatusVerifiedDate       string            `json:"statusVerifiedDate,omitempty"`
	OverallStatus            string            `json:"overallStatus"`
	LastKnownStatus          string            `json:"lastKnownStatus,omitempty"`
	WhyStopped               string            `json:"whyStopped,omitempty"`
	ExpandedAccessInfo       *v2ExpandedAccess `json:"expandedAccessInfo,omitempty"`
	StartDate                *v2Date           `json:"startDateStruct,omitempty"`
	PrimaryCompletionDate    *v2Date           `json:"primaryCompletionDateStruct,omitempty"`
	CompletionDate           *v2Date           `json:"completionDateStruct,omitempty"`
	StudyFirstSubmitDate     string            `json:"studyFirstSubmitDate,omitempty"`
	StudyFirstSubmitQCDate   string            `json:"studyFirstSubmitQcDate,omitempty"`
	StudyFirstPostDate       *v2Date           `json:"studyFirstPostDateStruct,omitempty"`
	ResultsFirstSubmitDate   string            `json:"resultsFirstSubmitDate,omitempty"`
	ResultsFirstSubmitQCDate string            `json:"resultsFirstSubmitQcDate,omitempty"`
	ResultsFirstPostDate     *v2Date           `json:"resultsFirstPostDateStruct,omitempty"`
	LastUpdateSubmitDate     string            `json:"lastUpdateSubmitDate,omitempty"`
	LastUpdatePostDate       *v2Date           `json:"lastUpdatePostDateStruct,omitempty"`
}

type v2ExpandedAccess struct {
	HasExpandedAccess bool `json:"hasExpandedAccess"`
}

type v2Date struct {
	Date string `json:"date"`
	Type string `json:"type,omitempty"`
}

type v2Sponsors struct {
	ResponsibleParty *v2ResponsibleParty `json:"responsibleParty,omitempty"`
	LeadSponsor      *v2Sponsor          `json:"leadSponsor,omitempty"`
	Collaborators    []v2Sponsor         `json:"collaborators,omitempty"`
}

type v2ResponsibleParty struct {
	Type                    string `json:"type,omitempty"`
	InvestigatorFullName    string `json:"investigatorFullName,omitempty"`
	InvestigatorTitle       string `json:"investigatorTitle,omitempty"`
	InvestigatorAffiliation string `json:"investigatorAffiliation,omitempty"`
	OldNameTitle            string `json:"oldNameTitle,omitempty"`
	OldOrganization         string `json:"oldOrganization,omitempty"`
}

type v2Sponsor struct {
	Name  string `json:"name"`
	Class string `json:"class,omitempty"`
}

type v2Oversight struct {
	HasDMC           *bool `json:"oversightHasDmc,omitempty"`
	FDADrug          *bool `json:"isFdaRegulatedDrug,omitempty"`
	FDADevice        *bool `json:"isFdaRegulatedDevice,omitempty"`
	UnapprovedDevice *bool `json:"isUnapprovedDevice,omitempty"`
	PPSD             *bool `json:"isPpsd,omitempty"`
	USExport         *bool `json:"isUsExport,omitempty"`
}

type v2Description struct {
	BriefSummary        string `json:"briefSummary,omitempty"`
	DetailedDescription string `json:"detailedDescription,omitempty"`
}

type v2Conditions struct {
	Conditions []string `json:"conditions,omitempty"`
	Keywords   []string `json:"keywords,omitempty"`
}

type v2Design struct {
	StudyType           string                 `json:"studyType,omitempty"`
	ExpandedAccessTypes *v2ExpandedAccessTypes `json:"expandedAccessTypes,omitempty"`
	PatientRegistry     bool                   `json:"patientRegistry,omitempty"`
	Phases              []string               `json:"phases,omitempty"`
	DesignInfo          *v2DesignInfo          `json:"designInfo,omitempty"`
	BioSpec             *v2BioSpec             `json:"bioSpec,omitempty"`
	EnrollmentInfo      *v2Enrollment          `json:"enrollmentInfo,omitempty"`
}

type v2ExpandedAccessTypes struct {
	Individual   bool `json:"individual"`
	Intermediate bool `json:"intermediate"`
	Treatment    bool `json:"treatment"`
}

type v2DesignInfo struct {
	Allocation                   string     `json:"allocation,omitempty"`
	InterventionModel            string     `json:"interventionModel,omitempty"`
	InterventionModelDescription string     `json:"interventionModelDescription,omitempty"`
	PrimaryPurpose               string     `json:"primaryPurpose,omitempty"`
	ObservationalModel           string     `json:"observationalModel,omitempty"`
	TimePerspective              string     `json:"timePerspective,omitempty"`
	MaskingInfo                  *v2Masking `json:"maskingInfo,omitempty"`
}

type v2Masking struct {
	Masking            string   `json:"masking,omitempty"`
	MaskingDescription string   `json:"maskingDescription,omitempty"`
	WhoMasked          []string `json:"whoMasked,omitempty"`
}

type v2BioSpec struct {
	Retention   string `json:"retention,omitempty"`
	Description string `json:"description,omitempty"`
}

type v2Enrollment struct {
	Count int    `json:"count"`
	Type  string `json:"type,omitempty"`
}

type v2ArmsInterventions struct {
	ArmGroups     []v2Arm          `json:"armGroups,omitempty"`
	Interventions []v2Intervention `json:"interventions,omitempty"`
}

type v2Arm struct {
	Label             string   `json:"label"`
	Type              string   `json:"type,omitempty"`
	Description       string   `json:"description,omitempty"`
	InterventionNames []string `json:"interventionNames,omitempty"`
}

type v2Intervention struct {
	Type           string   `json:"type,omitempty"`
	Name           string   `json:"name"`
	Description    string   `json:"description,omitempty"`
	ArmGroupLabels []string `json:"armGroupLabels,omitempty"`
	OtherNames     []string `json:"otherNames,omitempty"`
}

type v2Outcomes struct {
	PrimaryOutcomes   []v2Outcome `json:"primaryOutcomes,omitempty"`
	SecondaryOutcomes []v2Outcome `json:"secondaryOutcomes,omitempty"`
	OtherOutcomes     []v2Outcome `json:"otherOutcomes,omitempty"`
}

type v2Outcome struct {
	Measure     string `json:"measure"`
	Description string `json:"description,omitempty"`
	TimeFrame   string `json:"timeFrame,omitempty"`
}

type v2Eligibility struct {
	EligibilityCriteria string   `json:"eligibilityCriteria,omitempty"`
	HealthyVolunteers   *bool    `json:"healthyVolunteers,omitempty"`
	Sex                 string   `json:"sex,omitempty"`
	GenderBased         bool     `json:"genderBased,omitempty"`
	GenderDescription   string   `json:"genderDescription,omitempty"`
	MinimumAge          string   `json:"minimumAge,omitempty"`
	MaximumAge          string   `json:"maximumAge,omitempty"`
	StdAges             []string `json:"stdAges,omitempty"`
	StudyPopulation     string   `json:"studyPopulation,omitempty"`
	SamplingMethod      string   `json:"samplingMethod,omitempty"`
}

type v2ContactsLocations struct {
	CentralContacts  []v2Contact  `json:"centralContacts,omitempty"`
	OverallOfficials []v2Official `json:"overallOfficials,omitempty"`
	Locations        []v2Location `json:"locations,omitempty"`
}

type v2Contact struct {
	Name     string `json:"name,omitempty"`
	Role     string `json:"role,omitempty"`
	Phone    string `json:"phone,omitempty"`
	PhoneExt string `json:"phoneExt,omitempty"`
	Email    string `json:"email,omitempty"`
}

type v2Official struct {
	Name        string `json:"name,omitempty"`
	Affiliation string `json:"affiliation,omitempty"`
	Role        string `json:"role,omitempty"`
}

type v2Location struct {
	Facility string      `json:"facility,omitempty"`
	Status   string      `json:"status,omitempty"`
	City     string      `json:"city,omitempty"`
	State    string      `json:"state,omitempty"`
	Zip      string      `json:"zip,omitempty"`
	Country  string      `json:"country,omitempty"`
	Contacts []v2Contact `json:"contacts,omitempty"`
}

type v2References struct {
	References   []v2Reference `json:"references,omitempty"`
	SeeAlsoLinks []v2Link      `json:"seeAlsoLinks,omitempty"`
}

type v2Reference struct {
	PMID     string `json:"pmid,omitempty"`
	Type     string `json:"type"`
	Citation string `json:"citation,omitempty"`
}

type v2Link struct {
	Label string `json:"label,omitempty"`
	URL   string `json:"url"`
}

type v2IPDSharing struct {
	IPDSharing     string   `json:"ipdSharing,omitempty"`
	Description    string   `json:"description,omitempty"`
	InfoTypes      []string `json:"infoTypes,omitempty"`
	TimeFrame      string   `json:"timeFrame,omitempty"`
	AccessCriteria string   `json:"accessCriteria,omitempty"`
	URL            string   `json:"url,omitempty"`
}

type v2Derived struct {
	ConditionBrowseModule    *v2Browse `json:"conditionBrowseModule,omitempty"`
	InterventionBrowseModule *v2Browse `json:"interventionBrowseModule,omitempty"`
}

type v2Browse struct {
	Meshes []v2Mesh `json:"meshes"`
}

type v2Mesh struct {
	Term string `json:"term"`
}
