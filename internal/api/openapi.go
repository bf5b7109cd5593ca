package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// OfficialSpec is the ClinicalTrials.gov API v2.0.5 OpenAPI document,
// unchanged (see openapi/SOURCES.md).
//
//go:embed openapi/ctgov-api-v2.0.5-openapi.yaml
var OfficialSpec []byte

func loadOfficial() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(OfficialSpec)
	if err != nil {
		return nil, fmt.Errorf("load official openapi document: %w", err)
	}
	return doc, nil
}

// OurSpec returns Trialfinder's OpenAPI document as YAML: the official one
// with the overlay of ourDocument applied.
func OurSpec() ([]byte, error) { return ourDocument() }

// ourDocument applies Trialfinder's overlay to the official document.
// An overlay in code, rather than an edited copy, keeps every upstream
// definition exactly as published and the differences in one place.
func ourDocument() ([]byte, error) {
	doc, err := loadOfficial()
	if err != nil {
		return nil, err
	}
	doc.Info.Title = "Trialfinder API (ClinicalTrials.gov API v2.0.5-compatible)"
	doc.Info.Description = "Trialfinder's search API, compatible with ClinicalTrials.gov API v2.0.5. " +
		"Differences: errors are JSON (ErrorBody), not text/plain, from every path, including 405 (with Allow) " +
		"for a method a path does not serve and 503 (with Retry-After) while the server starts or a kind of request " +
		"is at capacity; sort also takes `distance` " +
		"(to the filter.geo point, ascending by default); `extensions` adds facets, searchDetails " +
		"and hitInfo to /studies responses. markupFormat=legacy returns the markup fields (briefSummary, " +
		"detailedDescription, eligibilityCriteria) without Markdown's backslash escapes (`\\>` becomes `>`), " +
		"everything else as stored. query.patient searches the BasicSearch area (our public site's main box). " +
		"filter.synonyms and postFilter.synonyms are checked (area:id pairs of a known search area) and " +
		"narrow nothing: the IDs are ClinicalTrials.gov's own synonym table, which this server does not have. " +
		"geoDecay scales relevance as upstream's (Elasticsearch's gauss, exp and linear decay functions) when " +
		"filter.geo is set and at most 10,000 studies match; without geoDecay relevance does not decay. " +
		"fields for CSV takes the CSV download's column names or the pieces they show. " +
		"filter.advanced and " +
		"postFilter.advanced are searched as extra queries ANDed with the query.* parameters, so their terms " +
		"count for relevance and facets. aggFilters, like postFilter.*, narrow the results after facets are counted. " +
		"A page size over 1,000 is coerced to 1,000, as upstream does, for JSON and CSV alike. " +
		"POST /api/match (outside /api/v2) ranks recruiting studies for a patient. " +
		"/stats/field/values counts at most 20,000 distinct values per field: past that, uniqueValuesCount is a lower bound."
	doc.Servers = openapi3.Servers{{URL: "/api/v2", Description: "This server"}}

	s := doc.Components.Schemas
	for name, schema := range extensionSchemas() {
		s[name] = schema
	}
	paged := s["PagedStudies"].Value
	facets := openapi3.NewArraySchema()
	facets.Items = ref("Facet")
	paged.Properties["facets"] = openapi3.NewSchemaRef("", facets)
	paged.Properties["searchDetails"] = ref("SearchDetails")
	hitInfo := openapi3.NewObjectSchema()
	hitInfo.Description = "Per-study extras keyed by NCT ID (Study records are returned verbatim, so extras cannot go inside them)."
	hitInfo.AdditionalProperties = openapi3.AdditionalProperties{Schema: ref("HitInfo")}
	paged.Properties["hitInfo"] = openapi3.NewSchemaRef("", hitInfo)

	addMatch(doc)
	errContent := openapi3.NewContentWithJSONSchemaRef(ref("ErrorBody"))
	retryAfter := openapi3.Headers{"Retry-After": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "Seconds to wait before trying again.", Schema: openapi3.NewSchemaRef("", openapi3.NewIntegerSchema())}}}}
	for _, item := range doc.Paths.Map() {
		for _, op := range []*openapi3.Operation{item.Get, item.Post} {
			if op == nil {
				continue
			}
			for _, code := range []int{400, 404} {
				if r := op.Responses.Status(code); r != nil {
					r.Value.Content = errContent
				}
			}
			for _, e := range []struct {
				code    int
				desc    string
				headers openapi3.Headers
			}{
				{405, "Method Not Allowed: the Allow header lists the methods this path serves", nil},
				{500, "Internal Server Error", nil},
				{503, "Service Unavailable: the server is starting, or this kind of request is at capacity; retry after Retry-After seconds", retryAfter},
			} {
				op.Responses.Set(strconv.Itoa(e.code), &openapi3.ResponseRef{Value: &openapi3.Response{
					Description: openapi3.Ptr(e.desc), Content: errContent, Headers: e.headers}})
			}
		}
	}

	studies := doc.Paths.Value("/studies").Get
	studies.Responses.Status(200).Value.Content["text/csv"] = &openapi3.MediaType{Schema: ref("StudiesCsv")}
	for _, p := range studies.Parameters {
		if p.Value.Name == "aggFilters" {
			p.Value.Description += "\n\nTrialfinder's filter ids and option keys:\n" + aggFilterDoc()
		}
		if p.Value.Name == "sort" {
			p.Value.Description += "\n\nTrialfinder: `distance` sorts by the distance from the `filter.geo` point to the study's nearest site (default `asc`)."
			p.Value.Schema.Value.Items.Value.Pattern = `^(([a-zA-Z][a-zA-Z0-9\-. ]*)|(@relevance))(:(asc|desc))?$`
		}
	}
	ext := openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema().WithEnum("facets", "searchDetails", "hitInfo"))
	studies.Parameters = append(studies.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "extensions", In: "query", Style: "pipeDelimited", Explode: openapi3.Ptr(false),
		Description: "Trialfinder extension: comma- or pipe-separated list of extra top-level properties to return: " +
			"`facets` (counts by status, phase, type, funder, sex, age group, healthy volunteers, results and country, " +
			"after filter.* and before postFilter.* and aggFilters), `searchDetails` (how each query term was searched, " +
			"with its synonyms), `hitInfo` (per study: score and the site nearest the filter.geo point).",
		Schema: openapi3.NewSchemaRef("", ext),
	}})
	addDownload(doc, studies, s)
	one := doc.Paths.Value("/studies/{nctId}").Get.Responses.Status(200).Value
	one.Content["application/x-research-info-systems"] = &openapi3.MediaType{Schema: openapi3.NewSchemaRef("", openapi3.NewStringSchema())}
	addHistory(doc)
	yamlType := "application/yaml"
	okDesc := "OK"
	doc.Paths.Set("/openapi.yaml", &openapi3.PathItem{Get: &openapi3.Operation{
		Summary: "This document", OperationID: "openapi", Tags: []string{"Version"},
		Responses: openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: &okDesc, Content: openapi3.Content{yamlType: &openapi3.MediaType{Schema: openapi3.NewSchemaRef("", openapi3.NewObjectSchema())}},
		}})),
	}})
	// Reloading resolves the overlay's references, which Validate needs.
	js, err := doc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("our openapi document: %w", err)
	}
	loader := openapi3.NewLoader()
	if doc, err = loader.LoadFromData(js); err != nil {
		return nil, fmt.Errorf("our openapi document: %w", err)
	}
	// The official document's own examples fail its schemas (fields
	// example2 is a string where an array is declared), so examples are
	// left unchecked.
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("our openapi document: %w", err)
	}
	return toYAML(js)
}

