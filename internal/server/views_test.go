package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestStartFromSnapshot: a server writes a snapshot of its views after
// the first build; the next one starts from it, applies the change made
// to the store since, and serves it.
func TestStartFromSnapshot(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "serve.db.views")
	var logs syncBuffer
	base, st, cancel, done := startServer(t, sample(200), time.Hour, func(c *Config) { c.SnapshotPath = snap })
	first := waitHealthy(t, base)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(snap); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot was written after the build")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	id := firstID(t, st)
	retitle(t, st, id, "Qwertyuiop Title After The Snapshot")

	srv, err := New(Config{Store: st, SnapshotPath: snap, RefreshEvery: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go srv.Run(ctx, ln)
	base = "http://" + ln.Addr().String()
	second := waitHealthy(t, base)
	if !strings.Contains(logs.String(), "views started from the snapshot") {
		t.Errorf("the second server did not start from the snapshot:\n%s", logs.String())
	}
	if second.Studies != first.Studies {
		t.Errorf("%d studies from the snapshot, %d built", second.Studies, first.Studies)
	}
	if _, body := getBody(t, base+"/api/v2/studies?query.titles=qwertyuiop&fields=NCTId"); !strings.Contains(string(body), id) {
		t.Errorf("the change made after the snapshot is not served: %s", body)
	}
	if v := srv.View(); v == nil || v.Generation != mustGeneration(t, st) {
		t.Errorf("served view %+v, want the store's generation", v)
	}
}

func firstID(t *testing.T, st *sqlite.Store) string {
	t.Helper()
	var id string
	err := st.Each(context.Background(), func(s study.Study) error { id = s.NCTID; return errEnough })
	if !errors.Is(err, errEnough) {
		t.Fatalf("first stored study: %v", err)
	}
	return id
}

func mustGeneration(t *testing.T, st *sqlite.Store) int64 {
	t.Helper()
	gen, err := st.Generation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// TestStartingWhileLoading: until the first views are made, the website
// answers its starting page and the API a 503, both with Retry-After.
func TestStartingWhileLoading(t *testing.T) {
	release := make(chan struct{})
	base, _, _, _ := startServer(t, func(st *sqlite.Store) func(context.Context) error {
		fill := sample(20)(st)
		return func(ctx context.Context) error {
			<-release
			return fill(ctx)
		}
	}, time.Hour)
	for _, c := range []struct{ path, says string }{
		{"/", "Trialfinder is starting"},
		{"/search?cond=asthma", `http-equiv="refresh"`},
		{"/api/v2/studies?query.cond=asthma", `"status":503`},
		{"/api/v2/version", `"status":503`},
	} {
		res, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(b.String(), c.says) {
			t.Errorf("%s while loading: %d %v %.200s", c.path, res.StatusCode, res.Header, b.String())
		}
	}
	close(release)
	waitHealthy(t, base)
}
