package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

func TestReopenKeepsSchemaAndData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ctgov.DecodeV2(storetest.Records(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upsert(ctx, []study.Study{st}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var versions, mode string
	if err := s.db.QueryRowContext(ctx, `SELECT group_concat(version) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	files, _ := migrations.ReadDir("migrations")
	if want := len(files); len(strings.Split(versions, ",")) != want || mode != "wal" {
		t.Errorf("migrations %q (want %d), journal mode %q", versions, want, mode)
	}
	if n, err := s.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count after reopen = %d, %v", n, err)
	}
}

// TestSyncMigrationBackfillsHistory: a store made before migration 0003
// gets a first version for each study it holds.
func TestSyncMigrationBackfillsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	studies := make([]study.Study, 3)
	for i, raw := range storetest.Records(t)[:3] {
		if studies[i], err = ctgov.DecodeV2(raw); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Upsert(ctx, studies); err != nil {
		t.Fatal(err)
	}
	// Back to the schema before 0003.
	if _, err := s.db.ExecContext(ctx, `DROP VIEW live; DROP TABLE listing; DROP TABLE removed; DROP TABLE changes;
		DROP TABLE versions; DELETE FROM schema_migrations WHERE version = 3`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, st := range studies {
		h, err := s.History(ctx, st.NCTID)
		if err != nil || len(h) != 1 || h[0].LastUpdatePosted != st.Dates.LastUpdatePosted.Sortable() || string(h[0].Raw) != string(st.Raw) {
			t.Errorf("%s after the migration: %d versions, %v", st.NCTID, len(h), err)
		}
	}
}
