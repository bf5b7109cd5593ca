package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

// CriteriaOf calls fn with the stored criteria of each of ids that a
// parser of this version wrote; ids without such a row are skipped, for
// the caller to parse itself.
func (s *Store) CriteriaOf(ctx context.Context, version string, ids []string, fn func(nctID string, parsed []byte) error) error {
	if err := s.criteriaOf(ctx, version, ids, fn); err != nil {
		return fmt.Errorf("read stored criteria: %w", err)
	}
	return nil
}

func (s *Store) criteriaOf(ctx context.Context, version string, ids []string, fn func(string, []byte) error) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := s.criteriaIn.QueryContext(ctx, version, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var z sql.RawBytes // decompressed from the driver's buffer, not a copy of it
		if err := rows.Scan(&id, &z); err != nil {
			return err
		}
		parsed, err := record.Decompress(z)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		if err := fn(id, parsed); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ReparseCriteria derives the criteria of every study whose stored
// criteria are missing or stale (see record.Base.Reparse), and returns how
// many it wrote. Writing a study does not parse it: parsing costs several
// times what storing does, and search needs only the record.
func (s *Store) ReparseCriteria(ctx context.Context) (int, error) {
	return s.Reparse(ctx, s.staleCriteria, s.writeCriteria)
}

// staleCriteria is Reparse's stale.
func (s *Store) staleCriteria(ctx context.Context, after, version string) ([]record.Raw, error) {
	return s.raws(ctx, `SELECT s.nct_id, s.raw FROM studies s
		LEFT JOIN criteria c ON c.nct_id = s.nct_id
		WHERE s.nct_id > ? AND (c.parser_version IS NULL OR c.parser_version != ?)
		ORDER BY s.nct_id LIMIT ?`, after, version, record.PageSize)
}

func (s *Store) writeCriteria(ctx context.Context, version string, rows []record.Parsed) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO criteria (nct_id, parser_version, parsed) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Err != nil {
				return r.Err
			}
			if _, err := stmt.ExecContext(ctx, r.ID, version, r.Z); err != nil {
				return fmt.Errorf("%s: store criteria: %w", r.ID, err)
			}
		}
		return nil
	})
}
