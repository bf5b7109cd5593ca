package search

import (
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// field is one indexed text field of a study.
type field uint8

const (
	fNCTID field = iota
	fAcronym
	fBriefTitle
	fOfficialTitle
	fCondition
	fConditionMeSH
	fConditionAncestor
	fKeyword
	fInterventionName
	fInterventionOtherName
	fInterventionMeSH
	fInterventionAncestor
	fArmGroupLabel
	fPrimaryOutcome
	fSecondaryOutcome
	fBriefSummary
	fLeadSponsor
	fCollaborator
	fOtherID // org study ID, secondary IDs, aliases
	fFacility
	fCity
	fState
	fCountry
	numFields
)

var fieldNames = [numFields]string{
	fNCTID:                 "NCTId",
	fAcronym:               "Acronym",
	fBriefTitle:            "BriefTitle",
	fOfficialTitle:         "OfficialTitle",
	fCondition:             "Condition",
	fConditionMeSH:         "ConditionMeshTerm",
	fConditionAncestor:     "ConditionAncestorTerm",
	fKeyword:               "Keyword",
	fInterventionName:      "InterventionName",
	fInterventionOtherName: "InterventionOtherName",
	fInterventionMeSH:      "InterventionMeshTerm",
	fInterventionAncestor:  "InterventionAncestorTerm",
	fArmGroupLabel:         "ArmGroupLabel",
	fPrimaryOutcome:        "PrimaryOutcomeMeasure",
	fSecondaryOutcome:      "SecondaryOutcomeMeasure",
	fBriefSummary:          "BriefSummary",
	fLeadSponsor:           "LeadSponsorName",
	fCollaborator:          "CollaboratorName",
	fOtherID:               "OrgStudyId",
	fFacility:              "LocationFacility",
	fCity:                  "LocationCity",
	fState:                 "LocationState",
	fCountry:               "LocationCountry",
}

func (f field) String() string { return fieldNames[f] }

// fieldByName finds a field by its ClinicalTrials.gov data field name,
// as used in AREA[...].
func fieldByName(name string) (field, bool) {
	for f, n := range fieldNames {
		if strings.EqualFold(n, name) {
			return field(f), true
		}
	}
	return 0, false
}

// Area is a search area: a weighted group of fields searched at once, as
// ClinicalTrials.gov's query.cond, query.term, ... parameters are.
type Area struct {
	Name    string // the API parameter suffix: cond, term, intr, ...
	Label   string
	weights []fieldWeight
}

type fieldWeight struct {
	f field
	w float32
}

// The search areas and their field weights. They follow ClinicalTrials.gov's
// published Search Areas: BasicSearch (query.term) uses its weights for the
// fields we index (NCTId and Acronym 1, BriefTitle 0.89, OfficialTitle 0.85,
// Condition 0.81, InterventionName 0.8, ...); ConditionSearch ranks
// Condition > BriefTitle > OfficialTitle > condition MeSH terms > their
// ancestors > Keyword. Within an area a study's score is the sum over
// matched fields of weight × BM25 (k1 = 1.2, b = 0.75, per-field length
// normalisation).
var Areas = []Area{
	{"cond", "Conditions", []fieldWeight{
		{fCondition, 0.95}, {fBriefTitle, 0.6}, {fOfficialTitle, 0.55},
		{fConditionMeSH, 0.5}, {fConditionAncestor, 0.4}, {fKeyword, 0.3},
	}},
	{"term", "Other terms", []fieldWeight{
		{fNCTID, 1}, {fAcronym, 1}, {fBriefTitle, 0.89}, {fOfficialTitle, 0.85},
		{fCondition, 0.81}, {fInterventionName, 0.8}, {fInterventionOtherName, 0.75},
		{fKeyword, 0.6}, {fPrimaryOutcome, 0.6}, {fBriefSummary, 0.6},
		{fConditionMeSH, 0.55}, {fArmGroupLabel, 0.5}, {fSecondaryOutcome, 0.5},
		{fInterventionMeSH, 0.5}, {fConditionAncestor, 0.4}, {fInterventionAncestor, 0.35},
		{fLeadSponsor, 0.35}, {fCollaborator, 0.3}, {fOtherID, 0.3},
	}},
	{"intr", "Intervention / treatment", []fieldWeight{
		{fInterventionName, 0.95}, {fInterventionOtherName, 0.9}, {fInterventionMeSH, 0.8},
		{fArmGroupLabel, 0.6}, {fInterventionAncestor, 0.5}, {fBriefTitle, 0.5}, {fOfficialTitle, 0.45},
	}},
	{"titles", "Title / acronym", []fieldWeight{
		{fAcronym, 1}, {fBriefTitle, 0.95}, {fOfficialTitle, 0.9},
	}},
	{"outc", "Outcome measure", []fieldWeight{
		{fPrimaryOutcome, 0.95}, {fSecondaryOutcome, 0.8},
	}},
	{"spons", "Sponsor / collaborator", []fieldWeight{
		{fLeadSponsor, 1}, {fCollaborator, 0.9},
	}},
	{"lead", "Lead sponsor", []fieldWeight{
		{fLeadSponsor, 1},
	}},
	{"id", "Study IDs", []fieldWeight{
		{fNCTID, 1}, {fAcronym, 0.9}, {fOtherID, 0.9},
	}},
	{"locn", "Location", []fieldWeight{
		{fFacility, 0.95}, {fCity, 0.9}, {fState, 0.85}, {fCountry, 0.8},
	}},
}

// AreaByName returns the search area for an API parameter suffix.
func AreaByName(name string) (Area, bool) {
	for _, a := range Areas {
		if a.Name == name {
			return a, true
		}
	}
	return Area{}, false
}

// studyFields returns the text of each indexed field of s.
func studyFields(s *study.Study, emit func(f field, text string)) {
	emit(fNCTID, s.NCTID)
	emit(fAcronym, s.Acronym)
	emit(fBriefTitle, s.BriefTitle)
	emit(fOfficialTitle, s.OfficialTitle)
	for _, c := range s.Conditions {
		emit(fCondition, c)
	}
	for _, m := range s.ConditionMeSH {
		emit(fConditionMeSH, m.Term)
	}
	for _, m := range s.ConditionAncestors {
		emit(fConditionAncestor, m.Term)
	}
	for _, k := range s.Keywords {
		emit(fKeyword, k)
	}
	for _, in := range s.Interventions {
		emit(fInterventionName, in.Name)
		for _, o := range in.OtherNames {
			emit(fInterventionOtherName, o)
		}
	}
	for _, m := range s.InterventionMeSH {
		emit(fInterventionMeSH, m.Term)
	}
	for _, m := range s.InterventionAncestors {
		emit(fInterventionAncestor, m.Term)
	}
	for _, a := range s.Arms {
		emit(fArmGroupLabel, a.Label)
	}
	for _, o := range s.Outcomes {
		switch o.Kind {
		case "PRIMARY":
			emit(fPrimaryOutcome, o.Measure)
		case "SECONDARY":
			emit(fSecondaryOutcome, o.Measure)
		}
	}
	emit(fBriefSummary, s.BriefSummary)
	emit(fLeadSponsor, s.LeadSponsor.Name)
	for _, c := range s.Collaborators {
		emit(fCollaborator, c.Name)
	}
	emit(fOtherID, s.OrgStudyID)
	for _, id := range s.SecondaryIDs {
		emit(fOtherID, id.ID)
	}
	for _, a := range s.Aliases {
		emit(fOtherID, a)
	}
	for _, l := range s.Locations {
		emit(fFacility, l.Facility)
		emit(fCity, l.City)
		emit(fState, l.State)
		emit(fCountry, l.Country)
	}
}
