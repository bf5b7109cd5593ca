package server

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/study"
)

// SyncConfig is how a node keeps the store current with
// ClinicalTrials.gov. Several nodes may be given one: they sync one at a
// time, whichever holds the lease LeaseName in the store.
type SyncConfig struct {
	// Run brings the store up to date once (see internal/upstream); it
	// stops when its context ends, leaving the store consistent and the
	// sync resumable.
	Run func(ctx context.Context) error
	// Every is how often the lease holder runs it (default 24 h); it
	// runs once as soon as the node takes the lease.
	Every time.Duration
	// Leases is the store's leases; LeaseName the lease every sync of
	// the store takes (`trialfinder sync` too); Holder names this node
	// (see lease.Holder).
	Leases            lease.Store
	LeaseName, Holder string
	// LeaseTTL is how long a holder that stopped renewing keeps the
	// lease (default 60 s): how long a dead sync node holds up the next.
	// Nodes not holding it try to take it every LeaseTTL/3.
	LeaseTTL time.Duration
}

// scheduler runs SyncConfig.Run on the node that holds the sync lease.
type scheduler struct {
	cfg  SyncConfig
	log  *slog.Logger
	held atomic.Bool
	// heldGauge, runs and lastOK are its Prometheus metrics.
	heldGauge prometheus.Gauge
	runs      *prometheus.CounterVec
	lastOK    prometheus.Gauge
}

func newScheduler(cfg SyncConfig, log *slog.Logger, reg *prometheus.Registry) (*scheduler, error) {
	if cfg.Run == nil || cfg.Leases == nil || cfg.LeaseName == "" || cfg.Holder == "" {
		return nil, errors.New("server: SyncConfig needs Run, Leases, LeaseName and Holder")
	}
	cfg.Every = orDefault(cfg.Every, 24*time.Hour)
	cfg.LeaseTTL = orDefault(cfg.LeaseTTL, time.Minute)
	s := &scheduler{cfg: cfg, log: log,
		heldGauge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trialfinder_sync_lease_held",
			Help: "1 while this node holds the sync lease (and so is the one that syncs), else 0.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trialfinder_sync_runs_total",
			Help: "Syncs with ClinicalTrials.gov this node ran, by result: ok, failed, stopped (the lease was lost or the node stopped).",
		}, []string{"result"}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trialfinder_sync_last_success_timestamp_seconds",
			Help: "When this node last finished a sync successfully (Unix time); 0 if never.",
		}),
	}
	if err := reg.Register(s.heldGauge); err != nil {
		return nil, err
	}
	if err := reg.Register(s.runs); err != nil {
		return nil, err
	}
	return s, reg.Register(s.lastOK)
}

// syncLoop contends for the sync lease until ctx ends, and syncs while
// it holds it.
func (s *Server) syncLoop(ctx context.Context) { s.sched.run(ctx) }

// run contends for the sync lease until ctx ends, and syncs while it
// holds it.
func (s *scheduler) run(ctx context.Context) {
	// standbyFor is the holder this node last said it stands by for.
	standbyFor := ""
	for {
		l, err := lease.Take(ctx, s.cfg.Leases, s.cfg.LeaseName, s.cfg.Holder, s.cfg.LeaseTTL)
		var held *lease.HeldError
		switch {
		case err == nil:
			standbyFor = ""
			s.lead(l)
		case errors.As(err, &held):
			if held.Holder != standbyFor {
				s.log.Info("another node holds the sync lease: standing by", "holder", held.Holder,
					"until", held.Until.Format(time.RFC3339Nano), "retry_every", s.cfg.LeaseTTL/3)
				standbyFor = held.Holder
			}
		case ctx.Err() == nil:
			s.log.Error("taking the sync lease", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.LeaseTTL / 3):
		}
	}
}

