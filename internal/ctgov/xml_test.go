package ctgov

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
)

// convert decodes a legacy XML test record as ingest does, and returns
// the v2 JSON it became as a generic tree for fields the Study lacks.
func convert(t *testing.T, name string) (study.Study, map[string]any) {
	t.Helper()
	data := readFile(t, filepath.Join(xmlDir, name))
	s, err := Decode(Entry{Format: FormatXML, Data: data})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var tree map[string]any
	if err := json.Unmarshal(s.Raw, &tree); err != nil {
		t.Fatal(err)
	}
	again, err := DecodeV2(s.Raw)
	if err != nil || !reflect.DeepEqual(again, s) {
		t.Errorf("%s: Study is not DecodeV2(Study.Raw): %v", name, err)
	}
	return s, tree
}

// at walks a JSON tree along a dotted path; numbers index arrays.
func at(t *testing.T, tree any, path string) any {
	t.Helper()
	cur := tree
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			i := int(k[0] - '0')
			if len(k) != 1 || i >= len(c) {
				t.Fatalf("%s: bad index %s", path, k)
			}
			cur = c[i]
		default:
			t.Fatalf("%s: no %s", path, k)
		}
	}
	return cur
}

func eq[T any](t *testing.T, field string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

func yes(b bool) *bool { return &b }

// The expected values below were read by hand from the XML files in
// testdata/xml.
func TestXMLToV2Records(t *testing.T) {
	t.Run("Phase 1/Phase 2, NIH sponsor, double masking", func(t *testing.T) {
		s, _ := convert(t, "NCT00000102.xml")
		eq(t, "NCTID", s.NCTID, "NCT00000102")
		eq(t, "Phases", s.Phases, []string{"PHASE1", "PHASE2"})
		eq(t, "StudyType", s.StudyType, "INTERVENTIONAL")
		eq(t, "OverallStatus", s.OverallStatus, "COMPLETED")
		eq(t, "LeadSponsor", s.LeadSponsor, study.Organization{Name: "National Center for Research Resources (NCRR)", Class: "NIH"})
		eq(t, "Design.Masking", s.Design.Masking, "DOUBLE")
		eq(t, "Design.InterventionModel", s.Design.InterventionModel, "PARALLEL")
		eq(t, "Design.PrimaryPurpose", s.Design.PrimaryPurpose, "TREATMENT")
		eq(t, "Eligibility.Sex", s.Eligibility.Sex, "ALL")
		eq(t, "MinimumAge", s.Eligibility.MinimumAge, study.Age{N: 14, Unit: study.Years})
		eq(t, "MaximumAge", s.Eligibility.MaximumAge, study.Age{N: 35, Unit: study.Years})
		eq(t, "StdAges", s.Eligibility.StdAges, []string{"CHILD", "ADULT"})
		eq(t, "HealthyVolunteers", s.Eligibility.HealthyVolunteers, yes(false))
		eq(t, "StatusVerified", s.Dates.StatusVerified, study.Date{Value: "2004-01"})
		eq(t, "ConditionMeSH[0]", s.ConditionMeSH[0], study.MeSHTerm{Term: "Adrenal Hyperplasia, Congenital"})
		eq(t, "InterventionMeSH", s.InterventionMeSH, []study.MeSHTerm{{Term: "Nifedipine"}})
		eq(t, "Locations[0].City", s.Locations[0].City, "Charleston")
		eq(t, "Locations[0].Geo", s.Locations[0].Geo, (*study.GeoPoint)(nil))
		eq(t, "HasResults", s.HasResults, false)
	})
	t.Run("female only, observational, U.S. Fed collaborator", func(t *testing.T) {
		s, _ := convert(t, "NCT00000104.xml")
		eq(t, "Sex", s.Eligibility.Sex, "FEMALE")
		eq(t, "StudyType", s.StudyType, "OBSERVATIONAL")
		eq(t, "Phases", s.Phases, []string(nil))
		eq(t, "ObservationalModel", s.Design.ObservationalModel, "DEFINED_POPULATION")
		eq(t, "TimePerspective", s.Design.TimePerspective, "OTHER")
		eq(t, "Collaborators", s.Collaborators, []study.Organization{{Name: "HRSA/Maternal and Child Health Bureau", Class: "FED"}})
		eq(t, "MinimumAge", s.Eligibility.MinimumAge, study.Age{N: 0, Unit: study.Years})
		eq(t, "MaximumAge set", s.Eligibility.MaximumAge.IsSet(), false)
		eq(t, "HealthyVolunteers", s.Eligibility.HealthyVolunteers, yes(true))
		// The XML's 8-space export indentation goes, the list's own
		// indentation and line breaks stay.
		want := "Inclusion Criteria:\n\n  -  Pregnant mothers of the Phillips neighborhood in Minneapolis, Minnesota. Subject\n     recruitment will take place"
		if !strings.HasPrefix(s.Eligibility.Criteria, want) {
			t.Errorf("Criteria = %q, want it to start %q", s.Eligibility.Criteria, want)
		}
		if strings.Contains(s.Eligibility.Criteria, "\r") || strings.HasSuffix(s.Eligibility.Criteria, "\n") {
			t.Errorf("Criteria keeps CRs or trailing newlines: %q", s.Eligibility.Criteria)
		}
	})
	t.Run("terminated with why_stopped, dates without type", func(t *testing.T) {
		s, _ := convert(t, "NCT00000105.xml")
		eq(t, "OverallStatus", s.OverallStatus, "TERMINATED")
		eq(t, "WhyStopped", s.WhyStopped, "Replaced by another study.")
		eq(t, "Start", s.Dates.Start, study.Date{Value: "2002-07"})
		eq(t, "Completion", s.Dates.Completion, study.Date{Value: "2012-03"})
		eq(t, "ObservationalModel", s.Design.ObservationalModel, "CASE_CONTROL")
		eq(t, "TimePerspective", s.Design.TimePerspective, "PROSPECTIVE")
		eq(t, "SamplingMethod", s.Eligibility.SamplingMethod, "PROBABILITY_SAMPLE")
		eq(t, "LeadSponsor.Class", s.LeadSponsor.Class, "OTHER")
		eq(t, "OverallOfficials[0]", s.OverallOfficials[0], study.Official{Name: "Jeffrey Miller, MD", Affiliation: s.OverallOfficials[0].Affiliation, Role: "PRINCIPAL_INVESTIGATOR"})
	})
	t.Run("withdrawn with why_stopped, triple masking", func(t *testing.T) {
		s, tree := convert(t, "NCT00000372.xml")
		eq(t, "OverallStatus", s.OverallStatus, "WITHDRAWN")
		eq(t, "WhyStopped", s.WhyStopped, "Pairing D-Cycloserine with Clozapine was found to worsen negative side effects in patients with\nSchizophrenia, so the study was suspended.")
		eq(t, "Masking", s.Design.Masking, "TRIPLE")
		eq(t, "WhoMasked", s.Design.WhoMasked, []string{"PARTICIPANT", "INVESTIGATOR", "OUTCOMES_ASSESSOR"})
		eq(t, "Enrollment", s.Enrollment, study.Enrollment{Count: 0, Known: true})
		eq(t, "Phases", s.Phases, []string{"PHASE3"})
		eq(t, "FirstSubmitted", s.Dates.FirstSubmitted, study.Date{Value: "1999-11-02"})
		eq(t, "FirstPosted", s.Dates.FirstPosted, study.Date{Value: "1999-11-03", Estimated: true})
		eq(t, "LastUpdatePosted", s.Dates.LastUpdatePosted, study.Date{Value: "2014-06-12", Estimated: true})
		eq(t, "StdAges", s.Eligibility.StdAges, []string{"ADULT", "OLDER_ADULT"})
		eq(t, "responsibleParty.type", at(t, tree, "protocolSection.sponsorCollaboratorsModule.responsibleParty.type"), any("PRINCIPAL_INVESTIGATOR"))
	})
	t.Run("completed with results", func(t *testing.T) {
		s, tree := convert(t, "NCT00000125.xml")
		eq(t, "HasResults", s.HasResults, true)
		eq(t, "Start", s.Dates.Start, study.Date{Value: "1994-02"})
		eq(t, "PrimaryCompletion", s.Dates.PrimaryCompletion, study.Date{Value: "2002-06"})
		eq(t, "Completion", s.Dates.Completion, study.Date{Value: "2019-06-30"})
		eq(t, "LastUpdatePosted", s.Dates.LastUpdatePosted, study.Date{Value: "2020-06-02"})
		eq(t, "Allocation", s.Design.Allocation, "RANDOMIZED")
		eq(t, "Masking", s.Design.Masking, "NONE")
		eq(t, "Enrollment", s.Enrollment, study.Enrollment{Count: 1636, Known: true})
		refs := at(t, tree, "protocolSection.referencesModule.references").([]any)
		eq(t, "references", len(refs), 63)
		eq(t, "references.0.type", at(t, refs, "0.type"), any("BACKGROUND"))
	})
	t.Run("recruiting, contacts and a site", func(t *testing.T) {
		s, _ := convert(t, "NCT00001159.xml")
		eq(t, "OverallStatus", s.OverallStatus, "RECRUITING")
		eq(t, "OrgStudyID", s.OrgStudyID, "770002")
		eq(t, "SecondaryIDs", s.SecondaryIDs, []study.SecondaryID{{ID: "77-DK-0002"}})
		eq(t, "Start", s.Dates.Start, study.Date{Value: "1977-02-01"})
		eq(t, "StatusVerified", s.Dates.StatusVerified, study.Date{Value: "2023-01-20"})
		eq(t, "Enrollment", s.Enrollment, study.Enrollment{Count: 2500, Known: true, Estimated: true})
		eq(t, "ObservationalModel", s.Design.ObservationalModel, "CASE_ONLY")
		eq(t, "TimePerspective", s.Design.TimePerspective, "RETROSPECTIVE")
		eq(t, "StudyPopulation", s.Eligibility.StudyPopulation, "anyone meeting eligibility criteria.")
		eq(t, "SamplingMethod", s.Eligibility.SamplingMethod, "NON_PROBABILITY_SAMPLE")
		eq(t, "MinimumAge", s.Eligibility.MinimumAge, study.Age{N: 6, Unit: study.Months})
		eq(t, "Conditions", s.Conditions, []string{"Hyperthyroidism", "Hypothyroidism", "Grave's Disease"})
		eq(t, "CentralContacts", s.CentralContacts, []study.Contact{
			{Name: "Padmasree Veeraraghavan, N.P.", Role: "CONTACT", Phone: "(301) 451-7710", Email: "padmasree.veeraraghavan@nih.gov"},
			{Name: "Sriram M Gubbi, M.D.", Role: "CONTACT", Phone: "(301) 496-1211", Email: "sriram.gubbi@nih.gov"},
		})
		eq(t, "OverallOfficials", s.OverallOfficials, []study.Official{{Name: "Sriram M Gubbi, M.D.", Affiliation: "National Institute of Diabetes and Digestive and Kidney Diseases (NIDDK)", Role: "PRINCIPAL_INVESTIGATOR"}})
		eq(t, "Locations", s.Locations, []study.Location{{
			Facility: "National Institutes of Health Clinical Center", Status: "RECRUITING",
			City: "Bethesda", State: "Maryland", Zip: "20892", Country: "United States",
			Contacts: []study.Contact{{Name: "For more information at the NIH Clinical Center contact Office of Patient Recruitment (OPR)", Role: "CONTACT", Phone: "800-411-1222", PhoneExt: "TTY dial 711", Email: "ccopr@nih.gov"}},
		}})
		want := "-  INCLUSION CRITERIA:\n\nThe categories of subjects eligible to participate in this study include:\n\n  1. Patients with known or suspected thyroid abnormalities (e.g. hypothyroidism,\n     hyperthyroidism,"
		if !strings.HasPrefix(s.Eligibility.Criteria, want) {
			t.Errorf("Criteria starts %q, want %q", s.Eligibility.Criteria[:len(want)], want)
		}
	})
	t.Run("patient registry", func(t *testing.T) {
		s, _ := convert(t, "NCT00008216.xml")
		eq(t, "StudyType", s.StudyType, "OBSERVATIONAL")
		eq(t, "PatientRegistry", s.Design.PatientRegistry, true)
		eq(t, "WhyStopped", s.WhyStopped, "Poor enrollment")
		eq(t, "ObservationalModel", s.Design.ObservationalModel, "COHORT")
		eq(t, "Completion", s.Dates.Completion, study.Date{Value: "2009-01"})
	})
	t.Run("2017 variant with rank", func(t *testing.T) {
		s, _ := convert(t, "NCT00500006.xml")
		eq(t, "OverallStatus", s.OverallStatus, "TERMINATED")
		eq(t, "Phases", s.Phases, []string{"PHASE1"})
		eq(t, "Allocation", s.Design.Allocation, "NON_RANDOMIZED")
		eq(t, "Masking", s.Design.Masking, "NONE")
		eq(t, "LeadSponsor", s.LeadSponsor, study.Organization{Name: "Merck Sharp & Dohme Corp.", Class: "INDUSTRY"})
		eq(t, "Start", s.Dates.Start, study.Date{Value: "2007-10"})
		eq(t, "FirstSubmitted", s.Dates.FirstSubmitted, study.Date{Value: "2007-07-10"})
		eq(t, "LastUpdatePosted", s.Dates.LastUpdatePosted, study.Date{Value: "2015-01-29"})
		eq(t, "OverallOfficials", s.OverallOfficials, []study.Official{{Name: "Medical Monitor", Affiliation: "Merck Sharp & Dohme Corp.", Role: "STUDY_DIRECTOR"}})
		eq(t, "Arms", s.Arms, []study.Arm{
			{Label: "A", Type: "OTHER", Description: "Arm A: Drug and comparator", InterventionNames: []string{"Drug: MK0457", "Drug: dasatinib"}},
			{Label: "B", Type: "OTHER", Description: "Arm B: Drug and comparator", InterventionNames: []string{"Drug: MK0457", "Drug: dasatinib"}},
		})
		eq(t, "Interventions[1].OtherNames", s.Interventions[1].OtherNames, []string{"Sprycel®"})
	})
	t.Run("expanded access, available", func(t *testing.T) {
		s, tree := convert(t, "NCT01220531.xml")
		eq(t, "StudyType", s.StudyType, "EXPANDED_ACCESS")
		eq(t, "OverallStatus", s.OverallStatus, "AVAILABLE")
		eq(t, "expandedAccessTypes", at(t, tree, "protocolSection.designModule.expandedAccessTypes"),
			any(map[string]any{"individual": false, "intermediate": true, "treatment": true}))
		eq(t, "FunderTypes", s.FunderTypes(), []string{"OTHER", "NIH", "INDUSTRY"})
		eq(t, "Locations[0].Contacts roles", roles(s.Locations[0].Contacts), []string{"CONTACT", "CONTACT", "PRINCIPAL_INVESTIGATOR"})
		eq(t, "Locations[0].Contacts[1]", s.Locations[0].Contacts[1], study.Contact{Name: "Stephanie Gupton, RN, CPNP", Role: "CONTACT", Phone: "919-684-4704", Email: "stephanie.gupton@dm.duke.edu"})
	})
	t.Run("withheld, no study type", func(t *testing.T) {
		s, tree := convert(t, "NCT03182660.xml")
		eq(t, "OverallStatus", s.OverallStatus, "WITHHELD")
		eq(t, "eligibilityModule", at(t, tree, "protocolSection.eligibilityModule"), nil)
		eq(t, "designModule (study type N/A)", at(t, tree, "protocolSection.designModule"), nil)
		eq(t, "LeadSponsor", s.LeadSponsor, study.Organization{Name: "[Redacted]"})
		eq(t, "StudyType", s.StudyType, "")
		eq(t, "FirstPosted", s.Dates.FirstPosted, study.Date{Value: "2017-06-09"})
	})
	t.Run("unknown status with last known status", func(t *testing.T) {
		s, tree := convert(t, "NCT00498082.xml")
		eq(t, "OverallStatus", s.OverallStatus, "UNKNOWN")
		eq(t, "LastKnownStatus", s.LastKnownStatus, "RECRUITING")
		eq(t, "Completion", s.Dates.Completion, study.Date{Value: "2008-09", Estimated: true})
		eq(t, "Locations", s.Locations, []study.Location{{
			Facility: "Cliniques universitaires St-Luc", Status: "RECRUITING", City: "Brussels", Zip: "1200", Country: "Belgium",
			Contacts: []study.Contact{{Name: "Hubert Piessevaux, MD, PhD", Role: "PRINCIPAL_INVESTIGATOR"}},
		}})
		eq(t, "CentralContacts[0].Phone", s.CentralContacts[0].Phone, "+ 32 2 764 28 34")
		eq(t, "seeAlsoLinks", at(t, tree, "protocolSection.referencesModule.seeAlsoLinks"),
			any([]any{map[string]any{"label": "Cliniques universitaires St-Luc", "url": "http://www.saintluc.be"}}))
	})
	t.Run("not yet recruiting, 2023 export", func(t *testing.T) {
		s, tree := convert(t, "NCT05380726.xml")
		eq(t, "OverallStatus", s.OverallStatus, "NOT_YET_RECRUITING")
		eq(t, "Phases", s.Phases, []string{"NA"})
		eq(t, "Start", s.Dates.Start, study.Date{Value: "2023-06-01", Estimated: true})
		eq(t, "InterventionModel", s.Design.InterventionModel, "SEQUENTIAL")
		eq(t, "WhoMasked", s.Design.WhoMasked, []string{"PARTICIPANT", "CARE_PROVIDER", "OUTCOMES_ASSESSOR"})
		eq(t, "Enrollment", s.Enrollment, study.Enrollment{Count: 260, Known: true, Estimated: true})
		eq(t, "Arms types", []string{s.Arms[0].Type, s.Arms[1].Type}, []string{"EXPERIMENTAL", "ACTIVE_COMPARATOR"})
		eq(t, "Interventions[0]", s.Interventions[0].Type+": "+s.Interventions[0].Name, "BEHAVIORAL: Patient education")
		eq(t, "Arms[0].InterventionNames", s.Arms[0].InterventionNames, []string{"Behavioral: Patient education"})
		eq(t, "oversightHasDmc", at(t, tree, "protocolSection.oversightModule.oversightHasDmc"), any(false))
		eq(t, "ipdSharing", at(t, tree, "protocolSection.ipdSharingStatementModule.ipdSharing"), any("NO"))
		eq(t, "Locations[0].Country", s.Locations[0].Country, "Spain")
	})
}

func roles(cs []study.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Role)
	}
	return out
}

