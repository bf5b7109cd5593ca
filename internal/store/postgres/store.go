// Package postgres is Trialfinder's shared store: the same tables and
// semantics as the embedded SQLite store (internal/store/sqlite), in a
// PostgreSQL database that several serve nodes and one sync worker use at
// once, optionally reading from a streaming replica.
//
// It talks to PostgreSQL through pgx's own interface and pool (pgxpool)
// rather than database/sql: COPY, pipelined batches of statements and
// arrays as parameters are what make a batch of a thousand studies a few
// round trips instead of thousands.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys (any two numbers no other application of the
// database uses): migrating, and writing studies.
const (
	lockMigrate int64 = 0x7472_6961_6c66_0001
	lockWrite   int64 = 0x7472_6961_6c66_0002
)

// Store is an open PostgreSQL store. It is safe for concurrent use, by
// several processes too: writes of studies are serialised by an advisory
// lock, as SQLite serialises them, and reads run alongside.
type Store struct {
	db *pgxpool.Pool
	// replica, when set, serves the reads that may lag (records, scans,
	// stats, history) once it has replayed every generation this Store
	// has seen; see reader.
	replica *pgxpool.Pool
	// seen is the newest generation this Store has seen on the primary
	// (read or written); replicaAt the newest the replica was seen to
	// have, at replicaChecked (Unix nanoseconds), unless replicaDown.
	seen, replicaAt, replicaChecked atomic.Int64
	replicaDown                     atomic.Bool
	// Base has what both stores do alike: AppendRaw, Study, Upsert,
	// Prepare, ParseCriteriaWith, Listing, ListingDiff.
	record.Base
	statsCache record.StatsCache
}

// Open connects to the database dsn names (a postgres:// URL; pgxpool's
// pool_max_conns and the like may be added to it) and brings its schema up
// to date; with readDSN (a streaming replica of it), reads that may lag go
// there. Several processes may open one database at once: migrations run
// under an advisory lock.
func Open(ctx context.Context, dsn, readDSN string) (*Store, error) {
	db, err := connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	s := &Store{db: db}
	s.Base = record.NewBase(s.lookupRaw, s.Write, s.ids)
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	if readDSN != "" {
		if s.replica, err = connect(ctx, readDSN); err != nil {
			db.Close()
			return nil, fmt.Errorf("open read replica %s: %w", redact(readDSN), err)
		}
	}
	return s, nil
}

func connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, err
	}
	// The pool connects lazily: a wrong address should fail here, not at
	// the first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// redact returns dsn without its password, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(an unreadable URL)"
	}
	return u.Redacted()
}

// Close closes the store.
func (s *Store) Close() error {
	s.db.Close()
	if s.replica != nil {
		s.replica.Close()
	}
	return nil
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations, holding an advisory
// lock: nodes starting at once wait for the first to finish, then find
// nothing left to do.
func (s *Store) migrate(ctx context.Context) error {
	all, err := record.Migrations(migrations, "migrations")
	if err != nil {
		return err
	}
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockMigrate); err != nil {
		return fmt.Errorf("lock for migrations: %w", err)
	}
	defer func() {
		// Released even when ctx is done; a broken connection releases it
		// by closing.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lockMigrate); err != nil {
			conn.Conn().Close(ctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range all {
		var done bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if done {
			continue
		}
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgxpool.Conn, m record.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// saw records that the primary has reached generation gen.
func (s *Store) saw(gen int64) { atomicMax(&s.seen, gen) }

func atomicMax(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// replicaRecheck is how long the replica's answer to "which generation
// have you replayed" holds, and how long a replica that failed to answer
// is left alone.
const replicaRecheck = 5 * time.Second

// reader returns the pool for a read that may be served by the replica:
// the replica once it has replayed every generation this Store has seen
// (its own writes, the generation a server last polled), else the
// primary. So a reader never goes back in time: after writing, or after
// seeing generation G, it reads G or newer, whatever the replica's lag;
// while the replica catches up, the primary serves. Checking costs one
// query each time the primary moves on, and one every replicaRecheck
// otherwise; a replica that stops answering fails the reads sent to it
// until the next check, at most replicaRecheck later, which leaves the
// reads to the primary until it answers again.
func (s *Store) reader(ctx context.Context) *pgxpool.Pool {
	if s.replica == nil {
		return s.db
	}
	fresh := time.Since(time.Unix(0, s.replicaChecked.Load())) < replicaRecheck
	switch {
	case fresh && s.replicaDown.Load():
		return s.db
	case fresh && s.replicaAt.Load() >= s.seen.Load():
		return s.replica
	}
	gen, err := generation(ctx, s.replica)
	s.replicaChecked.Store(time.Now().UnixNano())
	s.replicaDown.Store(err != nil && ctx.Err() == nil)
	if err != nil {
		return s.db
	}
	s.replicaAt.Store(gen)
	if gen >= s.seen.Load() {
		return s.replica
	}
	return s.db
}

// errNoID: a study without an NCT ID cannot be stored.
var errNoID = errors.New("study has no NCT ID")
