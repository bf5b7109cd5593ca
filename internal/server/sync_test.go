package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestBackgroundSync: with Sync set the server runs it at start and then
// every SyncEvery, one at a time; what it changes reaches the index, and
// /healthz, the API and the history say how current the data is.
func TestBackgroundSync(t *testing.T) {
	var runs, running atomic.Int32
	var gone atomic.Value // the NCT ID the first sync removes
	base, st, _, _ := startServer(t, sample(50), 50*time.Millisecond, func(c *Config) {
		c.SyncEvery = 30 * time.Millisecond
		c.Sync = func(ctx context.Context) error {
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
				if _, err := c.Store.(*sqlite.Store).Remove(ctx, []string{id}, "2099-01-03", nil); err != nil {
					return err
				}
			}
			time.Sleep(40 * time.Millisecond) // longer than SyncEvery: the next waits
			return c.Store.(*sqlite.Store).SetSyncState(ctx, study.SyncState{DataTimestamp: "2099-01-03T09:00:05", LastSync: time.Now()})
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
	if err := json.Unmarshal(body, &h); err != nil || h.UpstreamDataTimestamp != "2099-01-03T09:00:05" || h.LastSync == "" {
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
