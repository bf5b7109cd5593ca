// Package server composes Trialfinder's HTTP application: the API under
// /api/v2/, the website at /, /healthz and /metrics, with request
// logging, panic recovery, a request timeout and Prometheus metrics. On
// start it loads the bundled demo data into an empty store, builds the
// search index, and then keeps the index in step with the store.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/trialfinder/trialfinder/internal/api"
	"github.com/trialfinder/trialfinder/internal/history"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
	"github.com/trialfinder/trialfinder/internal/vocab"
	"github.com/trialfinder/trialfinder/internal/web"
)

// Store is what the server needs of a store; the stores implement it.
type Store interface {
	api.Records
	api.StatsSource
	// Count is the number of live studies: cheap where Stats is not (it
	// summarises every study once per generation), for the start.
	Count(ctx context.Context) (int, error)
	// view.Store: the server builds the views from the store (the matcher
	// reads the criteria parsed at ingest and the records of the hits it
	// explains), polls its generation and applies its change log.
	view.Store
	// history.Store serves each study's versions; SyncState says how
	// current the store is with ClinicalTrials.gov.
	history.Store
	SyncState(ctx context.Context) (study.SyncState, error)
}

// Config is what the server is built from. Zero durations take the
// defaults.
type Config struct {
	Store Store
	// Seed fills an empty store (with the bundled demo data, see
	// SeedDemo); nil leaves an empty store empty.
	Seed func(ctx context.Context) error
	// TileURL is passed to the website (map tiles); "" for none.
	TileURL string
	Logger  *slog.Logger
	// RefreshEvery is how often the store is checked for changes, which
	// are applied to the views (default 5 s: one one-row query, so a
	// change reaches searches about as soon as it is applied).
	RefreshEvery time.Duration
	// SnapshotPath is the file the views are saved to (see
	// view.Follower.WriteSnapshot) and started from; "" for none. A new
	// one is written in the background after a full build, and after
	// changes to 1% of the studies (at least 1,000) were applied.
	SnapshotPath string
	// RequestTimeout bounds one request (default 30 s), ExportTimeout one
	// export (downloads, CSV pages; default 5 min).
	RequestTimeout time.Duration
	ExportTimeout  time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown
	// (default 20 s).
	ShutdownTimeout time.Duration
	// GCPercent, when positive, is set as the garbage collector's target
	// (see runtime/debug.SetGCPercent) once the first index is built.
	// The heap is then mostly the long-lived index and matcher, and Go's
	// default of 100 lets it grow by their whole size again before
	// collecting the requests' small garbage.
	GCPercent int
	// Sync, when set, keeps the store up to date with
	// ClinicalTrials.gov once the index is built: while this node holds
	// the sync lease, it syncs at once and then every Sync.Every. The
	// index follows the store's changes as usual.
	Sync *SyncConfig
	// Role is what /healthz says the node does: RoleAll or RoleWeb (a
	// sync-only node is a SyncNode).
	Role string
	// MemoryHeadroom, when positive, sets the runtime's soft memory limit
	// (see runtime/debug.SetMemoryLimit) after each build and start from
	// a snapshot to the live heap times 1 + MemoryHeadroom, and at least
	// minHeadroom above it, and lifts it while the next build, or
	// applying changes, may hold two sets of views. Besides
	// timing collections it makes the runtime return freed pages to the
	// OS promptly, which the GC target alone leaves to a slow background
	// pass.
	MemoryHeadroom float64
	// BaseURL is the site's public address, the start of its absolute
	// links (see web.Config.BaseURL).
	BaseURL string
	// LogClientIP adds the client's address to the access log, which
	// otherwise holds no more than the route, status, size and duration:
	// what someone searched for, with where they are, is health data.
	LogClientIP bool
	// TrustProxy takes the client's address from the X-Forwarded-For
	// header a reverse proxy in front sets; without it the header, which
	// any client can send, is ignored.
	TrustProxy bool
	// MetricsApart leaves /metrics off the main handler, for operators who
	// serve MetricsHandler on an address of their own.
	MetricsApart bool
	// Slots overrides how many requests of a class of work run at once
	// (see admission.go; keys search, record, export, match, check).
	Slots map[string]int
	// ExportLimit bounds the studies of one download (0: api.ExportLimit).
	ExportLimit int
}

