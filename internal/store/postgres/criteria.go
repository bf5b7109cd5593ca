package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

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
// criteria are missing or stale (see record.Base.Reparse), and returns how
// many it wrote.
func (s *Store) ReparseCriteria(ctx context.Context) (int, error) {
	return s.Reparse(ctx, s.staleCriteria, s.writeCriteria)
}

// staleCriteria is Reparse's stale: from the primary, as a replica may not
// have the studies just written.
func (s *Store) staleCriteria(ctx context.Context, after, version string) ([]record.Raw, error) {
	return raws(ctx, s.db, staleCriteriaSQL, after, version)
}

// staleCriteriaSQL looks the stored version up per study rather than
// joining: PostgreSQL estimates a join's "no criteria row" as next to
// nothing, then hashes both whole tables and sorts them for every page (1 s
// a page at 600,000 studies, growing with the table); this way it walks the
// key from after and stops at a page. The page size is written into the
// SQL: under a limit that is a parameter, a generic plan would be costed as
// if for a tenth of the table, enough for PostgreSQL to JIT-compile it.
var staleCriteriaSQL = `SELECT s.nct_id, s.raw FROM studies s
	WHERE s.nct_id > $1
	AND coalesce((SELECT c.parser_version FROM criteria c WHERE c.nct_id = s.nct_id), '') != $2
	ORDER BY s.nct_id LIMIT ` + strconv.Itoa(record.PageSize)

func (s *Store) writeCriteria(ctx context.Context, version string, parsed []record.Parsed) error {
	ids := make([]string, len(parsed))
	zs := make([][]byte, len(parsed))
	for i, p := range parsed {
		if p.Err != nil {
			return p.Err
		}
		ids[i], zs[i] = p.ID, p.Z
	}
	err := s.transact(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO criteria (nct_id, parser_version, parsed)
			SELECT id, $2, z FROM unnest($1::text[], $3::bytea[]) AS u (id, z)
			ON CONFLICT (nct_id) DO UPDATE SET parser_version = excluded.parser_version, parsed = excluded.parsed`,
			ids, version, zs)
		return err
	})
	if err != nil {
		return fmt.Errorf("store criteria of %s to %s: %w", ids[0], ids[len(ids)-1], err)
	}
	return nil
}
