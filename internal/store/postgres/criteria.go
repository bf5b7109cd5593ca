package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

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
	rows, err := s.reader(ctx).Query(ctx, `SELECT nct_id, parsed FROM criteria WHERE parser_version = $1 AND nct_id = ANY($2)`, version, ids)
	if err != nil {
		return fmt.Errorf("read stored criteria: %w", err)
	}
	var id string
	var z []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &z}, func() error {
		parsed, err := record.Decompress(z)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		return fn(id, parsed)
	})
	if err != nil {
		return fmt.Errorf("read stored criteria: %w", err)
	}
	return nil
}

// ReparseCriteria derives the criteria of every study whose stored
// criteria are missing (new or updated since) or were written by another
// parser version, and returns how many it wrote. Each page commits on its
// own, so an interrupted run keeps its progress and the next run resumes.
func (s *Store) ReparseCriteria(ctx context.Context) (int, error) {
	if s.criteria == nil {
		return 0, nil
	}
	total, after := 0, ""
	for {
		// From the primary: a replica may not have the studies just written.
		// The stored version is looked up per study, not joined: PostgreSQL
		// estimates a join's "no criteria row" as next to nothing, then
		// hashes both whole tables and sorts them for every page (1 s a
		// page at 600,000 studies, growing with the table); this way it
		// walks the key from after and stops at a page. The page size is
		// written into the SQL: under a limit that is a parameter, a
		// generic plan would be costed as if for a tenth of the table,
		// enough for PostgreSQL to JIT-compile it.
		page, err := raws(ctx, s.db, staleCriteriaSQL, after, s.criteria.Version)
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

var staleCriteriaSQL = `SELECT s.nct_id, s.raw FROM studies s
	WHERE s.nct_id > $1
	AND coalesce((SELECT c.parser_version FROM criteria c WHERE c.nct_id = s.nct_id), '') != $2
	ORDER BY s.nct_id LIMIT ` + strconv.Itoa(record.PageSize)

func (s *Store) writeCriteria(ctx context.Context, parsed []record.Parsed) error {
	ids := make([]string, len(parsed))
	zs := make([][]byte, len(parsed))
	for i, p := range parsed {
		if p.Err != nil {
			return p.Err
		}
		ids[i], zs[i] = p.ID, p.Z
	}
	_, err := s.db.Exec(ctx, `INSERT INTO criteria (nct_id, parser_version, parsed)
		SELECT id, $2, z FROM unnest($1::text[], $3::bytea[]) AS u (id, z)
		ON CONFLICT (nct_id) DO UPDATE SET parser_version = excluded.parser_version, parsed = excluded.parsed`,
		ids, s.criteria.Version, zs)
	if err != nil {
		return fmt.Errorf("store criteria of %s to %s: %w", ids[0], ids[len(ids)-1], err)
	}
	return nil
}
