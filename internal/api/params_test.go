package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestEveryOfficialExample sends every example value the official
// document gives for a parameter of /studies and /studies/{nctId}; each
// must be understood (a 200, validated by get), not refused.
func TestEveryOfficialExample(t *testing.T) {
	f := getFixture(t)
	doc, err := loadOfficial()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, base := range map[string]string{"/studies": "/api/v2/studies", "/studies/{nctId}": "/api/v2/studies/" + f.records[0].NCTID,
		"/stats/field/values": "/api/v2/stats/field/values", "/stats/field/sizes": "/api/v2/stats/field/sizes"} {
		for _, p := range doc.Paths.Value(path).Get.Parameters {
			if p.Value.In != "query" {
				continue
			}
			for name, ex := range p.Value.Examples {
				v := exampleValue(ex.Value.Value)
				q := url.Values{p.Value.Name: {v}}
				switch p.Value.Name {
				case "geoDecay", "sort":
					q.Set("filter.geo", "distance(39.0035707,-77.1013313,5000mi)")
				case "pageToken":
					continue // the document gives none
				}
				if path == "/studies/{nctId}" && p.Value.Name == "fields" {
					// Upstream's example names a piece only results have.
					v = strings.ReplaceAll(v, ",Reference", "")
					q.Set("fields", v)
				}
				res := f.get(t, base+"?"+q.Encode())
				n++
				if res.status != http.StatusOK {
					t.Errorf("%s %s %s=%s: %d %s", path, name, p.Value.Name, v, res.status, res.body)
				}
			}
		}
	}
	if n < 25 {
		t.Errorf("only %d examples tried", n)
	}
}

