package server

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trialfinder/trialfinder/internal/api"
)

// metrics are the server's Prometheus metrics, in a registry of their own
// so that several servers (tests) do not collide.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	shed         *prometheus.CounterVec
	indexStudies prometheus.Gauge
	indexBuild   prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trialfinder_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trialfinder_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trialfinder_http_shed_total",
			Help: "Requests answered 503 because their class of work was at capacity, by class.",
		}, []string{"class"}),
		indexStudies: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trialfinder_index_studies",
			Help: "Studies in the current search index.",
		}),
		indexBuild: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "trialfinder_index_build_duration_seconds",
			Help: "How long the last search index build took.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.shed, m.indexStudies, m.indexBuild,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps the mux, outermost first: the request deadline; then
// metrics and logging, which read the route pattern the mux sets on the
// very request they pass it (so nothing between them may replace the
// request); then panic recovery; then, until the views are built, a 503
// for everything but /healthz and /metrics. Outside them all, the views
// the request reads throughout are pinned to its context.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	var h http.Handler = mux
	h = s.untilReady(h)
	h = s.admit(h)
	h = s.recoverPanics(h)
	h = s.observe(h)
	return s.current().Pin(s.deadline(h))
}

// deadline bounds each request by RequestTimeout through its context: the
// store's queries stop at it, and the API and website answer the error with
// a 503. Not http.TimeoutHandler, which copies every response into a buffer
// of its own: at full scale that copy was 40% of the server's allocations.
// The http.Server's WriteTimeout remains the backstop for a handler that
// ignores its context. An export streams for as long as its client takes
// to read tens of megabytes, so it gets ExportTimeout, and its write
// deadline is moved to match.
func (s *Server) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.RequestTimeout
		if classify(r) == classExport {
			limit = s.cfg.ExportTimeout
			// Not every ResponseWriter can (a test's recorder): then the
			// server's own deadline stands.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(limit + 5*time.Second))
		}
		ctx, cancel := context.WithTimeout(r.Context(), limit)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		code := strconv.Itoa(sw.status)
		method := knownMethod(r.Method)
		s.metrics.requests.WithLabelValues(route, method, code).Inc()
		s.metrics.latency.WithLabelValues(route, code).Observe(took.Seconds())
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		// The route pattern, never the URL: a query string or a path holds
		// what someone looked for.
		attrs := []any{"route", route, "status", sw.status, "bytes", sw.bytes, "took", took.Round(time.Microsecond)}
		if s.cfg.LogClientIP {
			attrs = append(attrs, "client", s.clientIP(r))
		}
		s.log.Log(r.Context(), level, "request", attrs...)
	})
}

// knownMethod keeps the metrics' method label to the methods HTTP
// defines: any other string a client sends would be a new series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}

// clientIP is the client's address: the peer's, or with TrustProxy the
// one the proxy appended to X-Forwarded-For (the last; earlier entries
// are the client's own claims).
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(hops[len(hops)-1]); ip != "" {
				return ip
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("panic serving request", "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
			if sw.status == 0 {
				s.api.WriteError(sw, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// startingPage is what a browser gets while the index is built (it
// reloads itself), busyPage when its request was shed (a reload would
// lose a form's answers); an API client gets a JSON 503 instead. Both are
// rendered once, from notice.html.
var (
	startingPage = noticePage("Starting",
		"The search index is being built. This page reloads itself every few seconds; it usually takes under a minute.", startingRetry)
	busyPage = noticePage("Busy",
		"Many people are searching right now. Please try again in a moment: reload this page, or go back and send the form again.", 0)
)

//go:embed notice.html
var noticeHTML string

var noticeTemplate = template.Must(template.New("notice").Funcs(template.FuncMap{"lower": strings.ToLower}).Parse(noticeHTML))

// noticePage renders a notice; refresh, if set, reloads it that often.
func noticePage(title, text string, refresh time.Duration) []byte {
	var b bytes.Buffer
	err := noticeTemplate.Execute(&b, struct {
		Title, Text string
		Refresh     int
	}{title, text, int(refresh / time.Second)})
	if err != nil {
		panic("server: notice page: " + err.Error())
	}
	return b.Bytes()
}

// writePage answers 503 with one of those pages.
func writePage(w http.ResponseWriter, page []byte, retry time.Duration) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(page)
}

const startingRetry = 5 * time.Second

func (s *Server) untilReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		starting := !s.ready.Load() || s.current().In(r.Context()) == nil
		if starting && r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.api.WriteError(w, r, &api.UnavailableError{Msg: "starting: the search index is being built", RetryAfter: startingRetry})
				return
			}
			writePage(w, startingPage, startingRetry)
			return
		}
		next.ServeHTTP(w, r)
	})
}
