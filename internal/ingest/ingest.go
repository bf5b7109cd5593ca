// Package ingest loads ClinicalTrials.gov records into a store: one
// goroutine scans the inputs, workers decode and prepare records in
// parallel, and a single writer stores them in batches, one transaction
// each, in input order. Bad records are reported and skipped.
package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Store is what ingest needs of a store. P is the store's prepared form of
// a study: Prepare does the CPU-heavy work (compression, hashing) and runs
// in the parallel workers; Write runs on the single writer and must store
// a batch atomically, returning one Change per study. ReparseCriteria
// parses the criteria of the studies stored or changed since it last ran
// (and all of them after a parser change), returning how many.
type Store[P any] interface {
	Prepare(study.Study) P
	Write(ctx context.Context, batch []P) ([]study.Change, error)
	ReparseCriteria(ctx context.Context) (int, error)
}

// Source is one input: a path on disk (file, directory or archive), a
// file in FS when FS is set, or a stream named Path when Reader is set
// (read once, in order; see ctgov.Scanner.ScanReader).
type Source struct {
	FS     fs.FS
	Path   string
	Reader io.Reader
}

// Options tune a run; the zero value is usable.
type Options struct {
	Workers   int // decoding goroutines; default GOMAXPROCS
	BatchSize int // studies per transaction; default 1000
	// Rejects receives one line per rejected record, as it happens:
	// "rejected FILE: ENTRY: REASON".
	Rejects io.Writer
	// Progress, if set, is called every ProgressEvery (default 1s) and once
	// more with Done set when the run ends.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running ingest.
type Progress struct {
	Records    int64 // entries handled: stored or rejected
	Bytes      int64 // input bytes read, as stored on disk
	TotalBytes int64 // size of all inputs; 0 if unknown
	Elapsed    time.Duration
	Done       bool
}

// Summary counts what a run did. Stale records (older than the stored
// version) are also counted in Unchanged. Elapsed is the time to store the
// records; Parsed studies had their criteria parsed afterwards, in
// ParseElapsed.
type Summary struct {
	Inserted, Updated, Unchanged, Stale, Rejected int
	Bytes                                         int64
	Elapsed                                       time.Duration
	Parsed                                        int
	ParseElapsed                                  time.Duration
}

// Records is the number of records handled.
func (s Summary) Records() int { return s.Inserted + s.Updated + s.Unchanged + s.Rejected }

// job is one entry on its way through the workers; the writer waits on
// done in scan order, so output order never depends on worker timing.
type job[P any] struct {
	entry ctgov.Entry
	done  chan result[P]
}

type result[P any] struct {
	prepared P
	err      error
}

// Run ingests sources into st, then has st parse the criteria of what
// changed: storing first makes the records searchable sooner, and parsing
// costs several times what storing does. When ctx is cancelled it stores
// the studies already decoded, stops, and returns the summary so far with
// ctx's error; the next run parses what this one did not. Any other error
// is the store's, and stops the run.
func Run[P any](ctx context.Context, st Store[P], sources []Source, opt Options) (Summary, error) {
	start := time.Now()
	workers := orDefault(opt.Workers, runtime.GOMAXPROCS(0))
	batchSize := orDefault(opt.BatchSize, 1000)
	var bytesRead, records atomic.Int64

	scanCtx, stopScan := context.WithCancel(ctx)
	defer stopScan()
	jobs := make(chan job[P], workers*4)
	order := make(chan job[P], batchSize+workers*4)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		defer close(order)
		scan(scanCtx, sources, &bytesRead, jobs, order)
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.done <- prepare(st, j.entry)
			}
		})
	}
	stopProgress := reportProgress(opt, start, totalSize(sources), &records, &bytesRead)

	w := writer[P]{st: st, rejects: opt.Rejects, batchSize: batchSize}
	err := w.run(ctx, order, &records)
	stopScan()
	wg.Wait()
	stopProgress()
	w.sum.Bytes = bytesRead.Load()
	w.sum.Elapsed = time.Since(start)
	if err != nil {
		return w.sum, err
	}
	start = time.Now()
	w.sum.Parsed, err = st.ReparseCriteria(ctx)
	w.sum.ParseElapsed = time.Since(start)
	return w.sum, err
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func scan[P any](ctx context.Context, sources []Source, bytesRead *atomic.Int64, jobs, order chan<- job[P]) {
	sc := ctgov.Scanner{OnRead: func(n int64) { bytesRead.Add(n) }}
	fn := func(e ctgov.Entry) error {
		// The scanner may reuse Data's buffer once fn returns.
		e.Data = bytes.Clone(e.Data)
		j := job[P]{entry: e, done: make(chan result[P], 1)}
		// Workers get the job before the writer waits for it, so the
		// writer never waits for a job no worker will see.
		for _, ch := range []chan<- job[P]{jobs, order} {
			select {
			case ch <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	for _, src := range sources {
		var err error
		switch {
		case src.Reader != nil:
			err = sc.ScanReader(ctx, src.Path, src.Reader, fn)
		case src.FS != nil:
			err = sc.ScanFS(ctx, src.FS, src.Path, fn)
		default:
			err = sc.Scan(ctx, src.Path, fn)
		}
		if err != nil {
			return // only ctx's error: the writer sees it too
		}
	}
}

func prepare[P any](st Store[P], e ctgov.Entry) result[P] {
	if e.Err != nil {
		return result[P]{err: e.Err}
	}
	s, err := ctgov.Decode(e)
	if err != nil {
		return result[P]{err: err}
	}
	return result[P]{prepared: st.Prepare(s)}
}

type writer[P any] struct {
	st        Store[P]
	rejects   io.Writer
	batchSize int
	batch     []P
	sum       Summary
}

func (w *writer[P]) run(ctx context.Context, order <-chan job[P], records *atomic.Int64) error {
	for {
		var j job[P]
		ok := ctx.Err() == nil
		if ok {
			select {
			case j, ok = <-order:
			case <-ctx.Done():
				ok = false
			}
		}
		if !ok {
			// End of input, or cancelled: what is decoded is stored.
			if err := w.flush(ctx); err != nil {
				return err
			}
			return ctx.Err()
		}
		r := <-j.done
		records.Add(1)
		if r.err != nil {
			w.reject(j.entry, r.err)
			continue
		}
		w.batch = append(w.batch, r.prepared)
		if len(w.batch) >= w.batchSize {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
	}
}

func (w *writer[P]) reject(e ctgov.Entry, err error) {
	w.sum.Rejected++
	if w.rejects == nil {
		return
	}
	where := e.File
	if e.Entry != "" {
		where += ": " + e.Entry
	}
	fmt.Fprintf(w.rejects, "rejected %s: %v\n", where, err)
}

func (w *writer[P]) flush(ctx context.Context) error {
	if len(w.batch) == 0 {
		return nil
	}
	// A batch that has started is finished even if ctx is cancelled, so
	// an interrupted ingest still keeps everything it decoded.
	changes, err := w.st.Write(context.WithoutCancel(ctx), w.batch)
	if err != nil {
		return err
	}
	for _, c := range changes {
		switch c {
		case study.Inserted:
			w.sum.Inserted++
		case study.Updated:
			w.sum.Updated++
		case study.Stale:
			w.sum.Stale++
			w.sum.Unchanged++
		case study.Unchanged:
			w.sum.Unchanged++
		default:
			return fmt.Errorf("store reported change %v", c)
		}
	}
	clear(w.batch) // drop references so stored studies can be collected
	w.batch = w.batch[:0]
	return nil
}

// totalSize is the on-disk size of all sources, for progress.
func totalSize(sources []Source) int64 {
	var total int64
	var paths []string
	for _, src := range sources {
		if src.Reader != nil {
			continue // a stream's size is unknown
		}
		if src.FS == nil {
			paths = append(paths, src.Path)
			continue
		}
		if info, err := fs.Stat(src.FS, src.Path); err == nil {
			total += info.Size()
		}
	}
	if len(paths) > 0 {
		total += ctgov.TotalSize(paths)
	}
	return total
}
