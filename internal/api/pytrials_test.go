package api

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestPytrialsCalls replays the requests of the pytrials 1.0.0 client
// (github.com/jvfe/pytrials), a third-party Python client of the
// ClinicalTrials.gov API v2, over HTTP. pytrials cannot be installed here
// (no PyPI), so the requests are written from its documented calls: its
// README's get_full_studies, get_study_fields (CSV column names) and
// get_study_count, and its client building each URL by string
// concatenation, the search expression unescaped ("+" for a space), with
// markupFormat=legacy on every studies call; requests percent-encodes the
// spaces of the fields list. Each answer is read as pytrials reads it.
func TestPytrialsCalls(t *testing.T) {
	f := getFixture(t)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	base := srv.URL + "/api/v2/"
	get := func(path string) []byte {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		return body
	}
	const expr = "breast+cancer"
	want := f.all(t, vals("query.term", "breast cancer"))
	if len(want) < 5 {
		t.Fatalf("the demo data has %d breast cancer studies", len(want))
	}

	// ClinicalTrials(): api_info from /version.
	var v struct{ APIVersion, DataTimestamp string }
	if err := json.Unmarshal(get("version"), &v); err != nil || v.APIVersion == "" || v.DataTimestamp == "" {
		t.Errorf("version: %+v %v", v, err)
	}

	// get_full_studies(search_expr, max_studies=50, fmt="json"), then the
	// next page with page_token.
	var page struct {
		Studies       []json.RawMessage
		NextPageToken string
	}
	if err := json.Unmarshal(get("studies?format=json&markupFormat=legacy&query.term="+expr+"&pageSize=2"), &page); err != nil || len(page.Studies) != 2 || page.NextPageToken == "" {
		t.Fatalf("full studies: %d studies, token %q, %v", len(page.Studies), page.NextPageToken, err)
	}
	var next struct{ Studies []json.RawMessage }
	if err := json.Unmarshal(get("studies?format=json&markupFormat=legacy&query.term="+expr+"&pageSize=2&pageToken="+page.NextPageToken), &next); err != nil || len(next.Studies) != 2 {
		t.Errorf("next page: %d studies, %v", len(next.Studies), err)
	}

	// get_full_studies(fmt="csv") and get_study_fields(fmt="csv"): pytrials
	// parses the body with csv.reader, first row the header.
	readCSV := func(body []byte) [][]string {
		t.Helper()
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if rows := readCSV(get("studies?format=csv&markupFormat=legacy&query.term=" + expr + "&pageSize=50")); len(rows) != min(50, len(want))+1 || rows[0][0] != "NCT Number" {
		t.Errorf("full studies as CSV: %d rows, header %q", len(rows), rows[0])
	}
	rows := readCSV(get("studies?format=csv&markupFormat=legacy&query.term=" + expr + "&pageSize=1000&fields=NCT%20Number,Conditions,Study%20Title"))
	if !slices.Equal(rows[0], []string{"NCT Number", "Study Title", "Conditions"}) || len(rows) != len(want)+1 {
		t.Errorf("study fields as CSV: header %q, %d rows for %d studies", rows[0], len(rows), len(want))
	}
	for _, row := range rows[1:] {
		if !slices.Contains(want, row[0]) {
			t.Errorf("%s is not a breast cancer study", row[0])
		}
	}

	// get_study_fields(fmt="json") with piece names.
	var fields struct {
		Studies []struct {
			ProtocolSection map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(get("studies?format=json&markupFormat=legacy&query.term="+expr+"&pageSize=1000&fields=NCTId,Condition,BriefTitle"), &fields); err != nil || len(fields.Studies) != len(want) {
		t.Fatalf("study fields as JSON: %d studies, %v", len(fields.Studies), err)
	}
	for _, s := range fields.Studies {
		if len(s.ProtocolSection) != 2 { // identificationModule and conditionsModule
			t.Errorf("projected study has %d modules", len(s.ProtocolSection))
		}
	}

	// get_study_count(search_expr): totalCount of a one-study page.
	var count struct{ TotalCount int }
	if err := json.Unmarshal(get("studies?format=json&markupFormat=legacy&query.term="+expr+"&countTotal=true&pageSize=1"), &count); err != nil || count.TotalCount != len(want) {
		t.Errorf("study count %d, want %d (%v)", count.TotalCount, len(want), err)
	}
}
