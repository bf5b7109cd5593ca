package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/upstream"
)

// TestSyncOneAtATime: a second sync of a store exits at once, non-zero,
// saying why.
func TestSyncOneAtATime(t *testing.T) {
	db := filepath.Join(t.TempDir(), "store.db")
	unlock, err := upstream.Lock(syncLockPath(db))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, stderr := runTrialfinder(t, "sync", "--db", db, "--api", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(stderr, "another sync of this store is running") {
		t.Errorf("exit %d, stderr %q", code, stderr)
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
