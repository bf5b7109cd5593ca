package ctgov

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// want is one record a scan must deliver, in order.
type want struct {
	entry  string
	nct    string
	format Format
}

func jsonWants(t *testing.T, ms []member, label func(i int, m member) string) []want {
	var out []want
	for i, m := range ms {
		out = append(out, want{label(i, m), jsonNCT(t, m.data), FormatV2JSON})
	}
	return out
}

func xmlWants(t *testing.T, ms []member, label func(i int, m member) string) []want {
	var out []want
	for i, m := range ms {
		out = append(out, want{label(i, m), xmlNCT(t, m.data), FormatXML})
	}
	return out
}

func byName(_ int, m member) string { return m.name }

func TestScanShapes(t *testing.T) {
	v2 := v2Samples(t)
	xmls := xmlSamples(t)
	var lines, array bytes.Buffer
	array.WriteString("[\n")
	for i, m := range v2 {
		lines.Write(compactJSON(t, m.data))
		lines.WriteString("\r\n")
		if i == 3 {
			lines.WriteString("\n") // a blank line is skipped but counted
		}
		if i > 0 {
			array.WriteString(",\n")
		}
		array.Write(m.data)
	}
	array.WriteString("\n]\n")
	lineLabel := func(i int, _ member) string {
		if i > 3 {
			i++
		}
		return fmt.Sprintf("line %d", i+1)
	}
	arrayLabel := func(i int, _ member) string { return fmt.Sprintf("[%d]", i) }
	var envelope5, envelope1 struct {
		Studies []json.RawMessage `json:"studies"`
	}
	for p, env := range map[string]any{page5: &envelope5, page1: &envelope1} {
		if err := json.Unmarshal(readFile(t, p), env); err != nil {
			t.Fatal(err)
		}
	}
	envWants := func(studies []json.RawMessage) []want {
		var out []want
		for i, s := range studies {
			out = append(out, want{fmt.Sprintf("studies[%d]", i), jsonNCT(t, s), FormatV2JSON})
		}
		return out
	}
	one := v2[0]
	xmlTar := tarOf(t, prefixed("xml", xmls))
	inTar := func(i int, m member) string { return "xml/" + m.name }

	tests := []struct {
		name  string
		input func(dir string) string
		want  []want
	}{
		{"single indented study", func(dir string) string { return writeFile(t, dir, "one.json", one.data) },
			[]want{{"", jsonNCT(t, one.data), FormatV2JSON}}},
		{"single compact study without newline", func(dir string) string { return writeFile(t, dir, "one.json", compactJSON(t, one.data)) },
			[]want{{"", jsonNCT(t, one.data), FormatV2JSON}}},
		{"API page without totalCount", func(string) string { return page5 }, envWants(envelope5.Studies)},
		{"API page with totalCount", func(string) string { return page1 }, envWants(envelope1.Studies)},
		{"JSON array", func(dir string) string { return writeFile(t, dir, "ctg-studies.json", array.Bytes()) },
			jsonWants(t, v2, arrayLabel)},
		{"JSON Lines", func(dir string) string { return writeFile(t, dir, "studies.jsonl", lines.Bytes()) },
			jsonWants(t, v2, lineLabel)},
		{"JSON Lines, named .json", func(dir string) string { return writeFile(t, dir, "studies.json", lines.Bytes()) },
			jsonWants(t, v2, lineLabel)},
		{"JSON Lines gzip", func(dir string) string { return writeFile(t, dir, "studies.jsonl.gz", gzipped(t, lines.Bytes())) },
			jsonWants(t, v2, lineLabel)},
		{"JSON Lines zstd, no extension", func(dir string) string { return writeFile(t, dir, "studies", zstded(t, lines.Bytes())) },
			jsonWants(t, v2, lineLabel)},
		{"bulk zip with a sub-folder", func(string) string { return bulkZip }, jsonWants(t, v2, byName)},
		{"zip compressed with zstd", func(dir string) string {
			return writeFile(t, dir, "studies.zip.zst", zstded(t, readFile(t, bulkZip)))
		}, jsonWants(t, v2, byName)},
		{"XML file (2017 variant)", func(string) string { return filepath.Join(xmlDir, "NCT00500006.xml") },
			[]want{{"", "NCT00500006", FormatXML}}},
		{"XML zip", func(dir string) string { return writeFile(t, dir, "x.zip", zipOf(t, xmls)) }, xmlWants(t, xmls, byName)},
		{"XML tar", func(dir string) string { return writeFile(t, dir, "x.tar", xmlTar) }, xmlWants(t, xmls, inTar)},
		{"XML tar.gz", func(dir string) string { return writeFile(t, dir, "x.tar.gz", gzipped(t, xmlTar)) }, xmlWants(t, xmls, inTar)},
		{"XML tgz", func(dir string) string { return writeFile(t, dir, "x.tgz", gzipped(t, xmlTar)) }, xmlWants(t, xmls, inTar)},
		{"XML tar.zst", func(dir string) string { return writeFile(t, dir, "x.tar.zst", zstded(t, xmlTar)) }, xmlWants(t, xmls, inTar)},
		{"JSON Lines inside a tar.gz", func(dir string) string {
			return writeFile(t, dir, "x.tgz", gzipped(t, tarOf(t, []member{{"a/studies.jsonl", lines.Bytes()}})))
		}, jsonWants(t, v2, func(i int, m member) string { return "a/studies.jsonl: " + lineLabel(i, m) })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.input(t.TempDir())
			got := scanAll(t, path)
			checkEntries(t, got, tc.want)
			for _, e := range got {
				if e.File != path {
					t.Errorf("%s: File = %q, want %q", e.Entry, e.File, path)
				}
			}
		})
	}
}

