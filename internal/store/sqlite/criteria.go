package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

// ParseCriteriaWith sets the parser ReparseCriteria derives criteria
// with. version names the parser's rules and output: rows another version
// wrote are stale. Call it before the store is shared.
func (s *Store) ParseCriteriaWith(version string, parse func(criteria string) []byte) {
	s.criteria = &record.CriteriaParser{Version: version, Parse: parse}
}

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
// criteria are missing (new or updated since) or were written by another
// parser version, and returns how many it wrote. Writing a study does not
// parse it: parsing costs several times what storing does, and search
// needs only the record. Each page commits on its own, so an interrupted
// run keeps its progress and the next run resumes.
func (s *Store) ReparseCriteria(ctx context.Context) (int, error) {
	if s.criteria == nil {
		return 0, nil
	}
	total, after := 0, ""
	for {
		page, err := s.staleCriteria(ctx, after)
		if err == nil && len(page) > 0 {
			err = s.writeCriteria(ctx, s.criteria.ParseAll(page))
		}
		if err != nil {
			return total, fmt.Errorf("re-derive stored criteria: %w", err)
		}
		if len(page) == 0 {
			return total, nil
		}
		total += len(page)
		after = page[len(page)-1].ID
	}
}

// staleCriteria returns the first page of studies after the NCT ID after
// whose criteria need deriving. Starting after the last page, rather than
// from the top, keeps a full re-derivation linear: otherwise every page
// would walk past all the rows already done.
func (s *Store) staleCriteria(ctx context.Context, after string) ([]record.Raw, error) {
	return s.raws(ctx, `SELECT s.nct_id, s.raw FROM studies s
		LEFT JOIN criteria c ON c.nct_id = s.nct_id
		WHERE s.nct_id > ? AND (c.parser_version IS NULL OR c.parser_version != ?)
		ORDER BY s.nct_id LIMIT ?`, after, s.criteria.Version, record.PageSize)
}

func (s *Store) writeCriteria(ctx context.Context, rows []record.Parsed) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO criteria (nct_id, parser_version, parsed) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Err != nil {
			return r.Err
		}
		if _, err := stmt.ExecContext(ctx, r.ID, s.criteria.Version, r.Z); err != nil {
			return fmt.Errorf("%s: store criteria: %w", r.ID, err)
		}
	}
	return tx.Commit()
}
