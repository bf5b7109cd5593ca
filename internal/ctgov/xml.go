package ctgov

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/study"
)

// XMLToV2 converts one legacy <clinical_study> document, from
// AllPublicXML or the older per-study download, into an API v2 study
// object. Enumerated values are mapped to their v2 spelling; an unknown
// one is an error naming the element. Legacy XML has no geocodes, MeSH
// IDs or ancestors, so those are absent from the result.
func XMLToV2(data []byte) ([]byte, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("legacy XML record is not valid UTF-8")
	}
	var x xmlStudy
	dec := xml.NewDecoder(bytes.NewReader(data))
	root, err := rootElement(dec)
	if err != nil {
		return nil, fmt.Errorf("invalid legacy XML: %w", err)
	}
	if root.Name.Local != "clinical_study" {
		return nil, fmt.Errorf("%w: XML root element is <%s>, not <clinical_study>", ErrNotRecord, root.Name.Local)
	}
	if err := dec.DecodeElement(&x, &root); err != nil {
		return nil, fmt.Errorf("invalid legacy XML: %w", err)
	}
	s, err := x.toV2()
	if err != nil {
		id := strings.TrimSpace(x.IDInfo.NCTID)
		if id == "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode v2 JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func rootElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

func (x *xmlStudy) toV2() (*v2Study, error) {
	m := &mapper{}
	p := v2Protocol{}
	id := &p.IdentificationModule
	id.NCTID = strings.TrimSpace(x.IDInfo.NCTID)
	if id.NCTID == "" {
		return nil, errors.New("record has no <id_info><nct_id>")
	}
	id.NCTIDAliases = trimAll(x.IDInfo.Aliases)
	if v := strings.TrimSpace(x.IDInfo.OrgStudyID); v != "" {
		id.OrgStudyIDInfo = &v2ID{ID: v}
	}
	for _, s := range trimAll(x.IDInfo.SecondaryIDs) {
		id.SecondaryIDInfos = append(id.SecondaryIDInfos, v2ID{ID: s})
	}
	id.BriefTitle = strings.TrimSpace(x.BriefTitle)
	id.OfficialTitle = strings.TrimSpace(x.OfficialTitle)
	id.Acronym = strings.TrimSpace(x.Acronym)
	if v := strings.TrimSpace(x.Source); v != "" {
		id.Organization = &v2Org{FullName: v}
	}

	p.StatusModule = x.status(m)
	p.SponsorCollaboratorsModule = x.sponsors(m)
	o := x.Oversight
	p.OversightModule = orNil(&v2Oversight{
		HasDMC:           m.flag("has_dmc", o.HasDMC),
		FDADrug:          m.flag("is_fda_regulated_drug", o.FDADrug),
		FDADevice:        m.flag("is_fda_regulated_device", o.FDADevice),
		UnapprovedDevice: m.flag("is_unapproved_device", o.UnapprovedDevice),
		PPSD:             m.flag("is_ppsd", o.PPSD),
		USExport:         m.flag("is_us_export", o.USExport),
	})
	if s, d := textblock(x.BriefSummary.Text), textblock(x.DetailedDescription.Text); s != "" || d != "" {
		p.DescriptionModule = &v2Description{BriefSummary: s, DetailedDescription: d}
	}
	if c, k := trimAll(x.Conditions), trimAll(x.Keywords); c != nil || k != nil {
		p.ConditionsModule = &v2Conditions{Conditions: c, Keywords: k}
	}
	p.DesignModule = orNil(x.design(m))
	p.ArmsInterventionsModule = x.armsInterventions(m)
	p.OutcomesModule = outcomes(x.PrimaryOutcomes, x.SecondaryOutcomes, x.OtherOutcomes)
	p.EligibilityModule = x.eligibility(m)
	p.ContactsLocationsModule = x.contactsLocations(m)
	p.ReferencesModule = x.references()
	p.IPDSharingStatementModule = x.ipdSharing(m)

	out := &v2Study{ProtocolSection: p, HasResults: x.Results != nil}
	cm, im := meshes(x.ConditionMeSH), meshes(x.InterventionMeSH)
	if cm != nil || im != nil {
		out.DerivedSection = &v2Derived{}
		if cm != nil {
			out.DerivedSection.ConditionBrowseModule = &v2Browse{Meshes: cm}
		}
		if im != nil {
			out.DerivedSection.InterventionBrowseModule = &v2Browse{Meshes: im}
		}
	}
	return out, m.err
}

func (x *xmlStudy) status(m *mapper) v2Status {
	s := v2Status{
		StatusVerifiedDate: m.date("verification_date", x.VerificationDate),
		OverallStatus:      m.enum("overall_status", study.Statuses, statusAliases, x.OverallStatus),
		LastKnownStatus:    m.enum("last_known_status", study.Statuses, statusAliases, x.LastKnownStatus),
		WhyStopped:         textblock(x.WhyStopped),

		StartDate:             m.dateStruct("start_date", x.StartDate, false),
		PrimaryCompletionDate: m.dateStruct("primary_completion_date", x.PrimaryCompletionDate, false),
		CompletionDate:        m.dateStruct("completion_date", x.CompletionDate, false),

		StudyFirstSubmitDate:     m.fullDate("study_first_submitted", x.StudyFirstSubmitted),
		StudyFirstSubmitQCDate:   m.fullDate("study_first_submitted_qc", x.StudyFirstSubmittedQC),
		StudyFirstPostDate:       m.dateStruct("study_first_posted", x.StudyFirstPosted, true),
		ResultsFirstSubmitDate:   m.fullDate("results_first_submitted", x.ResultsFirstSubmitted),
		ResultsFirstSubmitQCDate: m.fullDate("results_first_submitted_qc", x.ResultsFirstSubmittedQC),
		ResultsFirstPostDate:     m.dateStruct("results_first_posted", x.ResultsFirstPosted, true),
		LastUpdateSubmitDate:     m.fullDate("last_update_submitted", x.LastUpdateSubmitted),
		LastUpdatePostDate:       m.dateStruct("last_update_posted", x.LastUpdatePosted, true),
	}
	if s.OverallStatus == "" {
		m.fail("overall_status", "missing")
	}
	// The older variant has only these receipt dates: firstreceived is
	// the first submission, lastchanged the last update as posted.
	if s.StudyFirstSubmitDate == "" {
		s.StudyFirstSubmitDate = m.fullDate("firstreceived_date", x.FirstReceived)
	}
	if s.ResultsFirstSubmitDate == "" {
		s.ResultsFirstSubmitDate = m.fullDate("firstreceived_results_date", x.FirstReceivedResults)
	}
	if s.LastUpdatePostDate == nil {
		s.LastUpdatePostDate = m.dateStruct("lastchanged_date", xmlDated{Value: x.LastChanged}, true)
	}
	if v := m.flag("has_expanded_access", x.HasExpandedAccess); v != nil {
		s.ExpandedAccessInfo = &v2ExpandedAccess{HasExpandedAccess: *v}
	}
	return s
}

func (x *xmlStudy) sponsors(m *mapper) *v2Sponsors {
	org := func(a xmlAgency) *v2Sponsor {
		return &v2Sponsor{Name: strings.TrimSpace(a.Agency), Class: m.enum("agency_class", study.AgencyClasses, agencyAliases, a.Class)}
	}
	s := &v2Sponsors{LeadSponsor: org(x.Sponsors.Lead)}
	for _, c := range x.Sponsors.Collaborators {
		s.Collaborators = append(s.Collaborators, *org(c))
	}
	if rp := x.ResponsibleParty; rp != nil {
		s.ResponsibleParty = &v2ResponsibleParty{
			Type:                    m.table("responsible_party_type", responsibleParties, rp.Type),
			InvestigatorFullName:    strings.TrimSpace(rp.InvestigatorFullName),
			InvestigatorTitle:       strings.TrimSpace(rp.InvestigatorTitle),
			InvestigatorAffiliation: strings.TrimSpace(rp.InvestigatorAffiliation),
			OldNameTitle:            strings.TrimSpace(rp.NameTitle),
			OldOrganization:         strings.TrimSpace(rp.Organization),
		}
	}
	return s
}

func (x *xmlStudy) design(m *mapper) *v2Design {
	d := &v2Design{Phases: m.phases(x.Phase)}
	switch t := strings.TrimSpace(x.StudyType); strings.ToLower(t) {
	case "observational [patient registry]":
		d.StudyType, d.PatientRegistry = "OBSERVATIONAL", true
	case "n/a", "":
		// Some withdrawn and placeholder records carry no study type.
	default:
		d.StudyType = m.enum("study_type", study.StudyTypes, nil, t)
	}
	if e := x.ExpandedAccessInfo; e != nil {
		d.ExpandedAccessTypes = &v2ExpandedAccessTypes{
			Individual:   isYes(m.flag("expanded_access_type_individual", e.Individual)),
			Intermediate: isYes(m.flag("expanded_access_type_intermediate", e.Intermediate)),
			Treatment:    isYes(m.flag("expanded_access_type_treatment", e.Treatment)),
		}
	}
	di := x.Design
	info := v2DesignInfo{
		Allocation:                   m.enum("allocation", study.Allocations, nil, di.Allocation),
		InterventionModel:            m.enum("intervention_model", study.InterventionModels, nil, di.InterventionModel),
		InterventionModelDescription: strings.TrimSpace(di.InterventionModelDescription),
		PrimaryPurpose:               m.enum("primary_purpose", study.PrimaryPurposes, nil, di.PrimaryPurpose),
		ObservationalModel:           m.firstOf("observational_model", study.ObservationalModels, observationalAlts, di.ObservationalModel),
		TimePerspective:              m.firstOf("time_perspective", study.TimePerspectives, nil, di.TimePerspective),
	}
	masking, who := m.masking(di.Masking)
	if desc := strings.TrimSpace(di.MaskingDescription); masking != "" || desc != "" {
		info.MaskingInfo = &v2Masking{Masking: masking, MaskingDescription: desc, WhoMasked: who}
	}
	d.DesignInfo = orNil(&info)
	if r, desc := m.table("biospec_retention", bioSpecRetention, x.BiospecRetention), textblock(x.BiospecDescr.Text); r != "" || desc != "" {
		d.BioSpec = &v2BioSpec{Retention: r, Description: desc}
	}
	if v := strings.TrimSpace(x.Enrollment.Value); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			m.fail("enrollment", "%q is not a count", v)
		}
		d.EnrollmentInfo = &v2Enrollment{Count: n, Type: m.table("enrollment type", dateTypes, x.Enrollment.Type)}
	}
	return d
}