// checkEntries checks that got delivers want in order and that each
// record decodes to the NCT ID read from its source.
func checkEntries(t *testing.T, got []Entry, want []want) {
	t.Helper()
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("got %s (%v)", e.Where(), e.Err)
		}
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i, e := range got {
		w := want[i]
		if e.Err != nil || e.Entry != w.entry || e.Format != w.format {
			t.Errorf("entry %d = {%q %v err=%v}, want {%q %v}", i, e.Entry, e.Format, e.Err, w.entry, w.format)
			continue
		}
		s, err := Decode(e)
		if err != nil {
			t.Errorf("%s: Decode: %v", e.Where(), err)
			continue
		}
		if s.NCTID != w.nct {
			t.Errorf("%s: NCT ID %s, want %s", e.Where(), s.NCTID, w.nct)
		}
	}
}

func TestScanDirectory(t *testing.T) {
	dir := t.TempDir()
	xmls := xmlSamples(t)
	// Lexical order: "a/" sorts before the files, and the hidden and
	// __MACOSX files are skipped silently.
	writeFile(t, dir, "a/NCT00000102.xml", xmls[0].data)
	writeFile(t, dir, "README.md", []byte("# Records\n"))
	writeFile(t, dir, ".DS_Store", []byte{0, 0, 0, 1, 'B', 'u', 'd', '1'})
	writeFile(t, dir, "__MACOSX/._x.xml", []byte{0, 5, 22, 7})
	writeFile(t, dir, "b.json", sample(t, sampleNC))
	got := scanAll(t, dir)
	if len(got) != 3 {
		t.Fatalf("got %d entries, want 3: %+v", len(got), got)
	}
	if got[0].File != filepath.Join(dir, "README.md") || !errors.Is(got[0].Err, ErrNotRecord) {
		t.Errorf("entry 0 = %s %v, want README.md not a record", got[0].File, got[0].Err)
	}
	if got[1].File != filepath.Join(dir, "a", "NCT00000102.xml") || got[1].Format != FormatXML {
		t.Errorf("entry 1 = %s %v", got[1].File, got[1].Format)
	}
	if got[2].File != filepath.Join(dir, "b.json") || jsonNCT(t, got[2].Data) != "NCT00000410" {
		t.Errorf("entry 2 = %s", got[2].File)
	}
	if n := TotalSize([]string{dir}); n != int64(len(xmls[0].data)+len("# Records\n")+len(sample(t, sampleNC))) {
		t.Errorf("TotalSize = %d, counts skipped files or misses records", n)
	}
}

// bad is what a bad-input test expects of one entry: a record with the
// NCT ID, or a scan error, or a decode error, containing the text.
type bad struct {
	where     string
	nct       string
	scanErr   string
	decodeErr string
}