// Server is the application.
type Server struct {
	cfg Config
	log *slog.Logger
	// views is what requests read, one View per request (view.Pin);
	// follower makes them and keeps them in step with the store.
	views    atomic.Pointer[view.View]
	follower *view.Follower
	// snapshotting is set while a snapshot is written in the background.
	snapshotting atomic.Bool
	handler      http.Handler
	api          *api.API // its WriteError answers the server's own errors
	classes      map[string]*class
	metrics      *metrics
	ready        atomic.Bool
	// lag says how far behind the store the views are; sched syncs, if
	// this node may (Config.Sync).
	lag   *lagClock
	sched *scheduler
}

// New builds the server; it does no I/O until Run.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	cfg.RefreshEvery = orDefault(cfg.RefreshEvery, 5*time.Second)
	cfg.RequestTimeout = orDefault(cfg.RequestTimeout, 30*time.Second)
	cfg.ExportTimeout = orDefault(cfg.ExportTimeout, 5*time.Minute)
	cfg.ShutdownTimeout = orDefault(cfg.ShutdownTimeout, 20*time.Second)
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), classes: newClasses(cfg.Slots)}
	s.lag = newLagClock(s.metrics.reg)
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.Sync != nil {
		var err error
		if s.sched, err = newScheduler(*cfg.Sync, s.log, s.metrics.reg); err != nil {
			return nil, err
		}
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, fmt.Errorf("server: load condition vocabulary: %w", err)
	}
	s.follower = view.NewFollower(cfg.Store, v)
	a, err := api.New(api.Config{Views: s.current(), Records: cfg.Store, Stats: cfg.Store, Logger: s.log, ExportLimit: cfg.ExportLimit})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	site, err := web.New(web.Config{Views: s.current(), Studies: cfg.Store, History: cfg.Store, TileURL: cfg.TileURL, BaseURL: cfg.BaseURL, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	mux.Handle(history.Pattern, history.Handler(cfg.Store, s.log))
	mux.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	if !cfg.MetricsApart {
		mux.Handle("GET /metrics", s.metrics.handler())
	}
	mux.Handle("/", site)
	s.api = a
	s.handler = s.middleware(mux)
	return s, nil
}

// MetricsHandler serves the Prometheus metrics (on their own address when
// Config.MetricsApart is set).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

func (s *Server) current() view.Current { return s.views.Load }

// View returns the views being served, with the store generation they
// reflect; nil while the first are built.
func (s *Server) View() *view.View { return s.views.Load() }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run serves on ln until ctx is cancelled, then shuts down gracefully:
// in-flight requests finish (within ShutdownTimeout). It answers at once,
// with 503 until the index is built, so health checks see it starting.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String())

	loaded := make(chan error, 1)
	go func() { loaded <- s.load(ctx) }()
	var runErr error
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case runErr = <-loaded:
		if runErr == nil {
			if s.cfg.Sync != nil {
				go s.syncLoop(ctx)
			}
			s.refresh(ctx)
		}
	}

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	s.log.Info("shutting down: finishing in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Join(runErr, fmt.Errorf("shutdown: %w", err))
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(runErr, fmt.Errorf("serve: %w", err))
	}
	if errors.Is(runErr, context.Canceled) {
		return nil // stopped while loading
	}
	return runErr
}

// load seeds an empty store and makes the first views: from the
// snapshot if there is a usable one, else by a pass over the store.
func (s *Server) load(ctx context.Context) error {
	st, err := s.size(ctx)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if st.studies == 0 && s.cfg.Seed != nil {
		s.log.Info("the store is empty: loading the bundled demo data")
		start := time.Now()
		if err := s.cfg.Seed(ctx); err != nil {
			return fmt.Errorf("start: load demo data: %w", err)
		}
		if st, err = s.size(ctx); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		s.log.Info("demo data loaded", "studies", st.studies, "took", time.Since(start).Round(time.Millisecond))
	}
	if !s.fromSnapshot(ctx, st) {
		if err := s.build(ctx, st.generation); err != nil {
			return fmt.Errorf("start: %w", err)
		}
	}
	if s.cfg.GCPercent > 0 {
		debug.SetGCPercent(s.cfg.GCPercent)
	}
	s.ready.Store(true)
	return nil
}