// exampleValue writes an example as a query value: a list comma-separated.
func exampleValue(v any) string {
	if list, ok := v.([]any); ok {
		var parts []string
		for _, x := range list {
			parts = append(parts, exampleValue(x))
		}
		return strings.Join(parts, ",")
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLegacyMarkup(t *testing.T) {
	f := getFixture(t)
	var s *study.Study
	for i := range f.records {
		if strings.Contains(f.records[i].Eligibility.Criteria, `\`) {
			s = &f.records[i]
			break
		}
	}
	if s == nil {
		t.Fatal("no demo record has a Markdown escape")
	}
	md := f.get(t, "/api/v2/studies/"+s.NCTID)
	legacy := f.get(t, "/api/v2/studies/"+s.NCTID+"?markupFormat=legacy")
	got, err := ctgov.DecodeV2(bytes.TrimSpace(legacy.body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Eligibility.Criteria, `\`) || got.Eligibility.Criteria != unescapeMarkdown(s.Eligibility.Criteria) {
		t.Errorf("legacy criteria still escaped: %.300q", got.Eligibility.Criteria)
	}
	if got.BriefTitle != s.BriefTitle || len(got.Locations) != len(s.Locations) || len(legacy.body) >= len(md.body) {
		t.Errorf("legacy changed more than the markup: %d vs %d bytes", len(legacy.body), len(md.body))
	}
	// The list is rewritten the same way.
	p := f.list(t, vals("filter.ids", s.NCTID, "markupFormat", "legacy"))
	if len(p.Studies) != 1 || !bytes.Equal(bytes.TrimSpace(p.Studies[0]), bytes.TrimSpace(legacy.body)) {
		t.Errorf("list and single study differ in legacy form")
	}
	if unescapeMarkdown(`a \> b \\ c \d`) != `a > b \ c \d` {
		t.Errorf("unescape: %q", unescapeMarkdown(`a \> b \\ c \d`))
	}
}

func TestPatientAreaAndSynonyms(t *testing.T) {
	f := getFixture(t)
	term := f.all(t, vals("query.term", "asthma"))
	patient := f.all(t, vals("query.patient", "asthma"))
	if len(term) == 0 || !slices.Equal(term, patient) {
		t.Errorf("query.patient found %d, query.term %d", len(patient), len(term))
	}
	with := f.all(t, vals("query.cond", "cancer", "filter.synonyms", "ConditionSearch:1651367|BasicSearch:2013558"))
	without := f.all(t, vals("query.cond", "cancer"))
	if len(with) == 0 || !slices.Equal(with, without) {
		t.Errorf("filter.synonyms changed the results: %d vs %d", len(with), len(without))
	}
}

func TestGeoDecay(t *testing.T) {
	f := getFixture(t)
	base := vals("query.cond", "cancer", "filter.geo", "distance(42.36,-71.06,300mi)", "extensions", "hitInfo", "pageSize", "1000", "fields", "NCTId")
	plain := f.list(t, base)
	decayed := cloneValues(base)
	decayed.Set("geoDecay", "func:linear,scale:100km,offset:10km,decay:0.1")
	d := f.list(t, decayed)
	if len(plain.Studies) < 5 || len(d.Studies) != len(plain.Studies) {
		t.Fatalf("%d and %d studies", len(plain.Studies), len(d.Studies))
	}
	fn := search.Decay{Func: "linear", ScaleKm: 100, OffsetKm: 10, Value: 0.1}
	// The decay is by the nearest site of any status; hitInfo's nearest
	// site prefers a recruiting one, which may be farther, so its factor
	// is a lower bound, and usually the very one.
	changed, exact := 0, 0
	for id, h := range plain.HitInfo {
		dh := d.HitInfo[id]
		low := h.Score * fn.Factor(h.NearestSite.DistanceKm)
		if dh.Score < low-1e-3-low*1e-3 || dh.Score > h.Score+1e-3 {
			t.Errorf("%s: decayed score %v, want between %v × %v and %v", id, dh.Score, h.Score, fn.Factor(h.NearestSite.DistanceKm), h.Score)
		}
		if math.Abs(dh.Score-low) <= 1e-3+low*1e-3 {
			exact++
		}
		if dh.Score != h.Score {
			changed++
		}
	}
	if changed == 0 || exact < len(plain.HitInfo)*3/4 {
		t.Errorf("geoDecay changed %d scores, %d of %d as hitInfo's distance says", changed, exact, len(plain.HitInfo))
	}
	if fn.Factor(5) != 1 || math.Abs(fn.Factor(110)-0.1) > 1e-9 {
		t.Errorf("linear decay: %v at the offset, %v at offset+scale", fn.Factor(5), fn.Factor(110))
	}
	for _, name := range []string{"gauss", "exp"} {
		g := search.Decay{Func: name, ScaleKm: 50, OffsetKm: 0, Value: 0.3}
		if math.Abs(g.Factor(50)-0.3) > 1e-9 || g.Factor(0) != 1 {
			t.Errorf("%s decay: %v at the scale", name, g.Factor(50))
		}
	}
}

func TestSortByArmGroups(t *testing.T) {
	f := getFixture(t)
	ids := f.all(t, vals("query.cond", "cancer", "sort", "EnrollmentCount:desc|NumArmGroups"))
	for i := 1; i < len(ids); i++ {
		a, b := f.byID[ids[i-1]], f.byID[ids[i]]
		ea, eb := enrollment(a), enrollment(b)
		if ea < eb || ea == eb && len(a.Arms) > len(b.Arms) {
			t.Fatalf("%s (%d, %d arms) before %s (%d, %d arms)", a.NCTID, ea, len(a.Arms), b.NCTID, eb, len(b.Arms))
		}
	}
}

func enrollment(s *study.Study) int {
	if !s.Enrollment.Known {
		return -1
	}
	return s.Enrollment.Count
}

func TestPageSizeCap(t *testing.T) {
	f := getFixture(t)
	if p := f.list(t, vals("pageSize", "5000", "fields", "NCTId")); len(p.Studies) != 1000 {
		t.Errorf("JSON pageSize=5000: %d studies", len(p.Studies))
	}
	res := f.get(t, "/api/v2/studies?format=csv&pageSize=5000&fields=NCTId")
	rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 1001 {
		t.Errorf("CSV pageSize=5000: %d rows, %v", len(rows), err)
	}
}

func TestCSVFieldsAsPieces(t *testing.T) {
	f := getFixture(t)
	res := f.get(t, "/api/v2/studies?format=csv&pageSize=3&fields=NCTId,BriefTitle,Condition")
	rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 4 || !slices.Equal(rows[0], []string{"NCT Number", "Study Title", "Conditions"}) {
		t.Fatalf("%v %q", err, rows)
	}
	if s := f.byID[rows[1][0]]; s == nil || rows[1][1] != s.BriefTitle {
		t.Errorf("row %q", rows[1])
	}
}

func TestSingleStudyFormats(t *testing.T) {
	f := getFixture(t)
	var s *study.Study
	for i := range f.records {
		if len(f.records[i].Phases) == 1 && len(f.records[i].Conditions) > 0 && f.records[i].OverallStatus == "RECRUITING" {
			s = &f.records[i]
			break
		}
	}
	res := f.get(t, "/api/v2/studies/"+s.NCTID+"?format=fhir.json")
	var fh struct {
		ResourceType, ID, Status, Title string
		Identifier                      []struct{ System, Value string }
		Condition                       []struct{ Text string }
		Phase                           struct{ Coding []struct{ Code string } }
	}
	if err := json.Unmarshal(res.body, &fh); err != nil || res.header.Get("Content-Type") != "application/fhir+json" {
		t.Fatalf("fhir: %v %v", err, res.header)
	}
	if fh.ResourceType != "ResearchStudy" || fh.ID != s.NCTID || fh.Status != "active" || fh.Identifier[0].Value != s.NCTID ||
		len(fh.Condition) != len(s.Conditions) || fh.Condition[0].Text != s.Conditions[0] || len(fh.Phase.Coding) != 1 {
		t.Errorf("fhir: %+v", fh)
	}
	ris := f.get(t, "/api/v2/studies/"+s.NCTID+"?format=ris")
	lines := strings.Split(strings.TrimSpace(string(ris.body)), "\r\n")
	if lines[0] != "TY  - DBASE" || lines[len(lines)-1] != "ER  -" || !slices.Contains(lines, "ID  - "+s.NCTID) ||
		!slices.Contains(lines, "TI  - "+strings.Join(strings.Fields(s.BriefTitle), " ")) {
		t.Errorf("ris: %q", lines)
	}
	if only := f.get(t, "/api/v2/studies/"+s.NCTID+"?format=ris&fields=TI"); strings.Count(string(only.body), "\r\n") != 3 {
		t.Errorf("ris with fields=TI: %q", only.body)
	}
	z := f.get(t, "/api/v2/studies/"+s.NCTID+"?format=json.zip")
	zr, err := zip.NewReader(bytes.NewReader(z.body), int64(len(z.body)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != s.NCTID+".json" {
		t.Fatalf("json.zip: %v", err)
	}
	rc, _ := zr.File[0].Open()
	body, _ := io.ReadAll(rc)
	if !bytes.Equal(body, s.Raw) {
		t.Errorf("json.zip holds %d bytes, the record %d", len(body), len(s.Raw))
	}
}

func TestFieldStats(t *testing.T) {
	f := getFixture(t)
	var meta []struct {
		Name, Piece, SourceType, Type string
		Children                      []json.RawMessage
	}
	if res := f.get(t, "/api/v2/studies/metadata"); json.Unmarshal(res.body, &meta) != nil || len(meta) < 3 || meta[0].SourceType == "" {
		t.Fatalf("metadata: %.300s", res.body)
	}
	var values []struct {
		Field, Piece, Type  string
		MissingStudiesCount int
		TopValues           []valueCount
		Min, Max            any
	}
	res := f.get(t, "/api/v2/stats/field/values?fields=OverallStatus,EnrollmentCount")
	if err := json.Unmarshal(res.body, &values); err != nil || len(values) != 2 {
		t.Fatalf("values: %v %.300s", err, res.body)
	}
	statuses := map[string]int{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range f.records {
		statuses[s.OverallStatus]++
		if s.Enrollment.Known {
			lo, hi = min(lo, float64(s.Enrollment.Count)), max(hi, float64(s.Enrollment.Count))
		}
	}
	for _, v := range values {
		switch v.Piece {
		case "OverallStatus":
			if v.Type != "ENUM" || len(v.TopValues) != len(statuses) {
				t.Errorf("OverallStatus: %+v, want %d values", v, len(statuses))
			}
			for _, tv := range v.TopValues {
				if statuses[tv.Value] != tv.StudiesCount {
					t.Errorf("%s: %d studies, the records have %d", tv.Value, tv.StudiesCount, statuses[tv.Value])
				}
			}
		case "EnrollmentCount":
			if v.Type != "INTEGER" || v.Min != lo || v.Max != hi {
				t.Errorf("EnrollmentCount: %+v, want %v..%v", v, lo, hi)
			}
		default:
			t.Errorf("unasked field %s", v.Field)
		}
	}
	var sizes []listSizes
	res = f.get(t, "/api/v2/stats/field/sizes?fields=Condition")
	if err := json.Unmarshal(res.body, &sizes); err != nil || len(sizes) != 1 {
		t.Fatalf("sizes: %v %.300s", err, res.body)
	}
	bySize := map[int]int{}
	for _, s := range f.records {
		if len(s.Conditions) > 0 {
			bySize[len(s.Conditions)]++
		}
	}
	if sizes[0].UniqueSizesCount != len(bySize) {
		t.Errorf("condition list sizes: %d distinct, records have %d", sizes[0].UniqueSizesCount, len(bySize))
	}
	for _, ts := range sizes[0].TopSizes {
		if bySize[ts.Size] != ts.StudiesCount {
			t.Errorf("%d conditions: %d studies, records have %d", ts.Size, ts.StudiesCount, bySize[ts.Size])
		}
	}
	if res := f.get(t, "/api/v2/stats/field/sizes?fields=Nope"); res.status != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.status)
	}
	if res := f.get(t, "/api/v2/stats/field/values?types=COLOUR"); res.status != http.StatusBadRequest {
		t.Errorf("unknown type: %d", res.status)
	}
}

func TestDownload(t *testing.T) {
	f := getFixture(t)
	want := f.all(t, vals("query.cond", "cancer"))
	res := f.get(t, "/api/v2/studies/download?format=csv&query.cond=cancer&fields=NCTId")
	rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != len(want)+1 || !strings.HasPrefix(res.header.Get("Content-Disposition"), `attachment; filename="trialfinder-studies-`) {
		t.Fatalf("download: %v, %d rows for %d studies, %v", err, len(rows), len(want), res.header)
	}
	for i, row := range rows[1:] {
		if row[0] != want[i] {
			t.Fatalf("row %d: %s, want %s", i, row[0], want[i])
		}
	}
	if res.header.Get("X-Export-Notice") != "" {
		t.Errorf("a whole download has a notice: %q", res.header.Get("X-Export-Notice"))
	}
	// Past the limit: cut, with a notice.
	a, err := New(Config{Views: f.views, Records: f.store, Stats: f.store, ExportLimit: 1500})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/studies/download?fields=NCTId", nil))
	var out struct {
		TotalCount int
		Studies    []json.RawMessage
		Notice     string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Studies) != 1500 || out.TotalCount != len(f.records) ||
		!strings.Contains(out.Notice, "1500") || rec.Header().Get("X-Export-Notice") == "" {
		t.Errorf("limited download: %v, %d studies of %d, notice %q", err, len(out.Studies), out.TotalCount, out.Notice)
	}
	if res := f.get(t, "/api/v2/studies/download?pageSize=5"); res.status != http.StatusBadRequest {
		t.Errorf("download with pageSize: %d", res.status)
	}
}

// TestCSVFormulaNeutralised: a cell a spreadsheet would run as a formula
// starts with an apostrophe instead.
func TestCSVFormulaNeutralised(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2+3": "'-2+3",
		"@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "Asthma": "Asthma", "": "", "a=b": "a=b"} {
		if got := neutralize(in); got != want {
			t.Errorf("neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

// countingRecords counts the records read.
type countingRecords struct {
	Records
	n atomic.Int64
}

func (c *countingRecords) AppendRaw(ctx context.Context, dst []byte, id string) ([]byte, error) {
	c.n.Add(1)
	return c.Records.AppendRaw(ctx, dst, id)
}

// goneClient is a client that stops reading after limit bytes: its
// writes fail and its request's context ends.
type goneClient struct {
	*httptest.ResponseRecorder
	limit  int
	cancel context.CancelFunc
}

func (g *goneClient) Write(p []byte) (int, error) {
	if g.Body.Len()+len(p) > g.limit {
		g.cancel()
		return 0, errors.New("connection reset by peer")
	}
	return g.ResponseRecorder.Write(p)
}

// TestExportStopsWhenClientGoes: a download whose client leaves stops
// reading the store and cuts the response.
func TestExportStopsWhenClientGoes(t *testing.T) {
	f := getFixture(t)
	recs := &countingRecords{Records: f.store}
	a, err := New(Config{Views: f.views, Records: recs, Stats: f.store})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "json"} {
		recs.n.Store(0)
		ctx, cancel := context.WithCancel(context.Background())
		w := &goneClient{ResponseRecorder: httptest.NewRecorder(), limit: 100 << 10, cancel: cancel}
		func() {
			defer func() {
				if v := recover(); v != http.ErrAbortHandler {
					t.Errorf("%s: handler ended with %v, want the connection cut", format, v)
				}
			}()
			a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v2/studies/download?format="+format, nil).WithContext(ctx))
		}()
		if n := recs.n.Load(); n == 0 || n > int64(len(f.records)/2) {
			t.Errorf("%s: %d of %d records read after the client left at 100 KB", format, n, len(f.records))
		}
	}
}
