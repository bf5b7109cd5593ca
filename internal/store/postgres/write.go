package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Write stores batch in one transaction and returns, per study in order,
// what it did: a new NCT ID is inserted; otherwise record.Decide says what
// happens, and a replaced record is kept as a version in its study's
// history. A failure rolls the whole batch back.
func (s *Store) Write(ctx context.Context, batch []*record.Prepared) ([]study.Change, error) {
	return s.WriteSynced(ctx, batch, nil)
}

// WriteSynced is Write that also records state, when not nil, in the same
// transaction: a sync's checkpoint then never runs ahead of, or behind,
// the page it follows.
func (s *Store) WriteSynced(ctx context.Context, batch []*record.Prepared, state *study.SyncState) ([]study.Change, error) {
	changes := make([]study.Change, len(batch))
	err := s.change(ctx, state, func(tx pgx.Tx, log *record.ChangeLog) error {
		return write(ctx, tx, batch, changes, log)
	})
	if err != nil {
		return nil, fmt.Errorf("store %d studies: %w", len(batch), err)
	}
	return changes, nil
}

var (
	studyColumns   = append(append([]string{}, record.Columns...), "nct_id")
	updateStudySQL = func() string {
		set := make([]string, len(record.Columns))
		for i, c := range record.Columns {
			set[i] = fmt.Sprintf("%s = $%d", c, i+1)
		}
		return fmt.Sprintf("UPDATE studies SET %s WHERE nct_id = $%d", strings.Join(set, ", "), len(record.Columns)+1)
	}()
)

// The statements an update runs, in order, after the record is compared.
const (
	// The record about to be replaced becomes its version's record.
	keepVersionSQL = `UPDATE versions SET raw = (SELECT raw FROM studies WHERE nct_id = $1)
		WHERE nct_id = $1 AND raw IS NULL`
	addVersionSQL = `INSERT INTO versions (nct_id, version, last_update_posted, seen_at)
		VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM versions WHERE nct_id = $1), $2, $3)`
	delAliasesSQL = `DELETE FROM aliases WHERE nct_id = $1`
	// Criteria parsed from the old record must not outlive it;
	// ReparseCriteria parses the new one's.
	delCriteriaSQL = `DELETE FROM criteria WHERE nct_id = $1`
	// An alias belongs to the study that last claimed it.
	aliasSQL   = `INSERT INTO aliases (alias, nct_id) VALUES ($1, $2) ON CONFLICT (alias) DO UPDATE SET nct_id = excluded.nct_id`
	restoreSQL = `DELETE FROM removed WHERE nct_id = $1`
)

// write stores batch in tx, filling changes and log. It reads what the
// store holds of the batch's studies in one query and decides each study
// in order, as SQLite's writer does row by row; then new studies go in
// with COPY, and the statements of updates, restores and aliases follow
// in one pipelined round trip, in the batch's order.
func write(ctx context.Context, tx pgx.Tx, batch []*record.Prepared, changes []study.Change, log *record.ChangeLog) error {
	ids := make([]string, len(batch))
	for i, p := range batch {
		if ids[i] = p.NCTID(); ids[i] == "" {
			return errNoID
		}
	}
	stored, err := lookup(ctx, tx, ids)
	if err != nil {
		return err
	}
	seenAt := time.Now().UTC()
	var inserts, versions [][]any
	var ops pgx.Batch
	var opIDs []string // the study each of ops is for
	queue := func(id, sql string, args ...any) {
		ops.Queue(sql, args...)
		opIDs = append(opIDs, id)
	}
	for i, p := range batch {
		id, lastUpdate := ids[i], p.Study.Dates.LastUpdatePosted.Sortable()
		st, ok := stored[id]
		var o record.Outcome
		if !ok {
			inserts = append(inserts, append(p.Values(), id))
			versions = append(versions, []any{id, 1, lastUpdate, seenAt})
			o = record.Outcome{Change: study.Inserted}
			log.Add(id, study.LogInserted)
		} else {
			o = record.Decide(p, st)
		}
		if o.Restore {
			queue(id, restoreSQL, id)
			log.Add(id, study.LogRestored)
		}
		if o.Replace {
			queue(id, keepVersionSQL, id)
			queue(id, updateStudySQL, append(p.Values(), id)...)
			queue(id, addVersionSQL, id, lastUpdate, seenAt)
			queue(id, delAliasesSQL, id)
			queue(id, delCriteriaSQL, id)
			log.Add(id, study.LogUpdated)
		}
		if o.Change == study.Inserted || o.Replace {
			for _, a := range p.Study.Aliases {
				queue(id, aliasSQL, a, id)
			}
			stored[id] = record.Stored{LastUpdatePosted: lastUpdate, Hash: p.Hash[:]}
		}
		changes[i] = o.Change
	}
	if err := copyAll(ctx, tx, []copyTable{
		{"studies", studyColumns, inserts},
		{"versions", []string{"nct_id", "version", "last_update_posted", "seen_at"}, versions},
	}); err != nil {
		return fmt.Errorf("copy new studies: %w", err)
	}
	return sendBatch(ctx, tx, &ops, opIDs)
}

