package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// SyncState returns where keeping current with ClinicalTrials.gov stands;
// the zero value before the first sync. It reads the primary: a sync
// resumes from it.
func (s *Store) SyncState(ctx context.Context) (study.SyncState, error) {
	rows, err := s.db.Query(ctx, `SELECT key, value FROM meta WHERE starts_with(key, $1)`, record.MetaSyncPrefix)
	if err != nil {
		return study.SyncState{}, fmt.Errorf("read sync state: %w", err)
	}
	var st study.SyncState
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		if err := record.SetSyncState(&st, k, v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		return nil
	})
	if err != nil {
		return study.SyncState{}, fmt.Errorf("read sync state: %w", err)
	}
	return st, nil
}

// SetSyncState records state on its own (WriteSynced, Remove and Restore
// record it with what they change).
func (s *Store) SetSyncState(ctx context.Context, state study.SyncState) error {
	if err := s.change(ctx, &state, func(pgx.Tx, *record.ChangeLog) error { return nil }); err != nil {
		return fmt.Errorf("record sync state: %w", err)
	}
	return nil
}

func putSyncState(ctx context.Context, tx pgx.Tx, st study.SyncState) error {
	var ops pgx.Batch
	for _, kv := range record.SyncStateRows(st) {
		if kv[1] == "" {
			ops.Queue(`DELETE FROM meta WHERE key = $1`, kv[0])
		} else {
			ops.Queue(setMetaSQL, kv[0], kv[1])
		}
	}
	if err := tx.SendBatch(ctx, &ops).Close(); err != nil {
		return fmt.Errorf("record sync state: %w", err)
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
	n, err := s.mark(ctx, state, study.LogRemoved, `INSERT INTO removed (nct_id, removed_on)
		SELECT nct_id, $2 FROM studies WHERE nct_id = ANY($1) ON CONFLICT DO NOTHING RETURNING nct_id`, ids, on)
	if err != nil {
		return 0, fmt.Errorf("mark %d studies removed: %w", len(ids), err)
	}
	return n, nil
}

// Restore makes removed studies live again, as they were stored, and
// records state when not nil, in one transaction; it returns how many it
// restored.
func (s *Store) Restore(ctx context.Context, ids []string, state *study.SyncState) (int, error) {
	n, err := s.mark(ctx, state, study.LogRestored, `DELETE FROM removed WHERE nct_id = ANY($1) RETURNING nct_id`, ids)
	if err != nil {
		return 0, fmt.Errorf("restore %d studies: %w", len(ids), err)
	}
	return n, nil
}

// mark runs query, which returns the NCT ID of each study it affected, in
// one change, logging kind for each; it returns how many.
func (s *Store) mark(ctx context.Context, state *study.SyncState, kind study.LogKind, query string, args ...any) (int, error) {
	n := 0
	err := s.change(ctx, state, func(tx pgx.Tx, log *record.ChangeLog) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		var id string
		_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
			n++
			log.Add(id, kind)
			return nil
		})
		return err
	})
	return n, err
}

// AddListed adds a page of a full listing's NCT IDs to the listing in
// progress, and records state (the listing's checkpoint) in the same
// transaction.
func (s *Store) AddListed(ctx context.Context, ids []string, state study.SyncState) error {
	err := s.change(ctx, &state, func(tx pgx.Tx, _ *record.ChangeLog) error {
		_, err := tx.Exec(ctx, `INSERT INTO listing (nct_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("record %d listed NCT IDs: %w", len(ids), err)
	}
	return nil
}

// ClearListing forgets the listing in progress, before a new one starts.
func (s *Store) ClearListing(ctx context.Context) error {
	err := s.transact(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM listing`)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear the listing: %w", err)
	}
	return nil
}

// ids runs a query of NCT IDs on the primary.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
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
	rows, err := s.reader(ctx).Query(ctx, `SELECT v.version, v.last_update_posted, v.seen_at, coalesce(v.raw, s.raw)
		FROM versions v JOIN studies s ON s.nct_id = v.nct_id WHERE v.nct_id = $1 ORDER BY v.version`, nctID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (study.Version, error) {
		var v study.Version
		var seen time.Time
		var z []byte
		if err := row.Scan(&v.Version, &v.LastUpdatePosted, &seen, &z); err != nil {
			return v, err
		}
		v.SeenAt = seen.UTC()
		raw, err := record.Decompress(z)
		if err != nil {
			return v, fmt.Errorf("version %d: %w", v.Version, err)
		}
		v.Raw = raw
		return v, nil
	})
}

// ChangesSince returns the change log after generation gen, oldest first:
// what a reader that has seen gen must look at again. It reads the
// primary, where the log is complete up to the newest generation.
func (s *Store) ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error) {
	rows, err := s.db.Query(ctx, `SELECT generation, nct_id, kind FROM changes WHERE generation > $1 ORDER BY generation, nct_id`, gen)
	if err == nil {
		var out []study.Logged
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (study.Logged, error) {
			var l study.Logged
			err := row.Scan(&l.Generation, &l.NCTID, &l.Kind)
			return l, err
		})
		if err == nil {
			if len(out) > 0 {
				s.saw(out[len(out)-1].Generation)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("changes since generation %d: %w", gen, err)
}