// orNil returns nil for a module with nothing in it, which API v2 leaves
// out rather than sending empty.
func orNil[T any](v *T) *T {
	if reflect.ValueOf(v).Elem().IsZero() {
		return nil
	}
	return v
}

func isYes(b *bool) bool { return b != nil && *b }

func (x *xmlStudy) armsInterventions(m *mapper) *v2ArmsInterventions {
	if len(x.Arms) == 0 && len(x.Interventions) == 0 {
		return nil
	}
	a := &v2ArmsInterventions{}
	arm := map[string]int{}
	for _, g := range x.Arms {
		label := strings.TrimSpace(g.Label)
		arm[label] = len(a.ArmGroups)
		a.ArmGroups = append(a.ArmGroups, v2Arm{
			Label:       label,
			Type:        m.enum("arm_group_type", study.ArmGroupTypes, nil, g.Type),
			Description: textblock(g.Description),
		})
	}
	for _, in := range x.Interventions {
		typ := strings.TrimSpace(in.Type)
		v := v2Intervention{
			Type:           m.enum("intervention_type", study.InterventionTypes, nil, typ),
			Name:           strings.TrimSpace(in.Name),
			Description:    textblock(in.Description),
			ArmGroupLabels: trimAll(in.ArmLabels),
			OtherNames:     trimAll(in.OtherNames),
		}
		// API v2 lists each arm's interventions as "Type: Name".
		for _, l := range v.ArmGroupLabels {
			if i, ok := arm[l]; ok {
				a.ArmGroups[i].InterventionNames = append(a.ArmGroups[i].InterventionNames, typ+": "+v.Name)
			}
		}
		a.Interventions = append(a.Interventions, v)
	}
	return a
}

