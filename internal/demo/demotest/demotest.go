// Package demotest serves tests the bundled real records (internal/demo):
// as published, decoded, and loaded into a store. Each is made once per
// test binary and shared by its tests, which must not change them.
//
// The store is the kind the environment names: PostgreSQL when
// TRIALFINDER_TEST_POSTGRES names a test server (scripts/pg-cluster.sh,
// which scripts/test.sh starts), else SQLite in a temporary file. Tests
// that need PostgreSQL itself use pgtest, which skips without a server.
//
// It opens the store packages directly, not through internal/store, which
// imports the server and so the packages whose tests use this one.
package demotest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Store is what the tests that use this package ask of a store; both
// stores have it.
type Store interface {
	Upsert(ctx context.Context, batch []study.Study) ([]study.Change, error)
	Remove(ctx context.Context, ids []string, on string, state *study.SyncState) (int, error)
	Restore(ctx context.Context, ids []string, state *study.SyncState) (int, error)
	Each(ctx context.Context, fn func(study.Study) error) error
	Study(ctx context.Context, nctID string) (study.Study, error)
	AppendRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error)
	CanonicalID(ctx context.Context, id string) (string, error)
	CriteriaOf(ctx context.Context, version string, ids []string, fn func(nctID string, parsed []byte) error) error
	Stats(ctx context.Context) (study.Stats, error)
	Generation(ctx context.Context) (int64, error)
	ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error)
	History(ctx context.Context, nctID string) ([]study.Version, error)
	SyncState(ctx context.Context) (study.SyncState, error)
	SetSyncState(ctx context.Context, state study.SyncState) error
	Close() error
}

var (
	_ Store = (*sqlite.Store)(nil)
	_ Store = (*postgres.Store)(nil)
)

// Kind names the kind of store the environment asks for, for messages.
func Kind() string {
	if pgtest.Configured() {
		return "PostgreSQL"
	}
	return "SQLite"
}

// Member is one file of the bundled tar of legacy XML records.
type Member struct {
	Name string
	Data []byte
}

var v2 = sync.OnceValues(func() ([][]byte, error) {
	b, err := decompressed(demo.Files[0])
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for line := range bytes.Lines(b) {
		out = append(out, bytes.TrimRight(line, "\r\n"))
	}
	return out, nil
})

var legacyXML = sync.OnceValues(func() ([]Member, error) {
	b, err := decompressed(demo.Files[1])
	if err != nil {
		return nil, err
	}
	var out []Member
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: member %d: %w", demo.Files[1], len(out)+1, err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", demo.Files[1], h.Name, err)
		}
		out = append(out, Member{Name: h.Name, Data: data})
	}
})

func decompressed(name string) ([]byte, error) {
	b, err := fs.ReadFile(demo.FS, name)
	if err != nil {
		return nil, err
	}
	zr, err := zstd.NewReader(nil)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := zr.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not zstd: %w", name, err)
	}
	return out, nil
}

// V2 returns the bundled API v2 records as published (demo.Files[0]), one
// JSON object each, in file order, for tests of the files themselves.
func V2(t testing.TB) [][]byte {
	t.Helper()
	out, err := v2()
	if err != nil {
		t.Fatalf("bundled records: %v", err)
	}
	return out
}

// XML returns the bundled legacy XML records as published (demo.Files[1]),
// in file order.
func XML(t testing.TB) []Member {
	t.Helper()
	out, err := legacyXML()
	if err != nil {
		t.Fatalf("bundled records: %v", err)
	}
	return out
}

var studies = sync.OnceValues(func() ([]study.Study, error) {
	return demo.Studies(context.Background())
})

// Studies returns every bundled study, decoded, in NCT ID order (as
// demo.Studies returns them).
func Studies(t testing.TB) []study.Study {
	t.Helper()
	ss, err := studies()
	if err != nil {
		t.Fatalf("bundled studies: %v", err)
	}
	return ss
}

// New returns a new store of the environment's kind holding studies (none
// for an empty one), for t alone: closed and removed when t ends.
func New(t testing.TB, studies []study.Study) Store {
	t.Helper()
	ctx := t.Context()
	var st Store
	var err error
	if pgtest.Configured() {
		dsn, _ := pgtest.Database(t)
		st, err = openPostgres(ctx, dsn)
	} else {
		st, err = openSQLite(ctx, filepath.Join(t.TempDir(), "studies.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if len(studies) > 0 {
		if _, err := st.Upsert(ctx, studies); err != nil {
			t.Fatalf("store %d studies: %v", len(studies), err)
		}
	}
	return st
}

// Both stores are set up as store.Open sets them up: ReparseCriteria
// derives criteria with this build's parser.
func openSQLite(ctx context.Context, path string) (Store, error) {
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored)
	return st, nil
}

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	st, err := postgres.Open(ctx, dsn, "")
	if err != nil {
		return nil, err
	}
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored)
	return st, nil
}

// The shared store outlives every test, so Main, not a test, removes it.
var (
	mainRuns bool
	shared   = sync.OnceValues(openShared)
	// cleanups undo what openShared made, last first.
	cleanups []func() error
)

// Main runs the tests of a package that uses Shared, then closes and
// removes the shared store: call it from TestMain.
func Main(m *testing.M) {
	mainRuns = true
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		if err := cleanups[i](); err != nil {
			fmt.Fprintln(os.Stderr, "demotest:", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// Shared returns the test binary's store holding every bundled study,
// loaded on first use (seconds, too long to repeat per test). Its tests
// only read it, except that a package may add studies of its own once,
// when it first takes it. The package's TestMain calls Main.
func Shared(t testing.TB) Store {
	t.Helper()
	if !mainRuns {
		t.Fatal("demotest.Shared needs TestMain to call demotest.Main, which removes the store")
	}
	st, err := shared()
	if err != nil {
		t.Fatalf("the shared %s store: %v", Kind(), err)
	}
	return st
}

func openShared() (Store, error) {
	ctx := context.Background()
	ss, err := studies()
	if err != nil {
		return nil, err
	}
	st, err := openSharedStore(ctx)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, st.Close)
	if _, err := st.Upsert(ctx, ss); err != nil {
		return nil, fmt.Errorf("store %d studies: %w", len(ss), err)
	}
	return st, nil
}

// openSharedStore opens a new store of the environment's kind for the
// shared one.
func openSharedStore(ctx context.Context) (Store, error) {
	if pgtest.Configured() {
		db, err := pgtest.Create(ctx)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, db.Drop)
		return openPostgres(ctx, db.DSN)
	}
	dir, err := os.MkdirTemp("", "trialfinder-demotest-*")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() error { return os.RemoveAll(dir) })
	return openSQLite(ctx, filepath.Join(dir, "studies.db"))
}

// Once returns what build makes, made on first use: for what a package's
// tests build once on these (a site, an index, a matcher). build runs in
// the first test that asks, so its failure fails that test, and every
// later one says it failed; build must not keep that test's context.
func Once[T any](build func(t testing.TB) T) func(t testing.TB) T {
	var (
		mu          sync.Mutex
		tried, made bool
		v           T
	)
	return func(t testing.TB) T {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if !tried {
			tried = true
			v = build(t) // t.Fatal in build leaves made false
			made = true
		}
		if !made {
			t.Fatal("building the shared fixture failed in an earlier test")
		}
		return v
	}
}
