package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
)

// DecodeRate scans sources as Run does and decodes every API v2 record
// with plain encoding/json into a generic value, on as many workers, and
// stores nothing: the ceiling that ingest throughput is measured against.
func DecodeRate(ctx context.Context, sources []Source, workers int) (records int64, elapsed time.Duration, err error) {
	start := time.Now()
	workers = orDefault(workers, runtime.GOMAXPROCS(0))
	entries := make(chan []byte, workers*4)
	var decoded atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for data := range entries {
				var v any
				if json.Unmarshal(data, &v) == nil {
					decoded.Add(1)
				}
			}
		})
	}
	var sc ctgov.Scanner
	fn := func(e ctgov.Entry) error {
		if e.Err != nil || e.Format != ctgov.FormatV2JSON {
			return nil
		}
		select {
		case entries <- bytes.Clone(e.Data):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, src := range sources {
		if src.FS != nil {
			err = sc.ScanFS(ctx, src.FS, src.Path, fn)
		} else {
			err = sc.Scan(ctx, src.Path, fn)
		}
		if err != nil {
			break
		}
	}
	close(entries)
	wg.Wait()
	return decoded.Load(), time.Since(start), err
}
