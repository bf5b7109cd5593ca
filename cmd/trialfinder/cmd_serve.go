package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/server"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

func init() {
	register(command{
		name:    "serve",
		args:    "[--role all|web|sync] [--db D] [--db-read R] [--addr :8080] [--tiles URL] [--base-url URL] [--trust-proxy] [--log-client-ip] [--metrics-addr A] [--sync-every 24h] [--sync-api URL] [--refresh-every 5s] [--lease-ttl 1m] [--views FILE]",
		summary: "serve the website and the ClinicalTrials.gov-compatible API, keep the store synced, or both (--role; all loads the demo data into an empty store)",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			var o serveOptions
			db, dbRead := dbFlag(fs), dbReadFlag(fs)
			fs.StringVar(&o.role, "role", server.RoleAll, "what this node does: web (serve, never sync), sync (sync while holding the store's sync lease; serve /healthz and /metrics only), all (both)")
			fs.StringVar(&o.addr, "addr", ":8080", "address to listen on")
			fs.StringVar(&o.tiles, "tiles", "", "map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: the bundled outline only)")
			fs.StringVar(&o.baseURL, "base-url", "", "the site's public address, the start of absolute links in feeds and JSON-LD (default http://localhost and the --addr port)")
			fs.BoolVar(&o.trustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For, as set by a reverse proxy in front")
			fs.BoolVar(&o.logClientIP, "log-client-ip", false, "add client addresses to the access log (off: a search plus an address is health data)")
			fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics on this address instead of the main one (e.g. 127.0.0.1:9090)")
			fs.DurationVar(&o.syncEvery, "sync-every", 0, "sync with ClinicalTrials.gov in the background at start and then this often, e.g. 24h, on whichever node of role sync or all holds the sync lease (default: never; required with --role sync)")
			fs.StringVar(&o.syncAPI, "sync-api", upstream.DefaultAPI, "the ClinicalTrials.gov API v2 that --sync-every syncs with")
			fs.DurationVar(&o.refreshEvery, "refresh-every", 5*time.Second, "how often a node serving views checks the store for changes to follow (one one-row query)")
			fs.DurationVar(&o.leaseTTL, "lease-ttl", syncLeaseTTL, "how long the sync lease outlives a sync node that stopped renewing it (renewed every third of it)")
			views := fs.String("views", "", `the snapshot of the search index, gazetteer and matcher that the server starts from and keeps (default: the store's file name plus ".views" for SQLite, none for PostgreSQL; "off": none)`)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 || o.syncEvery < 0 || o.refreshEvery < 0 || o.leaseTTL < 0 {
					return errUsage
				}
				switch {
				case o.role != server.RoleAll && o.role != server.RoleWeb && o.role != server.RoleSync:
					return fmt.Errorf("--role %q: want all, web or sync", o.role)
				case o.role == server.RoleWeb && o.syncEvery > 0:
					return errors.New("--sync-every: a node of --role web never syncs; give it to the sync node")
				case o.role == server.RoleSync && o.syncEvery == 0:
					return errors.New("--role sync needs --sync-every, how often to sync (e.g. 1h)")
				}
				o.db, o.dbRead, o.views = *db, *dbRead, viewsPath(*db, *views)
				return runServe(ctx, o)
			}
		},
	})
}

// servingGCPercent keeps a full-scale server's heap within a tenth of
// its live size (see server.Config.GCPercent), and
// servingMemoryHeadroom caps all of the runtime's memory at half again
// the live heap (see server.Config.MemoryHeadroom). The views are
// pointer-free arrays the collector does not scan, so collecting often
// costs little: measured at 600,000 studies, 10 against 25 kept a node
// under 1 GB while applying changes and serving, at about the same
// throughput. GOGC and GOMEMLIMIT in the environment win.
const (
	servingGCPercent      = 10
	servingMemoryHeadroom = 0.5
)

type serveOptions struct {
	role, db, dbRead, addr, tiles, baseURL, metricsAddr, syncAPI, views string
	trustProxy, logClientIP                                             bool
	syncEvery, refreshEvery, leaseTTL                                   time.Duration
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
	case store.IsPostgres(db):
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
	st, err := store.Open(ctx, o.db, store.ReadFrom(o.dbRead))
	if err != nil {
		return err
	}
	defer st.Close()
	var sync *server.SyncConfig
	if o.syncEvery > 0 {
		sync = &server.SyncConfig{
			Run: func(ctx context.Context) error {
				sum, err := upstream.Sync(ctx, st, upstream.Options{API: o.syncAPI, Log: log, Progress: upstream.Log(log, time.Minute)})
				if err == nil && !sum.UpToDate {
					log.Info("sync summary", "summary", sum.String(), "restored", sum.Restored, "data_timestamp", sum.DataTimestamp)
				}
				return err
			},
			Every: o.syncEvery, Leases: st, LeaseName: upstream.LeaseName, Holder: lease.Holder(), LeaseTTL: o.leaseTTL,
		}
	}
	if o.role == server.RoleSync {
		node, err := server.NewSyncNode(st, *sync, log, o.metricsAddr != "")
		if err != nil {
			return err
		}
		return listenAndRun(ctx, o, log, node.MetricsHandler(), node.Run)
	}
	cfg := server.Config{
		Store:        st,
		Role:         o.role,
		TileURL:      o.tiles,
		BaseURL:      o.baseURL,
		TrustProxy:   o.trustProxy,
		LogClientIP:  o.logClientIP,
		MetricsApart: o.metricsAddr != "",
		Logger:       log,
		RefreshEvery: o.refreshEvery,
		Sync:         sync,
		SnapshotPath: o.views,
	}
	if o.role == server.RoleAll {
		// A web node never writes: a cluster's store is filled by its
		// sync node, or by ingest.
		cfg.Seed = server.SeedDemo(st, os.Stderr)
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
	return listenAndRun(ctx, o, log, srv.MetricsHandler(), srv.Run)
}

// listenAndRun listens on --addr (and --metrics-addr, for metrics) and
// runs the node there until ctx ends.
func listenAndRun(ctx context.Context, o serveOptions, log *slog.Logger, metrics http.Handler, run func(context.Context, net.Listener) error) error {
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
		ms := &http.Server{Handler: metrics, ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	return run(ctx, ln)
}
