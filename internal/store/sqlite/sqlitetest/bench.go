// Package sqlitetest gives benchmarks the full-size store they measure.
package sqlitetest

import (
	"context"
	"os"
	"testing"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// BenchStore opens the store TRIALFINDER_BENCH_DB names (a full-size
// corpus from `trialfinder gencorpus` then `ingest`) for b, closing it when
// b ends, and returns it with its path; without the variable b is skipped.
func BenchStore(b *testing.B) (*sqlite.Store, string) {
	b.Helper()
	path := os.Getenv("TRIALFINDER_BENCH_DB")
	if path == "" {
		b.Skip("set TRIALFINDER_BENCH_DB to a store")
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, path
}
