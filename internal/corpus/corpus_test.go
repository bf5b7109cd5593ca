package corpus

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/study"
)

const testN = 2000

type generated struct {
	zip     []byte
	stats   Stats
	studies map[string]study.Study // by member name
	sizes   map[string]int
}

// corpus generates one archive for all tests: generating and decoding
// thousands of records under -race takes seconds.
var corpus = sync.OnceValues(func() (*generated, error) {
	g, err := NewGenerator(1)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	st, err := g.Write(context.Background(), &buf, Options{N: testN})
	if err != nil {
		return nil, err
	}
	out := &generated{zip: buf.Bytes(), stats: st, studies: map[string]study.Study{}, sizes: map[string]int{}}
	zr, err := zip.NewReader(bytes.NewReader(out.zip), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Method != zip.Deflate {
			return nil, fmt.Errorf("%s is stored with method %d, not deflate", f.Name, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		// ReadAll through the zip reader checks the CRC at EOF.
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			return nil, fmt.Errorf("%s does not decode: %w", f.Name, err)
		}
		if _, dup := out.studies[f.Name]; dup {
			return nil, fmt.Errorf("member %s twice", f.Name)
		}
		out.studies[f.Name], out.sizes[f.Name] = s, len(raw)
	}
	return out, nil
})

func load(t *testing.T) *generated {
	t.Helper()
	c, err := corpus()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestArchiveHasOneDecodableStudyPerMember(t *testing.T) {
	c := load(t)
	if len(c.studies) != testN || c.stats.Studies != testN {
		t.Fatalf("%d distinct members, %d reported, want %d", len(c.studies), c.stats.Studies, testN)
	}
	ids := map[string]bool{}
	for name, s := range c.studies {
		if name != s.NCTID+".json" {
			t.Errorf("member %s holds %s", name, s.NCTID)
		}
		if !strings.HasPrefix(s.NCTID, "NCT1") {
			t.Errorf("%s is outside the NCT1xxxxxxx range kept for generated studies", s.NCTID)
		}
		if ids[s.NCTID] {
			t.Errorf("%s generated twice", s.NCTID)
		}
		ids[s.NCTID] = true
	}
}

func TestIDsStayDistinctAtFullScale(t *testing.T) {
	g := &Generator{seed: 12345}
	seen := make(map[string]bool, 650_000)
	for i := range 650_000 {
		id := g.NCTID(i)
		if seen[id] || !ctgov.ValidNCTID(id) {
			t.Fatalf("study %d: id %s repeated or invalid", i, id)
		}
		seen[id] = true
	}
}

func TestStatusesFollowTheRegistrysProportions(t *testing.T) {
	c := load(t)
	count := map[string]int{}
	for _, s := range c.studies {
		count[s.OverallStatus]++
	}
	var total float64
	for _, st := range study.Statuses.Strings() {
		want := StatusShare(st)
		total += want
		got := float64(count[st]) / testN
		// Four standard errors of a binomial share, plus a little slack.
		tol := 4*math.Sqrt(want*(1-want)/testN) + 0.003
		if math.Abs(got-want) > tol {
			t.Errorf("%s: %.3f of studies, want %.3f ± %.3f", st, got, want, tol)
		}
	}
	if math.Abs(total-1) > 1e-9 {
		t.Errorf("intended shares add up to %g", total)
	}
	if r := StatusShare("RECRUITING"); r < 0.10 || r > 0.12 {
		t.Errorf("recruiting share %.3f; the registry has about 65,000 of 600,000 studies recruiting", r)
	}
}

func TestMeanSizeIsLikeTheRealRecords(t *testing.T) {
	c := load(t)
	var sum int
	for _, n := range c.sizes {
		sum += n
	}
	mean := float64(sum) / float64(len(c.sizes))
	real := loadReal(t).meanSize
	if mean < 14_000 || mean > 20_000 || mean < 0.8*real || mean > 1.1*real {
		t.Errorf("mean generated record is %.0f bytes; real records average %.0f", mean, real)
	}
	if c.stats.JSONBytes != int64(sum) {
		t.Errorf("Stats.JSONBytes = %d, members hold %d", c.stats.JSONBytes, sum)
	}
}

// realRecord is what the tests compare generated studies with.
type realRecord struct {
	ProtocolSection struct {
		ConditionsModule struct {
			Conditions []string `json:"conditions"`
		} `json:"conditionsModule"`
		ContactsLocationsModule struct {
			Locations []siteKey `json:"locations"`
		} `json:"contactsLocationsModule"`
	} `json:"protocolSection"`
	DerivedSection struct {
		ConditionBrowseModule struct {
			Meshes []struct{ ID string } `json:"meshes"`
		} `json:"conditionBrowseModule"`
	} `json:"derivedSection"`
}

type siteKey struct {
	Facility, City, State, Country string
	GeoPoint                       *struct{ Lat, Lon float64 }
}

func (r *realRecord) conditionsAndMeSH() string {
	var ids []string
	for _, m := range r.DerivedSection.ConditionBrowseModule.Meshes {
		ids = append(ids, m.ID)
	}
	return strings.Join(r.ProtocolSection.ConditionsModule.Conditions, "|") + " / " + strings.Join(ids, "|")
}

func (k siteKey) String() string {
	s := fmt.Sprintf("%s, %s, %s, %s", k.Facility, k.City, k.State, k.Country)
	if k.GeoPoint != nil {
		s += fmt.Sprintf(" (%g, %g)", k.GeoPoint.Lat, k.GeoPoint.Lon)
	}
	return s
}

type realSet struct {
	recs     []realRecord
	meanSize float64
}

// loadReal decodes the bundled v2 records as published, not through
// the generator's loader.
var loadReal = demotest.Once(func(t testing.TB) realSet {
	var rs realSet
	var total int
	for _, line := range demotest.V2(t) {
		var r realRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		rs.recs = append(rs.recs, r)
		total += len(line)
	}
	rs.meanSize = float64(total) / float64(len(rs.recs))
	return rs
})

func TestConditionsMeSHAndSitesComeFromRealRecords(t *testing.T) {
	recs := loadReal(t).recs
	pairs, sites := map[string]bool{}, map[string]bool{}
	for i := range recs {
		pairs[recs[i].conditionsAndMeSH()] = true
		for _, l := range recs[i].ProtocolSection.ContactsLocationsModule.Locations {
			sites[l.String()] = true
		}
	}
	c := load(t)
	distinct := map[string]bool{}
	for name, s := range c.studies {
		var r realRecord
		if err := json.Unmarshal(s.Raw, &r); err != nil {
			t.Fatal(err)
		}
		if !pairs[r.conditionsAndMeSH()] {
			t.Errorf("%s: conditions and MeSH terms %q are not one real record's", name, r.conditionsAndMeSH())
		}
		for _, l := range r.ProtocolSection.ContactsLocationsModule.Locations {
			if !sites[l.String()] {
				t.Errorf("%s: site %q is not a real site", name, l)
			}
			distinct[l.String()] = true
		}
	}
	if len(distinct) < len(sites)/4 {
		t.Errorf("only %d distinct sites of %d real ones used", len(distinct), len(sites))
	}
}

func TestDatesAndFieldsAgreeWithStatus(t *testing.T) {
	c := load(t)
	ref := formatDay(refDay, true)
	oldest := formatDay(refDay-15*365-31, true)
	for name, s := range c.studies {
		d := s.Dates
		order := []study.Date{d.FirstSubmitted, d.FirstPosted, d.LastUpdatePosted}
		for k := 1; k < len(order); k++ {
			if order[k].Value < order[k-1].Value {
				t.Errorf("%s: submitted %s, posted %s, updated %s: out of order", name, d.FirstSubmitted.Value, d.FirstPosted.Value, d.LastUpdatePosted.Value)
			}
		}
		// Month-precision dates compare by their month.
		if month(d.Start) > month(d.PrimaryCompletion) || month(d.PrimaryCompletion) > month(d.Completion) {
			t.Errorf("%s: start %s, primary completion %s, completion %s: out of order", name, d.Start.Value, d.PrimaryCompletion.Value, d.Completion.Value)
		}
		if lu := d.LastUpdatePosted.Value; lu > ref || lu < oldest {
			t.Errorf("%s: last update %s is not within 15 years before %s", name, lu, ref)
		}
		if s.HasResults && s.OverallStatus != "COMPLETED" && s.OverallStatus != "TERMINATED" {
			t.Errorf("%s: %s study has results", name, s.OverallStatus)
		}
		if (s.OverallStatus == "UNKNOWN") != (s.LastKnownStatus != "") {
			t.Errorf("%s: status %s with last known status %q", name, s.OverallStatus, s.LastKnownStatus)
		}
		switch s.OverallStatus {
		case "COMPLETED", "TERMINATED":
			if month(d.Completion) > month(d.LastUpdatePosted) || d.Completion.Estimated {
				t.Errorf("%s: %s but completion %+v after last update %s", name, s.OverallStatus, d.Completion, d.LastUpdatePosted.Value)
			}
		case "RECRUITING", "NOT_YET_RECRUITING":
			if d.PrimaryCompletion.Value <= ref[:len(d.PrimaryCompletion.Value)] || !d.PrimaryCompletion.Estimated {
				t.Errorf("%s: %s but primary completion %+v is not in the future", name, s.OverallStatus, d.PrimaryCompletion)
			}
			if s.Enrollment.Known && !s.Enrollment.Estimated {
				t.Errorf("%s: %s with actual enrollment", name, s.OverallStatus)
			}
		case "WITHDRAWN":
			if s.Enrollment.Known && s.Enrollment.Count != 0 {
				t.Errorf("%s: withdrawn with %d enrolled", name, s.Enrollment.Count)
			}
		}
		for _, l := range s.Locations {
			if l.Status != "" && s.OverallStatus != "RECRUITING" && s.OverallStatus != "UNKNOWN" {
				t.Errorf("%s: %s study has a site %s", name, s.OverallStatus, l.Status)
			}
		}
	}
}

func month(d study.Date) string { return d.Value[:min(7, len(d.Value))] }

func TestSameSeedSameArchive(t *testing.T) {
	write := func(seed uint64, workers int) []byte {
		g, err := NewGenerator(seed)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := g.Write(context.Background(), &buf, Options{N: 300, Workers: workers}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := write(7, 1), write(7, 3)
	if !bytes.Equal(a, b) {
		t.Error("seed 7 gave different archives with 1 and 3 workers")
	}
	if bytes.Equal(a, write(8, 2)) {
		t.Error("seeds 7 and 8 gave the same archive")
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	g, err := NewGenerator(1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var written int
	_, err = g.Write(ctx, io.Discard, Options{N: MaxStudies, Progress: func(s Stats) {
		if written = s.Studies; written == 100 {
			cancel()
		}
	}})
	if err == nil || written >= 100+batchSize {
		t.Errorf("after cancelling at 100 studies: %d written, error %v", written, err)
	}
}

func BenchmarkStudy(b *testing.B) {
	g, err := NewGenerator(1)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	var n int64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		buf = g.Study(buf[:0], i)
		n += int64(len(buf))
	}
	b.ReportMetric(float64(n)/float64(b.N), "bytes/study")
}

// BenchmarkWrite measures the whole pipeline (generate, deflate, zip) on
// all cores; its studies/s gives the time for a full-size corpus.
func BenchmarkWrite(b *testing.B) {
	g, err := NewGenerator(1)
	if err != nil {
		b.Fatal(err)
	}
	const n = 5000
	var st Stats
	b.ResetTimer()
	for b.Loop() {
		if st, err = g.Write(context.Background(), io.Discard, Options{N: n}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(st.JSONBytes)
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "studies/s")
	b.ReportMetric(float64(st.JSONBytes)/float64(st.DeflateBytes), "ratio")
}
