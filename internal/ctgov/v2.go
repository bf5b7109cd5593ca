// Package ctgov reads ClinicalTrials.gov's formats: API v2 JSON (single
// records, API pages, arrays, JSON Lines, the bulk ctg-studies.json.zip)
// and the legacy <clinical_study> XML, and turns each record into a
// study.Study.
package ctgov

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/study"
)

// wireStudy mirrors the parts of an API v2 study object that the model
// holds. Fields the model does not use are left to the verbatim copy.
type wireStudy struct {
	ProtocolSection struct {
		IdentificationModule struct {
			NCTID          string   `json:"nctId"`
			NCTIDAliases   []string `json:"nctIdAliases"`
			OrgStudyIDInfo struct {
				ID string `json:"id"`
			} `json:"orgStudyIdInfo"`
			SecondaryIDInfos []struct {
				ID     string `json:"id"`
				Type   string `json:"type"`
				Domain string `json:"domain"`
				Link   string `json:"link"`
			} `json:"secondaryIdInfos"`
			BriefTitle    string `json:"briefTitle"`
			OfficialTitle string `json:"officialTitle"`
			Acronym       string `json:"acronym"`
		} `json:"identificationModule"`
		StatusModule struct {
			StatusVerifiedDate          string   `json:"statusVerifiedDate"`
			OverallStatus               string   `json:"overallStatus"`
			LastKnownStatus             string   `json:"lastKnownStatus"`
			WhyStopped                  string   `json:"whyStopped"`
			StartDateStruct             wireDate `json:"startDateStruct"`
			PrimaryCompletionDateStruct wireDate `json:"primaryCompletionDateStruct"`
			CompletionDateStruct        wireDate `json:"completionDateStruct"`
			StudyFirstSubmitDate        string   `json:"studyFirstSubmitDate"`
			StudyFirstPostDateStruct    wireDate `json:"studyFirstPostDateStruct"`
			ResultsFirstPostDateStruct  wireDate `json:"resultsFirstPostDateStruct"`
			LastUpdatePostDateStruct    wireDate `json:"lastUpdatePostDateStruct"`
		} `json:"statusModule"`
		SponsorCollaboratorsModule struct {
			LeadSponsor   wireOrg   `json:"leadSponsor"`
			Collaborators []wireOrg `json:"collaborators"`
		} `json:"sponsorCollaboratorsModule"`
		DescriptionModule struct {
			BriefSummary        string `json:"briefSummary"`
			DetailedDescription string `json:"detailedDescription"`
		} `json:"descriptionModule"`
		ConditionsModule struct {
			Conditions []string `json:"conditions"`
			Keywords   []string `json:"keywords"`
		} `json:"conditionsModule"`
		DesignModule struct {
			StudyType       string   `json:"studyType"`
			PatientRegistry bool     `json:"patientRegistry"`
			Phases          []string `json:"phases"`
			DesignInfo      struct {
				Allocation                   string `json:"allocation"`
				InterventionModel            string `json:"interventionModel"`
				InterventionModelDescription string `json:"interventionModelDescription"`
				PrimaryPurpose               string `json:"primaryPurpose"`
				ObservationalModel           string `json:"observationalModel"`
				TimePerspective              string `json:"timePerspective"`
				MaskingInfo                  struct {
					Masking            string   `json:"masking"`
					MaskingDescription string   `json:"maskingDescription"`
					WhoMasked          []string `json:"whoMasked"`
				} `json:"maskingInfo"`
			} `json:"designInfo"`
			EnrollmentInfo struct {
				Count *int   `json:"count"`
				Type  string `json:"type"`
			} `json:"enrollmentInfo"`
		} `json:"designModule"`
		ArmsInterventionsModule struct {
			ArmGroups []struct {
				Label             string   `json:"label"`
				Type              string   `json:"type"`
				Description       string   `json:"description"`
				InterventionNames []string `json:"interventionNames"`
			} `json:"armGroups"`
			Interventions []struct {
				Type           string   `json:"type"`
				Name           string   `json:"name"`
				Description    string   `json:"description"`
				ArmGroupLabels []string `json:"armGroupLabels"`
				OtherNames     []string `json:"otherNames"`
			} `json:"interventions"`
		} `json:"armsInterventionsModule"`
		OutcomesModule struct {
			PrimaryOutcomes   []wireOutcome `json:"primaryOutcomes"`
			SecondaryOutcomes []wireOutcome `json:"secondaryOutcomes"`
			OtherOutcomes     []wireOutcome `json:"otherOutcomes"`
		} `json:"outcomesModule"`
		EligibilityModule struct {
			EligibilityCriteria string   `json:"eligibilityCriteria"`
			HealthyVolunteers   *bool    `json:"healthyVolunteers"`
			Sex                 string   `json:"sex"`
			GenderBased         bool     `json:"genderBased"`
			GenderDescription   string   `json:"genderDescription"`
			MinimumAge          string   `json:"minimumAge"`
			MaximumAge          string   `json:"maximumAge"`
			StdAges             []string `json:"stdAges"`
			StudyPopulation     string   `json:"studyPopulation"`
			SamplingMethod      string   `json:"samplingMethod"`
		} `json:"eligibilityModule"`
		ContactsLocationsModule struct {
			CentralContacts  []wireContact `json:"centralContacts"`
			OverallOfficials []struct {
				Name        string `json:"name"`
				Affiliation string `json:"affiliation"`
				Role        string `json:"role"`
			} `json:"overallOfficials"`
			Locations []struct {
				Facility string        `json:"facility"`
				Status   string        `json:"status"`
				City     string        `json:"city"`
				State    string        `json:"state"`
				Zip      string        `json:"zip"`
				Country  string        `json:"country"`
				Contacts []wireContact `json:"contacts"`
				GeoPoint *struct {
					Lat float64 `json:"lat"`
					Lon float64 `json:"lon"`
				} `json:"geoPoint"`
			} `json:"locations"`
		} `json:"contactsLocationsModule"`
	} `json:"protocolSection"`
	DerivedSection struct {
		ConditionBrowseModule    wireBrowse `json:"conditionBrowseModule"`
		InterventionBrowseModule wireBrowse `json:"interventionBrowseModule"`
	} `json:"derivedSection"`
	HasResults bool `json:"hasResults"`
}