// storeSize is the store's generation and its number of studies then.
type storeSize struct {
	generation int64
	studies    int
}

func (s *Server) size(ctx context.Context) (storeSize, error) {
	gen, err := s.cfg.Store.Generation(ctx)
	if err != nil {
		return storeSize{}, err
	}
	n, err := s.cfg.Store.Count(ctx)
	return storeSize{gen, n}, err
}

// fromSnapshot starts from the snapshot and the changes since, and
// reports whether it did; a snapshot that is missing, of other versions,
// newer than the store or not agreeing with it is left for a build.
func (s *Server) fromSnapshot(ctx context.Context, st storeSize) bool {
	if s.cfg.SnapshotPath == "" {
		return false
	}
	removed, err := view.RemoveStaleTemps(s.cfg.SnapshotPath)
	for _, name := range removed {
		s.log.Info("removed a views snapshot file a crashed write left", "path", name)
	}
	if err != nil {
		s.log.Warn("could not remove stale views snapshot files", "err", err)
	}
	start := time.Now()
	v, err := s.follower.ReadSnapshot(ctx, s.cfg.SnapshotPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("no views snapshot yet: building the views", "path", s.cfg.SnapshotPath)
		return false
	case err != nil:
		s.log.Warn("the views snapshot is unusable: building the views", "path", s.cfg.SnapshotPath, "err", err)
		return false
	case v.Generation > st.generation:
		s.log.Warn("the views snapshot is newer than the store (restored from a backup?): building the views",
			"snapshot_generation", v.Generation, "generation", st.generation)
		return false
	}
	read, snapGen := time.Since(start), v.Generation
	if v, err = s.follower.Update(ctx, st.generation); err != nil {
		s.log.Warn("applying the changes since the views snapshot failed: building the views", "err", err)
		return false
	}
	s.publish(v, time.Since(start))
	s.fitMemoryLimit()
	if s.follower.SnapshotDue() {
		s.snapshot()
	}
	// A count read before the changes were applied may be behind: the
	// views' generation says.
	if n := s.views.Load().Index.Len(); n != st.studies && s.views.Load().Generation == st.generation {
		s.log.Warn("the views snapshot does not agree with the store: building the views", "studies", n, "store_studies", st.studies)
		return false
	}
	s.log.Info("views started from the snapshot", "path", s.cfg.SnapshotPath, "snapshot_generation", snapGen,
		"generation", v.Generation, "read", read.Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
	return true
}

// build makes the views afresh from the store, whose generation was gen,
// in one pass, publishes them, and writes a snapshot of them in the
// background.
func (s *Server) build(ctx context.Context, gen int64) error {
	start := time.Now()
	err := s.withHeadroom(func() error {
		v, err := s.follower.Build(ctx, gen)
		if err == nil {
			s.publish(v, time.Since(start))
		}
		return err
	})
	if err != nil {
		return err
	}
	s.snapshot()
	return nil
}

// update applies the store's changes up to generation gen to the views
// and publishes them; a change log that does not reach back to the views'
// generation makes it build them afresh.
func (s *Server) update(ctx context.Context, gen int64) error {
	start := time.Now()
	// Applying allocates in proportion to the changes, and the garbage
	// collector is left to collect that as it goes rather than made to
	// collect the whole heap after every change. But now and then the
	// index merges its segments (see search.Index.Apply), which holds two
	// indexes for a while as a build does: the memory limit is lifted
	// meanwhile, lest the collector run without end under it.
	limit := int64(-1) // SetMemoryLimit(-1) changes nothing
	if s.cfg.MemoryHeadroom > 0 {
		limit = debug.SetMemoryLimit(math.MaxInt64)
	}
	v, err := s.follower.Update(ctx, gen)
	debug.SetMemoryLimit(limit)
	if errors.Is(err, view.ErrLogGap) {
		s.log.Info("the change log does not reach back to the views: building them afresh", "generation", gen)
		return s.build(ctx, gen)
	}
	if err != nil {
		return err
	}
	if v != s.views.Load() {
		s.publish(v, time.Since(start))
	}
	if s.follower.SnapshotDue() {
		s.snapshot()
	}
	return nil
}

// publish makes v the views requests read.
func (s *Server) publish(v *view.View, took time.Duration) {
	s.views.Store(v)
	s.metrics.indexStudies.Set(float64(v.Index.Len()))
	s.metrics.indexBuild.Set(took.Seconds())
	s.log.Info("views ready", "generation", v.Generation, "studies", v.Index.Len(), "places", v.Places.Len(),
		"matcher_studies", v.Matcher.Len(), "data_time", v.Index.DataTime(), "took", took.Round(time.Millisecond))
}

// snapshot writes the views' snapshot in the background, unless one is
// being written.
func (s *Server) snapshot() {
	if s.cfg.SnapshotPath == "" || !s.snapshotting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.snapshotting.Store(false)
		start := time.Now()
		if err := s.follower.WriteSnapshot(s.cfg.SnapshotPath); err != nil {
			s.log.Error("writing the views snapshot", "err", err)
			return
		}
		s.log.Info("views snapshot written", "path", s.cfg.SnapshotPath, "took", time.Since(start).Round(time.Millisecond))
	}()
}

