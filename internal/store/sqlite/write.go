package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Prepared is a study made ready for writing: its raw record compressed and
// hashed. Preparing is the CPU-heavy part of storing, so the ingest pipeline
// does it in parallel workers and leaves only SQL to the single writer.
type Prepared struct {
	study study.Study // Raw dropped: raw holds it, compressed
	raw   []byte
	hash  [sha256.Size]byte
}

// NCTID returns the prepared study's NCT ID.
func (p *Prepared) NCTID() string { return p.study.NCTID }

// Prepare compresses and hashes s. It is safe to call from many goroutines.
func (s *Store) Prepare(st study.Study) *Prepared {
	p := &Prepared{hash: sha256.Sum256(st.Raw), raw: compress(st.Raw)}
	st.Raw = nil
	p.study = st
	return p
}

// Upsert stores batch in one transaction and says, per study, what it did.
// See Write.
func (s *Store) Upsert(ctx context.Context, batch []study.Study) ([]study.Change, error) {
	prepared := make([]*Prepared, len(batch))
	for i, st := range batch {
		prepared[i] = s.Prepare(st)
	}
	return s.Write(ctx, prepared)
}

// studyColumns are the studies columns besides nct_id, in the order
// studyValues returns them; INSERT and UPDATE are both built from it.
var studyColumns = []string{
	"last_update_posted", "content_hash", "raw", "overall_status", "study_type", "phases",
	"has_results", "sex", "min_age_days", "max_age_days", "healthy_volunteers",
	"start_date", "primary_completion_date", "completion_date", "first_posted",
	"enrollment", "lead_sponsor_class", "funder_types", "brief_title", "acronym", "org_study_id",
	"countries",
}

func studyValues(p *Prepared) []any {
	st := &p.study
	ageDays := func(a study.Age) any {
		if !a.IsSet() {
			return nil
		}
		return a.Days()
	}
	var healthy, enrollment any
	if hv := st.Eligibility.HealthyVolunteers; hv != nil {
		healthy = *hv
	}
	if st.Enrollment.Known {
		enrollment = st.Enrollment.Count
	}
	return []any{
		st.Dates.LastUpdatePosted.Sortable(), p.hash[:], p.raw, st.OverallStatus, st.StudyType,
		strings.Join(st.Phases, " "), st.HasResults, st.Eligibility.Sex,
		ageDays(st.Eligibility.MinimumAge), ageDays(st.Eligibility.MaximumAge), healthy,
		st.Dates.Start.Sortable(), st.Dates.PrimaryCompletion.Sortable(), st.Dates.Completion.Sortable(),
		st.Dates.FirstPosted.Sortable(), enrollment, st.LeadSponsor.Class,
		strings.Join(st.FunderTypes(), " "), st.BriefTitle, st.Acronym, st.OrgStudyID,
		strings.Join(countries(st), countrySep),
	}
}

// countrySep separates the countries column's names, which contain spaces
// and commas but never this.
const countrySep = "|"

// countries returns the distinct countries of a study's sites, in order.
func countries(st *study.Study) []string {
	var out []string
	for _, l := range st.Locations {
		if l.Country != "" && !slices.Contains(out, l.Country) {
			out = append(out, l.Country)
		}
	}
	return out
}

var (
	insertStudySQL = "INSERT INTO studies (" + strings.Join(studyColumns, ", ") + ", nct_id) VALUES (" +
		strings.Repeat("?, ", len(studyColumns)) + "?)"
	updateStudySQL = "UPDATE studies SET " + strings.Join(studyColumns, " = ?, ") + " = ? WHERE nct_id = ?"
)

// writer holds one transaction's prepared statements.
type writer struct {
	lookup, insert, update, delAliases, alias, delCriteria, keepVersion, addVersion, restore *sql.Stmt
	seenAt                                                                                   string
	log                                                                                      *changeLog
}

func prepareWriter(ctx context.Context, tx *sql.Tx, log *changeLog) (*writer, error) {
	w := &writer{seenAt: time.Now().UTC().Format(time.RFC3339), log: log}
	for _, x := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.lookup, `SELECT s.last_update_posted, s.content_hash, r.removed_on IS NOT NULL
			FROM studies s LEFT JOIN removed r ON r.nct_id = s.nct_id WHERE s.nct_id = ?`},
		{&w.insert, insertStudySQL},
		{&w.update, updateStudySQL},
		{&w.delAliases, `DELETE FROM aliases WHERE nct_id = ?`},
		// An alias belongs to the study that last claimed it.
		{&w.alias, `INSERT OR REPLACE INTO aliases (alias, nct_id) VALUES (?, ?)`},
		{&w.delCriteria, `DELETE FROM criteria WHERE nct_id = ?`},
		// The record about to be replaced becomes its version's record.
		{&w.keepVersion, `UPDATE versions SET raw = (SELECT raw FROM studies WHERE nct_id = ?1)
			WHERE nct_id = ?1 AND raw IS NULL`},
		{&w.addVersion, `INSERT INTO versions (nct_id, version, last_update_posted, seen_at)
			VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM versions WHERE nct_id = ?1), ?2, ?3)`},
		{&w.restore, `DELETE FROM removed WHERE nct_id = ?`},
	} {
		stmt, err := tx.PrepareContext(ctx, x.sql)
		if err != nil {
			return nil, err
		}
		*x.stmt = stmt
	}
	return w, nil
}

