package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
)

// TestMigrate copies an ingested store to PostgreSQL and back to a new
// file, whose stats are the original's, and refuses a target that is not
// empty. (internal/store's TestCopyRoundTrip compares every record and
// version.)
func TestMigrate(t *testing.T) {
	pg, _ := pgtest.Database(t)
	dir := t.TempDir()
	src, back := filepath.Join(dir, "src.db"), filepath.Join(dir, "back.db")
	records := writeJSONL(t, "records.jsonl", storetest.Records(t)[:50])
	if code, _, stderr := runTrialfinder(t, "ingest", "--db", src, records); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	for _, step := range [][2]string{{src, pg}, {pg, back}} {
		code, stdout, stderr := runTrialfinder(t, "migrate", "--from", step[0], "--to", step[1])
		if code != 0 || !strings.Contains(stdout, "copied 50 studies") {
			t.Fatalf("migrate --from %s --to %s: exit %d: %s%s", step[0], step[1], code, stdout, stderr)
		}
	}
	stats := func(db string) string {
		t.Helper()
		code, stdout, stderr := runTrialfinder(t, "stats", "--json", "--db", db)
		if code != 0 {
			t.Fatalf("stats: exit %d: %s", code, stderr)
		}
		return stdout
	}
	if want, got := stats(src), stats(back); got != want {
		t.Errorf("stats after SQLite → PostgreSQL → SQLite:\n%s\nwant\n%s", got, want)
	}
	code, _, stderr := runTrialfinder(t, "migrate", "--from", src, "--to", pg)
	if code != 1 || !strings.Contains(stderr, "the target store is not empty") {
		t.Errorf("migrate into a full store: exit %d, %q", code, stderr)
	}
	missing := filepath.Join(dir, "missing.db")
	code, _, stderr = runTrialfinder(t, "migrate", "--from", missing, "--to", filepath.Join(dir, "new.db"))
	if _, err := os.Stat(missing); code != 1 || !strings.Contains(stderr, "no store at") || err == nil {
		t.Errorf("migrate from a missing file: exit %d, %q; file made: %v", code, stderr, err == nil)
	}
}
