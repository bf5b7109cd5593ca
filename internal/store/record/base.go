package record

import (
	"context"
	"fmt"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Base is the part of a store both stores have alike, over the reads and
// writes each does its own way. A store embeds one made by NewBase.
type Base struct {
	lookup func(ctx context.Context, dst []byte, nctID string) ([]byte, error)
	write  func(ctx context.Context, batch []*Prepared) ([]study.Change, error)
	ids    func(ctx context.Context, query string, args ...any) ([]string, error)
	// Criteria, when set, derives the structured criteria stored beside
	// each study; see ParseCriteriaWith.
	Criteria *CriteriaParser
}

// NewBase makes a store's Base of its primitives: lookup appends a
// study's decompressed record to dst (study.ErrNotFound, unwrapped, when
// there is none, a *study.RemovedError when it was removed), write is the
// store's Write, and ids runs a query of NCT IDs (the queries are the same
// SQL on both stores).
func NewBase(lookup func(ctx context.Context, dst []byte, nctID string) ([]byte, error),
	write func(ctx context.Context, batch []*Prepared) ([]study.Change, error),
	ids func(ctx context.Context, query string, args ...any) ([]string, error)) Base {
	return Base{lookup: lookup, write: write, ids: ids}
}

// Prepare compresses and hashes st. It is safe to call from many goroutines.
func (b *Base) Prepare(st study.Study) *Prepared { return Prepare(st) }

// Upsert stores batch in one transaction and says, per study, what it did.
// See the store's Write.
func (b *Base) Upsert(ctx context.Context, batch []study.Study) ([]study.Change, error) {
	prepared := make([]*Prepared, len(batch))
	for i, st := range batch {
		prepared[i] = Prepare(st)
	}
	return b.write(ctx, prepared)
}

// ParseCriteriaWith sets the parser ReparseCriteria derives criteria
// with. version names the parser's rules and output: rows another version
// wrote are stale. Call it before the store is shared.
func (b *Base) ParseCriteriaWith(version string, parse func(criteria string) []byte) {
	b.Criteria = &CriteriaParser{Version: version, Parse: parse}
}

// AppendRaw appends the study's verbatim API v2 record to dst and
// returns the extended slice; study.ErrNotFound (wrapped) when there is
// no such study, a *study.RemovedError when it is no longer on
// ClinicalTrials.gov. A page of results reads ten records, and a fresh
// buffer for each was most of a search request's garbage.
func (b *Base) AppendRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error) {
	out, err := b.lookup(ctx, dst, nctID)
	if err != nil {
		return dst, fmt.Errorf("read %s: %w", nctID, err)
	}
	return out, nil
}

// Study returns the study with this NCT ID (not an alias: see CanonicalID);
// study.ErrNotFound (wrapped) when there is none, a *study.RemovedError
// when it is no longer on ClinicalTrials.gov (History still has it).
func (b *Base) Study(ctx context.Context, nctID string) (study.Study, error) {
	raw, err := b.lookup(ctx, nil, nctID)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: %w", nctID, err)
	}
	st, err := ctgov.DecodeV2(raw)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: stored record: %w", nctID, err)
	}
	return st, nil
}

// pageWriteTimeout bounds a page's write in Reparse, which the caller's
// cancellation does not cut short.
const pageWriteTimeout = time.Minute

// Reparse derives the criteria of every study whose stored criteria are
// missing (new or updated since) or were written by another parser
// version, and returns how many it wrote: stale returns the first page of
// such studies after an NCT ID, in NCT ID order (one shorter than PageSize
// is the last), and write stores a page's criteria. Starting after the
// last page, rather than from the top, keeps a full re-derivation linear,
// and lets the next page be read while earlier ones are parsed and
// written (see pipeline): the pages written are before the one read. Each
// page commits on its own, in order, so an interrupted run keeps its
// progress and the next run resumes. Without a parser it does nothing.
func (b *Base) Reparse(ctx context.Context, stale func(ctx context.Context, after, version string) ([]Raw, error),
	write func(ctx context.Context, version string, parsed []Parsed) error) (int, error) {
	c := b.Criteria
	if c == nil {
		return 0, nil
	}
	total := 0
	err := pipeline(ctx, func(ctx context.Context, after string) ([]Raw, error) {
		return stale(ctx, after, c.Version)
	}, c.parsePage, func(parsed []Parsed) error {
		if len(parsed) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// A page's write, once begun, finishes: a commit cut short by the
		// caller's cancellation may or may not have happened, and the
		// count returned must say which pages are stored. The fence the
		// context carries still guards the write.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pageWriteTimeout)
		defer cancel()
		if err := write(wctx, c.Version, parsed); err != nil {
			return err
		}
		total += len(parsed)
		return nil
	})
	if err != nil {
		return total, fmt.Errorf("re-derive stored criteria: %w", err)
	}
	return total, nil
}

// Listing returns the NCT IDs of the listing in progress, in order.
func (b *Base) Listing(ctx context.Context) ([]string, error) {
	ids, err := b.ids(ctx, `SELECT nct_id FROM listing ORDER BY nct_id`)
	if err != nil {
		return nil, fmt.Errorf("read the listing: %w", err)
	}
	return ids, nil
}

// ListingDiff compares the finished listing with the store: gone are live
// studies it lacks, back are removed studies it has, and unknown are IDs
// it has that the store has never seen.
func (b *Base) ListingDiff(ctx context.Context) (gone, back, unknown []string, err error) {
	for _, q := range []struct {
		into  *[]string
		query string
	}{
		{&gone, `SELECT nct_id FROM live l WHERE NOT EXISTS (SELECT 1 FROM listing x WHERE x.nct_id = l.nct_id) ORDER BY nct_id`},
		{&back, `SELECT nct_id FROM removed r WHERE EXISTS (SELECT 1 FROM listing x WHERE x.nct_id = r.nct_id) ORDER BY nct_id`},
		{&unknown, `SELECT nct_id FROM listing x WHERE NOT EXISTS (SELECT 1 FROM studies s WHERE s.nct_id = x.nct_id) ORDER BY nct_id`},
	} {
		if *q.into, err = b.ids(ctx, q.query); err != nil {
			return nil, nil, nil, fmt.Errorf("compare the listing with the store: %w", err)
		}
	}
	return gone, back, unknown, nil
}
