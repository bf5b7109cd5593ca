package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// AppendRaw appends the study's verbatim API v2 record to dst and
// returns the extended slice; study.ErrNotFound (wrapped) when there is
// no such study, a *study.RemovedError when it is no longer on
// ClinicalTrials.gov. A page of results reads ten records, and a fresh buffer
// for each was most of a search request's garbage.
func (s *Store) AppendRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error) {
	out, err := s.appendRaw(ctx, dst, nctID)
	if err != nil {
		return dst, fmt.Errorf("read %s: %w", nctID, err)
	}
	return out, nil
}

func (s *Store) appendRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error) {
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
	// DecodeAll allocates a buffer of exactly the record's size after dst
	// when dst has no room for it, copying dst: a page's buffer would be
	// copied once per record. Growing it here doubles it instead.
	var h zstd.Header
	if err := h.Decode(z); err == nil && h.HasFCS {
		dst = slices.Grow(dst, int(h.FrameContentSize)+zstdOverAlloc)
	}
	out, err := decoder.DecodeAll(z, dst)
	if err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// Study returns the study with this NCT ID (not an alias: see CanonicalID);
// study.ErrNotFound (wrapped) when there is none, a *study.RemovedError
// when it is no longer on ClinicalTrials.gov (History still has it).
func (s *Store) Study(ctx context.Context, nctID string) (study.Study, error) {
	raw, err := s.appendRaw(ctx, nil, nctID)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: %w", nctID, err)
	}
	st, err := ctgov.DecodeV2(raw)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: stored record: %w", nctID, err)
	}
	return st, nil
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

// eachPage is how many studies Each reads per query: enough to amortise
// the query, few enough that no read transaction stays open for long (a
// long reader stops WAL checkpoints while an ingest writes).
const eachPage = 256

// Each calls fn with every live stored study (not removed) in NCT ID order, stopping at the
// first error fn returns. Studies written while Each runs may or may not be
// seen. Records are decompressed and decoded in parallel a few pages ahead
// of fn, since decoding, not reading, is what makes a full scan slow.
func (s *Store) Each(ctx context.Context, fn func(study.Study) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *eachJob)
	order := make(chan *eachJob, 2*workers) // bounds how far decoding runs ahead
	go s.readPages(ctx, work, order)
	for range workers {
		go func() {
			for j := range work {
				j.decode()
			}
		}()
	}
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if j.err != nil {
			return j.err
		}
		for _, st := range j.studies {
			if err := fn(st); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// eachJob is one page of Each: read in order, decoded by any worker.
type eachJob struct {
	page    []storedRaw
	studies []study.Study
	err     error
	done    chan struct{}
}

func (j *eachJob) decode() {
	defer close(j.done)
	for _, z := range j.page {
		raw, err := decompress(z.raw)
		if err != nil {
			j.err = fmt.Errorf("read %s: %w", z.id, err)
			return
		}
		st, err := ctgov.DecodeV2(raw)
		if err != nil {
			j.err = fmt.Errorf("read %s: stored record: %w", z.id, err)
			return
		}
		j.studies = append(j.studies, st)
	}
}

// readPages reads every page in order, handing each to the workers and, in
// the same order, to Each.
func (s *Store) readPages(ctx context.Context, work, order chan<- *eachJob) {
	defer close(work)
	defer close(order)
	after := ""
	for {
		page, err := s.page(ctx, after)
		j := &eachJob{page: page, done: make(chan struct{})}
		if err != nil {
			j.err = fmt.Errorf("read studies after %q: %w", after, err)
			close(j.done)
		}
		select {
		case order <- j:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		select {
		case work <- j:
		case <-ctx.Done():
			return
		}
		if len(page) < eachPage {
			return
		}
		after = page[len(page)-1].id
	}
}

type storedRaw struct {
	id  string
	raw []byte
}

func (s *Store) page(ctx context.Context, after string) ([]storedRaw, error) {
	return s.raws(ctx, `SELECT nct_id, raw FROM live WHERE nct_id > ? ORDER BY nct_id LIMIT ?`, after, eachPage)
}

// raws runs a query of (nct_id, raw) rows.
func (s *Store) raws(ctx context.Context, query string, args ...any) ([]storedRaw, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []storedRaw
	for rows.Next() {
		var r storedRaw
		if err := rows.Scan(&r.id, &r.raw); err != nil {
			return nil, err
		}
		page = append(page, r)
	}
	return page, rows.Err()
}

// Stats summarises the store. It reads in one transaction, so the counts
// agree with each other even while an ingest writes. Counting scans every
// study (seconds at full scale), so the summary is kept until the store's
// generation changes: a server polls Stats and answers /version with it.
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
	// The last ingest's time is not part of what a generation covers: an
	// ingest that changed nothing still finished.
	var lastIngest sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaLastIngest).Scan(&lastIngest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return study.Stats{}, err
	}
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.statsCache != nil && s.statsCache.Generation == gen {
		st := cloneStats(*s.statsCache)
		st.LastIngest = lastIngest.String
		return st, nil
	}

	st := study.Stats{Generation: gen, ByStatus: map[string]int{}, ByPhase: map[string]int{}, ByStudyType: map[string]int{}, ByCountry: map[string]int{}}
	var newest sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(has_results), 0), max(last_update_posted) FROM live`).
		Scan(&st.Studies, &st.WithResults, &newest)
	if err != nil {
		return study.Stats{}, err
	}
	st.NewestUpdate, st.LastIngest = newest.String, lastIngest.String
	for _, g := range []struct {
		query string
		into  map[string]int
		sep   string // the value lists several keys separated by sep
	}{
		{`SELECT overall_status, count(*) FROM live GROUP BY 1`, st.ByStatus, ""},
		{`SELECT study_type, count(*) FROM live GROUP BY 1`, st.ByStudyType, ""},
		{`SELECT phases, count(*) FROM live GROUP BY 1`, st.ByPhase, " "},
		{`SELECT countries, count(*) FROM live GROUP BY 1`, st.ByCountry, countrySep},
	} {
		if err := countInto(ctx, tx, g.query, g.into, g.sep); err != nil {
			return study.Stats{}, err
		}
	}
	s.statsCache = &st
	return cloneStats(st), nil
}

// cloneStats copies the maps, which callers may change.
func cloneStats(st study.Stats) study.Stats {
	st.ByStatus, st.ByPhase = maps.Clone(st.ByStatus), maps.Clone(st.ByPhase)
	st.ByStudyType, st.ByCountry = maps.Clone(st.ByStudyType), maps.Clone(st.ByCountry)
	return st
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
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0)`, metaGeneration).Scan(&gen)
	return gen, err
}

// countInto adds a (key, count) query's rows to into, skipping empty keys;
// with split, a key is a space-separated list and each item gets the count.
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
		keys := []string{key}
		if sep != "" {
			keys = strings.Split(key, sep)
		}
		for _, k := range keys {
			if k != "" {
				into[k] += n
			}
		}
	}
	return rows.Err()
}