// lookup returns what the store holds of the studies ids names.
func lookup(ctx context.Context, tx pgx.Tx, ids []string) (map[string]record.Stored, error) {
	rows, err := tx.Query(ctx, `SELECT s.nct_id, s.last_update_posted, s.content_hash, r.nct_id IS NOT NULL
		FROM studies s LEFT JOIN removed r ON r.nct_id = s.nct_id WHERE s.nct_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]record.Stored, len(ids))
	for rows.Next() {
		var id string
		var st record.Stored
		if err := rows.Scan(&id, &st.LastUpdatePosted, &st.Hash, &st.Removed); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}

// sendBatch runs ops in one round trip, naming the study of the first
// that fails.
func sendBatch(ctx context.Context, tx pgx.Tx, ops *pgx.Batch, ids []string) error {
	if ops.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, ops)
	for _, id := range ids {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return br.Close()
}

// change runs fn in a write transaction (fenced: see transact), one at a
// time across every process using the database; if fn logged changes, the
// generation moves and the log is written in the same transaction, and so
// is state when not nil.
func (s *Store) change(ctx context.Context, state *study.SyncState, fn func(tx pgx.Tx, log *record.ChangeLog) error) error {
	var gen int64
	err := s.transact(ctx, func(tx pgx.Tx) error {
		// Deciding a batch reads the stored rows before writing them: two
		// writers deciding at once would both insert the same new study.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockWrite); err != nil {
			return err
		}
		var log record.ChangeLog
		if err := fn(tx, &log); err != nil {
			return err
		}
		if log.Len() > 0 {
			var err error
			if gen, err = bumpGeneration(ctx, tx); err != nil {
				return err
			}
			rows := make([][]any, 0, log.Len())
			log.Each(func(id string, k study.LogKind) error {
				rows = append(rows, []any{gen, id, string(k)})
				return nil
			})
			if err := copyAll(ctx, tx, []copyTable{{"changes", []string{"generation", "nct_id", "kind"}, rows}}); err != nil {
				return fmt.Errorf("log changes: %w", err)
			}
		}
		if state != nil {
			return putSyncState(ctx, tx, *state)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.saw(gen)
	return nil
}

func bumpGeneration(ctx context.Context, tx pgx.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRow(ctx, `INSERT INTO meta (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
		RETURNING value::bigint`, record.MetaGeneration).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("bump generation: %w", err)
	}
	return gen, nil
}

// setMeta sets a meta row.
const setMetaSQL = `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`

// SetLastIngest records when an ingest finished; Stats reports it. It
// does not move the generation: an ingest that changed nothing left the
// studies as they were.
func (s *Store) SetLastIngest(ctx context.Context, t time.Time) error {
	err := s.transact(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, setMetaSQL, record.MetaLastIngest, t.UTC().Format(time.RFC3339))
		return err
	})
	if err != nil {
		return fmt.Errorf("record ingest time: %w", err)
	}
	return nil
}