// Every test record converts, and the result keeps to the API v2
// vocabulary that DecodeV2 checks.
func TestXMLToV2AllSamples(t *testing.T) {
	for _, m := range xmlSamples(t) {
		raw, err := XMLToV2(m.data)
		if err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		s, err := DecodeV2(raw)
		if err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		if s.NCTID != xmlNCT(t, m.data) || s.OverallStatus == "" {
			t.Errorf("%s: converted to %s with status %q", m.name, s.NCTID, s.OverallStatus)
		}
	}
}

func TestXMLToV2Errors(t *testing.T) {
	rec := readFile(t, filepath.Join(xmlDir, "NCT00000372.xml"))
	edit := func(old, new string) []byte {
		if !bytes.Contains(rec, []byte(old)) {
			t.Fatalf("record lacks %s", old)
		}
		return bytes.Replace(rec, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"unknown status", edit("<overall_status>Withdrawn</overall_status>", "<overall_status>Paused</overall_status>"), `NCT00000372: <overall_status>: unknown value "Paused"`},
		{"unknown masking", edit("Triple (Participant, Investigator, Outcomes Assessor)", "Triple (Participant, Statistician)"), `<masking>: unknown value "Statistician"`},
		{"unknown agency class", edit("<agency_class>Other</agency_class>", "<agency_class>Charity</agency_class>"), `<agency_class>: unknown value "Charity"`},
		{"unknown date type", edit(`<completion_date type="Actual">`, `<completion_date type="Guessed">`), `<completion_date type>: unknown value "Guessed"`},
		{"unreadable date", edit("<start_date>March 1998</start_date>", "<start_date>Spring 1998</start_date>"), `<start_date>: date "Spring 1998"`},
		{"enrollment not a number", edit(`<enrollment type="Actual">0</enrollment>`, `<enrollment type="Actual">none</enrollment>`), `<enrollment>: "none" is not a count`},
		{"no NCT ID", edit("<nct_id>NCT00000372</nct_id>", ""), "no <id_info><nct_id>"},
		{"bad NCT ID", edit("<nct_id>NCT00000372</nct_id>", "<nct_id>NCT372</nct_id>"), `nctId "NCT372"`},
		{"not a study", []byte("<?xml version=\"1.0\"?>\n<search_results count=\"0\"/>"), "XML root element is <search_results>"},
		{"not XML", []byte("NCT00000372"), "invalid legacy XML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(Entry{Format: FormatXML, Data: tc.data})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := XMLToV2([]byte("<rss/>")); !errors.Is(err, ErrNotRecord) {
		t.Errorf("XMLToV2(<rss/>) = %v, want ErrNotRecord", err)
	}
}

func TestTextblock(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\n      First line&#xD;\n      second\r\n\r\n        -  item\r\n    ", "First line&#xD;\nsecond\n\n  -  item"},
		{"  one line  ", "one line"},
		{"", ""},
		{"\n\n", ""},
	}
	for _, tc := range tests {
		if got := textblock(tc.in); got != tc.want {
			t.Errorf("textblock(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStdAges(t *testing.T) {
	age := func(s string) study.Age {
		a, err := study.ParseAge(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		min, max string
		want     []string
	}{
		{"18 Years", "N/A", []string{"ADULT", "OLDER_ADULT"}},
		{"N/A", "17 Years", []string{"CHILD"}},
		{"N/A", "N/A", []string{"CHILD", "ADULT", "OLDER_ADULT"}},
		{"18 Years", "64 Years", []string{"ADULT"}},
		{"65 Years", "N/A", []string{"OLDER_ADULT"}},
		{"6 Months", "216 Months", []string{"CHILD", "ADULT"}},
	}
	for _, tc := range tests {
		eq(t, tc.min+"–"+tc.max, stdAges(age(tc.min), age(tc.max)), tc.want)
	}
}
