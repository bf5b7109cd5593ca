// Package store states, once, what Trialfinder asks of a store, and opens
// the store a DSN names: a file path is the embedded SQLite store
// (internal/store/sqlite), a postgres:// URL the shared PostgreSQL one
// (internal/store/postgres). Both run the same conformance suite
// (internal/store/conformance).
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/server"
	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

// Store is the store contract: the interfaces its users declare, which
// stay with them, and what only the commands and the conformance suite
// call. Prepared studies are one type for both stores (record.Prepared),
// so a store of either kind serves every user.
//
// Fenced writes: every method that writes (Write, WriteSynced, Remove,
// Restore, SetSyncState, AddListed, ClearListing, ReparseCriteria,
// SetLastIngest, ImportStudies, ImportState), given a context that
// carries a lease's fence (lease.FenceOf: a held lease's Context does),
// checks in the same transaction that the fence's holder still holds that
// lease with the fence's token, unexpired by the database's clock, and
// commits only then; otherwise it changes nothing and returns an error
// wrapping ErrLeaseLost (a *lease.LostError, which says who holds the
// lease now). A takeover cannot slip between the check and the commit.
// So a sync node paused or cut off past its lease's expiry, which another
// node then took, cannot write when it resumes.
type Store interface {
	// Ingest (ingest.Store: Prepare, Write, ReparseCriteria) and keeping
	// current with ClinicalTrials.gov: writes with their checkpoint,
	// removals, the sync state, the listing, Stats.
	upstream.Store[*record.Prepared]
	// The server and what it serves: Each (search index, gazetteer,
	// matcher), records, stats, stored criteria, Generation, history,
	// SyncState; Seedable adds SetLastIngest.
	server.Store
	server.Seedable[*record.Prepared]

	// Upsert prepares and writes a batch in one call.
	Upsert(ctx context.Context, batch []study.Study) ([]study.Change, error)
	// Count is the number of live studies.
	Count(ctx context.Context) (int, error)
	// ParseCriteriaWith sets the parser ReparseCriteria derives criteria
	// with, and the version that names its output.
	ParseCriteriaWith(version string, parse func(criteria string) []byte)
	// ChangesSince is the change log after a generation, oldest first.
	ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error)
	// Leases: TakeLease, ReleaseLease, LeaseHolder (the sync lease),
	// each taking with a greater token than the last.
	lease.Store
	// Copier copies a store to another (trialfinder migrate).
	Copier
	Close() error
}

// The stores implement it. (They cannot say so themselves: this package
// imports them, and the packages whose interfaces make up Store import
// them in their tests.)
var (
	_ Store = (*sqlite.Store)(nil)
	_ Store = (*postgres.Store)(nil)
)

// ErrLeaseLost: a fenced write was refused (see Store).
var ErrLeaseLost = lease.ErrLost

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Option tunes Open.
type Option func(*options)

type options struct{ readDSN string }

// ReadFrom sends the reads that may lag (records, full scans, stats,
// history) to dsn, a streaming replica of a PostgreSQL store; see
// postgres.Open.
func ReadFrom(dsn string) Option { return func(o *options) { o.readDSN = dsn } }

// Open opens the store dsn names: a postgres:// or postgresql:// URL, or
// else the path of a SQLite file (created if missing), and brings its
// schema up to date. The store derives the eligibility criteria of the
// studies it stores with this build's parser, so matching never waits for
// the parser.
func Open(ctx context.Context, dsn string, opts ...Option) (Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var st Store
	switch {
	case IsPostgres(dsn):
		pg, err := postgres.Open(ctx, dsn, o.readDSN)
		if err != nil {
			return nil, err
		}
		st = pg
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return nil, fmt.Errorf("open store: %s:// is not a store; give a SQLite file path or a postgres:// URL", scheme)
	case o.readDSN != "":
		return nil, errors.New("open store: a read replica needs a PostgreSQL store; SQLite readers share the file")
	case dsn == "":
		return nil, errors.New("open store: no store named; give a SQLite file path or a postgres:// URL")
	default:
		lite, err := sqlite.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		st = lite
	}
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored)
	return st, nil
}
