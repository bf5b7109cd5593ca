package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestBackgroundSync: with Sync set the server takes the sync lease and
// runs it at start and then every Every, one at a time; what it changes
// reaches the index, and /healthz, the API and the history say how
// current the data is.
func TestBackgroundSync(t *testing.T) {
	var runs, running atomic.Int32
	var gone atomic.Value // the NCT ID the first sync removes
	base, st, _, _ := startServer(t, sample(50), 50*time.Millisecond, func(c *Config) {
		st := c.Store.(*sqlite.Store)
		c.Sync = &SyncConfig{Leases: st, LeaseName: "sync", Holder: "node-a", Every: 30 * time.Millisecond}
		c.Sync.Run = func(ctx context.Context) error {
			if running.Add(1) > 1 {
				t.Error("two syncs at once")
			}
			defer running.Add(-1)
			n := runs.Add(1)
			if n == 1 {
				id := ""
				err := c.Store.Each(ctx, func(s study.Study) error { id = s.NCTID; return errStop })
				if err != errStop {
					return err
				}
				gone.Store(id)
				if _, err := st.Remove(ctx, []string{id}, "2099-01-03", nil); err != nil {
					return err
				}
			}
			time.Sleep(40 * time.Millisecond) // longer than Every: the next waits
			return st.SetSyncState(ctx, study.SyncState{DataTimestamp: "2099-01-03T09:00:05", LastSync: time.Now()})
		}
	})
	waitHealthy(t, base)
	deadline := time.Now().Add(time.Minute)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d syncs ran", runs.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var h health
	_, body := getBody(t, base+"/healthz")
	if err := json.Unmarshal(body, &h); err != nil || h.UpstreamDataTimestamp != "2099-01-03T09:00:05" || h.LastSync == "" ||
		h.Role != RoleAll || h.SyncLease == nil || h.SyncLease.HeldUntil == "" ||
		*h.SyncLease != (leaseHealth{Name: "sync", Holder: "node-a", Held: true, HeldBy: "node-a", HeldUntil: h.SyncLease.HeldUntil, Epoch: 1}) {
		t.Errorf("/healthz after syncs: %s", body)
	}
	id := gone.Load().(string)
	code, body := getBody(t, base+"/api/v2/studies/"+id)
	if code != http.StatusNotFound || !strings.Contains(string(body), "disappeared from its listing on 2099-01-03") {
		t.Errorf("a removed study from the API: %d %s", code, body)
	}
	for {
		n, err := st.Count(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		_, body := getBody(t, base+"/api/v2/studies?countTotal=true&pageSize=0")
		if strings.Contains(string(body), `"totalCount":`+strconv.Itoa(n)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index still counts the removed study: %s (store %d)", body, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := getBody(t, base+"/api/v2/studies/"+id+"/history"); code != http.StatusOK || !strings.Contains(string(body), `"version":1`) {
		t.Errorf("history of the removed study: %d %s", code, body)
	}
}

var errStop = errors.New("stop")

// TestHealthSaysTheLag: a web node's /healthz gives its role, the
// generation its views hold and the store's; after a write the lag shows
// until the views catch up.
func TestHealthSaysTheLag(t *testing.T) {
	base, st, _, _ := startServer(t, sample(20), time.Hour, func(c *Config) { c.Role = RoleWeb })
	h := waitHealthy(t, base)
	gen, err := st.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if h.Role != RoleWeb || h.SyncLease != nil || h.StoreGeneration == nil || *h.StoreGeneration != gen ||
		h.Views == nil || *h.Views != (viewsHealth{Generation: gen}) {
		t.Fatalf("/healthz of a current web node: %+v", h)
	}
	var one study.Study
	if err := st.Each(t.Context(), func(s study.Study) error { one = s; return errStop }); err != errStop {
		t.Fatal(err)
	}
	if _, err := st.Remove(t.Context(), []string{one.NCTID}, "2099-01-03", nil); err != nil {
		t.Fatal(err)
	}
	// The node polls the store hourly here: it stays behind.
	time.Sleep(20 * time.Millisecond)
	_, body := getBody(t, base+"/healthz")
	h = health{}
	if err := json.Unmarshal(body, &h); err != nil || h.StoreGeneration == nil || *h.StoreGeneration != gen+1 || h.Views == nil ||
		h.Views.Generation != gen || h.Views.LagGenerations != 1 || h.Views.LagSeconds < 0.02 {
		t.Errorf("/healthz of a node one write behind: %s", body)
	}
	if _, body := getBody(t, base+"/metrics"); !strings.Contains(string(body), "trialfinder_views_lag_generations 1\n") {
		t.Errorf("/metrics of a node one write behind: %.3000s", body)
	}
}

func TestLagClock(t *testing.T) {
	c := newLagClock(prometheus.NewRegistry())
	if v := c.observe(5, 5); v != (viewsHealth{Generation: 5}) {
		t.Errorf("current: %+v", v)
	}
	time.Sleep(10 * time.Millisecond)
	first := c.observe(5, 7)
	time.Sleep(10 * time.Millisecond)
	second := c.observe(5, 8)
	if first.LagGenerations != 2 || second.LagGenerations != 3 || first.LagSeconds < 0.01 || second.LagSeconds < first.LagSeconds+0.01 {
		t.Errorf("behind: %+v then %+v", first, second)
	}
	time.Sleep(10 * time.Millisecond)
	if last := c.last(); last.LagGenerations != 3 || last.LagSeconds < second.LagSeconds+0.01 {
		t.Errorf("the metrics after %+v: %+v", second, last)
	}
	if v := c.observe(8, 8); v.LagSeconds != 0 || v.LagGenerations != 0 || c.last() != v {
		t.Errorf("caught up: %+v", v)
	}
}

// openShared opens another connection to one SQLite store: a node of its
// own, as far as the lease can tell.
func openShared(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// syncRecorder records which nodes are syncing.
type syncRecorder struct {
	t       *testing.T
	mu      sync.Mutex
	running map[string]bool
	runs    map[string]int
	stopped map[string]error // why each node's last run stopped
}

// run returns a node's SyncConfig.Run: it fails the test if another node
// is syncing too, and lasts until ctx ends or d has passed.
func (r *syncRecorder) run(node string, d time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		r.mu.Lock()
		for other, on := range r.running {
			if on {
				r.t.Errorf("%s syncs while %s does", node, other)
			}
		}
		r.running[node] = true
		r.runs[node]++
		r.mu.Unlock()
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(d):
		}
		r.mu.Lock()
		r.running[node], r.stopped[node] = false, err
		r.mu.Unlock()
		return err
	}
}

func (r *syncRecorder) count(node string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[node]
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOneNodeSyncs: of two nodes that may sync one store, one does; when
// it stops, the other takes over at once (the lease is released); when a
// node can no longer renew the lease (its store is gone), its sync stops
// before the lease expires, and the other takes over after.
func TestOneNodeSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := map[string]*sqlite.Store{"a": openShared(t, path), "b": openShared(t, path)}
	rec := &syncRecorder{t: t, running: map[string]bool{}, runs: map[string]int{}, stopped: map[string]error{}}
	const ttl = 300 * time.Millisecond
	scheds, cancels := map[string]*scheduler{}, map[string]context.CancelFunc{}
	var done sync.WaitGroup
	for _, node := range []string{"a", "b"} {
		s, err := newScheduler(SyncConfig{Run: rec.run(node, time.Hour), Every: time.Millisecond, Leases: stores[node],
			LeaseName: "sync", Holder: node, LeaseTTL: ttl}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		scheds[node], cancels[node] = s, cancel
		done.Add(1)
		go func() { defer done.Done(); s.run(ctx) }()
	}
	defer done.Wait()
	defer cancels["a"]()
	defer cancels["b"]()

	waitFor(t, "a node syncs", func() bool { return rec.count("a")+rec.count("b") == 1 })
	first, second := "a", "b"
	if rec.count("b") == 1 {
		first, second = "b", "a"
	}
	if !scheds[first].held.Load() || scheds[second].held.Load() {
		t.Errorf("lease held: %s %v, %s %v", first, scheds[first].held.Load(), second, scheds[second].held.Load())
	}
	time.Sleep(ttl) // the holder renews: the other keeps standing by
	if rec.count(second) != 0 {
		t.Fatalf("%s synced while %s held the lease", second, first)
	}

	// The holder stops: it releases the lease, and the other takes it at
	// its next try.
	stoppedAt := time.Now()
	cancels[first]()
	waitFor(t, second+" takes over", func() bool { return rec.count(second) == 1 })
	if took := time.Since(stoppedAt); took > ttl {
		t.Errorf("took over %s after a clean stop; the lease was not released", took)
	}

	// The new holder loses its store: its sync stops within 2/3 of the
	// lease's ttl, and the first node, started again, takes over once the
	// lease expires.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done.Add(1)
	go func() { defer done.Done(); scheds[first].run(ctx) }()
	lostAt := time.Now()
	stores[second].Close()
	waitFor(t, second+"'s sync stops", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return !rec.running[second]
	})
	if took := time.Since(lostAt); took > ttl {
		t.Errorf("%s synced on for %s without its lease", second, took)
	}
	if !errors.Is(rec.stopped[second], context.Canceled) {
		t.Errorf("%s's sync stopped with %v", second, rec.stopped[second])
	}
	waitFor(t, first+" takes over again", func() bool { return rec.count(first) == 2 })
	if took := time.Since(lostAt); took < ttl/2 {
		t.Errorf("%s took the lease %s after %s lost its store, before it could expire", first, took, second)
	}
}

// TestSyncNode: a node of role sync syncs under the lease and answers
// /healthz with its role, the store's generation and the lease, and has
// no views.
func TestSyncNode(t *testing.T) {
	st := openShared(t, filepath.Join(t.TempDir(), "sync.db"))
	var runs atomic.Int32
	base, stop := startSyncNode(t, st, "node-s", func(ctx context.Context) error {
		// Counted once done: the test reads what it wrote.
		defer runs.Add(1)
		return st.SetSyncState(ctx, study.SyncState{DataTimestamp: "2099-01-03T09:00:05", LastSync: time.Now()})
	}, io.Discard)
	waitFor(t, "the node syncs", func() bool { return runs.Load() == 1 })
	code, body := getBody(t, base+"/healthz")
	var h map[string]any
	if err := json.Unmarshal(body, &h); err != nil || code != http.StatusOK || h["role"] != RoleSync || h["views"] != nil ||
		h["upstreamDataTimestamp"] != "2099-01-03T09:00:05" || h["storeGeneration"] == nil {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if lease, _ := h["syncLease"].(map[string]any); lease["held"] != true || lease["holder"] != "node-s" {
		t.Errorf("/healthz lease: %s", body)
	}
	checkStandby(t, st)
	if code, body := getBody(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(string(body), "trialfinder_sync_lease_held 1") ||
		!strings.Contains(string(body), `trialfinder_sync_runs_total{result="ok"} 1`) {
		t.Errorf("/metrics: %d %.2000s", code, body)
	}
	if code, _ := getBody(t, base+"/api/v2/studies"); code != http.StatusNotFound {
		t.Errorf("a sync node answered a search: %d", code)
	}
	stop()
	// It released the lease on the way out.
	if took, err := st.TakeLease(t.Context(), "sync", "another", time.Minute); took == 0 || err != nil {
		t.Errorf("the lease after the node stopped: %v %v", took, err)
	}
}

// checkStandby starts a second sync node on st, whose lease node-s holds:
// it stands by, and both its log and its /healthz name the holder and
// until when, from the store.
func checkStandby(t *testing.T, st *sqlite.Store) {
	t.Helper()
	logs := &syncBuffer{}
	base, stop := startSyncNode(t, st, "node-t", func(context.Context) error {
		t.Error("the standby node synced")
		return nil
	}, logs)
	defer stop()
	before, err := st.LeaseHolder(t.Context(), "sync")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby says whom it stands by for", func() bool {
		return strings.Contains(logs.String(), `standing by" holder=node-s until=`)
	})
	code, body := getBody(t, base+"/healthz")
	var h health
	if err := json.Unmarshal(body, &h); err != nil || code != http.StatusOK || h.SyncLease == nil {
		t.Fatalf("the standby's /healthz: %d %s", code, body)
	}
	l := h.SyncLease
	heldUntil, err := time.Parse(time.RFC3339Nano, l.HeldUntil)
	if l.Held || l.Holder != "node-t" || l.HeldBy != "node-s" || err != nil || heldUntil.Before(before.Until) || l.Epoch != before.Token {
		t.Errorf("the standby's /healthz lease: %s (renewed until %v before, token %d)", body, before.Until, before.Token)
	}
}

// TestSyncFencedOut: a sync node that lost the lease without noticing
// (another node took it over while this one was paused past its expiry;
// here the run hands it over itself, between two of its writes) has its
// next write refused by the store: it stops syncing, says so plainly in
// its log, and /healthz names the new holder and its epoch.
func TestSyncFencedOut(t *testing.T) {
	st := openShared(t, filepath.Join(t.TempDir(), "sync.db"))
	var runs atomic.Int32
	logs := &syncBuffer{}
	base, stop := startSyncNode(t, st, "node-a", func(ctx context.Context) error {
		if runs.Add(1) > 1 {
			t.Error("node-a synced again after its write was refused")
			return nil
		}
		if err := st.ReleaseLease(ctx, "sync", "node-a"); err != nil {
			return err
		}
		if token, err := st.TakeLease(ctx, "sync", "node-b", time.Hour); token == 0 || err != nil {
			return fmt.Errorf("node-b's takeover: %d, %v", token, err)
		}
		return st.SetSyncState(ctx, study.SyncState{Checkpoint: "node-a's"})
	}, logs)
	defer stop()
	waitFor(t, "node-a says it lost the lease", func() bool { return strings.Contains(logs.String(), "lost the sync lease") })
	if log := logs.String(); !strings.Contains(log, `write refused; node-b holds it now (token 2)`) {
		t.Errorf("node-a's log does not say why it stopped:\n%s", log)
	}
	if state, err := st.SyncState(t.Context()); err != nil || state.Checkpoint != "" {
		t.Errorf("node-a's refused write is in the store: %+v, %v", state, err)
	}
	code, body := getBody(t, base+"/healthz")
	var h health
	if err := json.Unmarshal(body, &h); err != nil || code != http.StatusOK || h.SyncLease == nil ||
		h.SyncLease.Held || h.SyncLease.HeldBy != "node-b" || h.SyncLease.Epoch != 2 {
		t.Errorf("node-a's /healthz after it was fenced out: %d %s", code, body)
	}
}

// startSyncNode runs a sync node on st as holder, logging to logs; stop
// stops it, failing t if Run failed.
func startSyncNode(t *testing.T, st *sqlite.Store, holder string, run func(context.Context) error, logs io.Writer) (base string, stop func()) {
	t.Helper()
	node, err := NewSyncNode(st, SyncConfig{Leases: st, LeaseName: "sync", Holder: holder, Every: time.Hour, Run: run},
		slog.New(slog.NewTextHandler(logs, nil)), false)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- node.Run(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("%s's Run: %v", holder, err)
		}
	}
}