func outcomes(primary, secondary, other []xmlOutcome) *v2Outcomes {
	conv := func(in []xmlOutcome) []v2Outcome {
		var out []v2Outcome
		for _, o := range in {
			out = append(out, v2Outcome{Measure: strings.TrimSpace(o.Measure), Description: textblock(o.Description), TimeFrame: strings.TrimSpace(o.TimeFrame)})
		}
		return out
	}
	o := &v2Outcomes{PrimaryOutcomes: conv(primary), SecondaryOutcomes: conv(secondary), OtherOutcomes: conv(other)}
	if o.PrimaryOutcomes == nil && o.SecondaryOutcomes == nil && o.OtherOutcomes == nil {
		return nil
	}
	return o
}

func (x *xmlStudy) eligibility(m *mapper) *v2Eligibility {
	e := x.Eligibility
	if e == (xmlEligibility{}) {
		return nil // withheld records have no eligibility
	}
	out := &v2Eligibility{
		EligibilityCriteria: textblock(e.Criteria.Text),
		Sex:                 m.enum("gender", study.Sexes, sexAliases, e.Gender),
		GenderDescription:   strings.TrimSpace(e.GenderDescription),
		StudyPopulation:     textblock(e.StudyPop.Text),
		SamplingMethod:      m.table("sampling_method", samplingMethods, e.SamplingMethod),
		GenderBased:         isYes(m.flag("gender_based", e.GenderBased)),
	}
	switch hv := strings.ToLower(strings.TrimSpace(e.HealthyVolunteers)); hv {
	case "":
	case "accepts healthy volunteers":
		accepts := true
		out.HealthyVolunteers = &accepts
	default:
		out.HealthyVolunteers = m.flag("healthy_volunteers", hv)
	}
	minAge, err := study.ParseAge(e.MinimumAge)
	if err != nil {
		m.fail("minimum_age", "%v", err)
	}
	maxAge, err := study.ParseAge(e.MaximumAge)
	if err != nil {
		m.fail("maximum_age", "%v", err)
	}
	out.MinimumAge, out.MaximumAge = minAge.String(), maxAge.String()
	out.StdAges = stdAges(minAge, maxAge)
	return out
}

