package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/store"
)

func init() {
	register(command{
		name:    "ingest",
		args:    "[--db D] [--demo] [--batch N] [--workers N] PATH...",
		summary: "load ClinicalTrials.gov records (API v2 JSON or legacy XML; files, directories, archives) into the store",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			withDemo := fs.Bool("demo", false, "load the bundled demo records (as well as any PATHs)")
			batch := fs.Int("batch", 1000, "studies stored per transaction")
			workers := fs.Int("workers", runtime.GOMAXPROCS(0), "records decoded in parallel")
			return func(ctx context.Context, args []string) error {
				if (len(args) == 0 && !*withDemo) || *batch < 1 || *workers < 1 {
					return errUsage
				}
				var sources []ingest.Source
				if *withDemo {
					for _, f := range demo.Files {
						sources = append(sources, ingest.Source{FS: demo.FS, Path: f})
					}
				}
				for _, p := range args {
					sources = append(sources, ingest.Source{Path: p})
				}
				return runIngest(ctx, *db, sources, ingest.Options{BatchSize: *batch, Workers: *workers})
			}
		},
	})
}

func runIngest(ctx context.Context, dsn string, sources []ingest.Source, opt ingest.Options) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	opt.Rejects = os.Stderr
	if isTerminal(os.Stderr) {
		opt.Progress, opt.ProgressEvery = ingest.Bar(os.Stderr), 200*time.Millisecond
	} else {
		opt.Progress, opt.ProgressEvery = ingest.Log(slog.New(slog.NewTextHandler(os.Stderr, nil))), 5*time.Second
	}
	sum, err := ingest.Run(ctx, st, sources, opt)
	fmt.Printf("%d new, %d updated, %d unchanged (%d older than stored), %d rejected; %d records in %s (%.0f/s)\n",
		sum.Inserted, sum.Updated, sum.Unchanged, sum.Stale, sum.Rejected,
		sum.Records(), sum.Elapsed.Round(time.Millisecond), float64(sum.Records())/sum.Elapsed.Seconds())
	if sum.Parsed > 0 {
		fmt.Printf("eligibility criteria parsed for %d studies (parser version %s) in %s (%.0f/s)\n",
			sum.Parsed, eligibility.ParserVersion, sum.ParseElapsed.Round(time.Millisecond), float64(sum.Parsed)/sum.ParseElapsed.Seconds())
	}
	switch {
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted: the studies counted above are stored; run the same ingest again to finish")
	case err != nil:
		return err
	}
	if err := st.SetLastIngest(ctx, time.Now()); err != nil {
		return err
	}
	if sum.Rejected > 0 {
		fmt.Fprintf(os.Stderr, "trialfinder ingest: %d records rejected (listed above)\n", sum.Rejected)
		return exitError{1}
	}
	return nil
}

// isTerminal reports whether f is a terminal, where progress redraws one
// line rather than logging.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
