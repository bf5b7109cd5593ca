package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The roles of a node. Any number of web nodes serve, reading the store;
// a sync node keeps the store current and serves /healthz and /metrics
// only, building no views; a node with both roles ("all") is the single
// machine's setup. Nodes that may sync do so one at a time (see
// SyncConfig).
const (
	RoleWeb  = "web"
	RoleSync = "sync"
	RoleAll  = "all"
)

// nodeHealth is what /healthz says of every node: its role, the store's
// generation, how far its views are behind it and, on a node that may
// sync, the sync lease.
type nodeHealth struct {
	Role string `json:"role"`
	// StoreGeneration is the store's generation now; absent if the store
	// did not answer.
	StoreGeneration *int64 `json:"storeGeneration,omitempty"`
	// Views is present on a node that serves views, once built.
	Views     *viewsHealth `json:"views,omitempty"`
	SyncLease *leaseHealth `json:"syncLease,omitempty"`
}

// viewsHealth says which generation a node's views hold.
type viewsHealth struct {
	// Generation is the store generation the node's views hold.
	Generation int64 `json:"generation"`
	// LagGenerations is how many generations (changing writes, each of
	// one study or of a whole page of a sync) the store is ahead.
	LagGenerations int64 `json:"lagGenerations"`
	// LagSeconds is 0 while the views hold the store's generation, and
	// otherwise the seconds since the node last found them current (at a
	// poll of the store or a health check). Nothing the node misses was
	// committed before then, so it bounds how stale its answers are.
	LagSeconds float64 `json:"lagSeconds"`
}

// lagClock remembers when a node last found its views current, and what
// it saw last.
type lagClock struct {
	mu             sync.Mutex
	current        time.Time
	views, store   int64
	lastWasCurrent bool
}

// newLagClock starts the clock, the node being current as it starts, and
// registers the lag's metrics, which say what the last observation saw.
func newLagClock(reg *prometheus.Registry) *lagClock {
	c := &lagClock{current: time.Now(), lastWasCurrent: true}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "trialfinder_views_lag_generations",
			Help: "How many generations the store was ahead of this node's views when it last looked (at a poll of the store or a health check).",
		}, func() float64 { return float64(c.last().LagGenerations) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "trialfinder_views_lag_seconds",
			Help: "0 if this node's views were current when it last looked, else the seconds since it last found them current.",
		}, func() float64 { return c.last().LagSeconds }),
	)
	return c
}

// observe notes the views' and the store's generations, seen now, and
// returns the lag.
func (c *lagClock) observe(views, store int64) viewsHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.views, c.store, c.lastWasCurrent = views, store, store <= views
	if c.lastWasCurrent {
		c.current = time.Now()
	}
	return c.lag()
}

// last is the lag as of the last observation, its seconds counted to now.
func (c *lagClock) last() viewsHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lag()
}

func (c *lagClock) lag() viewsHealth {
	if c.lastWasCurrent {
		return viewsHealth{Generation: c.views}
	}
	return viewsHealth{Generation: c.views, LagGenerations: c.store - c.views, LagSeconds: time.Since(c.current).Seconds()}
}

// generationer is the part of the store node health reads.
type generationer interface {
	Generation(ctx context.Context) (int64, error)
}

// storeGeneration reads the store's generation for /healthz; nil if the
// store did not answer.
func storeGeneration(ctx context.Context, st generationer, log *slog.Logger) *int64 {
	gen, err := st.Generation(ctx)
	if err != nil {
		log.Warn("reading the store's generation", "err", err)
		return nil
	}
	return &gen
}

func writeHealth(w http.ResponseWriter, code int, h any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(h)
}

// SyncStore is what a sync node reads of the store itself; the sync
// writes through SyncConfig.Run.
type SyncStore interface {
	generationer
	syncStater
}

// SyncNode is a node of role sync: it syncs while it holds the sync
// lease and serves /healthz and /metrics, and builds no views, so it
// needs neither the memory nor the start-up time of a web node.
type SyncNode struct {
	store   SyncStore
	log     *slog.Logger
	sched   *scheduler
	metrics *metrics
	handler http.Handler
}

// NewSyncNode builds a sync node; metricsApart leaves /metrics off its
// handler, for MetricsHandler on an address of its own.
func NewSyncNode(st SyncStore, sync SyncConfig, log *slog.Logger, metricsApart bool) (*SyncNode, error) {
	if log == nil {
		log = slog.Default()
	}
	n := &SyncNode{store: st, log: log, metrics: newMetrics()}
	var err error
	if n.sched, err = newScheduler(sync, log, n.metrics.reg); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", n.healthz)
	if !metricsApart {
		mux.Handle("GET /metrics", n.metrics.handler())
	}
	n.handler = mux
	return n, nil
}

// MetricsHandler serves the node's Prometheus metrics.
func (n *SyncNode) MetricsHandler() http.Handler { return n.metrics.handler() }

type syncNodeHealth struct {
	Status string `json:"status"`
	nodeHealth
	freshness
}

// healthz answers 503 when the store does not: a sync node without its
// store can do nothing.
func (n *SyncNode) healthz(w http.ResponseWriter, r *http.Request) {
	h := syncNodeHealth{Status: "ok", nodeHealth: nodeHealth{Role: RoleSync, SyncLease: n.sched.health(r.Context())}}
	h.StoreGeneration = storeGeneration(r.Context(), n.store, n.log)
	code := http.StatusOK
	if h.StoreGeneration == nil {
		h.Status, code = "store unavailable", http.StatusServiceUnavailable
	} else {
		h.freshness = readFreshness(r.Context(), n.store, n.log)
	}
	writeHealth(w, code, h)
}

// Run serves on ln and syncs while holding the lease, until ctx ends;
// then it stops any sync under way (which resumes on the next holder),
// releases the lease and shuts down.
func (n *SyncNode) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{Handler: n.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	n.log.Info("listening", "addr", ln.Addr().String(), "role", RoleSync)
	synced := make(chan struct{})
	go func() {
		n.sched.run(ctx)
		close(synced)
	}()
	select {
	case err := <-served:
		cancel()
		<-synced
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	<-synced
	sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// nodeHealth reads the store's generation and says how far behind it
// the views are, once built.
func (s *Server) nodeHealth(ctx context.Context) nodeHealth {
	h := nodeHealth{Role: cmp.Or(s.cfg.Role, RoleAll), SyncLease: s.sched.health(ctx)}
	h.StoreGeneration = storeGeneration(ctx, s.cfg.Store, s.log)
	if s.ready.Load() && h.StoreGeneration != nil {
		v := s.lag.observe(s.servedGeneration(), *h.StoreGeneration)
		h.Views = &v
	}
	return h
}

// servedGeneration is the store generation of the views being served.
func (s *Server) servedGeneration() int64 {
	if v := s.views.Load(); v != nil {
		return v.Generation
	}
	return 0
}
