package api

import (
	"archive/zip"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// The single-study formats besides JSON and CSV.

// fhirStudy is a FHIR R4 ResearchStudy (https://hl7.org/fhir/R4/researchstudy.html)
// with the elements a registry record fills.
type fhirStudy struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Identifier   []fhirIdentifier `json:"identifier"`
	Title        string           `json:"title,omitempty"`
	Status       string           `json:"status"`
	Phase        *fhirConcept     `json:"phase,omitempty"`
	Category     []fhirConcept    `json:"category,omitempty"`
	Condition    []fhirConcept    `json:"condition,omitempty"`
	Keyword      []fhirConcept    `json:"keyword,omitempty"`
	Location     []fhirConcept    `json:"location,omitempty"`
	Description  string           `json:"description,omitempty"`
	Period       *fhirPeriod      `json:"period,omitempty"`
	Sponsor      *fhirReference   `json:"sponsor,omitempty"`
	Contact      []fhirContact    `json:"contact,omitempty"`
	Arm          []fhirArm        `json:"arm,omitempty"`
	Objective    []fhirObjective  `json:"objective,omitempty"`
	Extension    []fhirExtension  `json:"extension,omitempty"`
	RelatedArt   []fhirArtifact   `json:"relatedArtifact,omitempty"`
}

type fhirIdentifier struct {
	Use    string `json:"use,omitempty"`
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

type fhirCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type fhirConcept struct {
	Coding []fhirCoding `json:"coding,omitempty"`
	Text   string       `json:"text,omitempty"`
}

type fhirPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type fhirReference struct {
	Display string `json:"display"`
}

type fhirContact struct {
	Name    string        `json:"name,omitempty"`
	Telecom []fhirTelecom `json:"telecom,omitempty"`
}

type fhirTelecom struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirArm struct {
	Name        string       `json:"name"`
	Type        *fhirConcept `json:"type,omitempty"`
	Description string       `json:"description,omitempty"`
}

type fhirObjective struct {
	Name string       `json:"name,omitempty"`
	Type *fhirConcept `json:"type,omitempty"`
}

// fhirExtension carries the eligibility criteria, for which R4's
// ResearchStudy has only a reference to a Group.
type fhirExtension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString"`
}

type fhirArtifact struct {
	Type  string `json:"type"`
	Label string `json:"label,omitempty"`
	URL   string `json:"url"`
}

// fhirStatus maps the overall status to R4's research-study-status codes.
var fhirStatus = map[string]string{
	"RECRUITING":                "active",
	"ENROLLING_BY_INVITATION":   "active",
	"AVAILABLE":                 "active",
	"NOT_YET_RECRUITING":        "approved",
	"ACTIVE_NOT_RECRUITING":     "closed-to-accrual",
	"SUSPENDED":                 "temporarily-closed-to-accrual",
	"TEMPORARILY_NOT_AVAILABLE": "temporarily-closed-to-accrual",
	"COMPLETED":                 "completed",
	"TERMINATED":                "administratively-completed",
	"NO_LONGER_AVAILABLE":       "administratively-completed",
	"APPROVED_FOR_MARKETING":    "completed",
	"WITHDRAWN":                 "withdrawn",
	"WITHHELD":                  "withdrawn",
}

// fhirPhase maps the phases, alone or paired, to R4's research-study-phase codes.
var fhirPhase = map[string]string{
	"NA": "n-a", "EARLY_PHASE1": "early-phase-1", "PHASE1": "phase-1", "PHASE1|PHASE2": "phase-1-phase-2",
	"PHASE2": "phase-2", "PHASE2|PHASE3": "phase-2-phase-3", "PHASE3": "phase-3", "PHASE4": "phase-4",
}

const (
	ctgovSystem   = "https://clinicaltrials.gov"
	eligibilityEx = "https://trialfinder.org/fhir/StructureDefinition/eligibility-criteria"
)

