package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is the shared demo store (demotest) behind the API, with the
// index and matcher built of it; records are the same studies decoded
// independently, to compute expected results from.
type fixture struct {
	records []study.Study
	byID    map[string]*study.Study
	handler http.Handler
	views   view.Current
	store   demotest.Store

	official, ours routers.Router
}

func TestMain(m *testing.M) {
	flag.Parse()
	openapi3filter.RegisterBodyDecoder("application/x-research-info-systems", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/zip", openapi3filter.FileBodyDecoder)
	demotest.Main(m)
}

// getFixture returns the fixture, built once per test binary.
var getFixture = demotest.Once(func(t testing.TB) *fixture {
	f, err := buildFixture(demotest.Shared(t), demotest.Studies(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
})

func buildFixture(st demotest.Store, recs []study.Study) (*fixture, error) {
	ctx := context.Background()
	// The index without condition synonyms: the expected results are
	// computed from the records' own words.
	ix, err := search.Build(ctx, st)
	if err != nil {
		return nil, err
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	mb := match.NewBuilder(match.Options{Vocab: v})
	for i := range recs {
		mb.Add(&recs[i])
	}
	m, err := mb.Finish(ctx, ix, st)
	if err != nil {
		return nil, err
	}
	views := view.Static(&view.View{Index: ix, Matcher: m})
	a, err := New(Config{Views: views, Records: st, Stats: st})
	if err != nil {
		return nil, err
	}
	f := &fixture{records: recs, byID: map[string]*study.Study{}, handler: a, views: views, store: st}
	for i := range recs {
		f.byID[recs[i].NCTID] = &recs[i]
	}
	ours, err := OurSpec()
	if err != nil {
		return nil, err
	}
	if f.official, err = router(OfficialSpec); err != nil {
		return nil, fmt.Errorf("official document: %w", err)
	}
	if f.ours, err = router(ours); err != nil {
		return nil, fmt.Errorf("our document: %w", err)
	}
	return f, nil
}

// router loads a document for validating responses served under /api/v2.
func router(spec []byte) (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: "http://example.com/api/v2"}}
	// The official examples fail their own schemas; see ourDocument.
	return legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
}

// response is one answer of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get requests path from the API and validates the answer: a 200 without
// our extensions against the official document, anything else against
// ours. Redirects are returned, not followed.
func (f *fixture) get(t testing.TB, path string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://example.com"+path, nil)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if res.status == http.StatusMovedPermanently {
		return res
	}
	// The official document declares no CSV answer for /studies and no
	// RIS answer for a study (upstream serves both all the same); ours
	// adds them.
	q := req.URL.Query()
	listCSV := req.URL.Path == "/api/v2/studies" && q.Get("format") == "csv" || q.Get("format") == "ris"
	rt := f.ours
	if res.status == http.StatusOK && !q.Has("extensions") && !listCSV {
		if _, _, err := f.official.FindRoute(req); err == nil {
			rt = f.official
		}
	}
	validate(t, rt, req, res)
	return res
}

// validate checks a response against a document. A path neither document
// has (the API's 404 for unknown endpoints) is left to the caller.
func validate(t testing.TB, rt routers.Router, req *http.Request, res response) {
	t.Helper()
	route, params, err := rt.FindRoute(req)
	if err != nil && res.status == http.StatusNotFound {
		return
	}
	if err != nil {
		t.Fatalf("GET %s: no route in the document: %v", req.URL, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("GET %s: %d response does not match the document: %v\nbody: %.500s", req.URL, res.status, err, res.body)
	}
}

// paged is a decoded /studies answer.
type paged struct {
	TotalCount    *int              `json:"totalCount"`
	Studies       []json.RawMessage `json:"studies"`
	NextPageToken string            `json:"nextPageToken"`
	Facets        []facet           `json:"facets"`
	SearchDetails *searchDetails    `json:"searchDetails"`
	HitInfo       map[string]*hitInfo
}

func (f *fixture) list(t testing.TB, params url.Values) paged {
	t.Helper()
	res := f.get(t, "/api/v2/studies?"+params.Encode())
	if res.status != http.StatusOK {
		t.Fatalf("studies?%s: status %d: %s", params.Encode(), res.status, res.body)
	}
	var p paged
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// ids returns the NCT IDs of a page's studies.
func (p paged) ids(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, raw := range p.Studies {
		var s struct {
			ProtocolSection struct {
				IdentificationModule struct {
					NCTID string `json:"nctId"`
				} `json:"identificationModule"`
			} `json:"protocolSection"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.ProtocolSection.IdentificationModule.NCTID)
	}
	return out
}

// all pages through a search and returns every NCT ID, in order. Only
// the IDs are asked for: validating thousands of whole records against the
// document would make the tests slow, and other tests check whole records.
func (f *fixture) all(t testing.TB, params url.Values) []string {
	t.Helper()
	params = cloneValues(params)
	params.Set("pageSize", "1000")
	params.Set("fields", "NCTId")
	var out []string
	for {
		p := f.list(t, params)
		out = append(out, p.ids(t)...)
		if p.NextPageToken == "" {
			return out
		}
		params.Set("pageToken", p.NextPageToken)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// count returns how many records satisfy keep.
func (f *fixture) count(keep func(*study.Study) bool) int {
	n := 0
	for i := range f.records {
		if keep(&f.records[i]) {
			n++
		}
	}
	return n
}

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./internal/api -update after checking the change):\n got: %.400s\nwant: %.400s", name, got, want)
	}
}
