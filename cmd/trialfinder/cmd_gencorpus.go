package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/trialfinder/trialfinder/internal/corpus"
)

func init() {
	register(command{
		name:    "gencorpus",
		args:    "[--n N] [--seed S] [--out FILE]",
		summary: "write a synthetic full-size corpus, shaped like ctg-studies.json.zip, made from the bundled real records (for benchmarks)",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			n := fs.Int("n", 600_000, "number of studies (the registry has about 600,000)")
			seed := fs.Uint64("seed", 1, "the same seed writes the same archive")
			out := fs.String("out", "ctg-studies.json.zip", "output zip file")
			level := fs.Int("level", 1, "deflate level, 1 (fastest) to 9")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return errUsage
				}
				return genCorpus(ctx, *out, *seed, corpus.Options{N: *n, Level: *level})
			}
		},
	})
}

// genCorpus writes to a temporary file renamed into place at the end, so
// an interrupted run leaves no truncated archive under the real name.
func genCorpus(ctx context.Context, out string, seed uint64, opt corpus.Options) error {
	g, err := corpus.NewGenerator(seed)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".gencorpus-*.zip")
	if err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	start := time.Now()
	next := start.Add(5 * time.Second)
	opt.Progress = func(s corpus.Stats) {
		if now := time.Now(); now.After(next) {
			next = now.Add(5 * time.Second)
			logProgress("generating", s, opt.N, now.Sub(start))
		}
	}
	st, err := g.Write(ctx, f, opt)
	if err != nil {
		return err
	}
	// CreateTemp makes the file private; the corpus is not.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	logProgress("wrote "+out, st, opt.N, time.Since(start))
	return nil
}

func logProgress(msg string, s corpus.Stats, n int, elapsed time.Duration) {
	rate := float64(s.Studies) / elapsed.Seconds()
	slog.Info(msg,
		"studies", fmt.Sprintf("%d/%d", s.Studies, n),
		"json_mb", s.JSONBytes>>20,
		"zip_mb", s.DeflateBytes>>20,
		"per_second", int(rate),
		"elapsed", elapsed.Round(time.Second),
		"eta", (time.Duration(float64(n-s.Studies)/max(rate, 1)) * time.Second).Round(time.Second),
	)
}
