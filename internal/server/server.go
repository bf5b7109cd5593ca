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
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/trialfinder/trialfinder/internal/api"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/history"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
	"github.com/trialfinder/trialfinder/internal/web"
)

// Store is what the server needs of a store; the stores implement it.
type Store interface {
	search.Source
	api.Records
	api.StatsSource
	// match.Store gives the criteria parsed at ingest (the matcher parses
	// those missing itself) and the records of the hits it explains.
	match.Store
	// Generation changes with every write that changes the store; the
	// server polls it.
	Generation(ctx context.Context) (int64, error)
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
	// rebuild the index (default 30 s).
	RefreshEvery time.Duration
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
	// (see runtime/debug.SetMemoryLimit) after each build to the live
	// heap times 1 + MemoryHeadroom, and at least minHeadroom above it,
	// and lifts it while the next build holds two sets of views. Besides
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
	cfg    Config
	log    *slog.Logger
	engine *search.Engine
	vocab  *vocab.Vocab
	// places and matcher are built with each index, from the same pass
	// over the store.
	places  atomic.Pointer[gazetteer.Gazetteer]
	matcher atomic.Pointer[match.Matcher]
	handler http.Handler
	api     *api.API // its WriteError answers the server's own errors
	classes map[string]*class
	metrics *metrics
	ready   atomic.Bool
	// generation is the store's generation the index was last built from.
	generation atomic.Int64
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
	cfg.RefreshEvery = orDefault(cfg.RefreshEvery, 30*time.Second)
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
	s.vocab = v
	s.engine = search.NewEngine(synonyms(v))
	a, err := api.New(api.Config{Searcher: s.engine, Records: cfg.Store, Stats: cfg.Store, Matcher: s.matcher.Load, Logger: s.log,
		ExportLimit: cfg.ExportLimit})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	site, err := web.New(web.Config{Search: s.engine, Studies: cfg.Store, Places: s.places.Load, Matcher: s.matcher.Load,
		History: cfg.Store, TileURL: cfg.TileURL, BaseURL: cfg.BaseURL, Logger: s.log})
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

// synonyms adapts the condition vocabulary to the engine.
func synonyms(v *vocab.Vocab) search.SynonymSource {
	return func(text string) []search.Synonym {
		exp := v.Expand(text)
		out := make([]search.Synonym, len(exp))
		for i, e := range exp {
			out[i] = search.Synonym{Text: e.Term, Source: e.Source}
		}
		return out
	}
}

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

// load seeds an empty store and builds the first index.
func (s *Server) load(ctx context.Context) error {
	st, err := s.cfg.Store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if st.Studies == 0 && s.cfg.Seed != nil {
		s.log.Info("the store is empty: loading the bundled demo data")
		start := time.Now()
		if err := s.cfg.Seed(ctx); err != nil {
			return fmt.Errorf("start: load demo data: %w", err)
		}
		if st, err = s.cfg.Store.Stats(ctx); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		s.log.Info("demo data loaded", "studies", st.Studies, "took", time.Since(start).Round(time.Millisecond))
	}
	if err := s.rebuild(ctx, st.Generation); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if s.cfg.GCPercent > 0 {
		debug.SetGCPercent(s.cfg.GCPercent)
	}
	s.ready.Store(true)
	return nil
}

// rebuild builds a new index, gazetteer and matcher from the store, whose
// generation was gen, in one pass, and swaps them in.
func (s *Server) rebuild(ctx context.Context, gen int64) (err error) {
	start := time.Now()
	if s.cfg.MemoryHeadroom > 0 {
		// A failed build keeps serving the old views, under the old limit.
		prev := debug.SetMemoryLimit(math.MaxInt64)
		defer func() {
			if err != nil {
				debug.SetMemoryLimit(prev)
			}
		}()
	}
	ib, gb := search.NewBuilder(), gazetteer.NewBuilder()
	mb := match.NewBuilder(match.Options{Vocab: s.vocab, Geocoder: gazetteerFunc(s.places.Load)})
	err = s.cfg.Store.Each(ctx, func(st study.Study) error {
		gb.Add(&st)
		mb.Add(&st)
		return ib.Add(&st)
	})
	if err != nil {
		return fmt.Errorf("build search index: %w", err)
	}
	s.engine.Set(ib.Finish())
	s.places.Store(gb.Finish())
	ix := s.engine.Index()
	m, err := mb.Finish(ctx, ix, s.cfg.Store)
	if err != nil {
		return err
	}
	s.matcher.Store(m)
	// The builders' scratch and the previous views are garbage now: hand
	// their memory back rather than let the heap keep twice the index.
	debug.FreeOSMemory()
	if s.cfg.MemoryHeadroom > 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms) // after FreeOSMemory's collection, HeapAlloc is the live heap
		live := float64(ms.HeapAlloc)
		debug.SetMemoryLimit(int64(live + max(live*s.cfg.MemoryHeadroom, minHeadroom)))
	}
	took := time.Since(start)
	s.generation.Store(gen)
	s.metrics.indexStudies.Set(float64(ix.Len()))
	s.metrics.indexBuild.Set(took.Seconds())
	s.log.Info("search index built", "studies", ix.Len(), "matcher_studies", m.Len(), "data_time", ix.DataTime(), "took", took.Round(time.Millisecond))
	return nil
}

// minHeadroom keeps a small server's memory limit from making it collect
// all the time: a few hundred MB is nothing to the machines that run a
// full-size one.
const minHeadroom = 256 << 20

// gazetteerFunc resolves place names with whichever gazetteer is current.
type gazetteerFunc func() *gazetteer.Gazetteer

func (f gazetteerFunc) Resolve(text string) []gazetteer.Place {
	if g := f(); g != nil {
		return g.Resolve(text)
	}
	return nil
}

// refresh rebuilds the index whenever the store changes, until ctx ends.
// A failed check or build is logged and retried at the next tick; the
// old index keeps serving meanwhile.
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
		if s.lag.observe(s.generation.Load(), gen).LagGenerations == 0 {
			continue
		}
		s.log.Info("the store changed: rebuilding the search index", "generation", gen)
		if err := s.rebuild(ctx, gen); err != nil && ctx.Err() == nil {
			s.log.Error("rebuilding the search index", "err", err)
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
	ix := s.engine.Index()
	h, code := health{Status: "ok", Studies: ix.Len(), DataTimestamp: ix.DataTime()}, http.StatusOK
	if !s.ready.Load() {
		h, code = health{Status: "starting"}, http.StatusServiceUnavailable
	}
	h.nodeHealth = s.nodeHealth(r.Context())
	h.freshness = s.freshness(r.Context())
	writeHealth(w, code, h)
}
