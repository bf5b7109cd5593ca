package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

var (
	insertStudySQL = "INSERT INTO studies (" + strings.Join(record.Columns, ", ") + ", nct_id) VALUES (" +
		strings.Repeat("?, ", len(record.Columns)) + "?)"
	updateStudySQL = "UPDATE studies SET " + strings.Join(record.Columns, " = ?, ") + " = ? WHERE nct_id = ?"
)

// writer holds one transaction's prepared statements.
type writer struct {
	lookup, insert, update, delAliases, alias, delCriteria, keepVersion, addVersion, restore *sql.Stmt
	seenAt                                                                                   string
	log                                                                                      *record.ChangeLog
}

func prepareWriter(ctx context.Context, tx *sql.Tx, log *record.ChangeLog) (*writer, error) {
	w := &writer{seenAt: time.Now().UTC().Format(time.RFC3339), log: log}
	for _, x := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.lookup, `SELECT s.last_update_posted, s.content_hash, r.removed_on IS NOT NULL
			FROM studies s LEFT JOIN removed r ON r.nct_id = s.nct_id WHERE s.nct_id = ?`},
		{&w.insert, insertStudySQL},
		{&w.update, updateStudySQL},
		{&w.delAliases, `DELETE FROM aliases WHERE nct_id = ?`},
		// An alias belongs to the study that last claimed it.
		{&w.alias, `INSERT OR REPLACE INTO aliases (alias, nct_id) VALUES (?, ?)`},
		{&w.delCriteria, `DELETE FROM criteria WHERE nct_id = ?`},
		// The record about to be replaced becomes its version's record.
		{&w.keepVersion, `UPDATE versions SET raw = (SELECT raw FROM studies WHERE nct_id = ?1)
			WHERE nct_id = ?1 AND raw IS NULL`},
		{&w.addVersion, `INSERT INTO versions (nct_id, version, last_update_posted, seen_at)
			VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM versions WHERE nct_id = ?1), ?2, ?3)`},
		{&w.restore, `DELETE FROM removed WHERE nct_id = ?`},
	} {
		stmt, err := tx.PrepareContext(ctx, x.sql)
		if err != nil {
			return nil, err
		}
		*x.stmt = stmt
	}
	return w, nil
}

// Write stores batch in one transaction and returns, per study in order,
// what it did: a new NCT ID is inserted; a record whose last update is
// older than the stored one's is Stale and the stored one kept; an
// identical record is Unchanged and nothing is written; anything else
// replaces the stored study and its aliases, keeping the replaced record
// as a version in its history. A study marked removed that comes back is
// restored (Updated, even if its record is the same). A failure rolls the
// whole batch back.
func (s *Store) Write(ctx context.Context, batch []*record.Prepared) ([]study.Change, error) {
	return s.WriteSynced(ctx, batch, nil)
}

// WriteSynced is Write that also records state, when not nil, in the same
// transaction: a sync's checkpoint then never runs ahead of, or behind,
// the page it follows.
func (s *Store) WriteSynced(ctx context.Context, batch []*record.Prepared, state *study.SyncState) ([]study.Change, error) {
	changes := make([]study.Change, len(batch))
	err := s.change(ctx, state, func(tx *sql.Tx, log *record.ChangeLog) error {
		// Writing a batch updates several indexes, which a large page cache
		// keeps in memory between batches. Readers keep SQLite's default
		// (2 MB): a server reads scattered records, which the OS caches
		// anyway, and its pool would otherwise hold tens of MB per connection.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -32768`); err != nil {
			return err
		}
		w, err := prepareWriter(ctx, tx, log)
		if err != nil {
			return err
		}
		for i, p := range batch {
			if changes[i], err = w.upsert(ctx, p); err != nil {
				return fmt.Errorf("%s: %w", p.NCTID(), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store %d studies: %w", len(batch), err)
	}
	return changes, nil
}

// change runs fn in a write transaction (fenced: see transact); if fn
// logged changes, the generation moves and the log is written in the same
// transaction, and so is state when not nil.
func (s *Store) change(ctx context.Context, state *study.SyncState, fn func(tx *sql.Tx, log *record.ChangeLog) error) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		var log record.ChangeLog
		if err := fn(tx, &log); err != nil {
			return err
		}
		if log.Len() > 0 {
			gen, err := bumpGeneration(ctx, tx)
			if err != nil {
				return err
			}
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes (generation, nct_id, kind) VALUES (?, ?, ?)`)
			if err != nil {
				return err
			}
			err = log.Each(func(id string, k study.LogKind) error {
				if _, err := stmt.ExecContext(ctx, gen, id, string(k)); err != nil {
					return fmt.Errorf("log change of %s: %w", id, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if state != nil {
			return putSyncState(ctx, tx, *state)
		}
		return nil
	})
}

func bumpGeneration(ctx context.Context, tx *sql.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
		RETURNING CAST(value AS INTEGER)`, record.MetaGeneration).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("bump generation: %w", err)
	}
	return gen, nil
}

func (w *writer) upsert(ctx context.Context, p *record.Prepared) (study.Change, error) {
	id := p.NCTID()
	if id == "" {
		return 0, errors.New("study has no NCT ID")
	}
	var stored record.Stored
	err := w.lookup.QueryRowContext(ctx, id).Scan(&stored.LastUpdatePosted, &stored.Hash, &stored.Removed)
	args := append(p.Values(), id)
	lastUpdate := p.Study.Dates.LastUpdatePosted.Sortable()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := w.insert.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
		if _, err := w.addVersion.ExecContext(ctx, id, lastUpdate, w.seenAt); err != nil {
			return 0, err
		}
		w.log.Add(id, study.LogInserted)
		return study.Inserted, w.children(ctx, p)
	case err != nil:
		return 0, err
	}
	o := record.Decide(p, stored)
	if o.Restore {
		if _, err := w.restore.ExecContext(ctx, id); err != nil {
			return 0, err
		}
		w.log.Add(id, study.LogRestored)
	}
	if !o.Replace {
		return o.Change, nil
	}
	if _, err := w.keepVersion.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	if _, err := w.update.ExecContext(ctx, args...); err != nil {
		return 0, err
	}
	if _, err := w.addVersion.ExecContext(ctx, id, lastUpdate, w.seenAt); err != nil {
		return 0, err
	}
	if _, err := w.delAliases.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	// Criteria parsed from the old record must not outlive it; ReparseCriteria
	// parses the new one's.
	if _, err := w.delCriteria.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	w.log.Add(id, study.LogUpdated)
	return study.Updated, w.children(ctx, p)
}

func (w *writer) children(ctx context.Context, p *record.Prepared) error {
	st := &p.Study
	for _, a := range st.Aliases {
		if _, err := w.alias.ExecContext(ctx, a, st.NCTID); err != nil {
			return fmt.Errorf("alias %s: %w", a, err)
		}
	}
	return nil
}

// SetLastIngest records when an ingest finished; Stats reports it. It
// does not move the generation: an ingest that changed nothing left the
// studies as they were.
func (s *Store) SetLastIngest(ctx context.Context, t time.Time) error {
	err := s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`,
			record.MetaLastIngest, t.UTC().Format(time.RFC3339))
		return err
	})
	if err != nil {
		return fmt.Errorf("record ingest time: %w", err)
	}
	return nil
}
