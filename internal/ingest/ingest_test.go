package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored)
	return st
}

func writeLines(t *testing.T, name string, lines [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// badLines are broken versions of real records, each with a word the
// rejection's reason must contain.
func badLines(t *testing.T, raws [][]byte) (lines [][]byte, reasons []string) {
	edit := func(raw []byte, module, field string, value any) []byte {
		return storetest.Edit(t, raw, func(rec map[string]any) { storetest.Module(rec, module)[field] = value })
	}
	lines = [][]byte{
		edit(raws[0], "identificationModule", "nctId", "NCT123"),
		edit(raws[1], "statusModule", "overallStatus", "MOSTLY_DONE"),
		edit(raws[2], "eligibilityModule", "minimumAge", "eighteen"),
	}
	return lines, []string{"NCT123", "MOSTLY_DONE", "eighteen"}
}

func TestRunReportsBadRecordsAndStoresTheRest(t *testing.T) {
	raws := storetest.Records(t)
	good := raws[3:]
	bad, reasons := badLines(t, raws)
	// Bad records on lines 2, 4 and 6, good ones around them.
	lines := [][]byte{good[0], bad[0], good[1], bad[1], good[2], bad[2]}
	lines = append(lines, good[3:]...)
	path := writeLines(t, "mixed.jsonl", lines)
	st := openStore(t)

	var rejects bytes.Buffer
	sum, err := Run(t.Context(), st, []Source{{Path: path}}, Options{BatchSize: 16, Workers: 3, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted != len(good) || sum.Rejected != len(bad) || sum.Updated+sum.Unchanged != 0 || sum.Parsed != len(good) {
		t.Errorf("summary %+v, want %d inserted, %d rejected", sum, len(good), len(bad))
	}
	report := strings.Split(strings.TrimSpace(rejects.String()), "\n")
	if len(report) != len(bad) {
		t.Fatalf("report has %d lines, want %d:\n%s", len(report), len(bad), rejects.String())
	}
	for i, line := range report {
		for _, want := range []string{path, fmt.Sprintf("line %d", 2*i+2), reasons[i]} {
			if !strings.Contains(line, want) {
				t.Errorf("report line %q lacks %q", line, want)
			}
		}
	}
	if n, err := st.Count(t.Context()); err != nil || n != len(good) {
		t.Errorf("store holds %d studies, %v; want %d", n, err, len(good))
	}
	if sum.Bytes == 0 {
		t.Error("no input bytes counted")
	}

	again, err := Run(t.Context(), st, []Source{{Path: path}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Unchanged != len(good) || again.Inserted+again.Updated+again.Parsed != 0 || again.Rejected != len(bad) {
		t.Errorf("second run %+v, want all %d unchanged and none parsed again", again, len(good))
	}
}

func TestRunKeepsInputOrder(t *testing.T) {
	raws := storetest.Records(t)
	older := storetest.Edit(t, raws[5], func(rec map[string]any) {
		storetest.Module(rec, "identificationModule")["briefTitle"] = "older"
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-01"}
	})
	newer := storetest.Edit(t, older, func(rec map[string]any) {
		storetest.Module(rec, "identificationModule")["briefTitle"] = "newer, same date"
	})
	// Same date: the later line is a correction and must win, whichever
	// worker decodes it first.
	lines := append([][]byte{older}, raws[10:60]...)
	lines = append(lines, newer)
	st := openStore(t)
	sum, err := Run(t.Context(), st, []Source{{Path: writeLines(t, "order.jsonl", lines)}}, Options{BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted != 51 || sum.Updated != 1 {
		t.Errorf("summary %+v, want 51 inserted and 1 updated", sum)
	}
	s, err := st.Study(t.Context(), idOf(t, raws[5]))
	if err != nil {
		t.Fatal(err)
	}
	if s.BriefTitle != "newer, same date" {
		t.Errorf("stored title %q", s.BriefTitle)
	}
}

func idOf(t testing.TB, raw []byte) string {
	var id string
	storetest.Edit(t, raw, func(rec map[string]any) { id = storetest.Module(rec, "identificationModule")["nctId"].(string) })
	return id
}

// cancelAfterFirst cancels the run once its first batch is stored.
type cancelAfterFirst struct {
	*sqlite.Store
	cancel  context.CancelFunc
	batches int
}

func (c *cancelAfterFirst) Write(ctx context.Context, batch []*record.Prepared) ([]study.Change, error) {
	c.batches++
	ch, err := c.Store.Write(ctx, batch)
	c.cancel()
	return ch, err
}

func TestCancelStopsAfterTheCurrentBatch(t *testing.T) {
	raws := storetest.Records(t)
	path := writeLines(t, "all.jsonl", raws)
	st := openStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	c := &cancelAfterFirst{Store: st, cancel: cancel}
	sum, err := Run(ctx, c, []Source{{Path: path}}, Options{BatchSize: 10})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	n, err := st.Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The first batch, plus at most one flush of what was decoded.
	if sum.Inserted != n || n < 10 || n >= len(raws) || c.batches > 2 || sum.Parsed != 0 {
		t.Errorf("cancelled run: %d inserted, %d stored, %d batches, of %d", sum.Inserted, n, c.batches, len(raws))
	}
	rest, err := Run(t.Context(), st, []Source{{Path: path}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Inserted != len(raws)-n || rest.Unchanged != n || rest.Parsed != len(raws) {
		t.Errorf("re-run after cancel %+v, want %d inserted and %d unchanged, all parsed", rest, len(raws)-n, n)
	}
}

func TestProgress(t *testing.T) {
	raws := storetest.Records(t)
	path := writeLines(t, "all.jsonl", raws)
	var got []Progress
	_, err := Run(t.Context(), openStore(t), []Source{{Path: path}}, Options{Progress: func(p Progress) { got = append(got, p) }})
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	last := got[len(got)-1]
	if !last.Done || last.Records != int64(len(raws)) || last.Bytes != info.Size() || last.TotalBytes != info.Size() {
		t.Errorf("final progress %+v, want %d records and %d bytes", last, len(raws), info.Size())
	}
}

func TestBar(t *testing.T) {
	var out bytes.Buffer
	bar := Bar(&out)
	bar(Progress{Records: 12345, Bytes: 250e6, TotalBytes: 1e9, Elapsed: 10e9})
	bar(Progress{Records: 50000, Bytes: 1e9, TotalBytes: 1e9, Elapsed: 20e9, Done: true})
	first, second, _ := strings.Cut(strings.TrimPrefix(out.String(), "\r"), "\r")
	for _, want := range []string{"12,345 records", "1,234/s", "250.0 MB of 1.0 GB", "25%", "ETA 30s"} {
		if !strings.Contains(first, want) {
			t.Errorf("bar %q lacks %q", first, want)
		}
	}
	if !strings.HasSuffix(second, "\n") || strings.Contains(second, "ETA") || !strings.Contains(second, "2,500/s") {
		t.Errorf("final bar %q", second)
	}
}