func (x *xmlStudy) contactsLocations(m *mapper) *v2ContactsLocations {
	c := &v2ContactsLocations{}
	for _, p := range []*xmlPerson{x.Contact, x.ContactBackup} {
		if p != nil {
			c.CentralContacts = append(c.CentralContacts, contact(*p, "CONTACT"))
		}
	}
	for _, o := range x.Officials {
		c.OverallOfficials = append(c.OverallOfficials, v2Official{
			Name:        o.name(),
			Affiliation: strings.TrimSpace(o.Affiliation),
			Role:        m.enum("overall_official role", study.ContactRoles, nil, o.Role),
		})
	}
	for _, l := range x.Locations {
		a := l.Facility.Address
		loc := v2Location{
			Facility: strings.TrimSpace(l.Facility.Name),
			Status:   m.enum("location status", study.Statuses, statusAliases, l.Status),
			City:     strings.TrimSpace(a.City),
			State:    strings.TrimSpace(a.State),
			Zip:      strings.TrimSpace(a.Zip),
			Country:  strings.TrimSpace(a.Country),
		}
		if loc.Status != "" && !recruitmentStatuses[loc.Status] {
			m.fail("location status", "%q is not a site status", l.Status)
		}
		for _, p := range []*xmlPerson{l.Contact, l.ContactBackup} {
			if p != nil {
				loc.Contacts = append(loc.Contacts, contact(*p, "CONTACT"))
			}
		}
		for _, inv := range l.Investigators {
			loc.Contacts = append(loc.Contacts, contact(inv, m.enum("investigator role", study.ContactRoles, nil, inv.Role)))
		}
		c.Locations = append(c.Locations, loc)
	}
	if c.CentralContacts == nil && c.OverallOfficials == nil && c.Locations == nil {
		return nil
	}
	return c
}

func contact(p xmlPerson, role string) v2Contact {
	return v2Contact{Name: p.name(), Role: role, Phone: strings.TrimSpace(p.Phone), PhoneExt: strings.TrimSpace(p.PhoneExt), Email: strings.TrimSpace(p.Email)}
}

func (x *xmlStudy) references() *v2References {
	r := &v2References{}
	for _, list := range []struct {
		typ  string
		refs []xmlReference
	}{{"BACKGROUND", x.References}, {"RESULT", x.ResultsReferences}} {
		for _, ref := range list.refs {
			r.References = append(r.References, v2Reference{PMID: strings.TrimSpace(ref.PMID), Type: list.typ, Citation: strings.TrimSpace(ref.Citation)})
		}
	}
	for _, l := range x.Links {
		r.SeeAlsoLinks = append(r.SeeAlsoLinks, v2Link{Label: strings.TrimSpace(l.Description), URL: strings.TrimSpace(l.URL)})
	}
	if r.References == nil && r.SeeAlsoLinks == nil {
		return nil
	}
	return r
}

func (x *xmlStudy) ipdSharing(m *mapper) *v2IPDSharing {
	pd := x.PatientData
	if pd == nil {
		return nil
	}
	out := &v2IPDSharing{
		IPDSharing:     m.table("sharing_ipd", ipdSharing, pd.Sharing),
		Description:    strings.TrimSpace(pd.Description),
		TimeFrame:      strings.TrimSpace(pd.TimeFrame),
		AccessCriteria: strings.TrimSpace(pd.AccessCriteria),
		URL:            strings.TrimSpace(pd.URL),
	}
	for _, t := range pd.InfoTypes {
		out.InfoTypes = append(out.InfoTypes, m.table("ipd_info_type", ipdInfoTypes, t))
	}
	return out
}

func meshes(terms []string) []v2Mesh {
	var out []v2Mesh
	for _, t := range trimAll(terms) {
		out = append(out, v2Mesh{Term: t})
	}
	return out
}

// trimAll trims each value and drops empty ones; nil when none is left.
func trimAll(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// textblock turns a <textblock>, or another element that may span lines,
// into the text API v2 serves: the XML's
// CRLF line ends become LF, the indentation the XML export adds to every
// line is removed (the lines' own relative indentation, which marks
// nested list items, stays), as are trailing spaces and blank lines at
// either end.
func textblock(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	indent := -1
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		lines[i] = l
		if l == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
