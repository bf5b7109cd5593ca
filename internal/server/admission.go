package server

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/api"
)

// A class of work is admitted up to its number of slots at once; a request
// beyond them waits at most the class's queue time for one, then gets a
// fast 503 with Retry-After. An overloaded server thus answers some
// requests quickly and the others at once with "try again", rather than
// all of them slowly, past their timeouts, with memory growing with the
// queue.
type class struct {
	name  string
	slots chan struct{}
	wait  time.Duration
}

// Classes of work; each request belongs to at most one.
const (
	classSearch = "search" // search pages and /studies lists
	classRecord = "record" // trial pages and single records
	classExport = "export" // downloads, CSV and large pages, field statistics
	classMatch  = "match"  // ranking trials for a patient (every core per request)
	classCheck  = "check"  // the eligibility check of one trial
)

// defaultSlots sizes each class from the cores: a search or a record
// page is a few milliseconds of one core, an export streams for seconds
// (memory bound by its buffers), a match ranks on every core.
func defaultSlots(cores int) map[string]int {
	return map[string]int{
		classSearch: 4 * cores,
		classRecord: 8 * cores,
		classExport: max(2, cores),
		classMatch:  max(1, cores/2),
		classCheck:  2 * cores,
	}
}

// queueWait is how long a request may wait for a slot: short beside the
// request timeout, long enough to ride out a burst.
const queueWait = 250 * time.Millisecond

// retryAfter is what a shed request is told.
const retryAfter = 2 * time.Second

func newClasses(override map[string]int) map[string]*class {
	slots := defaultSlots(runtime.GOMAXPROCS(0))
	for k, v := range override {
		slots[k] = v
	}
	out := map[string]*class{}
	for name, n := range slots {
		out[name] = &class{name: name, slots: make(chan struct{}, max(1, n)), wait: queueWait}
	}
	return out
}

// classify names the class of a request, or "" for the cheap ones
// (static files, health, metrics, the API's small documents).
func classify(r *http.Request) string {
	p := r.URL.Path
	switch {
	case p == "/api/match" || p == "/match" && r.Method == http.MethodPost:
		return classMatch
	case strings.HasPrefix(p, "/study/") && strings.HasSuffix(p, "/check"):
		return classCheck
	case p == "/api/v2/studies/download" || strings.HasPrefix(p, "/api/v2/stats/") || p == "/search/feed":
		return classExport
	case p == "/api/v2/studies":
		q := r.URL.Query()
		if n, _ := strconv.Atoi(q.Get("pageSize")); q.Get("format") == "csv" || n > 100 {
			return classExport
		}
		return classSearch
	case p == "/" || p == "/search" || strings.HasPrefix(p, "/locations"):
		return classSearch
	case strings.HasPrefix(p, "/api/v2/studies/") && !strings.Contains(p[len("/api/v2/studies/"):], "/") &&
		!isAPIDocument(p), strings.HasPrefix(p, "/study/"):
		return classRecord
	}
	return ""
}

func isAPIDocument(p string) bool {
	switch strings.TrimPrefix(p, "/api/v2/studies/") {
	case "enums", "search-areas", "metadata":
		return true
	}
	return false
}

// admit applies admission control.
func (s *Server) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.classes[classify(r)]
		if c == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !c.acquire(r.Context()) {
			s.metrics.shed.WithLabelValues(c.name).Inc()
			s.busy(w, r)
			return
		}
		defer c.release()
		next.ServeHTTP(w, r)
	})
}

func (c *class) acquire(ctx context.Context) bool {
	select {
	case c.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case c.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (c *class) release() { <-c.slots }

// busy answers a shed request: JSON for the API, a page for a browser.
func (s *Server) busy(w http.ResponseWriter, r *http.Request) {
	const msg = "the server is busy with requests like this one; try again in a moment"
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.api.WriteError(w, r, &api.UnavailableError{Msg: msg, RetryAfter: retryAfter})
		return
	}
	writePage(w, busyPage, retryAfter)
}
