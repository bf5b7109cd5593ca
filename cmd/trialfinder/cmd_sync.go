package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

func init() {
	register(command{
		name:    "sync",
		args:    "[--db D] [--api URL] [--bulk FILE|URL] [--full] [--force] [--rate 3/s]",
		summary: "bring the store up to date with ClinicalTrials.gov (bootstrap, what changed since the last sync, removals)",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			opt := upstream.Options{}
			fs.StringVar(&opt.API, "api", upstream.DefaultAPI, "ClinicalTrials.gov API v2 base URL (a mirror, or a test server)")
			fs.StringVar(&opt.Bulk, "bulk", "", "bootstrap an empty store from this ctg-studies.json.zip (file or URL, streamed) instead of paging through the API")
			fs.BoolVar(&opt.Full, "full", false, "list every NCT ID to find removed studies now (done anyway when the last listing is over 7 days old)")
			fs.BoolVar(&opt.Force, "force", false, "accept a listing that would mark more than --max-removed of the store removed")
			rate := fs.String("rate", "3/s", "requests per second, at most (e.g. 3/s, 120/m)")
			fs.DurationVar(&opt.Timeout, "timeout", time.Minute, "timeout of each request")
			fs.Float64Var(&opt.MaxRemovedShare, "max-removed", 0.01, "largest share of the store one listing may mark removed without --force")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return errUsage
				}
				r, err := parseRate(*rate)
				if err != nil {
					return err
				}
				opt.Rate = r
				return runSync(ctx, *db, opt)
			}
		},
	})
}

// parseRate reads "3/s", "120/m" or "3" as requests per second.
func parseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || n <= 0 || per == 0 {
		return 0, fmt.Errorf("--rate %q: want requests per second or minute, e.g. 3/s or 120/m", s)
	}
	return n / per, nil
}

func runSync(ctx context.Context, dsn string, opt upstream.Options) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := lease.Take(ctx, st, upstream.LeaseName, lease.Holder(), syncLeaseTTL)
	if errors.Is(err, lease.ErrHeld) {
		return fmt.Errorf("another sync of this store is running (a serve node's or another trialfinder sync; one that died frees the store within %s): %w", syncLeaseTTL, err)
	}
	if err != nil {
		return err
	}
	defer l.Release()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opt.Log, opt.Rejects = log, os.Stderr
	bar := isTerminal(os.Stderr)
	if bar {
		opt.Progress = upstream.Bar(os.Stderr)
	} else {
		opt.Progress = upstream.Log(log, 10*time.Second)
	}
	sum, err := upstream.Sync(l.Context(), st, opt)
	if bar {
		fmt.Fprintln(os.Stderr)
	}
	if sum.UpToDate {
		fmt.Printf("up to date: ClinicalTrials.gov's data (%s) has not changed since the last sync\n", sum.DataTimestamp)
	} else {
		resumed := ""
		if sum.Resumed {
			resumed = " (carried on from an interrupted sync)"
		}
		fmt.Printf("%s; %d restored; %d requests in %s%s\n", sum, sum.Restored, sum.Requests, sum.Elapsed.Round(time.Millisecond), resumed)
	}
	lost := l.Lost()
	if lost == nil && errors.Is(err, lease.ErrLost) { // a write refused: another holder took over
		lost = err
	}
	switch {
	case lost != nil:
		return fmt.Errorf("stopped: %w; what is counted above is stored, and the next sync carries on from there", lost)
	case errors.Is(err, context.Canceled):
		return errors.New("interrupted: what is counted above is stored; run sync again to carry on from there")
	case err != nil:
		return err
	}
	if sum.DataTimestamp != "" && !sum.UpToDate {
		fmt.Printf("the store is current with ClinicalTrials.gov's data of %s\n", sum.DataTimestamp)
	}
	return nil
}

// syncLeaseTTL is how long the sync lease outlives a holder that stopped
// renewing it: how long a killed sync holds up the next.
const syncLeaseTTL = time.Minute