// Write stores batch in one transaction and returns, per study in order,
// what it did: a new NCT ID is inserted; a record whose last update is
// older than the stored one's is Stale and the stored one kept; an
// identical record is Unchanged and nothing is written; anything else
// replaces the stored study and its aliases, keeping the replaced record
// as a version in its history. A study marked removed that comes back is
// restored (Updated, even if its record is the same). A failure rolls the
// whole batch back.
func (s *Store) Write(ctx context.Context, batch []*Prepared) ([]study.Change, error) {
	return s.WriteSynced(ctx, batch, nil)
}

// WriteSynced is Write that also records state, when not nil, in the same
// transaction: a sync's checkpoint then never runs ahead of, or behind,
// the page it follows.
func (s *Store) WriteSynced(ctx context.Context, batch []*Prepared, state *study.SyncState) ([]study.Change, error) {
	changes := make([]study.Change, len(batch))
	err := s.change(ctx, state, func(tx *sql.Tx, log *changeLog) error {
		// Writing a batch updates several indexes, which a large page cache
		// keeps in memory between batches. Readers keep SQLite's default
		// (2 MB): a server reads scattered records, which the OS caches
		// anyway, and its pool would otherwise hold tens of MB per connection.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -32768`); err != nil {
			return err
		}
		w, err := prepareWriter(ctx, tx, log)
		if err != nil {
			return err
		}
		for i, p := range batch {
			if changes[i], err = w.upsert(ctx, p); err != nil {
				return fmt.Errorf("%s: %w", p.study.NCTID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store %d studies: %w", len(batch), err)
	}
	return changes, nil
}

// changeLog collects one transaction's changes, the first kind of each
// study winning (a study inserted and then updated in one batch is new).
type changeLog struct {
	ids  []string
	kind map[string]study.LogKind
}

func (l *changeLog) add(id string, k study.LogKind) {
	if l.kind == nil {
		l.kind = map[string]study.LogKind{}
	}
	if _, ok := l.kind[id]; !ok {
		l.ids = append(l.ids, id)
		l.kind[id] = k
	}
}

// change runs fn in a write transaction; if fn logged changes, the
// generation moves and the log is written in the same transaction, and so
// is state when not nil.
func (s *Store) change(ctx context.Context, state *study.SyncState, fn func(tx *sql.Tx, log *changeLog) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var log changeLog
	if err := fn(tx, &log); err != nil {
		return err
	}
	if len(log.ids) > 0 {
		gen, err := bumpGeneration(ctx, tx)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes (generation, nct_id, kind) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		for _, id := range log.ids {
			if _, err := stmt.ExecContext(ctx, gen, id, string(log.kind[id])); err != nil {
				return fmt.Errorf("log change of %s: %w", id, err)
			}
		}
	}
	if state != nil {
		if err := putSyncState(ctx, tx, *state); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// metaGeneration counts the transactions that changed studies; see
// Store.Generation.
const metaGeneration = "generation"

func bumpGeneration(ctx context.Context, tx *sql.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
		RETURNING CAST(value AS INTEGER)`, metaGeneration).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("bump generation: %w", err)
	}
	return gen, nil
}

func (w *writer) upsert(ctx context.Context, p *Prepared) (study.Change, error) {
	id := p.study.NCTID
	if id == "" {
		return 0, errors.New("study has no NCT ID")
	}
	var storedUpdate string
	var storedHash []byte
	var removed bool
	err := w.lookup.QueryRowContext(ctx, id).Scan(&storedUpdate, &storedHash, &removed)
	args := append(studyValues(p), id)
	lastUpdate := p.study.Dates.LastUpdatePosted.Sortable()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := w.insert.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
		if _, err := w.addVersion.ExecContext(ctx, id, lastUpdate, w.seenAt); err != nil {
			return 0, err
		}
		w.log.add(id, study.LogInserted)
		return study.Inserted, w.children(ctx, p)
	case err != nil:
		return 0, err
	}
	change := study.Updated
	switch {
	case lastUpdate < storedUpdate:
		change = study.Stale
	case bytes.Equal(storedHash, p.hash[:]):
		change = study.Unchanged
	}
	if removed {
		if _, err := w.restore.ExecContext(ctx, id); err != nil {
			return 0, err
		}
		w.log.add(id, study.LogRestored)
	}
	if change != study.Updated {
		if removed {
			return study.Updated, nil
		}
		return change, nil
	}
	if _, err := w.keepVersion.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	if _, err := w.update.ExecContext(ctx, args...); err != nil {
		return 0, err
	}
	if _, err := w.addVersion.ExecContext(ctx, id, lastUpdate, w.seenAt); err != nil {
		return 0, err
	}
	if _, err := w.delAliases.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	// Criteria parsed from the old record must not outlive it; ReparseCriteria
	// parses the new one's.
	if _, err := w.delCriteria.ExecContext(ctx, id); err != nil {
		return 0, err
	}
	w.log.add(id, study.LogUpdated)
	return study.Updated, w.children(ctx, p)
}

func (w *writer) children(ctx context.Context, p *Prepared) error {
	st := &p.study
	for _, a := range st.Aliases {
		if _, err := w.alias.ExecContext(ctx, a, st.NCTID); err != nil {
			return fmt.Errorf("alias %s: %w", a, err)
		}
	}
	return nil
}

const metaLastIngest = "last_ingest_finished"

// SetLastIngest records when an ingest finished; Stats reports it. It
// does not move the generation: an ingest that changed nothing left the
// studies as they were.
func (s *Store) SetLastIngest(ctx context.Context, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`,
		metaLastIngest, t.UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("record ingest time: %w", err)
	}
	return nil
}
