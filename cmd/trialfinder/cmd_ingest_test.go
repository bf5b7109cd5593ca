package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// trialfinder starts the command; stdout and stderr are filled once it
// ends.
func trialfinder(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := commandOf(t, &stdout, &stderr, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// commandOf is the command, built once without the race detector so that an
// ingest of thousands of records takes seconds, ready to start.
func commandOf(t *testing.T, stdout, stderr io.Writer, args ...string) *exec.Cmd {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trialfinder-test")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "trialfinder")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "TRIALFINDER_DB=")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd
}

// runTrialfinder runs the command to the end and returns its exit code.
func runTrialfinder(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd, out, errOut := trialfinder(t, args...)
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

func writeJSONL(t *testing.T, name string, lines [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIngestReportsBadRecords(t *testing.T) {
	raws := storetest.Records(t)
	good := raws[3:40]
	set := func(raw []byte, module, field string, v any) []byte {
		return storetest.Edit(t, raw, func(rec map[string]any) { storetest.Module(rec, module)[field] = v })
	}
	lines := [][]byte{
		good[0],
		set(raws[0], "statusModule", "overallStatus", "HALF_DONE"),
		[]byte(`{"protocolSection": {"identificationModule": {"nctId": "NCT0`), // cut short
		set(raws[1], "identificationModule", "nctId", "NCT1"),
	}
	lines = append(lines, good[1:]...)
	path := writeJSONL(t, "with-bad-records.jsonl", lines)
	db := filepath.Join(t.TempDir(), "tf.db")

	code, stdout, stderr := runTrialfinder(t, "ingest", "--db", db, "--batch", "8", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range [][]string{{"line 2", "HALF_DONE"}, {"line 3"}, {"line 4", "NCT1"}} {
		found := false
		for _, l := range strings.Split(stderr, "\n") {
			if strings.Contains(l, path) && strings.Contains(l, want[0]) && strings.Contains(l, want[len(want)-1]) {
				found = true
			}
		}
		if !found {
			t.Errorf("stderr reports nothing for %s with %q:\n%s", path, want, stderr)
		}
	}
	if want := fmt.Sprintf("%d new, 0 updated, 0 unchanged (0 older than stored), 3 rejected", len(good)); !strings.Contains(stdout, want) {
		t.Errorf("summary %q lacks %q", stdout, want)
	}

	code, stdout, stderr = runTrialfinder(t, "stats", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, stderr)
	}
	var stats struct {
		Studies  int
		ByStatus map[string]int
	}
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, stdout)
	}
	sum := 0
	for _, n := range stats.ByStatus {
		sum += n
	}
	if stats.Studies != len(good) || sum != len(good) {
		t.Errorf("stats: %d studies, %d by status; want %d", stats.Studies, sum, len(good))
	}
}

// TestStoreDSN: a DSN that is neither a file nor a reachable PostgreSQL
// fails with a message naming it, never its password.
func TestStoreDSN(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String() // nothing listens here once closed
	ln.Close()
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u:secret@" + closed + "/tf", "open store postgres://u:xxxxx@" + closed + "/tf"},
		{"mysql://u:secret@" + closed + "/tf", "mysql:// is not a store"},
	} {
		code, _, stderr := runTrialfinder(t, "stats", "--db", tc.dsn)
		if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "secret") {
			t.Errorf("%s: exit %d, stderr %q; want %q", tc.dsn, code, stderr, tc.want)
		}
	}
}

// TestKilledIngestLosesNothing kills an ingest with SIGKILL part way: the
// store must open, hold only complete studies, and a second run must
// finish the job.
func TestKilledIngestLosesNothing(t *testing.T) {
	raws := storetest.Records(t)
	var lines [][]byte
	for c := range 20 {
		for i, raw := range raws {
			var rec struct {
				ProtocolSection struct{ IdentificationModule struct{ NCTID string } }
			}
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			id := fmt.Appendf(nil, "NCT9%02d%05d", c, i)
			lines = append(lines, bytes.ReplaceAll(raw, []byte(rec.ProtocolSection.IdentificationModule.NCTID), id))
		}
	}
	path := writeJSONL(t, "corpus.jsonl", lines)
	db := filepath.Join(t.TempDir(), "tf.db")

	cmd, _, stderr := trialfinder(t, "ingest", "--db", db, "--batch", "50", path)
	// Kill once a few batches are in: poll the store as the ingest writes.
	var st *sqlite.Store
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ingest stored too little in a minute:\n%s", stderr)
		}
		if st == nil {
			// The ingest may still be creating the file.
			st, _ = sqlite.Open(t.Context(), db)
			continue
		}
		if n, err := st.Count(t.Context()); err != nil {
			t.Fatal(err)
		} else if n >= 200 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	st.Close()
	if cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("ingest ended before it was killed: %s\n%s", cmd.ProcessState, stderr)
	}

	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatalf("store after kill: %v", err)
	}
	stored := checkComplete(t, st, db, false)
	st.Close()
	if stored == 0 || stored >= len(lines) {
		t.Fatalf("%d of %d studies stored at the kill; want some but not all", stored, len(lines))
	}

	code, stdout, stderrAgain := runTrialfinder(t, "ingest", "--db", db, path)
	if code != 0 {
		t.Fatalf("re-run: exit %d: %s", code, stderrAgain)
	}
	if want := fmt.Sprintf("%d new, 0 updated, %d unchanged", len(lines)-stored, stored); !strings.Contains(stdout, want) {
		t.Errorf("re-run summary %q lacks %q", stdout, want)
	}
	st, err = sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := checkComplete(t, st, db, true); n != len(lines) {
		t.Errorf("%d studies after the re-run, want %d", n, len(lines))
	}
}

// checkComplete checks, straight from the tables, that every stored
// study's child rows and parsed criteria (all of them, with allParsed)
// are those its raw record implies; it returns the number of studies.
func checkComplete(t *testing.T, st *sqlite.Store, path string, allParsed bool) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	criteria := map[string]string{}
	err = st.Each(t.Context(), func(s study.Study) error {
		n++
		criteria[s.NCTID] = s.Eligibility.Criteria
		// The row's derived columns must describe the stored raw record.
		var status, title, countries string
		if err := db.QueryRow(`SELECT overall_status, brief_title, countries FROM studies WHERE nct_id = ?`,
			s.NCTID).Scan(&status, &title, &countries); err != nil {
			return err
		}
		var want []string
		for _, l := range s.Locations {
			if l.Country != "" && !slices.Contains(want, l.Country) {
				want = append(want, l.Country)
			}
		}
		if status != s.OverallStatus || title != s.BriefTitle || countries != strings.Join(want, "|") {
			return fmt.Errorf("%s: stored columns (%s, %q, %q) differ from the record (%s, %q, %q)",
				s.NCTID, status, title, countries, s.OverallStatus, s.BriefTitle, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var orphans int
	if err := db.QueryRow(`SELECT count(*) FROM aliases WHERE nct_id NOT IN (SELECT nct_id FROM studies)`).Scan(&orphans); err != nil || orphans > 0 {
		t.Fatalf("%d orphan aliases, %v", orphans, err)
	}
	parsed := 0
	err = st.CriteriaOf(t.Context(), eligibility.ParserVersion, slices.Collect(maps.Keys(criteria)), func(id string, got []byte) error {
		parsed++
		if want := eligibility.ParseStored(criteria[id]); !bytes.Equal(got, want) {
			return fmt.Errorf("%s: stored criteria differ from its text's parse", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if allParsed && parsed != n {
		t.Fatalf("%d of %d stored studies have parsed criteria", parsed, n)
	}
	return n
}
