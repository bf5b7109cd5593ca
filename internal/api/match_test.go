package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// do sends one request to the API and decodes an error body strictly, so
// every error is seen to have the one documented shape.
func (f *fixture) do(t *testing.T, method, path, body string) (*httptest.ResponseRecorder, *ErrorBody) {
	t.Helper()
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, httptest.NewRequest(method, "http://example.com"+path, strings.NewReader(body)))
	if w.Code < 400 {
		return w, nil
	}
	var e ErrorBody
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Status != w.Code || e.Error.Message == "" {
		t.Fatalf("%s %s: %d, error body %q is not an ErrorBody (%v)", method, path, w.Code, w.Body, err)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("%s %s: error headers %v", method, path, w.Header())
	}
	return w, &e
}

func TestMatch(t *testing.T) {
	f := getFixture(t)
	for _, bad := range []string{`{`, `{"sex": "robot"}`, `{"age": 40, "shoe": 9}`, `{"location": {"lat": 1}}`,
		`{"note": "58 year old woman", "age": 58}`} {
		if w, _ := f.do(t, http.MethodPost, "/api/match?limit=5", bad); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, w.Code, w.Body)
		}
	}
	if w, _ := f.do(t, http.MethodPost, "/api/match?limit=500", `{}`); w.Code != http.StatusBadRequest {
		t.Errorf("limit=500: %d", w.Code)
	}
	huge := `{"note": "` + strings.Repeat("a", maxProfileBytes) + `"}`
	if w, _ := f.do(t, http.MethodPost, "/api/match", huge); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d", w.Code)
	}

	var r struct {
		Candidates int
		Hits       []struct {
			NCTID string `json:"nctId"`
			Rows  []json.RawMessage
		}
		Profile  *struct{ Age float64 }
		Findings []struct{ Kind string }
	}
	w, _ := f.do(t, http.MethodPost, "/api/match?limit=5", `{"age": 58, "sex": "female", "conditions": [{"text": "breast cancer"}], "ecog": 1}`)
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || len(r.Hits) == 0 || len(r.Hits) > 5 || len(r.Hits[0].Rows) == 0 || r.Profile != nil {
		t.Errorf("profile: %d %.300s", w.Code, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("a match answer may be cached: %q", w.Header().Get("Cache-Control"))
	}
	w, _ = f.do(t, http.MethodPost, "/api/match?limit=5", `{"note": "58 year old woman with metastatic breast cancer, ECOG 1"}`)
	r.Profile, r.Hits = nil, nil
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || len(r.Hits) == 0 || r.Profile == nil || r.Profile.Age != 58 || len(r.Findings) == 0 {
		t.Errorf("note: %d %.500s", w.Code, w.Body)
	}
}

// egfrNote is an untreated patient's note: the trials for patients
// treated before say why they do not fit, in plain words.
const egfrNote = "64 yo never-smoker man, newly diagnosed stage IVB lung adenocarcinoma (bone, adrenal), EGFR exon 19 deletion, ALK negative, PD-L1 10%. No treatment yet. ECOG 1."

func TestMatchNoteComparesPriorLines(t *testing.T) {
	f := getFixture(t)
	var r struct {
		Hits []struct {
			Rows []struct{ Status, Reason string }
		}
		Profile *struct{ PriorLines *int }
	}
	w, _ := f.do(t, http.MethodPost, "/api/match?limit=50", `{"note": "`+egfrNote+`"}`)
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil || r.Profile == nil || r.Profile.PriorLines == nil || *r.Profile.PriorLines != 0 {
		t.Fatalf("note: %d %.500s", w.Code, w.Body)
	}
	for _, h := range r.Hits {
		for _, row := range h.Rows {
			if row.Status == "not met" && strings.Contains(row.Reason, "You have had no treatment for it yet; this trial is for people whose disease progressed after earlier treatment") {
				return
			}
		}
	}
	t.Errorf("no trial for treated patients says so among %d hits", len(r.Hits))
}

func TestMethodNotAllowed(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodGet, "/api/match", "POST"},
		{http.MethodPost, "/api/v2/studies", "GET, HEAD"},
		{http.MethodDelete, "/api/v2/studies/NCT00000102", "GET, HEAD"},
		{"BREW", "/api/v2/version", "GET, HEAD"},
	} {
		w, _ := f.do(t, c.method, c.path, "")
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q, want 405 with %q", c.method, c.path, w.Code, w.Header().Get("Allow"), c.allow)
		}
	}
	if w, _ := f.do(t, http.MethodPost, "/api/v2/nowhere", ""); w.Code != http.StatusNotFound {
		t.Errorf("POST to an unknown path: %d", w.Code)
	}
}

// TestYAMLQuotesBooleanLikeStrings reads our document as a YAML 1.1
// reader would: a plain YES or NO would be a boolean there, and real
// records' enum values would fail our own schema.
func TestYAMLQuotesBooleanLikeStrings(t *testing.T) {
	doc, err := OurSpec()
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		t.Fatal(err)
	}
	quoted := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && yaml11Bools[n.Value] {
			if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && n.Tag == "!!str" {
				t.Errorf("line %d: %s is not quoted", n.Line, n.Value)
			}
			quoted++
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	if !bytes.Contains(doc, []byte(`- "YES"`)) || !bytes.Contains(doc, []byte(`- "NO"`)) {
		t.Errorf("the YES/NO enum is not quoted (%d boolean-like scalars seen)", quoted)
	}
}

// TestResponseHeaders: every API answer says not to sniff its type and
// how it may be cached.
func TestResponseHeaders(t *testing.T) {
	f := getFixture(t)
	for _, path := range []string{"/api/v2/studies?query.cond=asthma", "/api/v2/studies/" + f.records[0].NCTID, "/api/v2/version", "/api/v2/nothing"} {
		res := f.get(t, path)
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Cache-Control") == "" {
			t.Errorf("%s: %d with headers %v", path, res.status, res.header)
		}
	}
}