// addDownload documents /studies/download: /studies's query parameters
// without paging, answered with every matching study.
func addDownload(doc *openapi3.T, studies *openapi3.Operation, schemas openapi3.Schemas) {
	paged := schemas["PagedStudies"].Value
	dl := *paged
	dl.Properties = maps.Clone(paged.Properties)
	notice := openapi3.NewStringSchema()
	notice.Description = "Set when the export limit cut the list."
	dl.Properties["notice"] = openapi3.NewSchemaRef("", notice)
	schemas["StudiesDownload"] = openapi3.NewSchemaRef("", &dl)
	op := *studies
	op.OperationID, op.Summary = "downloadStudies", "Trialfinder: download every matching study"
	op.Description = fmt.Sprintf("Every study the /studies query parameters match, up to %d, streamed as one file "+
		"(Content-Disposition names it). x-total-count gives how many match; when the limit cuts the list, the "+
		"X-Export-Notice header says so (and, in JSON, the notice property). Markup and fields work as for /studies.", ExportLimit)
	op.Parameters = nil
	for _, p := range studies.Parameters {
		if n := p.Value.Name; n != "pageSize" && n != "pageToken" && n != "countTotal" {
			op.Parameters = append(op.Parameters, p)
		}
	}
	op.Responses = openapi3.NewResponses()
	for code, r := range studies.Responses.Map() {
		if code != "200" {
			op.Responses.Set(code, r)
		}
	}
	op.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("OK").WithContent(openapi3.Content{
		"application/json": openapi3.NewMediaType().WithSchemaRef(ref("StudiesDownload")),
		"text/csv":         openapi3.NewMediaType().WithSchemaRef(ref("StudiesCsv")),
	})})
	doc.Paths.Set("/studies/download", &openapi3.PathItem{Get: &op})
}

