package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

// ExportStudies returns up to n studies after the NCT ID after, removed or
// not, in NCT ID order, each with all the store keeps of it.
func (s *Store) ExportStudies(ctx context.Context, after string, n int) ([]record.Dump, error) {
	d, err := s.export(ctx, after, n)
	if err != nil {
		return nil, fmt.Errorf("export studies after %q: %w", after, err)
	}
	return d.Page, nil
}

func (s *Store) export(ctx context.Context, after string, n int) (*record.Dumps, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var d record.Dumps
	rows, err := tx.QueryContext(ctx, `SELECT s.nct_id, s.raw, s.content_hash, coalesce(r.removed_on, ''),
		coalesce(c.parser_version, ''), c.parsed
		FROM studies s LEFT JOIN removed r ON r.nct_id = s.nct_id LEFT JOIN criteria c ON c.nct_id = s.nct_id
		WHERE s.nct_id > ? ORDER BY s.nct_id LIMIT ?`, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x record.Dump
		if err := rows.Scan(&x.ID, &x.Z, &x.Hash, &x.RemovedOn, &x.CriteriaVersion, &x.CriteriaZ); err != nil {
			return nil, err
		}
		d.Add(x)
	}
	if err := rows.Err(); err != nil || len(d.Page) == 0 {
		return &d, err
	}
	last := d.Page[len(d.Page)-1].ID
	if rows, err = tx.QueryContext(ctx, `SELECT nct_id, alias FROM aliases WHERE nct_id > ? AND nct_id <= ? ORDER BY alias`, after, last); err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, alias string
		if err := rows.Scan(&id, &alias); err != nil {
			return nil, err
		}
		d.AddAlias(id, alias)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = tx.QueryContext(ctx, `SELECT nct_id, version, last_update_posted, seen_at, raw FROM versions
		WHERE nct_id > ? AND nct_id <= ? ORDER BY nct_id, version`, after, last); err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, seen string
		var v record.DumpVersion
		if err := rows.Scan(&id, &v.Version, &v.LastUpdatePosted, &seen, &v.Z); err != nil {
			return nil, err
		}
		if v.SeenAt, err = time.Parse(time.RFC3339, seen); err != nil {
			return nil, fmt.Errorf("%s version %d: %w", id, v.Version, err)
		}
		d.AddVersion(id, v)
	}
	return &d, rows.Err()
}

// ImportStudies writes dumps, of studies the store does not hold, as they
// are, in one transaction; it neither logs changes nor moves the
// generation (ImportState brings those).
func (s *Store) ImportStudies(ctx context.Context, dumps []record.Dump) error {
	prepared, err := record.PrepareDumps(dumps)
	if err != nil {
		return fmt.Errorf("import studies: %w", err)
	}
	err = s.transact(ctx, func(tx *sql.Tx) error {
		// Compiled once per transaction: a statement text would otherwise be
		// parsed again for every row.
		stmts := map[string]*sql.Stmt{}
		exec := func(query string, args ...any) error {
			stmt, ok := stmts[query]
			if !ok {
				var err error
				if stmt, err = tx.PrepareContext(ctx, query); err != nil {
					return err
				}
				stmts[query] = stmt
			}
			_, err := stmt.ExecContext(ctx, args...)
			return err
		}
		for i, d := range dumps {
			err := exec(insertStudySQL, append(prepared[i].Values(), d.ID)...)
			for _, a := range d.Aliases {
				if err == nil {
					err = exec(`INSERT INTO aliases (alias, nct_id) VALUES (?, ?)`, a, d.ID)
				}
			}
			if err == nil && d.CriteriaZ != nil {
				err = exec(`INSERT INTO criteria (nct_id, parser_version, parsed) VALUES (?, ?, ?)`, d.ID, d.CriteriaVersion, d.CriteriaZ)
			}
			for _, v := range d.Versions {
				if err == nil {
					err = exec(`INSERT INTO versions (nct_id, version, last_update_posted, seen_at, raw) VALUES (?, ?, ?, ?, ?)`,
						d.ID, v.Version, v.LastUpdatePosted, v.SeenAt.UTC().Format(time.RFC3339), v.Z)
				}
			}
			if err == nil && d.RemovedOn != "" {
				err = exec(`INSERT INTO removed (nct_id, removed_on) VALUES (?, ?)`, d.ID, d.RemovedOn)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", d.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import studies: %w", err)
	}
	return nil
}

// ImportState writes st, the state of the store the studies were
// imported from, in one transaction.
func (s *Store) ImportState(ctx context.Context, st record.State) error {
	meta := [][2]string{{record.MetaGeneration, fmt.Sprint(st.Generation)}}
	if st.LastIngest != "" {
		meta = append(meta, [2]string{record.MetaLastIngest, st.LastIngest})
	}
	err := s.transact(ctx, func(tx *sql.Tx) error {
		for _, kv := range meta {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, kv[0], kv[1]); err != nil {
				return err
			}
		}
		if err := putSyncState(ctx, tx, st.Sync); err != nil {
			return err
		}
		for _, l := range st.Changes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes (generation, nct_id, kind) VALUES (?, ?, ?)`, l.Generation, l.NCTID, string(l.Kind)); err != nil {
				return fmt.Errorf("the change log: %w", err)
			}
		}
		for _, id := range st.Listing {
			if _, err := tx.ExecContext(ctx, `INSERT INTO listing (nct_id) VALUES (?)`, id); err != nil {
				return fmt.Errorf("the listing: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import store state: %w", err)
	}
	return nil
}
