package api

import (
	"encoding/json"

	"github.com/getkin/kin-openapi/openapi3"
)

// addHistory documents GET /studies/{nctId}/history (served by
// internal/history): every version of a study's record the store has
// seen, with what changed in each.
func addHistory(doc *openapi3.T) {
	const schemas = `{
	"StudyHistory": {"type": "object", "additionalProperties": false, "required": ["nctId", "versions"],
		"properties": {"nctId": {"type": "string"},
			"versions": {"type": "array", "description": "Oldest first.", "items": {"$ref": "#/components/schemas/StudyVersion"}}}},
	"StudyVersion": {"type": "object", "additionalProperties": false, "required": ["version", "lastUpdatePostDate", "seenAt", "changes"],
		"properties": {"version": {"type": "integer", "description": "1 for the first version this server saw."},
			"lastUpdatePostDate": {"type": "string", "format": "date"},
			"seenAt": {"type": "string", "format": "date-time", "description": "When this server first had this version."},
			"changes": {"type": "array", "description": "What changed from the version before; empty for the first.",
				"items": {"$ref": "#/components/schemas/StudyChange"}}}},
	"StudyChange": {"type": "object", "additionalProperties": false, "required": ["field", "summary"],
		"properties": {"field": {"type": "string", "description": "API v2 piece name: OverallStatus, ResultsFirstPostDate, StartDate, PrimaryCompletionDate, CompletionDate, EnrollmentCount, LocationFacility, LocationStatus, EligibilityCriteria, CentralContactName, CentralContactPhone."},
			"summary": {"type": "string", "description": "One readable line, e.g. \"Status: Recruiting → Active, not recruiting\"."}}}
}`
	var add openapi3.Schemas
	if err := json.Unmarshal([]byte(schemas), &add); err != nil {
		panic("api: history schemas: " + err.Error())
	}
	for name, s := range add {
		doc.Components.Schemas[name] = s
	}
	single := doc.Paths.Value("/studies/{nctId}").Get
	var idParam *openapi3.ParameterRef
	for _, p := range single.Parameters {
		if p.Value.Name == "nctId" {
			idParam = p
		}
	}
	ok, notFound := "OK", "No study with this NCT ID (a study removed from ClinicalTrials.gov keeps its history)"
	bad := "Not an NCT ID"
	errContent := openapi3.NewContentWithJSONSchemaRef(ref("ErrorBody"))
	doc.Paths.Set("/studies/{nctId}/history", &openapi3.PathItem{Get: &openapi3.Operation{
		Tags: []string{"Studies"}, OperationID: "studyHistory", Summary: "Study history (Trialfinder extension)",
		Description: "Every version of the study's record this server has seen, from ingests and syncs with " +
			"ClinicalTrials.gov, oldest first, each with what changed from the one before. An obsolete NCT ID " +
			"(alias) answers with the history of the study it was merged into.",
		Parameters: openapi3.Parameters{idParam},
		Responses: openapi3.NewResponses(
			openapi3.WithStatus(200, &openapi3.ResponseRef{Value: &openapi3.Response{Description: &ok,
				Content: openapi3.NewContentWithJSONSchemaRef(ref("StudyHistory"))}}),
			openapi3.WithStatus(400, &openapi3.ResponseRef{Value: &openapi3.Response{Description: &bad, Content: errContent}}),
			openapi3.WithStatus(404, &openapi3.ResponseRef{Value: &openapi3.Response{Description: &notFound, Content: errContent}}),
		),
	}})
}
