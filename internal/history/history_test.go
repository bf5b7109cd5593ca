package history

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// withSites returns a real record with several sites, a central contact
// and criteria text.
func withSites(t *testing.T) []byte {
	t.Helper()
	for _, raw := range storetest.Records(t) {
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Locations) >= 3 && len(s.CentralContacts) > 0 && strings.Count(s.Eligibility.Criteria, "\n") > 4 && !s.HasResults && s.Enrollment.Known {
			return raw
		}
	}
	t.Fatal("no record with sites, contacts and criteria")
	return nil
}

// edited is the record with the day's edits: status, a site opened, one
// closed, one's status changed, enrollment, a criterion replaced, a
// contact replaced, results posted.
func edited(t *testing.T, raw []byte) []byte {
	return storetest.Edit(t, raw, func(rec map[string]any) {
		sm := storetest.Module(rec, "statusModule")
		sm["overallStatus"] = "ACTIVE_NOT_RECRUITING"
		sm["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02", "type": "ACTUAL"}
		cl := storetest.Module(rec, "contactsLocationsModule")
		locs := cl["locations"].([]any)
		locs[0].(map[string]any)["status"] = "COMPLETED"
		locs = append(locs[:1], locs[2:]...)
		locs = append(locs, map[string]any{"facility": "Massachusetts General Hospital", "city": "Boston", "state": "Massachusetts", "country": "United States", "status": "RECRUITING"})
		cl["locations"] = locs
		cl["centralContacts"] = []any{map[string]any{"name": "Dr. New Contact", "role": "CONTACT"}}
		dm := storetest.Module(rec, "designModule")
		dm["enrollmentInfo"] = map[string]any{"count": 4321, "type": "ACTUAL"}
		em := storetest.Module(rec, "eligibilityModule")
		lines := strings.Split(em["eligibilityCriteria"].(string), "\n")
		lines[len(lines)-1] = "* A new exclusion criterion"
		em["eligibilityCriteria"] = strings.Join(lines, "\n")
		rec["hasResults"] = true
	})
}

func decode(t *testing.T, raw []byte) study.Study {
	t.Helper()
	s, err := ctgov.DecodeV2(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiff(t *testing.T) {
	raw := withSites(t)
	old, new := decode(t, raw), decode(t, edited(t, raw))
	changes := Diff(&old, &new)
	var fields []string
	summaries := map[string]bool{}
	for _, c := range changes {
		fields = append(fields, c.Field)
		summaries[c.Summary] = true
	}
	for _, want := range []string{
		"Status: " + study.Statuses.Label(old.OverallStatus) + " → Active, not recruiting",
		"Results posted",
		"A site opened in Boston, Massachusetts (Massachusetts General Hospital)",
		"A site closed in " + place(old.Locations[1]) + facility(old.Locations[1]),
		"Site in " + place(old.Locations[0]) + facility(old.Locations[0]) + ": " + siteStatus(old.Locations[0].Status) + " → Completed",
		"Contact added: Dr. New Contact",
		"Contact removed: " + old.CentralContacts[0].Name,
		"Eligibility criteria changed: 1 line added, 1 line removed",
	} {
		if !summaries[want] {
			t.Errorf("no change %q among %q", want, slices.Sorted(maps.Keys(summaries)))
		}
	}
	if !slices.Contains(fields, "EnrollmentCount") || !slices.Contains(fields, "LocationStatus") {
		t.Errorf("fields %v", fields)
	}
	if len(Diff(&old, &old)) != 0 {
		t.Errorf("a version differs from itself: %v", Diff(&old, &old))
	}
}

func TestLines(t *testing.T) {
	got := Lines("a\nb\nc\n\nd", "a\nc\nx\nd\n")
	want := []Line{{' ', "a"}, {'-', "b"}, {' ', "c"}, {'+', "x"}, {' ', "d"}}
	if !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func TestHandler(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw := withSites(t)
	for _, r := range [][]byte{raw, edited(t, raw)} {
		if _, err := st.Upsert(t.Context(), []study.Study{decode(t, r)}); err != nil {
			t.Fatal(err)
		}
	}
	id := decode(t, raw).NCTID
	mux := http.NewServeMux()
	mux.Handle(Pattern, Handler(st, nil))
	get := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.Bytes()
	}
	code, body := get("/api/v2/studies/" + id + "/history")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var doc struct {
		NCTID    string `json:"nctId"`
		Versions []struct {
			Version            int
			LastUpdatePostDate string
			SeenAt             string
			Changes            []struct{ Field, Summary string }
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.NCTID != id || len(doc.Versions) != 2 || doc.Versions[0].Version != 1 || doc.Versions[1].LastUpdatePostDate != "2099-01-02" ||
		len(doc.Versions[0].Changes) != 0 || len(doc.Versions[1].Changes) < 8 {
		t.Fatalf("history %s", body)
	}
	if _, err := time.Parse(time.RFC3339, doc.Versions[1].SeenAt); err != nil {
		t.Errorf("seenAt: %v", err)
	}
	if c := doc.Versions[1].Changes[0]; c.Field != "OverallStatus" || !strings.HasPrefix(c.Summary, "Status: ") {
		t.Errorf("first change %+v", c)
	}
	for path, want := range map[string]int{"/api/v2/studies/NCT99999999/history": 404, "/api/v2/studies/banana/history": 400} {
		if code, body := get(path); code != want || !json.Valid(body) {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
}

// TestSummaries gives what Of gives but the records, for a study seen
// once and one seen three times.
func TestSummaries(t *testing.T) {
	raw := withSites(t)
	seen := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	all := []study.Version{
		{Version: 1, LastUpdatePosted: "2021-01-01", SeenAt: seen, Raw: raw},
		{Version: 2, LastUpdatePosted: "2099-01-02", SeenAt: seen.Add(time.Hour), Raw: edited(t, raw)},
		{Version: 3, LastUpdatePosted: "2099-01-03", SeenAt: seen.Add(2 * time.Hour), Raw: raw},
	}
	for _, stored := range [][]study.Version{all[:1], all} {
		want, err := Of(stored)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Summaries(stored)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i].Study.NCTID != "" || want[i].Study.NCTID == "" {
				t.Errorf("version %d: record %q, Of's %q", i+1, got[i].Study.NCTID, want[i].Study.NCTID)
			}
			want[i].Study = study.Study{}
		}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Errorf("%d versions: Summaries\n%s\nOf\n%s", len(stored), g, w)
		}
	}
	if got, _ := Summaries(all); len(got[1].Changes) < 8 || len(got[2].Changes) < 8 {
		t.Errorf("changes %d and %d", len(got[1].Changes), len(got[2].Changes))
	}
}