func TestScanBadInputs(t *testing.T) {
	rec := sample(t, sampleNC)
	good := compactJSON(t, rec)
	other := compactJSON(t, sample(t, "NCT00007696.json"))
	xmls := xmlSamples(t)
	lines := func(ls ...[]byte) []byte { return append(bytes.Join(ls, []byte("\n")), '\n') }
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("sample lacks %s", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	var allLines [][]byte
	for _, m := range v2Samples(t) {
		allLines = append(allLines, compactJSON(t, m.data))
	}
	jsonl := lines(allLines...)
	truncGz := gzipped(t, jsonl)
	truncGz = truncGz[:len(truncGz)*6/10]
	xmlTarGz := gzipped(t, tarOf(t, xmls))
	xmlTarGz = xmlTarGz[:len(xmlTarGz)*7/10]
	zipData := readFile(t, bulkZip)

	tests := []struct {
		name  string
		input func(dir string) string
		want  []bad
	}{
		{"broken JSON line between good ones", func(dir string) string {
			return writeFile(t, dir, "s.jsonl", lines(good, good[:len(good)/2], other))
		}, []bad{{"line 1", "NCT00000410", "", ""}, {"line 2", "", "", "at byte"}, {"line 3", "NCT00007696", "", ""}}},
		{"invalid JSON in an array, then a good file", func(dir string) string {
			writeFile(t, dir, "a.json", []byte("[\n"+string(good)+",\n{\"protocolSection\": {]\n]"))
			writeFile(t, dir, "b.json", rec)
			return dir
		}, []bad{{"[0]", "NCT00000410", "", ""}, {"[1]", "", "invalid JSON at byte", ""}, {"", "NCT00000410", "", ""}}},
		{"truncated gzip", func(dir string) string { return writeFile(t, dir, "s.jsonl.gz", truncGz) },
			nil /* checked below: good lines, then one error */},
		{"truncated zip, then a good file", func(dir string) string {
			writeFile(t, dir, "a.zip", zipData[:len(zipData)/2])
			writeFile(t, dir, "b.xml", xmls[0].data)
			return dir
		}, nil},
		{"truncated zip with data descriptors", func(dir string) string {
			z := zipOf(t, v2Samples(t))
			return writeFile(t, dir, "a.zip", z[:len(z)*2/3])
		}, nil},
		{"truncated tar.gz", func(dir string) string { return writeFile(t, dir, "x.tar.gz", xmlTarGz) }, nil},
		{"record without an NCT ID", func(dir string) string {
			return writeFile(t, dir, "s.jsonl", lines(replace(`"nctId":"NCT00000410"`, `"orgNote":"x"`), other))
		}, []bad{{"line 1", "", "", "has no protocolSection.identificationModule.nctId"}, {"line 2", "NCT00007696", "", ""}}},
		{"string where a number belongs", func(dir string) string {
			return writeFile(t, dir, "s.jsonl", lines(other, replace(`"count":`, `"count":"many","was":`)))
		}, []bad{{"line 1", "NCT00007696", "", ""}, {"line 2", "", "", "cannot unmarshal string"}}},
		{"unknown enum value", func(dir string) string {
			return writeFile(t, dir, "s.jsonl", lines(replace(`"overallStatus":"COMPLETED"`, `"overallStatus":"FINISHED"`), other))
		}, []bad{{"line 1", "", "", `overallStatus: unknown value "FINISHED"`}, {"line 2", "NCT00007696", "", ""}}},
		{"invalid UTF-8", func(dir string) string {
			return writeFile(t, dir, "s.jsonl", lines(other, replace(`"briefTitle":"`, "\"briefTitle\":\"\xff\xfe"), other))
		}, []bad{{"line 1", "NCT00007696", "", ""}, {"line 2", "", "", "not valid UTF-8"}, {"line 3", "NCT00007696", "", ""}}},
		{"invalid UTF-8 in XML", func(dir string) string {
			return writeFile(t, dir, "x.xml", bytes.Replace(xmls[0].data, []byte("<brief_title>"), []byte("<brief_title>\xff"), 1))
		}, []bad{{"", "", "", "not valid UTF-8"}}},
		{"XML file that is not a study, then a study", func(dir string) string {
			writeFile(t, dir, "a.xml", []byte(`<?xml version="1.0"?>`+"\n<!-- feed -->\n<rss version=\"2.0\"><channel/></rss>\n"))
			writeFile(t, dir, "b.xml", xmls[1].data)
			return dir
		}, []bad{{"", "", "XML root element is <rss>", ""}, {"", xmlNCT(t, xmls[1].data), "", ""}}},
		{"JSON that is not a study", func(dir string) string {
			return writeFile(t, dir, "package.json", []byte(`{"name": "x", "version": "1.0.0"}`))
		}, []bad{{"", "", `starting with "name"`, ""}}},
		{"unknown XML enum value", func(dir string) string {
			return writeFile(t, dir, "x.xml", bytes.Replace(xmls[0].data, []byte("<phase>Phase 1/Phase 2</phase>"), []byte("<phase>Phase 1/Phase 5</phase>"), 1))
		}, []bad{{"", "", "", `<phase>: unknown value "Phase 5"`}}},
		{"truncated XML file", func(dir string) string {
			return writeFile(t, dir, "x.xml", xmls[0].data[:len(xmls[0].data)/2])
		}, []bad{{"", "", "", "invalid legacy XML"}}},
		{"empty file, then a good one", func(dir string) string {
			writeFile(t, dir, "a.json", nil)
			writeFile(t, dir, "b.json", rec)
			return dir
		}, []bad{{"", "", "empty file", ""}, {"", "NCT00000410", "", ""}}},
		{"nonexistent path", func(dir string) string { return filepath.Join(dir, "missing.zip") },
			[]bad{{"", "", "no such file", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scanAll(t, tc.input(t.TempDir()))
			if tc.want == nil {
				checkBreaksOff(t, got)
				return
			}
			if len(got) != len(tc.want) {
				for _, e := range got {
					t.Logf("got %s (%v)", e.Where(), e.Err)
				}
				t.Fatalf("got %d entries, want %d", len(got), len(tc.want))
			}
			for i, e := range got {
				checkBad(t, e, tc.want[i])
			}
		})
	}
}

func checkBad(t *testing.T, e Entry, w bad) {
	t.Helper()
	if e.Entry != w.where {
		t.Errorf("entry %q, want %q", e.Entry, w.where)
	}
	if w.scanErr != "" {
		if e.Err == nil || !strings.Contains(e.Err.Error(), w.scanErr) || e.Data != nil {
			t.Errorf("%s: Err = %v (data %d bytes), want an error containing %q", e.Where(), e.Err, len(e.Data), w.scanErr)
		}
		return
	}
	if e.Err != nil {
		t.Errorf("%s: unexpected Err %v", e.Where(), e.Err)
		return
	}
	s, err := Decode(e)
	if w.decodeErr != "" {
		if err == nil || !strings.Contains(err.Error(), w.decodeErr) {
			t.Errorf("%s: Decode error = %v, want one containing %q", e.Where(), err, w.decodeErr)
		}
		return
	}
	if err != nil || s.NCTID != w.nct {
		t.Errorf("%s: Decode = %s, %v; want %s", e.Where(), s.NCTID, err, w.nct)
	}
}

// checkBreaksOff checks a truncated input: some records come through
// whole and decode, then an entry says where the input breaks off, and
// the records of any files after it come through.
func checkBreaksOff(t *testing.T, got []Entry) {
	t.Helper()
	last := -1
	for i, e := range got {
		if e.Err != nil {
			last = i
		}
	}
	if last < 1 {
		t.Fatalf("got %d entries with the last error at %d, want records and then an error", len(got), last)
	}
	if err := got[last].Err.Error(); !strings.Contains(err, "unexpected EOF") {
		t.Errorf("%s: Err = %v, want a truncation error", got[last].Where(), err)
	}
	for i, e := range got {
		if e.Err != nil {
			// A member cut in the middle is reported on its own, before
			// the archive's end.
			if i != last && (i != last-1 || !strings.Contains(e.Err.Error(), "unexpected EOF")) {
				t.Errorf("%s: %v", e.Where(), e.Err)
			}
			continue
		}
		if _, err := Decode(e); err != nil {
			t.Errorf("%s: %v", e.Where(), err)
		}
	}
	if got[0].Err != nil {
		t.Errorf("no record came through before the break: %v", got[0].Err)
	}
}

func TestLargeRecords(t *testing.T) {
	rec := compactJSON(t, sample(t, sampleNC))
	other := compactJSON(t, sample(t, "NCT00007696.json"))
	for _, size := range []int{4 << 20, 17 << 20} {
		t.Run(fmt.Sprintf("%d MB", size>>20), func(t *testing.T) {
			text := strings.Repeat("Participants are followed up every month. ", size/42)
			big := bytes.Replace(rec, []byte(`"briefSummary":"`), []byte(`"briefSummary":"`+text), 1)
			dir := t.TempDir()
			// As a file of its own, the record comes through whole ...
			one := scanAll(t, writeFile(t, dir, "one.json", big))
			if len(one) != 1 || one[0].Err != nil || !bytes.Equal(one[0].Data, big) {
				t.Fatalf("one-record file: %d entries, first %v", len(one), one[0].Err)
			}
			// ... and as a line between others. The decoder has no size
			// limit of its own; decoding 17 MB under -race takes long.
			got := scanAll(t, writeFile(t, dir, "s.jsonl", bytes.Join([][]byte{other, big, other}, []byte("\n"))))
			if len(got) != 3 || !bytes.Equal(got[1].Data, big) {
				t.Fatalf("JSON Lines: %d entries, want 3 with the big record second", len(got))
			}
			checkEntries(t, []Entry{got[0], got[2]}, []want{{"line 1", "NCT00007696", FormatV2JSON}, {"line 3", "NCT00007696", FormatV2JSON}})
			if size > 4<<20 {
				return
			}
			s, err := Decode(got[1])
			if err != nil {
				t.Fatalf("%s: %v", got[1].Where(), err)
			}
			if !strings.HasPrefix(s.BriefSummary, text) {
				t.Errorf("brief summary is %d bytes, want the %d-byte text first", len(s.BriefSummary), len(text))
			}
		})
	}
}

func TestOnReadCountsDiskBytes(t *testing.T) {
	dir := t.TempDir()
	var jsonl bytes.Buffer
	for _, m := range v2Samples(t) {
		jsonl.Write(compactJSON(t, m.data))
		jsonl.WriteByte('\n')
	}
	gz := writeFile(t, dir, "s.jsonl.gz", gzipped(t, jsonl.Bytes()))
	for _, p := range []string{xmlDir, gz, bulkZip} {
		var read int64
		calls := 0
		s := Scanner{OnRead: func(n int64) { read += n; calls++ }}
		if err := s.Scan(context.Background(), p, func(Entry) error { return nil }); err != nil {
			t.Fatal(err)
		}
		total := TotalSize([]string{p})
		if read != total || total == 0 {
			t.Errorf("%s: OnRead reported %d bytes in %d calls, TotalSize %d", p, read, calls, total)
		}
	}
}

func TestScanFS(t *testing.T) {
	xmls := xmlSamples(t)
	fsys := fstest.MapFS{
		"data/xml.tar.zst":      {Data: zstded(t, tarOf(t, xmls))},
		"data/studies.json.zip": {Data: readFile(t, bulkZip)},
	}
	var s Scanner
	collect := func(name string) []Entry {
		var out []Entry
		if err := s.ScanFS(context.Background(), fsys, name, func(e Entry) error {
			out = append(out, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := collect("data/xml.tar.zst")
	checkEntries(t, got, xmlWants(t, xmls, byName))
	if got[0].File != "data/xml.tar.zst" {
		t.Errorf("File = %q", got[0].File)
	}
	all := collect("data")
	if len(all) != 29+len(xmls) || all[0].Format != FormatV2JSON || all[29].Format != FormatXML {
		t.Errorf("scanning the folder gave %d entries", len(all))
	}
	if missing := collect("nope.zip"); len(missing) != 1 || missing[0].Err == nil {
		t.Errorf("missing file gave %+v", missing)
	}
}

func TestScanStops(t *testing.T) {
	stop := errors.New("stop")
	var s Scanner
	n := 0
	err := s.Scan(context.Background(), bulkZip, func(Entry) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("Scan = %v after %d entries, want fn's error after 3", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = s.Scan(ctx, xmlDir, func(Entry) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("Scan = %v after %d entries, want context.Canceled after 1", err, n)
	}
}

// TestScanReader: a bulk zip read as a stream gives the same records as
// the file read in place, and a stream cut short says so.
func TestScanReader(t *testing.T) {
	data := readFile(t, bulkZip)
	want := scanAll(t, bulkZip)
	stream := func(data []byte) []Entry {
		var out []Entry
		var s Scanner
		err := s.ScanReader(context.Background(), "download.zip", bytes.NewReader(data), func(e Entry) error {
			out = append(out, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := stream(data)
	if len(got) != len(want) {
		t.Fatalf("streamed %d entries, in place %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Err != nil || !bytes.Equal(got[i].Data, want[i].Data) || got[i].File != "download.zip" {
			t.Errorf("entry %d: %s, err %v, same data %v", i, got[i].File, got[i].Err, bytes.Equal(got[i].Data, want[i].Data))
		}
	}
	cut := stream(data[:len(data)/2])
	if last := cut[len(cut)-1]; last.Err == nil || len(cut) >= len(want) {
		t.Errorf("a stream cut in half gave %d entries, the last with error %v", len(cut), last.Err)
	}
}
