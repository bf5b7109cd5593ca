package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// lookupRaw is record.Base's lookup.
func (s *Store) lookupRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error) {
	// Rows rather than QueryRow, to decompress from the driver's buffer
	// (RawBytes) rather than from one more copy of it.
	rows, err := s.rawByID.QueryContext(ctx, nctID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, study.ErrNotFound
	}
	var z sql.RawBytes
	var removedOn sql.NullString
	if err := rows.Scan(&z, &removedOn); err != nil {
		return nil, err
	}
	if removedOn.Valid {
		return nil, &study.RemovedError{NCTID: nctID, On: removedOn.String}
	}
	out, err := record.AppendDecompressed(dst, z)
	if err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// CanonicalID returns the NCT ID of the study id names: id itself, or the
// study an obsolete alias was merged into; study.ErrNotFound (wrapped) when
// neither.
func (s *Store) CanonicalID(ctx context.Context, id string) (string, error) {
	var canon string
	err := s.db.QueryRowContext(ctx, `SELECT nct_id FROM studies WHERE nct_id = ?1
		UNION ALL SELECT nct_id FROM aliases WHERE alias = ?1 LIMIT 1`, id).Scan(&canon)
	if errors.Is(err, sql.ErrNoRows) {
		err = study.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", id, err)
	}
	return canon, nil
}

// Count returns the number of live stored studies (not removed).
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM live`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count studies: %w", err)
	}
	return n, nil
}

// Each calls fn with every live stored study (not removed) in NCT ID
// order, stopping at the first error fn returns. Studies written while
// Each runs may or may not be seen.
func (s *Store) Each(ctx context.Context, fn func(study.Study) error) error {
	return record.Each(ctx, s.page, fn)
}

// page reads a page of Each; each page is a read transaction of its own,
// so none stays open for long (a long reader stops WAL checkpoints while an
// ingest writes).
func (s *Store) page(ctx context.Context, after string) ([]record.Raw, error) {
	return s.raws(ctx, `SELECT nct_id, raw FROM live WHERE nct_id > ? ORDER BY nct_id LIMIT ?`, after, record.PageSize)
}

// raws runs a query of (nct_id, raw) rows.
func (s *Store) raws(ctx context.Context, query string, args ...any) ([]record.Raw, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []record.Raw
	for rows.Next() {
		var r record.Raw
		if err := rows.Scan(&r.ID, &r.Z); err != nil {
			return nil, err
		}
		page = append(page, r)
	}
	return page, rows.Err()
}

// Stats summarises the store. It reads in one transaction, so the counts
// agree with each other even while an ingest writes. The summary is kept
// until the store's generation changes (see record.StatsCache).
func (s *Store) Stats(ctx context.Context) (study.Stats, error) {
	st, err := s.stats(ctx)
	if err != nil {
		return study.Stats{}, fmt.Errorf("store stats: %w", err)
	}
	return st, nil
}

func (s *Store) stats(ctx context.Context) (study.Stats, error) {
	// ReadOnly makes the driver begin a deferred transaction: a snapshot
	// that takes no write lock (the pool's other transactions are IMMEDIATE).
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return study.Stats{}, err
	}
	defer tx.Rollback()
	gen, err := generation(ctx, tx)
	if err != nil {
		return study.Stats{}, err
	}
	var lastIngest sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, record.MetaLastIngest).Scan(&lastIngest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return study.Stats{}, err
	}
	return s.statsCache.Get(gen, lastIngest.String, func() (study.Stats, error) {
		st := record.NewStats(gen)
		var newest sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(has_results), 0), max(last_update_posted) FROM live`).
			Scan(&st.Studies, &st.WithResults, &newest)
		if err != nil {
			return study.Stats{}, err
		}
		st.NewestUpdate = newest.String
		for _, g := range record.StatsQueries(&st) {
			if err := countInto(ctx, tx, g.Query, g.Into, g.Sep); err != nil {
				return study.Stats{}, err
			}
		}
		return st, nil
	})
}

// Generation returns the store's generation (see study.Stats): one
// indexed read, cheap enough to poll.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	gen, err := generation(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store generation: %w", err)
	}
	return gen, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func generation(ctx context.Context, q querier) (int64, error) {
	var gen int64
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0)`, record.MetaGeneration).Scan(&gen)
	return gen, err
}

// countInto adds a (key, count) query's rows to into (see record.AddCount).
func countInto(ctx context.Context, tx *sql.Tx, query string, into map[string]int, sep string) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return err
		}
		record.AddCount(into, key, n, sep)
	}
	return rows.Err()
}
