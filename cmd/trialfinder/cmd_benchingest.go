package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/store"
)

func init() {
	register(command{
		name:    "bench-ingest",
		args:    "--db NEW.db|postgres://… PATH...",
		summary: "measure ingest into a new store against plain encoding/json decoding of the same input",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := fs.String("db", "", "a SQLite file that must not exist yet, or an empty PostgreSQL database (postgres://…)")
			return func(ctx context.Context, args []string) error {
				if *db == "" || len(args) == 0 {
					return errUsage
				}
				return benchIngest(ctx, *db, args)
			}
		},
	})
}

// benchIngest runs the two passes of the ingest benchmark in one process:
// the decode ceiling first, then the real ingest, and prints both rates,
// peak memory and the store's size.
func benchIngest(ctx context.Context, db string, paths []string) error {
	if _, err := os.Stat(db); !store.IsPostgres(db) && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s exists: the benchmark ingests into a new store", db)
	}
	var sources []ingest.Source
	for _, p := range paths {
		sources = append(sources, ingest.Source{Path: p})
	}
	n, decodeTime, err := ingest.DecodeRate(ctx, sources, 0)
	if err != nil {
		return err
	}
	decodeRate := float64(n) / decodeTime.Seconds()
	fmt.Printf("encoding/json decode: %d records in %s: %.0f records/s on %d cores\n", n, decodeTime.Round(1e6), decodeRate, runtime.GOMAXPROCS(0))

	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	if gen, err := st.Generation(ctx); err != nil || gen != 0 {
		return errors.Join(err, fmt.Errorf("the database %s has been written to: the benchmark ingests into a new store", db))
	}
	sum, err := ingest.Run(ctx, st, sources, ingest.Options{})
	if err != nil {
		return err
	}
	rate := float64(sum.Records()) / sum.Elapsed.Seconds()
	fmt.Printf("ingest: %d studies (%d rejected) in %s: %.0f studies/s, %.2f of the decode rate\n",
		sum.Records(), sum.Rejected, sum.Elapsed.Round(1e6), rate, rate/decodeRate)
	fmt.Printf("then eligibility criteria parsed: %d studies in %s: %.0f studies/s\n",
		sum.Parsed, sum.ParseElapsed.Round(1e6), float64(sum.Parsed)/sum.ParseElapsed.Seconds())

	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		fmt.Printf("peak memory (max RSS): %d MB\n", ru.Maxrss/1024)
	}
	size, err := storeSize(ctx, st, db)
	if err != nil {
		return err
	}
	name := filepath.Base(db)
	if store.IsPostgres(db) {
		name = "PostgreSQL database"
	}
	fmt.Printf("store: %s, %d MB (%.1f KB per study)\n", name, size>>20, float64(size)/1024/float64(max(sum.Inserted, 1)))
	return nil
}

// storeSize returns the bytes st takes on disk: its database's for
// PostgreSQL, its files' for SQLite.
func storeSize(ctx context.Context, st store.Store, db string) (int64, error) {
	if sized, ok := st.(interface {
		Size(ctx context.Context) (int64, error)
	}); ok {
		return sized.Size(ctx)
	}
	var size int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(db + suffix); err == nil {
			size += fi.Size()
		}
	}
	return size, nil
}