// withHeadroom runs a full build, which holds two sets of views for a
// while, with the memory limit lifted, and then sets it from the live
// heap (see Config.MemoryHeadroom).
func (s *Server) withHeadroom(build func() error) error {
	if s.cfg.MemoryHeadroom > 0 {
		prev := debug.SetMemoryLimit(math.MaxInt64)
		if err := build(); err != nil {
			// A failed build keeps serving the old views, under the old limit.
			debug.SetMemoryLimit(prev)
			return err
		}
	} else if err := build(); err != nil {
		return err
	}
	s.fitMemoryLimit()
	return nil
}

// fitMemoryLimit returns the memory a build or a start from a snapshot
// no longer needs to the OS and sets the memory limit from the live heap
// (see Config.MemoryHeadroom).
func (s *Server) fitMemoryLimit() {
	// The builders' scratch and the previous views are garbage now: hand
	// their memory back rather than let the heap keep twice the index.
	debug.FreeOSMemory()
	if s.cfg.MemoryHeadroom > 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms) // after FreeOSMemory's collection, HeapAlloc is the live heap
		live := float64(ms.HeapAlloc)
		debug.SetMemoryLimit(int64(live + max(live*s.cfg.MemoryHeadroom, minHeadroom)))
	}
}

// minHeadroom keeps a small server's memory limit from making it collect
// all the time: a few hundred MB is nothing to the machines that run a
// full-size one.
const minHeadroom = 256 << 20

// refresh applies the store's changes to the views whenever its
// generation moves, until ctx ends. A failed check or update is logged
// and retried at the next tick; the old views keep serving meanwhile.
func (s *Server) refresh(ctx context.Context) {
	t := time.NewTicker(s.cfg.RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		gen, err := s.cfg.Store.Generation(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("checking the store for changes", "err", err)
			}
			continue
		}
		if s.lag.observe(s.servedGeneration(), gen).LagGenerations == 0 {
			continue
		}
		if err := s.update(ctx, gen); err != nil && ctx.Err() == nil {
			s.log.Error("applying the store's changes to the views failed: building them afresh", "err", err)
			if err := s.build(ctx, gen); err != nil && ctx.Err() == nil {
				s.log.Error("building the views", "err", err)
			}
		}
	}
}

type health struct {
	Status        string `json:"status"`
	Studies       int    `json:"studies"`
	DataTimestamp string `json:"dataTimestamp,omitempty"`
	nodeHealth
	freshness
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h, code := health{Status: "starting"}, http.StatusServiceUnavailable
	if v := s.views.Load(); s.ready.Load() && v != nil {
		h, code = health{Status: "ok", Studies: v.Index.Len(), DataTimestamp: v.Index.DataTime()}, http.StatusOK
	}
	h.nodeHealth = s.nodeHealth(r.Context())
	h.freshness = s.freshness(r.Context())
	writeHealth(w, code, h)
}
