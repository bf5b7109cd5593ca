package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// lookupRaw is record.Base's lookup.
func (s *Store) lookupRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error) {
	var z []byte
	var removedOn *string
	err := s.reader(ctx).QueryRow(ctx, `SELECT s.raw, r.removed_on FROM studies s
		LEFT JOIN removed r ON r.nct_id = s.nct_id WHERE s.nct_id = $1`, nctID).Scan(&z, &removedOn)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, study.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if removedOn != nil {
		return nil, &study.RemovedError{NCTID: nctID, On: *removedOn}
	}
	return record.AppendDecompressed(dst, z)
}

// CanonicalID returns the NCT ID of the study id names: id itself, or the
// study an obsolete alias was merged into; study.ErrNotFound (wrapped) when
// neither.
func (s *Store) CanonicalID(ctx context.Context, id string) (string, error) {
	var canon string
	err := s.reader(ctx).QueryRow(ctx, `SELECT nct_id FROM studies WHERE nct_id = $1
		UNION ALL SELECT nct_id FROM aliases WHERE alias = $1 LIMIT 1`, id).Scan(&canon)
	if errors.Is(err, pgx.ErrNoRows) {
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
	if err := s.reader(ctx).QueryRow(ctx, `SELECT count(*) FROM live`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count studies: %w", err)
	}
	return n, nil
}

// Each calls fn with every live stored study (not removed) in NCT ID
// order, stopping at the first error fn returns. Studies written while
// Each runs may or may not be seen.
func (s *Store) Each(ctx context.Context, fn func(study.Study) error) error {
	return record.Each(ctx, func(ctx context.Context, after string) ([]record.Raw, error) {
		return raws(ctx, s.reader(ctx), `SELECT nct_id, raw FROM live WHERE nct_id > $1 ORDER BY nct_id LIMIT $2`, after, record.PageSize)
	}, fn)
}

// raws runs a query of (nct_id, raw) rows.
func raws(ctx context.Context, db *pgxpool.Pool, query string, args ...any) ([]record.Raw, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (record.Raw, error) {
		var r record.Raw
		err := row.Scan(&r.ID, &r.Z)
		return r, err
	})
}

// Stats summarises the store. It reads in one snapshot, so the counts
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
	tx, err := s.reader(ctx).BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return study.Stats{}, err
	}
	defer tx.Rollback(ctx)
	gen, err := generation(ctx, tx)
	if err != nil {
		return study.Stats{}, err
	}
	s.saw(gen)
	var lastIngest *string
	err = tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, record.MetaLastIngest).Scan(&lastIngest)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return study.Stats{}, err
	}
	var last string
	if lastIngest != nil {
		last = *lastIngest
	}
	return s.statsCache.Get(gen, last, func() (study.Stats, error) {
		st := record.NewStats(gen)
		var newest *string
		err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE has_results), max(last_update_posted) FROM live`).
			Scan(&st.Studies, &st.WithResults, &newest)
		if err != nil {
			return study.Stats{}, err
		}
		if newest != nil {
			st.NewestUpdate = *newest
		}
		for _, g := range record.StatsQueries(&st) {
			rows, err := tx.Query(ctx, g.Query)
			if err != nil {
				return study.Stats{}, err
			}
			var key string
			var n int
			_, err = pgx.ForEachRow(rows, []any{&key, &n}, func() error {
				record.AddCount(g.Into, key, n, g.Sep)
				return nil
			})
			if err != nil {
				return study.Stats{}, err
			}
		}
		return st, nil
	})
}

// Generation returns the store's generation (see study.Stats), from the
// primary: one indexed read, cheap enough to poll.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	gen, err := generation(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store generation: %w", err)
	}
	s.saw(gen)
	return gen, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func generation(ctx context.Context, q querier) (int64, error) {
	var gen int64
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT value::bigint FROM meta WHERE key = $1), 0)`, record.MetaGeneration).Scan(&gen)
	return gen, err
}

// Size returns the bytes the store's database takes on disk.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store size: %w", err)
	}
	return n, nil
}
