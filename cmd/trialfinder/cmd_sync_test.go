package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/upstream"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

// TestSync runs the command against a local ClinicalTrials.gov: a
// bootstrap, then a sync with nothing new, then one against an API that
// answers what no retry mends.
func TestSync(t *testing.T) {
	raws := storetest.Records(t)
	_, srv := upstreamtest.New(t, raws, "2026-01-10T09:00:05")
	db := filepath.Join(t.TempDir(), "store.db")
	code, stdout, stderr := runTrialfinder(t, "sync", "--db", db, "--api", srv.URL, "--rate", "200/s")
	if want := fmt.Sprintf("%d new, 0 updated, 0 unchanged, 0 removed, 0 failed", len(raws)); code != 0 || !strings.Contains(stdout, want) ||
		!strings.Contains(stdout, "current with ClinicalTrials.gov's data of 2026-01-10T09:00:05") {
		t.Fatalf("bootstrap: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "sync progress") {
		t.Errorf("no progress logged off a terminal: %q", stderr)
	}
	code, stdout, _ = runTrialfinder(t, "sync", "--db", db, "--api", srv.URL)
	if code != 0 || !strings.HasPrefix(stdout, "up to date") {
		t.Errorf("second sync: exit %d, %q", code, stdout)
	}
	code, _, stderr = runTrialfinder(t, "sync", "--db", db, "--api", srv.URL+"/nowhere")
	if code != 1 || !strings.Contains(stderr, "HTTP 404") {
		t.Errorf("sync against a wrong URL: exit %d, %q", code, stderr)
	}
}

// TestSyncOneAtATime: while another process holds the store's sync
// lease (a serve node's sync, another sync), a sync exits at once,
// non-zero, saying why; once it is free, the sync runs.
func TestSyncOneAtATime(t *testing.T) {
	db := filepath.Join(t.TempDir(), "store.db")
	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if took, err := st.TakeLease(t.Context(), upstream.LeaseName, "a serve node", time.Minute); took == 0 || err != nil {
		t.Fatalf("take the lease: %v %v", took, err)
	}
	code, _, stderr := runTrialfinder(t, "sync", "--db", db, "--api", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(stderr, "another sync of this store is running") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if err := st.ReleaseLease(t.Context(), upstream.LeaseName, "a serve node"); err != nil {
		t.Fatal(err)
	}
	_, srv := upstreamtest.New(t, storetest.Records(t), "2026-01-10T09:00:05")
	code, stdout, stderr := runTrialfinder(t, "sync", "--db", db, "--api", srv.URL, "--rate", "200/s")
	if code != 0 || !strings.Contains(stdout, "current with ClinicalTrials.gov's data of 2026-01-10T09:00:05") {
		t.Errorf("with the lease free: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"3/s": 3, "3": 3, "120/m": 2, "0.5/s": 0.5} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0/s", "-1", "3/d", "fast"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}
