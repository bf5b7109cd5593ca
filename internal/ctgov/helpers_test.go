package ctgov

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/klauspost/compress/zstd"
)

const (
	bulkZip  = "testdata/v2/ctg-studies.json.zip"
	page5    = "testdata/v2/page_5_studies_full.json"
	page1    = "testdata/v2/page_1_study_full_with_totalcount.json"
	xmlDir   = "testdata/xml"
	sampleNC = "NCT00000410.json"
)

// member is one file of a test archive.
type member struct {
	name string
	data []byte
}

// v2Samples returns the pretty-printed API v2 sample records from the
// bulk zip, read with the standard library, in member order.
func v2Samples(t testing.TB) []member {
	t.Helper()
	zr, err := zip.OpenReader(bulkZip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []member
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{f.Name, b})
	}
	if len(out) != 29 {
		t.Fatalf("%s holds %d records, want 29", bulkZip, len(out))
	}
	return out
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	for _, m := range v2Samples(t) {
		if filepath.Base(m.name) == name {
			return m.data
		}
	}
	t.Fatalf("no sample %s", name)
	return nil
}

// xmlSamples returns the legacy XML test records in name order.
func xmlSamples(t testing.TB) []member {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(xmlDir, "*.xml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no XML samples: %v", err)
	}
	sort.Strings(names)
	var out []member
	for _, n := range names {
		out = append(out, member{filepath.Base(n), readFile(t, n)})
	}
	return out
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonNCT reads a v2 record's NCT ID independently of the decoder.
func jsonNCT(t testing.TB, data []byte) string {
	t.Helper()
	var s struct {
		ProtocolSection struct {
			IdentificationModule struct {
				NCTID string `json:"nctId"`
			} `json:"identificationModule"`
		} `json:"protocolSection"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s.ProtocolSection.IdentificationModule.NCTID
}

var xmlNCTPattern = regexp.MustCompile(`<nct_id>(NCT\d{8})</nct_id>`)

func xmlNCT(t testing.TB, data []byte) string {
	t.Helper()
	m := xmlNCTPattern.FindSubmatch(data)
	if m == nil {
		t.Fatal("XML sample has no nct_id")
	}
	return string(m[1])
}

func compactJSON(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t testing.TB, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func tarOf(t testing.TB, members []member) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, m := range members {
		if err := w.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipOf(t testing.TB, members []member) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, m := range members {
		f, err := w.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func scanAll(t testing.TB, path string) []Entry {
	t.Helper()
	var out []Entry
	var s Scanner
	if err := s.Scan(context.Background(), path, func(e Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatalf("Scan(%s) = %v", path, err)
	}
	return out
}

// prefixed returns members renamed under dir.
func prefixed(dir string, ms []member) []member {
	out := make([]member, len(ms))
	for i, m := range ms {
		out[i] = member{dir + "/" + m.name, m.data}
	}
	return out
}
