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
	fOrgStudyID // and NCT ID aliases
	fSecondaryID
	fOtherOutcome
	fOfficialName
	fInterventionType
	fZip
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
	fOrgStudyID:            "OrgStudyId",
	fSecondaryID:           "SecondaryId",
	fOtherOutcome:          "OtherOutcomeMeasure",
	fOfficialName:          "OverallOfficialName",
	fInterventionType:      "InterventionType",
	fZip:                   "LocationZip",
	fFacility:              "LocationFacility",
	fCity:                  "LocationCity",
	fState:                 "LocationState",
	fCountry:               "LocationCountry",
}

func (f field) String() string { return fieldNames[f] }

// fieldsByName maps the query language's field names to indexed fields.
// Text fields the index leaves out (long descriptions, eligibility text)
// are absent: searching them explicitly is refused rather than silently
// matching nothing.
var fieldsByName = func() map[string]field {
	m := make(map[string]field, numFields)
	for f, n := range fieldNames {
		m[strings.ToLower(n)] = field(f)
	}
	return m
}()

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
		emit(fInterventionType, study.InterventionTypes.Label(in.Type))
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
		case "OTHER":
			emit(fOtherOutcome, o.Measure)
		}
	}
	emit(fBriefSummary, s.BriefSummary)
	emit(fLeadSponsor, s.LeadSponsor.Name)
	for _, c := range s.Collaborators {
		emit(fCollaborator, c.Name)
	}
	emit(fOrgStudyID, s.OrgStudyID)
	for _, a := range s.Aliases {
		emit(fOrgStudyID, a)
	}
	for _, id := range s.SecondaryIDs {
		emit(fSecondaryID, id.ID)
	}
	for _, o := range s.OverallOfficials {
		emit(fOfficialName, o.Name)
	}
	for _, l := range s.Locations {
		emit(fFacility, l.Facility)
		emit(fCity, l.City)
		emit(fState, l.State)
		emit(fCountry, l.Country)
		emit(fZip, l.Zip)
	}
}

// fieldWeight is one field of a search area with its weight.
type fieldWeight struct {
	f field
	w float32
}
