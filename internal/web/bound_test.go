package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
)

// TestHugeRecordPageIsBounded serves the trial page of the reference
// record grown past every bound (megabytes of description and criteria,
// 20,000 sites, 5,000 conditions, 1,000 groups): the page stays under
// MaxPageBytes and links the full record.
func TestHugeRecordPageIsBounded(t *testing.T) {
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	ps := rec["protocolSection"].(map[string]any)
	words := strings.Repeat("Participants will be followed closely by the study team. ", 60000) // 3.4 MB
	ps["descriptionModule"] = map[string]any{"briefSummary": "Opening words of the summary. " + words, "detailedDescription": words}
	var crit strings.Builder
	crit.WriteString("Inclusion Criteria:\n\n")
	for i := range 20000 {
		fmt.Fprintf(&crit, "* Criterion number %d with some words\n", i)
	}
	ps["eligibilityModule"].(map[string]any)["eligibilityCriteria"] = crit.String()
	var locs, conds, arms []any
	for i := range 20000 {
		locs = append(locs, map[string]any{"facility": fmt.Sprintf("Hospital %d", i), "city": "Boston", "state": "Massachusetts",
			"country": "United States", "status": "RECRUITING", "geoPoint": map[string]any{"lat": 42.36, "lon": -71.06}})
	}
	for i := range 5000 {
		conds = append(conds, fmt.Sprintf("Condition %d", i))
		if i < 1000 {
			arms = append(arms, map[string]any{"label": fmt.Sprintf("Arm %d", i), "description": words[:20000]})
		}
	}
	ps["contactsLocationsModule"].(map[string]any)["locations"] = locs
	ps["conditionsModule"].(map[string]any)["conditions"] = conds
	if aim, ok := ps["armsInterventionsModule"].(map[string]any); ok {
		aim["armGroups"] = arms
	}
	huge, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ctgov.DecodeV2(huge)
	if err != nil {
		t.Fatal(err)
	}
	st := demotest.New(t, []study.Study{s})
	ix, err := search.Build(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Views: view.Static(&view.View{Index: ix}), Studies: st})
	if err != nil {
		t.Fatal(err)
	}
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest(http.MethodGet, "/study/"+s.NCTID, nil))
	body := rec2.Body.String()
	if rec2.Code != http.StatusOK || len(body) > MaxPageBytes || len(huge) < 4*MaxPageBytes {
		t.Fatalf("a %d MB record: status %d, a page of %d KB (limit %d KB)", len(huge)>>20, rec2.Code, len(body)>>10, MaxPageBytes>>10)
	}
	t.Logf("a %d MB record gives a page of %d KB", len(huge)>>20, len(body)>>10)
	d := parse(t, body)
	note := d.all(".clipped a")
	if len(note) != 1 || attr(note[0], "href") != "/api/v2/studies/"+s.NCTID || !strings.Contains(body, "Opening words of the summary.") {
		t.Errorf("the page does not say it is shortened and link the full record")
	}
}
