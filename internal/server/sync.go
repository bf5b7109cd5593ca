package server

import (
	"context"
	"time"
)

// syncLoop runs Config.Sync now and then every SyncEvery until ctx ends,
// one run at a time: a run that overruns the interval delays the next.
// A failed run is logged; the store keeps what it applied, and the next
// run carries on from its checkpoint.
func (s *Server) syncLoop(ctx context.Context) {
	every := orDefault(s.cfg.SyncEvery, 24*time.Hour)
	for {
		start := time.Now()
		s.log.Info("syncing with ClinicalTrials.gov")
		if err := s.cfg.Sync(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("sync with ClinicalTrials.gov failed; the next run resumes", "err", err, "next_in", every)
		} else {
			s.log.Info("sync with ClinicalTrials.gov finished", "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
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

func (s *Server) freshness(ctx context.Context) freshness {
	st, err := s.cfg.Store.SyncState(ctx)
	if err != nil {
		s.log.Warn("reading the sync state", "err", err)
		return freshness{}
	}
	f := freshness{UpstreamDataTimestamp: st.DataTimestamp}
	if !st.LastSync.IsZero() {
		f.LastSync = st.LastSync.UTC().Format(time.RFC3339)
	}
	return f
}