func toFHIR(s *study.Study) *fhirStudy {
	f := &fhirStudy{
		ResourceType: "ResearchStudy", ID: s.NCTID,
		Identifier:  []fhirIdentifier{{Use: "official", System: ctgovSystem, Value: s.NCTID}},
		Title:       s.OfficialTitle,
		Description: s.BriefSummary,
		Status:      fhirStatus[s.OverallStatus],
	}
	if f.Title == "" {
		f.Title = s.BriefTitle
	}
	if f.Status == "" {
		// UNKNOWN: the registry has not heard in two years; R4 has no
		// better code for a study whose status nobody has confirmed.
		f.Status = "in-review"
	}
	if s.OrgStudyID != "" {
		f.Identifier = append(f.Identifier, fhirIdentifier{Use: "secondary", Value: s.OrgStudyID})
	}
	for _, id := range s.SecondaryIDs {
		f.Identifier = append(f.Identifier, fhirIdentifier{Use: "secondary", Value: id.ID})
	}
	if code, ok := fhirPhase[strings.Join(s.Phases, "|")]; ok {
		f.Phase = &fhirConcept{Coding: []fhirCoding{{System: "http://terminology.hl7.org/CodeSystem/research-study-phase", Code: code}}}
	}
	if s.StudyType != "" {
		f.Category = []fhirConcept{{Text: study.StudyTypes.Label(s.StudyType)}}
	}
	for _, c := range s.Conditions {
		f.Condition = append(f.Condition, fhirConcept{Text: c})
	}
	for _, k := range s.Keywords {
		f.Keyword = append(f.Keyword, fhirConcept{Text: k})
	}
	var countries []string
	for _, l := range s.Locations {
		if l.Country != "" && !slices.Contains(countries, l.Country) {
			countries = append(countries, l.Country)
			f.Location = append(f.Location, fhirConcept{Text: l.Country})
		}
	}
	if st, end := s.Dates.Start.Value, s.Dates.Completion.Value; st != "" || end != "" {
		f.Period = &fhirPeriod{Start: st, End: end}
	}
	if s.LeadSponsor.Name != "" {
		f.Sponsor = &fhirReference{Display: s.LeadSponsor.Name}
	}
	for _, c := range s.CentralContacts {
		fc := fhirContact{Name: c.Name}
		if c.Phone != "" {
			fc.Telecom = append(fc.Telecom, fhirTelecom{System: "phone", Value: strings.TrimSpace(c.Phone + " " + c.PhoneExt)})
		}
		if c.Email != "" {
			fc.Telecom = append(fc.Telecom, fhirTelecom{System: "email", Value: c.Email})
		}
		f.Contact = append(f.Contact, fc)
	}
	for _, a := range s.Arms {
		fa := fhirArm{Name: a.Label, Description: a.Description}
		if a.Type != "" {
			fa.Type = &fhirConcept{Text: study.ArmGroupTypes.Label(a.Type)}
		}
		f.Arm = append(f.Arm, fa)
	}
	for _, o := range s.Outcomes {
		kind := "primary"
		if o.Kind != "PRIMARY" {
			kind = "secondary"
		}
		f.Objective = append(f.Objective, fhirObjective{Name: o.Measure, Type: &fhirConcept{Coding: []fhirCoding{{
			System: "http://terminology.hl7.org/CodeSystem/research-study-objective-type", Code: kind}}}})
	}
	if c := s.Eligibility.Criteria; c != "" {
		f.Extension = []fhirExtension{{URL: eligibilityEx, ValueString: c}}
	}
	f.RelatedArt = []fhirArtifact{{Type: "documentation", Label: "ClinicalTrials.gov record", URL: ctgovSystem + "/study/" + s.NCTID}}
	return f
}

// risTags are the RIS tags a record gives, in the order written; the
// fields parameter selects among them.
var risTags = []risTag{
	{"TY", func(*study.Study) []string { return []string{"DBASE"} }},
	{"ID", func(s *study.Study) []string { return []string{s.NCTID} }},
	{"TI", func(s *study.Study) []string { return []string{s.BriefTitle} }},
	{"T2", func(s *study.Study) []string { return []string{s.OfficialTitle} }},
	{"AU", func(s *study.Study) []string { return []string{s.LeadSponsor.Name} }},
	{"PY", func(s *study.Study) []string { return []string{year(s.Dates.FirstPosted.Value)} }},
	{"DA", func(s *study.Study) []string {
		return []string{strings.ReplaceAll(s.Dates.LastUpdatePosted.Value, "-", "/")}
	}},
	{"AB", func(s *study.Study) []string { return []string{s.BriefSummary} }},
	{"KW", func(s *study.Study) []string { return slices.Concat(s.Conditions, s.Keywords) }},
	{"DB", func(*study.Study) []string { return []string{"ClinicalTrials.gov"} }},
	{"UR", func(s *study.Study) []string { return []string{ctgovSystem + "/study/" + s.NCTID} }},
}

type risTag struct {
	tag   string
	value func(s *study.Study) []string
}

func year(date string) string {
	if len(date) >= 4 {
		return date[:4]
	}
	return ""
}

// writeRIS writes the study as one RIS record: a tag, two spaces, a
// hyphen, a space and the value per line, ending with ER. Line breaks
// inside a value become spaces, as a RIS value is one line.
func writeRIS(s *study.Study, names []string) ([]byte, error) {
	want := map[string]bool{}
	for _, n := range names {
		n = strings.ToUpper(strings.TrimSpace(n))
		if !slices.ContainsFunc(risTags, func(t risTag) bool { return t.tag == n }) {
			return nil, badRequest("fields: unknown RIS tag %q", n)
		}
		want[n] = true
	}
	var b bytes.Buffer
	for _, t := range risTags {
		if len(want) > 0 && !want[t.tag] && t.tag != "TY" {
			continue
		}
		for _, v := range t.value(s) {
			if v = strings.Join(strings.Fields(v), " "); v != "" {
				fmt.Fprintf(&b, "%s  - %s\r\n", t.tag, v)
			}
		}
	}
	b.WriteString("ER  - \r\n")
	return b.Bytes(), nil
}

// zipJSON puts a record in a zip archive as NCTID.json.
func zipJSON(nctID string, raw []byte) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(nctID + ".json")
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
