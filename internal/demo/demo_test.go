package demo_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
)

var nctPattern = regexp.MustCompile(`^NCT\d{8}$`)

type xmlStudy struct {
	Rank          string `xml:"rank,attr"`
	NCTID         string `xml:"id_info>nct_id"`
	OverallStatus string `xml:"overall_status"`
	StudyType     string `xml:"study_type"`
	Phase         string `xml:"phase"`
}

type contents struct {
	v2  []string // NCT IDs, in file order
	xml []xmlStudy
}

// load decodes the bundled files once for all tests: decoding under
// -race is slow.
var load = demotest.Once(func(t testing.TB) contents {
	var c contents
	for i, line := range demotest.V2(t) {
		var s struct {
			ProtocolSection struct {
				IdentificationModule struct {
					NctID string `json:"nctId"`
				} `json:"identificationModule"`
			} `json:"protocolSection"`
			DerivedSection json.RawMessage `json:"derivedSection"`
		}
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("v2 line %d: %v", i+1, err)
		}
		id := s.ProtocolSection.IdentificationModule.NctID
		if !nctPattern.MatchString(id) || len(s.DerivedSection) == 0 {
			t.Fatalf("v2 line %d: nctId %q, derivedSection %d bytes: not a full study record", i+1, id, len(s.DerivedSection))
		}
		c.v2 = append(c.v2, id)
	}
	for _, m := range demotest.XML(t) {
		var s xmlStudy
		if err := xml.Unmarshal(m.Data, &s); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if m.Name != s.NCTID+".xml" || !nctPattern.MatchString(s.NCTID) {
			t.Fatalf("member %s holds nct_id %q", m.Name, s.NCTID)
		}
		c.xml = append(c.xml, s)
	}
	return c
})

func TestRecordsAreDistinctAndFormatsDoNotOverlap(t *testing.T) {
	c := load(t)
	v2, xs := c.v2, c.xml
	// Far fewer would not be the curated set but a truncated or stub file.
	if len(v2) < 1000 || len(xs) < 500 {
		t.Fatalf("only %d v2 and %d XML records bundled", len(v2), len(xs))
	}
	seen := map[string]string{}
	for _, id := range v2 {
		if seen[id] != "" {
			t.Errorf("%s bundled twice as v2", id)
		}
		seen[id] = "v2"
	}
	for _, s := range xs {
		if seen[s.NCTID] != "" {
			t.Errorf("%s bundled as XML and also as %s", s.NCTID, seen[s.NCTID])
		}
		seen[s.NCTID] = "xml"
	}
}

func TestXMLCoversEveryKindOfRecord(t *testing.T) {
	has := map[string]bool{}
	for _, s := range load(t).xml {
		has["status "+s.OverallStatus] = true
		has["type "+s.StudyType] = true
		has["phase "+s.Phase] = true
		has[fmt.Sprintf("rank variant %t", s.Rank != "")] = true
	}
	for _, want := range []string{
		"status Available", "status No longer available", "status Approved for marketing", "status Withheld",
		"status Recruiting", "status Not yet recruiting", "status Completed", "status Terminated", "status Withdrawn",
		"status Suspended", "status Unknown status", "status Active, not recruiting", "status Enrolling by invitation",
		"type Expanded Access", "type Observational [Patient Registry]", "type Interventional", "type Observational",
		"phase Early Phase 1", "phase Phase 1", "phase Phase 2", "phase Phase 3", "phase Phase 4", "phase N/A",
		"rank variant true", "rank variant false",
	} {
		if !has[want] {
			t.Errorf("no bundled XML record with %s", want)
		}
	}
}

// The manifest is written by the curation tool alongside the data; a data
// file rebuilt without it (or edited by hand) shows up here.
func TestManifestListsExactlyTheBundledRecords(t *testing.T) {
	b, err := os.ReadFile("MANIFEST.tsv")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		listed[f[0]] = f[2]
	}
	c := load(t)
	inData := map[string]string{}
	for _, id := range c.v2 {
		inData[id] = demo.Files[0]
	}
	for _, s := range c.xml {
		inData[s.NCTID] = demo.Files[1]
	}
	for id, file := range inData {
		if listed[id] != file {
			t.Errorf("%s is in %s but the manifest says %q", id, file, listed[id])
		}
	}
	if len(listed) != len(inData) {
		t.Errorf("manifest lists %d records, %d are bundled", len(listed), len(inData))
	}
}

func TestDescribeStatesTheCounts(t *testing.T) {
	d, c := demo.Describe(), load(t)
	if strings.Contains(d, "\n") {
		t.Errorf("Describe is more than one line: %q", d)
	}
	for _, n := range []int{len(c.v2), len(c.xml)} {
		if !strings.Contains(d, fmt.Sprintf("%d ", n)) {
			t.Errorf("demo.Describe() = %q does not state the count %d", d, n)
		}
	}
}
