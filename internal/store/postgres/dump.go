package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

// ExportStudies returns up to n studies after the NCT ID after, removed or
// not, in NCT ID order, each with all the store keeps of it. It reads the
// primary, in one snapshot.
func (s *Store) ExportStudies(ctx context.Context, after string, n int) ([]record.Dump, error) {
	var d record.Dumps
	err := pgx.BeginTxFunc(ctx, s.db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.nct_id, s.raw, s.content_hash, coalesce(r.removed_on, ''),
			coalesce(c.parser_version, ''), c.parsed
			FROM studies s LEFT JOIN removed r ON r.nct_id = s.nct_id LEFT JOIN criteria c ON c.nct_id = s.nct_id
			WHERE s.nct_id > $1 ORDER BY s.nct_id LIMIT $2`, after, n)
		if err != nil {
			return err
		}
		var x record.Dump
		if _, err := pgx.ForEachRow(rows, []any{&x.ID, &x.Z, &x.Hash, &x.RemovedOn, &x.CriteriaVersion, &x.CriteriaZ}, func() error {
			d.Add(x)
			return nil
		}); err != nil || len(d.Page) == 0 {
			return err
		}
		last := d.Page[len(d.Page)-1].ID
		var id, alias string
		rows, err = tx.Query(ctx, `SELECT nct_id, alias FROM aliases WHERE nct_id > $1 AND nct_id <= $2 ORDER BY alias`, after, last)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id, &alias}, func() error {
			d.AddAlias(id, alias)
			return nil
		}); err != nil {
			return err
		}
		var v record.DumpVersion
		rows, err = tx.Query(ctx, `SELECT nct_id, version, last_update_posted, seen_at, raw FROM versions
			WHERE nct_id > $1 AND nct_id <= $2 ORDER BY nct_id, version`, after, last)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&id, &v.Version, &v.LastUpdatePosted, &v.SeenAt, &v.Z}, func() error {
			v.SeenAt = v.SeenAt.UTC()
			d.AddVersion(id, v)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export studies after %q: %w", after, err)
	}
	return d.Page, nil
}

// ImportStudies writes dumps, of studies the store does not hold, as they
// are, with COPY, in one transaction; it neither logs changes nor moves
// the generation (ImportState brings those).
func (s *Store) ImportStudies(ctx context.Context, dumps []record.Dump) error {
	prepared, err := record.PrepareDumps(dumps)
	if err != nil {
		return fmt.Errorf("import studies: %w", err)
	}
	var studies, aliases, criteria, versions, removed [][]any
	for i, d := range dumps {
		studies = append(studies, append(prepared[i].Values(), d.ID))
		for _, a := range d.Aliases {
			aliases = append(aliases, []any{a, d.ID})
		}
		if d.CriteriaZ != nil {
			criteria = append(criteria, []any{d.ID, d.CriteriaVersion, d.CriteriaZ})
		}
		for _, v := range d.Versions {
			versions = append(versions, []any{d.ID, v.Version, v.LastUpdatePosted, v.SeenAt, v.Z})
		}
		if d.RemovedOn != "" {
			removed = append(removed, []any{d.ID, d.RemovedOn})
		}
	}
	err = s.transact(ctx, func(tx pgx.Tx) error {
		return copyAll(ctx, tx, []copyTable{
			{"studies", studyColumns, studies},
			{"aliases", []string{"alias", "nct_id"}, aliases},
			{"criteria", []string{"nct_id", "parser_version", "parsed"}, criteria},
			{"versions", []string{"nct_id", "version", "last_update_posted", "seen_at", "raw"}, versions},
			{"removed", []string{"nct_id", "removed_on"}, removed},
		})
	})
	if err != nil {
		return fmt.Errorf("import studies: %w", err)
	}
	return nil
}

type copyTable struct {
	name    string
	columns []string
	rows    [][]any
}

// copyAll COPYs rows into each table, in order.
func copyAll(ctx context.Context, tx pgx.Tx, tables []copyTable) error {
	for _, t := range tables {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return nil
}

// ImportState writes st, the state of the store the studies were
// imported from, in one transaction.
func (s *Store) ImportState(ctx context.Context, st record.State) error {
	err := s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, setMetaSQL, record.MetaGeneration, fmt.Sprint(st.Generation)); err != nil {
			return err
		}
		if st.LastIngest != "" {
			if _, err := tx.Exec(ctx, setMetaSQL, record.MetaLastIngest, st.LastIngest); err != nil {
				return err
			}
		}
		if err := putSyncState(ctx, tx, st.Sync); err != nil {
			return err
		}
		changes := make([][]any, len(st.Changes))
		for i, l := range st.Changes {
			changes[i] = []any{l.Generation, l.NCTID, string(l.Kind)}
		}
		listing := make([][]any, len(st.Listing))
		for i, id := range st.Listing {
			listing[i] = []any{id}
		}
		return copyAll(ctx, tx, []copyTable{
			{"changes", []string{"generation", "nct_id", "kind"}, changes},
			{"listing", []string{"nct_id"}, listing},
		})
	})
	if err != nil {
		return fmt.Errorf("import store state: %w", err)
	}
	s.saw(st.Generation)
	return nil
}
