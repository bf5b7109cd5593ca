package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// SyncState returns where keeping current with ClinicalTrials.gov stands;
// the zero value before the first sync.
func (s *Store) SyncState(ctx context.Context) (study.SyncState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM meta WHERE key LIKE 'sync\_%' ESCAPE '\'`)
	if err != nil {
		return study.SyncState{}, fmt.Errorf("read sync state: %w", err)
	}
	defer rows.Close()
	var st study.SyncState
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return study.SyncState{}, fmt.Errorf("read sync state: %w", err)
		}
		if err := record.SetSyncState(&st, k, v); err != nil {
			return study.SyncState{}, fmt.Errorf("read sync state %s: %w", k, err)
		}
	}
	if err := rows.Err(); err != nil {
		return study.SyncState{}, fmt.Errorf("read sync state: %w", err)
	}
	return st, nil
}

// SetSyncState records state on its own (WriteSynced, Remove and Restore
// record it with what they change).
func (s *Store) SetSyncState(ctx context.Context, state study.SyncState) error {
	if err := s.change(ctx, &state, func(*sql.Tx, *record.ChangeLog) error { return nil }); err != nil {
		return fmt.Errorf("record sync state: %w", err)
	}
	return nil
}

func putSyncState(ctx context.Context, tx *sql.Tx, st study.SyncState) error {
	for _, kv := range record.SyncStateRows(st) {
		var err error
		if kv[1] == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, kv[0])
		} else {
			_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, kv[0], kv[1])
		}
		if err != nil {
			return fmt.Errorf("record sync state: %w", err)
		}
	}
	return nil
}

// Remove marks the studies ids names as removed from ClinicalTrials.gov
// on the date on ("YYYY-MM-DD"), and records state when not nil, in one
// transaction. They keep their records and history but leave Each,
// Count and Stats; Study and AppendRaw answer a *study.RemovedError. IDs
// not stored, or already removed, are skipped. It returns how many it
// marked.
func (s *Store) Remove(ctx context.Context, ids []string, on string, state *study.SyncState) (int, error) {
	n, err := s.markEach(ctx, state, study.LogRemoved, ids, `INSERT INTO removed (nct_id, removed_on)
		SELECT nct_id, ?2 FROM studies WHERE nct_id = ?1 ON CONFLICT DO NOTHING`, on)
	if err != nil {
		return 0, fmt.Errorf("mark %d studies removed: %w", len(ids), err)
	}
	return n, nil
}

// Restore makes removed studies live again, as they were stored, and
// records state when not nil, in one transaction; it returns how many it
// restored.
func (s *Store) Restore(ctx context.Context, ids []string, state *study.SyncState) (int, error) {
	n, err := s.markEach(ctx, state, study.LogRestored, ids, `DELETE FROM removed WHERE nct_id = ?1`)
	if err != nil {
		return 0, fmt.Errorf("restore %d studies: %w", len(ids), err)
	}
	return n, nil
}

// markEach runs query (?1 the NCT ID, then args) for each of ids in one
// change, logging kind for each study it affected; it returns how many.
func (s *Store) markEach(ctx context.Context, state *study.SyncState, kind study.LogKind, ids []string, query string, args ...any) (int, error) {
	n := 0
	err := s.change(ctx, state, func(tx *sql.Tx, log *record.ChangeLog) error {
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		for _, id := range ids {
			res, err := stmt.ExecContext(ctx, append([]any{id}, args...)...)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
				log.Add(id, kind)
			}
		}
		return nil
	})
	return n, err
}

// removedOn returns the date id was removed, "" if it is live or absent.
func (s *Store) removedOn(ctx context.Context, id string) (string, error) {
	var on string
	err := s.db.QueryRowContext(ctx, `SELECT removed_on FROM removed WHERE nct_id = ?`, id).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return on, err
}

// AddListed adds a page of a full listing's NCT IDs to the listing in
// progress, and records state (the listing's checkpoint) in the same
// transaction.
func (s *Store) AddListed(ctx context.Context, ids []string, state study.SyncState) error {
	err := s.change(ctx, &state, func(tx *sql.Tx, _ *record.ChangeLog) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO listing (nct_id) VALUES (?)`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, id); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d listed NCT IDs: %w", len(ids), err)
	}
	return nil
}

// ClearListing forgets the listing in progress, before a new one starts.
func (s *Store) ClearListing(ctx context.Context) error {
	err := s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM listing`)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear the listing: %w", err)
	}
	return nil
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// History returns every version of the study the store has seen, oldest
// first, removed or not; study.ErrNotFound (wrapped) when it has none.
func (s *Store) History(ctx context.Context, nctID string) ([]study.Version, error) {
	out, err := s.history(ctx, nctID)
	if err == nil && len(out) == 0 {
		err = study.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", nctID, err)
	}
	return out, nil
}

func (s *Store) history(ctx context.Context, nctID string) ([]study.Version, error) {
	rows, err := s.historyOf.QueryContext(ctx, nctID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []study.Version
	for rows.Next() {
		var v study.Version
		var seen string
		var z sql.RawBytes // decompressed from the driver's buffer, not a copy of it
		if err := rows.Scan(&v.Version, &v.LastUpdatePosted, &seen, &z); err != nil {
			return nil, err
		}
		if v.SeenAt, err = time.Parse(time.RFC3339, seen); err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Version, err)
		}
		if v.Raw, err = record.Decompress(z); err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Version, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ChangesSince returns the change log after generation gen, oldest first:
// what a reader that has seen gen must look at again.
func (s *Store) ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT generation, nct_id, kind FROM changes WHERE generation > ? ORDER BY generation, nct_id`, gen)
	if err != nil {
		return nil, fmt.Errorf("changes since generation %d: %w", gen, err)
	}
	defer rows.Close()
	var out []study.Logged
	for rows.Next() {
		var l study.Logged
		if err := rows.Scan(&l.Generation, &l.NCTID, &l.Kind); err != nil {
			return nil, fmt.Errorf("changes since generation %d: %w", gen, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
