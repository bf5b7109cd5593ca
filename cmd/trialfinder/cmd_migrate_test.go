package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/upstream"
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

// TestMigrateTakesTheLease: migrate refuses a target whose sync lease a
// sync node holds, naming the holder, and writes nothing into it; it
// holds the lease itself while copying and frees it after.
func TestMigrateTakesTheLease(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	records := writeJSONL(t, "records.jsonl", storetest.Records(t)[:5])
	if code, _, stderr := runTrialfinder(t, "ingest", "--db", src, records); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	target, err := store.Open(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if took, err := target.TakeLease(t.Context(), upstream.LeaseName, "node-x", time.Hour); took == 0 || err != nil {
		t.Fatalf("take the target's lease: %d %v", took, err)
	}
	code, _, stderr := runTrialfinder(t, "migrate", "--from", src, "--to", dst)
	if code != 1 || !strings.Contains(stderr, "a sync of that store is running") || !strings.Contains(stderr, "held by node-x until") {
		t.Errorf("migrate into a store a sync node holds: exit %d, %q", code, stderr)
	}
	if n, err := target.Count(t.Context()); n != 0 || err != nil {
		t.Errorf("the refused target holds %d studies (%v)", n, err)
	}
	if err := target.ReleaseLease(t.Context(), upstream.LeaseName, "node-x"); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runTrialfinder(t, "migrate", "--from", src, "--to", dst)
	if code != 0 || !strings.Contains(stdout, "copied 5 studies") {
		t.Fatalf("migrate once the lease is free: exit %d: %s%s", code, stdout, stderr)
	}
	if h, err := target.LeaseHolder(t.Context(), upstream.LeaseName); h.Holder != "" || err != nil {
		t.Errorf("after migrate the lease is held by %q (%v)", h.Holder, err)
	}
}
