package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/server"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

func init() {
	register(command{
		name:    "serve",
		args:    "[--db D] [--addr :8080] [--tiles URL] [--base-url URL] [--trust-proxy] [--log-client-ip] [--metrics-addr A] [--sync-every 24h] [--sync-api URL] [--views FILE]",
		summary: "serve the website and the ClinicalTrials.gov-compatible API (loads the demo data into an empty store)",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			addr := fs.String("addr", ":8080", "address to listen on")
			tiles := fs.String("tiles", "", "map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: the bundled outline only)")
			base := fs.String("base-url", "", "the site's public address, the start of absolute links in feeds and JSON-LD (default http://localhost and the --addr port)")
			trustProxy := fs.Bool("trust-proxy", false, "take the client address from X-Forwarded-For, as set by a reverse proxy in front")
			logIP := fs.Bool("log-client-ip", false, "add client addresses to the access log (off: a search plus an address is health data)")
			metricsAddr := fs.String("metrics-addr", "", "serve /metrics on this address instead of the main one (e.g. 127.0.0.1:9090)")
			syncEvery := fs.Duration("sync-every", 0, "sync with ClinicalTrials.gov in the background at start and then this often, e.g. 24h (default: never)")
			syncAPI := fs.String("sync-api", upstream.DefaultAPI, "the ClinicalTrials.gov API v2 that --sync-every syncs with")
			views := fs.String("views", "", `the snapshot of the search index, gazetteer and matcher that the server starts from and keeps (default: the store's file name plus ".views" for SQLite, none for PostgreSQL; "off": none)`)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 || *syncEvery < 0 {
					return errUsage
				}
				return runServe(ctx, serveOptions{db: *db, addr: *addr, tiles: *tiles, baseURL: *base,
					trustProxy: *trustProxy, logClientIP: *logIP, metricsAddr: *metricsAddr, syncEvery: *syncEvery, syncAPI: *syncAPI,
					views: viewsPath(*db, *views)})
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

type serveOptions struct {
	db, addr, tiles, baseURL, metricsAddr, syncAPI, views string
	trustProxy, logClientIP                               bool
	syncEvery                                             time.Duration
}

// viewsPath is where the views' snapshot lives: flag, if given ("off" for
// nowhere), else beside a SQLite store's file. A PostgreSQL store's nodes
// have no file of the store to sit beside: each names a local file.
func viewsPath(db, flag string) string {
	switch {
	case flag == "off":
		return ""
	case flag != "":
		return flag
	case strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://"):
		return ""
	}
	return db + ".views"
}

func runServe(ctx context.Context, o serveOptions) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if o.baseURL == "" {
		_, port, err := net.SplitHostPort(o.addr)
		if err != nil {
			return fmt.Errorf("--addr %q: %w", o.addr, err)
		}
		o.baseURL = "http://localhost:" + port
	}
	st, err := openStore(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := server.Config{
		Store:        st,
		Seed:         server.SeedDemo(st, os.Stderr),
		TileURL:      o.tiles,
		BaseURL:      o.baseURL,
		TrustProxy:   o.trustProxy,
		LogClientIP:  o.logClientIP,
		MetricsApart: o.metricsAddr != "",
		Logger:       log,
		SnapshotPath: o.views,
	}
	if o.syncEvery > 0 {
		cfg.SyncEvery = o.syncEvery
		cfg.Sync = func(ctx context.Context) error {
			sum, err := upstream.Sync(ctx, st, upstream.Options{API: o.syncAPI, Log: log, LockPath: syncLockPath(o.db),
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
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	if o.metricsAddr != "" {
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", o.metricsAddr, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	return srv.Run(ctx, ln)
}
