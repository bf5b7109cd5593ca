package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/trialfinder/trialfinder/internal/server"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

func init() {
	register(command{
		name:    "serve",
		args:    "[--db D] [--addr :8080] [--tiles URL] [--sync-every 24h] [--sync-api URL]",
		summary: "serve the website and the ClinicalTrials.gov-compatible API (loads the demo data into an empty store)",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			addr := fs.String("addr", ":8080", "address to listen on")
			tiles := fs.String("tiles", "", "map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: the bundled outline only)")
			syncEvery := fs.Duration("sync-every", 0, "sync with ClinicalTrials.gov in the background at start and then this often, e.g. 24h (default: never)")
			syncAPI := fs.String("sync-api", upstream.DefaultAPI, "the ClinicalTrials.gov API v2 that --sync-every syncs with")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 || *syncEvery < 0 {
					return errUsage
				}
				return runServe(ctx, *db, *addr, *tiles, *syncEvery, *syncAPI)
			}
		},
	})
}

// servingGCPercent keeps a full-scale server's heap within about a
// quarter of its live size (see server.Config.GCPercent), and
// servingMemoryHeadroom caps all of the runtime's memory at half again
// the live heap (see server.Config.MemoryHeadroom). Measured at 600,000
// studies they cost little throughput. GOGC and GOMEMLIMIT in the
// environment win.
const (
	servingGCPercent      = 25
	servingMemoryHeadroom = 0.5
)

func runServe(ctx context.Context, dsn, addr, tiles string, syncEvery time.Duration, syncAPI string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	st, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := server.Config{
		Store:   st,
		Seed:    server.SeedDemo(st, os.Stderr),
		TileURL: tiles,
		Logger:  log,
	}
	if syncEvery > 0 {
		cfg.SyncEvery = syncEvery
		cfg.Sync = func(ctx context.Context) error {
			sum, err := upstream.Sync(ctx, st, upstream.Options{API: syncAPI, Log: log, LockPath: syncLockPath(dsn),
				Progress: upstream.Log(log, time.Minute)})
			if err == nil && !sum.UpToDate {
				log.Info("sync summary", "summary", sum.String(), "restored", sum.Restored, "data_timestamp", sum.DataTimestamp)
			}
			return err
		}
	}
	if os.Getenv("GOGC") == "" {
		cfg.GCPercent = servingGCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		cfg.MemoryHeadroom = servingMemoryHeadroom
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return srv.Run(ctx, ln)
}
