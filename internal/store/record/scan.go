package record

import (
	"context"
	"fmt"
	"runtime"

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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *eachJob)
	order := make(chan *eachJob, 2*workers) // bounds how far decoding runs ahead
	go readPages(ctx, page, work, order)
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
	page    []Raw
	studies []study.Study
	err     error
	done    chan struct{}
}

func (j *eachJob) decode() {
	defer close(j.done)
	for _, r := range j.page {
		st, err := r.Decode()
		if err != nil {
			j.err = err
			return
		}
		j.studies = append(j.studies, st)
	}
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
// the same order, to Each.
func readPages(ctx context.Context, page Page, work, order chan<- *eachJob) {
	defer close(work)
	defer close(order)
	after := ""
	for {
		p, err := page(ctx, after)
		j := &eachJob{page: p, done: make(chan struct{})}
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

// ParseAll derives the criteria of a page of stored records on every core.
func (c *CriteriaParser) ParseAll(page []Raw) []Parsed {
	out := make([]Parsed, len(page))
	Parallel(len(page), func(i int) {
		criteria, err := page[i].criteria()
		out[i] = Parsed{ID: page[i].ID, Err: err}
		if err == nil {
			out[i].Z = Compress(c.Parse(criteria))
		}
	})
	return out
}
