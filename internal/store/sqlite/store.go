// Package sqlite is Trialfinder's embedded store: one SQLite file (pure Go,
// modernc.org/sqlite) holding each study's verbatim API v2 record,
// zstd-compressed, plus the columns and child tables that search, filters,
// browse-by-location and stats query.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/record"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an open SQLite store. It is safe for concurrent use; writes are
// serialised by SQLite, reads run alongside them (WAL).
type Store struct {
	db *sql.DB
	// The statements a trial page runs, compiled once: SQLite took longer
	// to compile them than to run them.
	rawByID, historyOf, criteriaIn *sql.Stmt
	// Base has what both stores do alike: AppendRaw, Study, Upsert,
	// Prepare, ParseCriteriaWith, Listing, ListingDiff.
	record.Base

	statsCache record.StatsCache
}

// Open opens (creating if needed) the store at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Set("_busy_timeout", "15000")
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	// NORMAL in WAL mode loses at most the last commits on power loss, never
	// consistency; FULL would fsync every batch.
	q.Set("_synchronous", "NORMAL")
	// Write transactions take the write lock up front, so two writers wait
	// on the busy timeout instead of failing on a lock upgrade.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// A bounded pool of connections that stay open: database/sql keeps only
	// two idle by default, so under concurrent requests it closed and
	// reopened connections all the time, each time reading the schema,
	// compiling the statements again and refilling a page cache.
	conns := runtime.GOMAXPROCS(0) + 2
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s := &Store{db: db}
	s.Base = record.NewBase(s.lookupRaw, s.Write, s.ids)
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Every page of results reads its records one by one: compiling the
	// statement once saves a parse per record.
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.rawByID, `SELECT s.raw, r.removed_on FROM studies s
			LEFT JOIN removed r ON r.nct_id = s.nct_id WHERE s.nct_id = ?`},
		{&s.historyOf, `SELECT v.version, v.last_update_posted, v.seen_at, coalesce(v.raw, s.raw)
			FROM versions v JOIN studies s ON s.nct_id = v.nct_id WHERE v.nct_id = ? ORDER BY v.version`},
		// The IDs come as one JSON array, so one statement serves any
		// number of them.
		{&s.criteriaIn, `SELECT nct_id, parsed FROM criteria
			WHERE parser_version = ? AND nct_id IN (SELECT value FROM json_each(?))`},
	} {
		if *p.stmt, err = db.PrepareContext(ctx, p.sql); err != nil {
			s.Close()
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{s.rawByID, s.historyOf, s.criteriaIn} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(append(errs, s.db.Close())...)
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	all, err := record.Migrations(migrations, "migrations")
	if err != nil {
		return err
	}
	for _, m := range all {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m record.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Checked inside the write transaction, so two processes opening a new
	// store at once apply each migration exactly once.
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	return tx.Commit()
}