type wireDate struct {
	Date string `json:"date"`
	Type string `json:"type"`
}

type wireOrg struct {
	Name  string `json:"name"`
	Class string `json:"class"`
}

type wireOutcome struct {
	Measure     string `json:"measure"`
	Description string `json:"description"`
	TimeFrame   string `json:"timeFrame"`
}

type wireContact struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Phone    string `json:"phone"`
	PhoneExt string `json:"phoneExt"`
	Email    string `json:"email"`
}

type wireBrowse struct {
	Meshes    []wireMesh `json:"meshes"`
	Ancestors []wireMesh `json:"ancestors"`
}

type wireMesh struct {
	ID   string `json:"id"`
	Term string `json:"term"`
}

var (
	nctIDPattern = regexp.MustCompile(`^NCT\d{8}$`)
	datePattern  = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

// ValidNCTID reports whether id has the form NCT followed by eight digits.
func ValidNCTID(id string) bool { return nctIDPattern.MatchString(id) }

// DecodeV2 turns one API v2 study object into a Study. The Study keeps raw
// itself as its verbatim record (json.Unmarshal has already checked all of
// it is valid JSON), so raw must not be modified afterwards. The error says
// which field is wrong; a record that fails here must be reported, not
// stored.
func DecodeV2(raw []byte) (study.Study, error) {
	if !utf8.Valid(raw) {
		return study.Study{}, errors.New("record is not valid UTF-8")
	}
	var w wireStudy
	if err := json.Unmarshal(raw, &w); err != nil {
		return study.Study{}, fmt.Errorf("invalid study JSON: %w", err)
	}
	s, err := w.toStudy()
	if err != nil {
		return study.Study{}, err
	}
	s.Raw = raw
	return s, nil
}

func (w *wireStudy) toStudy() (study.Study, error) {
	p := &w.ProtocolSection
	id := &p.IdentificationModule
	if id.NCTID == "" {
		return study.Study{}, errors.New("record has no protocolSection.identificationModule.nctId")
	}
	if !ValidNCTID(id.NCTID) {
		return study.Study{}, fmt.Errorf("nctId %q is not NCT followed by eight digits", id.NCTID)
	}
	v := validator{}
	st := &p.StatusModule
	d := &p.DesignModule
	el := &p.EligibilityModule

	v.enum("statusModule.overallStatus", study.Statuses, st.OverallStatus, true)
	v.enum("statusModule.lastKnownStatus", study.Statuses, st.LastKnownStatus, false)
	v.enum("designModule.studyType", study.StudyTypes, d.StudyType, false)
	for _, ph := range d.Phases {
		v.enum("designModule.phases", study.Phases, ph, true)
	}
	v.enum("eligibilityModule.sex", study.Sexes, el.Sex, false)
	for _, a := range el.StdAges {
		v.enum("eligibilityModule.stdAges", study.StdAges, a, true)
	}
	v.enum("sponsorCollaboratorsModule.leadSponsor.class", study.AgencyClasses, p.SponsorCollaboratorsModule.LeadSponsor.Class, false)

	s := study.Study{
		NCTID:           id.NCTID,
		Aliases:         id.NCTIDAliases,
		OrgStudyID:      id.OrgStudyIDInfo.ID,
		Acronym:         id.Acronym,
		BriefTitle:      id.BriefTitle,
		OfficialTitle:   id.OfficialTitle,
		OverallStatus:   st.OverallStatus,
		LastKnownStatus: st.LastKnownStatus,
		WhyStopped:      st.WhyStopped,
		Dates: study.Dates{
			Start:              v.date("startDateStruct", st.StartDateStruct),
			PrimaryCompletion:  v.date("primaryCompletionDateStruct", st.PrimaryCompletionDateStruct),
			Completion:         v.date("completionDateStruct", st.CompletionDateStruct),
			FirstSubmitted:     v.date("studyFirstSubmitDate", wireDate{Date: st.StudyFirstSubmitDate}),
			FirstPosted:        v.date("studyFirstPostDateStruct", st.StudyFirstPostDateStruct),
			LastUpdatePosted:   v.date("lastUpdatePostDateStruct", st.LastUpdatePostDateStruct),
			ResultsFirstPosted: v.date("resultsFirstPostDateStruct", st.ResultsFirstPostDateStruct),
			StatusVerified:     v.date("statusVerifiedDate", wireDate{Date: st.StatusVerifiedDate}),
		},
		StudyType:             d.StudyType,
		Phases:                d.Phases,
		Conditions:            p.ConditionsModule.Conditions,
		Keywords:              p.ConditionsModule.Keywords,
		ConditionMeSH:         meshTerms(w.DerivedSection.ConditionBrowseModule.Meshes),
		ConditionAncestors:    meshTerms(w.DerivedSection.ConditionBrowseModule.Ancestors),
		InterventionMeSH:      meshTerms(w.DerivedSection.InterventionBrowseModule.Meshes),
		InterventionAncestors: meshTerms(w.DerivedSection.InterventionBrowseModule.Ancestors),
		Design: study.Design{
			PrimaryPurpose:               d.DesignInfo.PrimaryPurpose,
			Allocation:                   d.DesignInfo.Allocation,
			InterventionModel:            d.DesignInfo.InterventionModel,
			InterventionModelDescription: d.DesignInfo.InterventionModelDescription,
			ObservationalModel:           d.DesignInfo.ObservationalModel,
			TimePerspective:              d.DesignInfo.TimePerspective,
			Masking:                      d.DesignInfo.MaskingInfo.Masking,
			WhoMasked:                    d.DesignInfo.MaskingInfo.WhoMasked,
			MaskingDescription:           d.DesignInfo.MaskingInfo.MaskingDescription,
			PatientRegistry:              d.PatientRegistry,
		},
		LeadSponsor:         study.Organization(p.SponsorCollaboratorsModule.LeadSponsor),
		BriefSummary:        p.DescriptionModule.BriefSummary,
		DetailedDescription: p.DescriptionModule.DetailedDescription,
		Eligibility: study.Eligibility{
			Criteria:          el.EligibilityCriteria,
			Sex:               el.Sex,
			GenderBased:       el.GenderBased,
			GenderDescription: el.GenderDescription,
			MinimumAge:        v.age("eligibilityModule.minimumAge", el.MinimumAge),
			MaximumAge:        v.age("eligibilityModule.maximumAge", el.MaximumAge),
			StdAges:           el.StdAges,
			HealthyVolunteers: el.HealthyVolunteers,
			StudyPopulation:   el.StudyPopulation,
			SamplingMethod:    el.SamplingMethod,
		},
		HasResults: w.HasResults,
	}
	if c := d.EnrollmentInfo.Count; c != nil {
		s.Enrollment = study.Enrollment{Count: *c, Known: true, Estimated: d.EnrollmentInfo.Type == "ESTIMATED"}
	}
	for _, x := range id.SecondaryIDInfos {
		s.SecondaryIDs = append(s.SecondaryIDs, study.SecondaryID(x))
	}
	for _, c := range p.SponsorCollaboratorsModule.Collaborators {
		s.Collaborators = append(s.Collaborators, study.Organization(c))
	}
	for _, a := range p.ArmsInterventionsModule.ArmGroups {
		s.Arms = append(s.Arms, study.Arm{Label: a.Label, Type: a.Type, Description: a.Description, InterventionNames: a.InterventionNames})
	}
	for _, i := range p.ArmsInterventionsModule.Interventions {
		v.enum("armsInterventionsModule.interventions.type", study.InterventionTypes, i.Type, false)
		s.Interventions = append(s.Interventions, study.Intervention{Type: i.Type, Name: i.Name, Description: i.Description, OtherNames: i.OtherNames, ArmLabels: i.ArmGroupLabels})
	}
	for _, o := range []struct {
		kind string
		list []wireOutcome
	}{{"PRIMARY", p.OutcomesModule.PrimaryOutcomes}, {"SECONDARY", p.OutcomesModule.SecondaryOutcomes}, {"OTHER", p.OutcomesModule.OtherOutcomes}} {
		for _, x := range o.list {
			s.Outcomes = append(s.Outcomes, study.Outcome{Kind: o.kind, Measure: x.Measure, Description: x.Description, TimeFrame: x.TimeFrame})
		}
	}
	cl := &p.ContactsLocationsModule
	s.CentralContacts = contacts(cl.CentralContacts)
	for _, o := range cl.OverallOfficials {
		s.OverallOfficials = append(s.OverallOfficials, study.Official(o))
	}
	for _, l := range cl.Locations {
		v.enum("contactsLocationsModule.locations.status", study.Statuses, l.Status, false)
		loc := study.Location{Facility: l.Facility, Status: l.Status, City: l.City, State: l.State, Zip: l.Zip, Country: l.Country, Contacts: contacts(l.Contacts)}
		if g := l.GeoPoint; g != nil {
			if g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180 {
				v.fail("contactsLocationsModule.locations.geoPoint", fmt.Sprintf("(%g, %g) is not a coordinate", g.Lat, g.Lon))
			}
			loc.Geo = &study.GeoPoint{Lat: g.Lat, Lon: g.Lon}
		}
		s.Locations = append(s.Locations, loc)
	}
	if v.err != nil {
		return study.Study{}, fmt.Errorf("%s: %w", id.NCTID, v.err)
	}
	return s, nil
}

func meshTerms(w []wireMesh) []study.MeSHTerm {
	out := make([]study.MeSHTerm, 0, len(w))
	for _, m := range w {
		out = append(out, study.MeSHTerm(m))
	}
	return out
}

func contacts(w []wireContact) []study.Contact {
	var out []study.Contact
	for _, c := range w {
		out = append(out, study.Contact(c))
	}
	return out
}

// validator collects the first problem found while mapping a record, so
// the mapping code reads straight through.
type validator struct{ err error }

func (v *validator) fail(field, msg string) {
	if v.err == nil {
		v.err = fmt.Errorf("%s: %s", field, msg)
	}
}

func (v *validator) enum(field string, e study.Enum, value string, required bool) {
	if value == "" && !required {
		return
	}
	if !e.Has(value) {
		v.fail(field, fmt.Sprintf("unknown value %q (want one of %s)", value, strings.Join(e.Strings(), ", ")))
	}
}

func (v *validator) date(field string, d wireDate) study.Date {
	if d.Date != "" && !datePattern.MatchString(d.Date) {
		v.fail(field, fmt.Sprintf("date %q is not YYYY-MM-DD or YYYY-MM", d.Date))
	}
	return study.Date{Value: d.Date, Estimated: d.Type == "ESTIMATED"}
}

func (v *validator) age(field, s string) study.Age {
	a, err := study.ParseAge(s)
	if err != nil {
		v.fail(field, err.Error())
	}
	return a
}

// CriteriaV2 gives what DecodeV2 gives as Study.Eligibility.Criteria of a
// well-formed API v2 record, reading only that field. The criteria phase
// of ingest needs nothing else of each stored record, and decoding the
// whole of it was a fifth of that phase's time at 600,000 studies.
//
// The field's key is found by its text: inside a JSON string a quote is
// always escaped, so the key's quoted form followed by a colon can only
// be the key itself. Anything unexpected falls back to decoding the
// document.
func CriteriaV2(raw []byte) (string, error) {
	const key = `"eligibilityCriteria"`
	if i := bytes.Index(raw, []byte(key)); i >= 0 {
		rest := bytes.TrimLeft(raw[i+len(key):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			if end := stringEnd(rest); end > 0 {
				var s string
				if err := json.Unmarshal(rest[:end], &s); err == nil {
					return s, nil
				}
			}
		}
	}
	var w struct {
		ProtocolSection struct {
			EligibilityModule struct {
				EligibilityCriteria string `json:"eligibilityCriteria"`
			} `json:"eligibilityModule"`
		} `json:"protocolSection"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return "", fmt.Errorf("invalid study JSON: %w", err)
	}
	return w.ProtocolSection.EligibilityModule.EligibilityCriteria, nil
}

// stringEnd gives the length of the JSON string literal b begins with,
// closing quote included, or 0 if b does not begin with a whole one.
func stringEnd(b []byte) int {
	if len(b) == 0 || b[0] != '"' {
		return 0
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped character, whatever it is
		case '"':
			return i + 1
		}
	}
	return 0
}