// addMatch documents POST /api/match, which lives beside the v2 paths.
func addMatch(doc *openapi3.T) {
	limit := openapi3.NewIntegerSchema().WithMin(1).WithMax(100)
	limit.Default = 20
	doc.Paths.Set("/match", &openapi3.PathItem{
		Servers: openapi3.Servers{{URL: "/api", Description: "This server"}},
		Post: &openapi3.Operation{
			Summary:     "Trialfinder: rank recruiting studies for a patient",
			OperationID: "match", Tags: []string{"Trialfinder"},
			Description: "Checks a patient's profile, or a free-text note about them, against every recruiting study's " +
				"eligibility criteria and returns the best, each with its criterion-by-criterion table. Nothing sent is logged or stored.",
			Parameters: openapi3.Parameters{{Value: &openapi3.Parameter{Name: "limit", In: "query",
				Description: "How many hits to return, with their criteria tables.", Schema: openapi3.NewSchemaRef("", limit)}}},
			RequestBody: &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithJSONSchemaRef(ref("MatchRequest"))},
			Responses: openapi3.NewResponses(
				openapi3.WithStatus(200, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("OK").
					WithContent(openapi3.NewContentWithJSONSchemaRef(ref("MatchResponse")))}),
				openapi3.WithStatus(400, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Not a profile or a note")}),
				openapi3.WithStatus(413, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Body over 1 MiB").
					WithContent(openapi3.NewContentWithJSONSchemaRef(ref("ErrorBody")))}),
			),
		},
	})
}