// lead syncs while l is held, then releases it: on shutdown, so that a
// standby node takes over without waiting for the lease to expire.
func (s *scheduler) lead(l *lease.Lease) {
	s.held.Store(true)
	s.heldGauge.Set(1)
	s.log.Info("took the sync lease: this node syncs", "holder", l.Holder(), "token", l.Token(), "every", s.cfg.Every)
	refused := s.loop(l.Context())
	s.held.Store(false)
	s.heldGauge.Set(0)
	if err := cmp.Or(l.Lost(), refused); err != nil {
		s.log.Warn("lost the sync lease: this node stopped syncing and stands by; the next holder resumes the sync", "err", err)
	}
	if err := l.Release(); err != nil {
		s.log.Warn("releasing the sync lease; it expires by itself", "err", err, "ttl", s.cfg.LeaseTTL)
	}
}

// loop runs a sync now and then every Every until ctx ends, one run at a
// time: a run that overruns the interval delays the next. A failed run
// is logged; the store keeps what it applied, and the next run carries
// on from its checkpoint. A run whose write the store refused because
// the lease passed to another node (lease.ErrLost: this node was paused
// or cut off past its lease's expiry) ends the loop, with that refusal.
func (s *scheduler) loop(ctx context.Context) (refused error) {
	for {
		start := time.Now()
		s.log.Info("syncing with ClinicalTrials.gov")
		err := s.cfg.Run(ctx)
		switch {
		case ctx.Err() != nil:
			s.runs.WithLabelValues("stopped").Inc()
			return nil
		case errors.Is(err, lease.ErrLost):
			s.runs.WithLabelValues("stopped").Inc()
			return err
		case err != nil:
			s.runs.WithLabelValues("failed").Inc()
			s.log.Error("sync with ClinicalTrials.gov failed; the next run resumes", "err", err, "next_in", s.cfg.Every)
		default:
			s.runs.WithLabelValues("ok").Inc()
			s.lastOK.SetToCurrentTime()
			s.log.Info("sync with ClinicalTrials.gov finished", "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.cfg.Every):
		}
	}
}

// leaseHealth is what /healthz says of a node that may sync.
type leaseHealth struct {
	Name   string `json:"name"`
	Holder string `json:"holder"` // this node's name as a holder
	Held   bool   `json:"held"`   // true on the one node that syncs
	// HeldBy is whichever node holds the lease, by the store, HeldUntil
	// (RFC 3339, the store's clock) when it frees itself unless renewed,
	// and Epoch the token of that holding, which every taking by another
	// node increases and which fences its writes; all absent when no one
	// holds it or the store did not say.
	HeldBy    string `json:"heldBy,omitempty"`
	HeldUntil string `json:"heldUntil,omitempty"`
	Epoch     int64  `json:"epoch,omitempty"`
}

func (s *scheduler) health(ctx context.Context) *leaseHealth {
	if s == nil {
		return nil
	}
	h := &leaseHealth{Name: s.cfg.LeaseName, Holder: s.cfg.Holder, Held: s.held.Load()}
	now, err := s.cfg.Leases.LeaseHolder(ctx, s.cfg.LeaseName)
	if err != nil {
		s.log.Warn("reading the sync lease's holder", "err", err)
	} else if now.Holder != "" {
		h.HeldBy, h.HeldUntil, h.Epoch = now.Holder, now.Until.Format(time.RFC3339Nano), now.Token
	}
	return h
}

// freshness says how current the store is with ClinicalTrials.gov, for
// /healthz.
type freshness struct {
	// LastSync is when the last sync finished (RFC 3339); absent if the
	// store was never synced.
	LastSync string `json:"lastSync,omitempty"`
	// UpstreamDataTimestamp is ClinicalTrials.gov's data timestamp that
	// sync brought the store up to.
	UpstreamDataTimestamp string `json:"upstreamDataTimestamp,omitempty"`
}

// syncStater is the part of the store freshness reads.
type syncStater interface {
	SyncState(ctx context.Context) (study.SyncState, error)
}

func (s *Server) freshness(ctx context.Context) freshness {
	return readFreshness(ctx, s.cfg.Store, s.log)
}

func readFreshness(ctx context.Context, st syncStater, log *slog.Logger) freshness {
	state, err := st.SyncState(ctx)
	if err != nil {
		log.Warn("reading the sync state", "err", err)
		return freshness{}
	}
	f := freshness{UpstreamDataTimestamp: state.DataTimestamp}
	if !state.LastSync.IsZero() {
		f.LastSync = state.LastSync.UTC().Format(time.RFC3339)
	}
	return f
}
