package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/api"
)

// TestSaturatedClassSheds fills the search class's one slot with a
// request that holds it, then sends more: each must be answered 503 with
// Retry-After within the queue wait, not after the holder finishes, while
// other classes still run.
func TestSaturatedClassSheds(t *testing.T) {
	s := idleServer(t, func(c *Config) { c.Slots = map[string]int{classSearch: 1} })
	hold, held := make(chan struct{}), make(chan struct{})
	h := s.admit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hold") != "" {
			close(held)
			<-hold
		}
		w.WriteHeader(http.StatusOK)
	}))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v2/studies?hold=1", nil))
	<-held

	var wg sync.WaitGroup
	for i, path := range []string{"/api/v2/studies?query.cond=x", "/search?cond=asthma", "/api/v2/studies", "/"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			took := time.Since(start)
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || took > 5*queueWait {
				t.Errorf("%d %s: %d, Retry-After %q, after %v", i, path, rec.Code, rec.Header().Get("Retry-After"), took)
			}
			if strings.HasPrefix(path, "/api/") {
				var e api.ErrorBody
				if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Status != http.StatusServiceUnavailable {
					t.Errorf("%s: shed answer is not an ErrorBody: %s", path, rec.Body)
				}
			} else if !strings.Contains(rec.Body.String(), "busy") {
				t.Errorf("%s: shed page %q", path, rec.Body)
			}
		}()
	}
	// Another class is not held up.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/studies/NCT00000102", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("a record while searches are shed: %d", rec.Code)
	}
	wg.Wait()
	close(hold)
	// Once the slot is free, a search is admitted again.
	time.Sleep(10 * time.Millisecond)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/search", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("a search after the holder left: %d", rec.Code)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct{ method, target, class string }{
		{"GET", "/api/v2/studies?query.cond=asthma", classSearch},
		{"GET", "/api/v2/studies?format=csv", classExport},
		{"GET", "/api/v2/studies?pageSize=1000", classExport},
		{"GET", "/api/v2/studies/download?format=json", classExport},
		{"GET", "/api/v2/stats/field/values", classExport},
		{"GET", "/api/v2/studies/NCT00000102", classRecord},
		{"GET", "/api/v2/studies/enums", ""},
		{"GET", "/study/NCT00000102", classRecord},
		{"POST", "/study/NCT00000102/check", classCheck},
		{"POST", "/api/match", classMatch},
		{"POST", "/match", classMatch},
		{"GET", "/match", ""},
		{"GET", "/search?q=x", classSearch},
		{"GET", "/static/site.css", ""},
		{"GET", "/healthz", ""},
	} {
		if got := classify(httptest.NewRequest(c.method, c.target, nil)); got != c.class {
			t.Errorf("%s %s: class %q, want %q", c.method, c.target, got, c.class)
		}
	}
}