// aggFilterDoc lists aggFilterTable as Markdown.
func aggFilterDoc() string {
	var b strings.Builder
	for _, id := range sortedKeys(aggFilterTable) {
		opts := aggFilterTable[id]
		b.WriteString("* `" + id + "`:")
		for _, k := range sortedKeys(opts) {
			b.WriteString(" `" + k + "` " + strings.Join(opts[k], "/") + ";")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func ref(name string) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
}

// extensionSchemas are the schemas of our additions, written as JSON
// Schema text so they read like the document they extend.
func extensionSchemas() openapi3.Schemas {
	const src = `{
	"ErrorBody": {"type": "object", "additionalProperties": false, "required": ["error"],
		"properties": {"error": {"type": "object", "additionalProperties": false, "required": ["status", "message"],
			"properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
	"Facet": {"type": "object", "additionalProperties": false, "required": ["field", "values"],
		"properties": {"field": {"type": "string"}, "values": {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}}},
	"FacetValue": {"type": "object", "additionalProperties": false, "required": ["value", "label", "count"],
		"properties": {"value": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}},
	"SearchDetails": {"type": "object", "additionalProperties": false, "required": ["terms"],
		"properties": {"terms": {"type": "array", "items": {"$ref": "#/components/schemas/TermDetail"}}}},
	"TermDetail": {"type": "object", "additionalProperties": false, "required": ["area", "text"],
		"properties": {"area": {"type": "string"}, "text": {"type": "string"},
			"synonyms": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["text", "source"],
				"properties": {"text": {"type": "string"}, "source": {"type": "string"}}}},
			"fields": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["field", "studies"],
				"properties": {"field": {"type": "string"}, "studies": {"type": "integer"}}}}}},
	"HitInfo": {"type": "object", "additionalProperties": false, "required": ["score"],
		"properties": {"score": {"type": "number"}, "nearestSite": {"$ref": "#/components/schemas/NearestSite"}}},
	"NearestSite": {"type": "object", "additionalProperties": false, "required": ["distanceKm", "distanceMi", "recruiting"],
		"properties": {"facility": {"type": "string"}, "city": {"type": "string"}, "state": {"type": "string"},
			"country": {"type": "string"}, "distanceKm": {"type": "number"}, "distanceMi": {"type": "number"},
			"recruiting": {"type": "boolean"}}},
	"MatchRequest": {"type": "object", "additionalProperties": false,
		"description": "A patient profile (every fact optional; see package patient), or only a free-text note about the patient.",
		"properties": {"note": {"type": "string", "description": "A clinic note, read as the website's /match page reads one; send it alone."},
			"age": {"type": "number"}, "birthDate": {"type": "string"}, "sex": {"type": "string", "enum": ["female", "male"]},
			"pregnant": {"type": "boolean"}, "breastfeeding": {"type": "boolean"},
			"conditions": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"},
				"mesh": {"type": "array", "items": {"type": "string"}}, "stage": {"type": "string"}, "metastatic": {"type": "boolean"}}}},
			"noHistoryOf": {"type": "array", "items": {"type": "string"}},
			"ecog": {"type": "integer"}, "karnofsky": {"type": "integer"},
			"labs": {"type": "array", "items": {"type": "object", "required": ["name", "value"], "properties": {"name": {"type": "string"},
				"value": {"type": "number"}, "unit": {"type": "string"}, "uln": {"type": "number"}}}},
			"therapies": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
				"class": {"type": "string"}, "start": {"type": "string"}, "end": {"type": "string"}, "current": {"type": "boolean"}}}},
			"medications": {"type": "array", "items": {"type": "string"}},
			"location": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}, "place": {"type": "string"}}},
			"maxDistance": {"type": "number"}, "distanceUnit": {"type": "string", "enum": ["km", "mi"]}}},
	"MatchResponse": {"type": "object", "required": ["candidates", "query", "hits"],
		"properties": {"candidates": {"type": "integer", "description": "How many recruiting studies were checked."},
			"query": {"type": "string"},
			"hits": {"type": "array", "items": {"type": "object", "description": "A ranked study with its criterion-by-criterion check."}},
			"profile": {"type": "object", "description": "The profile read from the note (only when a note was sent)."},
			"findings": {"type": "array", "description": "What was read from the note, with the byte span of its words.",
				"items": {"type": "object", "properties": {"kind": {"type": "string"}, "text": {"type": "string"},
					"value": {"type": "string"}, "span": {"type": "array", "items": {"type": "integer"}}}}}}}
}`
	var out openapi3.Schemas
	if err := json.Unmarshal([]byte(src), &out); err != nil {
		panic("api: extension schemas: " + err.Error())
	}
	return out
}

// toYAML writes the document as block-style YAML in the JSON key order.
func toYAML(js []byte) ([]byte, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(js, &node); err != nil {
		return nil, fmt.Errorf("openapi document to yaml: %w", err)
	}
	blockStyle(&node)
	out, err := yaml.Marshal(&node)
	if err != nil {
		return nil, fmt.Errorf("openapi document to yaml: %w", err)
	}
	return out, nil
}

// blockStyle drops the flow style and quoting the JSON input gave every
// node, so the YAML reads as YAML; but keeps quotes on strings a YAML 1.1
// reader takes for booleans (the status enums' YES and NO), as the
// official document does.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && yaml11Bools[n.Value] {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// yaml11Bools are the plain scalars YAML 1.1 reads as booleans.
var yaml11Bools = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"y", "yes", "n", "no", "true", "false", "on", "off"} {
		for _, v := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			m[v] = true
		}
	}
	return m
}()

func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(a.ours)
	return nil
}
