package record

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Raw is a stored record as read: an NCT ID and its compressed record.
type Raw struct {
	ID string
	Z  []byte
}

// PageSize is how many studies a full scan reads per query: enough to
// amortise the query, few enough that no read transaction stays open for
// long (a long reader stops SQLite's WAL checkpoints while an ingest
// writes, and holds back PostgreSQL's vacuum).
const PageSize = 256

// Page reads up to PageSize live records with NCT IDs after after, in
// NCT ID order.
type Page func(ctx context.Context, after string) ([]Raw, error)

// Each calls fn with every study page reads, in NCT ID order, stopping at
// the first error fn returns. Records are decompressed and decoded in
// parallel a few pages ahead of fn, since decoding, not reading, is what
// makes a full scan slow.
func Each(ctx context.Context, page Page, fn func(study.Study) error) error {
	return pipeline(ctx, page, decodePage, func(studies []study.Study) error {
		for _, st := range studies {
			if err := fn(st); err != nil {
				return err
			}
		}
		return nil
	})
}

func decodePage(ctx context.Context, page []Raw) ([]study.Study, error) {
	out := make([]study.Study, 0, len(page))
	for _, r := range page {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := r.Decode()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// pipeline reads every page in order on one goroutine, runs work on each
// page on every core, a few pages ahead, and calls use with each page's
// result in page order on the caller's goroutine: reading, working and
// using overlap, where one after the other left a core idle while a page
// was read or used. It stops at the first error of any of them (or when
// ctx ends) and returns only after its goroutines have, so nothing reads
// the store after it returns.
func pipeline[T any](ctx context.Context, page Page, work func(context.Context, []Raw) (T, error), use func(T) error) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *pageJob[T])
	order := make(chan *pageJob[T], 2*workers) // bounds how far reading runs ahead of use
	wg.Go(func() { readPages(ctx, page, jobs, order) })
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out, j.err = work(ctx, j.page)
				close(j.done)
			}
		})
	}
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if j.err == nil {
			j.err = ctx.Err()
		}
		if j.err != nil {
			return j.err
		}
		if err := use(j.out); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pageJob is one page of a pipeline: read in order, worked on by any
// worker, used in order.
type pageJob[T any] struct {
	page []Raw
	out  T
	err  error
	done chan struct{}
}

// Decode decompresses and decodes the record.
func (r Raw) Decode() (study.Study, error) {
	raw, err := Decompress(r.Z)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: %w", r.ID, err)
	}
	st, err := ctgov.DecodeV2(raw)
	if err != nil {
		return study.Study{}, fmt.Errorf("read %s: stored record: %w", r.ID, err)
	}
	return st, nil
}

// criteria reads only the record's eligibility criteria text, all the
// parser needs: decoding the whole record was a fifth of the criteria
// phase.
func (r Raw) criteria() (string, error) {
	raw, err := Decompress(r.Z)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", r.ID, err)
	}
	criteria, err := ctgov.CriteriaV2(raw)
	if err != nil {
		return "", fmt.Errorf("read %s: stored record: %w", r.ID, err)
	}
	return criteria, nil
}

// readPages reads every page in order, handing each to the workers and, in
// the same order, to the pipeline's user. A page shorter than PageSize is
// the last.
func readPages[T any](ctx context.Context, page Page, work, order chan<- *pageJob[T]) {
	defer close(work)
	defer close(order)
	after := ""
	for {
		p, err := page(ctx, after)
		j := &pageJob[T]{page: p, done: make(chan struct{})}
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
		if len(p) < PageSize {
			return
		}
		after = p[len(p)-1].ID
	}
}

// CriteriaParser derives the structured eligibility criteria a store
// keeps beside each study. Version names the parser's rules and output:
// rows another version wrote are stale.
type CriteriaParser struct {
	Version string
	Parse   func(criteria string) []byte
}

// Parsed is one study's derived criteria, compressed, or why they could
// not be derived.
type Parsed struct {
	ID  string
	Z   []byte
	Err error
}

// parsePage derives the criteria of a page of stored records.
func (c *CriteriaParser) parsePage(ctx context.Context, page []Raw) ([]Parsed, error) {
	out := make([]Parsed, len(page))
	for i, r := range page {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		criteria, err := r.criteria()
		out[i] = Parsed{ID: r.ID, Err: err}
		if err == nil {
			out[i].Z = Compress(c.Parse(criteria))
		}
	}
	return out, nil
}
