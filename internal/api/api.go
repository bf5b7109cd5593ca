// Package api serves Trialfinder's ClinicalTrials.gov API v2-compatible
// JSON API under /api/v2/. The contract is the official OpenAPI document
// (openapi/ctgov-api-v2.0.5-openapi.yaml, embedded); every 200 response
// without our extensions validates against it. Our own document, served at
// /api/v2/openapi.yaml, is the official one plus an overlay applied in
// code (openapi.go): JSON error bodies, the distance sort, and the opt-in
// extensions (facets, searchDetails, hitInfo).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
)

// Records reads stored records; the stores implement it.
type Records interface {
	// AppendRaw appends the verbatim API v2 record of a canonical NCT ID
	// to dst, or returns an error wrapping study.ErrNotFound.
	AppendRaw(ctx context.Context, dst []byte, nctID string) ([]byte, error)
	// CanonicalID resolves an NCT ID or an obsolete alias.
	CanonicalID(ctx context.Context, id string) (string, error)
	// Each lists every stored study (for /stats/size).
	Each(ctx context.Context, fn func(study.Study) error) error
}

// StatsSource summarises the store (for /version).
type StatsSource interface {
	Stats(ctx context.Context) (study.Stats, error)
}

// Config is what the API is built from.
type Config struct {
	// Views gives the search index and matcher a request reads (see
	// view.Current.Pin); nil until the first ones are built.
	Views   view.Current
	Records Records
	Stats   StatsSource
	Logger  *slog.Logger // nil: slog.Default()
	// ExportLimit bounds the studies of one /studies/download (0: the
	// default ExportLimit).
	ExportLimit int
}

// API is the /api/v2/ handler.
type API struct {
	cfg    Config
	log    *slog.Logger
	fields *fieldTable
	ours   []byte // our OpenAPI document, YAML
	mux    *http.ServeMux
	known  *http.ServeMux // the routes alone, to find a path's methods

	sizeStats  perIndex[[]byte]
	fieldStats perIndex[*fieldStats]
}

// perIndex keeps a value computed from the whole store until the index,
// and so the data, changes: a pass over a full store takes minutes.
type perIndex[T any] struct {
	mu sync.Mutex
	ix *search.Index // the index v was computed for
	v  T
	ok bool
}

func (c *perIndex[T]) get(ix *search.Index, compute func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok || c.ix != ix {
		v, err := compute()
		if err != nil {
			return v, err
		}
		c.ix, c.v, c.ok = ix, v, true
	}
	return c.v, nil
}

// Prefix is where the API is mounted.
const Prefix = "/api/v2/"

// New builds the API.
func New(cfg Config) (*API, error) {
	if cfg.Views == nil || cfg.Records == nil || cfg.Stats == nil {
		return nil, errors.New("api: Views, Records and Stats are required")
	}
	a := &API{cfg: cfg, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	official, err := loadOfficial()
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if a.fields, err = newFieldTable(official); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if a.ours, err = ourDocument(); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	a.known = http.NewServeMux()
	for _, r := range a.routes() {
		a.known.Handle(r.method+" "+r.path, http.NotFoundHandler())
	}
	a.mux = http.NewServeMux()
	a.Register(a.mux)
	return a, nil
}

// routes are the API's paths and the handler of each method they serve.
func (a *API) routes() []route {
	return []route{
		{"/api/v2/studies", http.MethodGet, a.studies},
		{"/api/v2/studies/{nctId}", http.MethodGet, a.study},
		{"/api/v2/studies/enums", http.MethodGet, a.enums},
		{"/api/v2/studies/search-areas", http.MethodGet, a.searchAreas},
		{"/api/v2/studies/metadata", http.MethodGet, a.metadata},
		{"/api/v2/studies/download", http.MethodGet, a.download},
		{"/api/v2/stats/field/values", http.MethodGet, a.fieldValues},
		{"/api/v2/stats/field/sizes", http.MethodGet, a.fieldSizes},
		{"/api/v2/stats/size", http.MethodGet, a.sizes},
		{"/api/v2/version", http.MethodGet, a.version},
		{"/api/v2/openapi.yaml", http.MethodGet, a.openAPI},
		{"/api/match", http.MethodPost, a.match},
	}
}

type route struct {
	path, method string
	h            handlerFunc
}

// Register adds the API's routes to mux, so a server with one mux sees
// each route's pattern (for metrics). Anything else under /api/ is
// answered by unrouted: a 405 naming the methods a known path serves, or a
// JSON 404.
func (a *API) Register(mux *http.ServeMux) {
	for _, r := range a.routes() {
		mux.Handle(r.method+" "+r.path, a.adapt(r.h))
	}
	mux.Handle("/api/", a.adapt(a.unrouted))
}

// ServeHTTP serves the API on its own.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// handlerFunc is a route. It writes nothing when it returns an error, so
// the one adapter can answer with the right status.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// paramError is a request parameter the caller got wrong.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// methodError is a known path asked with a method it does not serve.
type methodError struct{ allow string }

func (e *methodError) Error() string { return "method not allowed" }

// UnavailableError is a request the server cannot take now (the data is
// still loading, or its class of work is at capacity); the client may
// retry after RetryAfter.
type UnavailableError struct {
	Msg        string
	RetryAfter time.Duration
}

func (e *UnavailableError) Error() string { return e.Msg }

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

// ErrorInfo says what went wrong.
type ErrorInfo struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// adapt answers a route's error with WriteError.
func (a *API) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Answers change only when the data does, every few minutes at
		// most; private, as a search says what someone looked for.
		w.Header().Set("Cache-Control", "private, max-age=60")
		if err := h(w, r); err != nil {
			a.WriteError(w, r, err)
		}
	})
}

// WriteError is the one place an error becomes a response, for the API
// and for the server's own JSON answers (starting, overload, panics): the
// caller's mistakes are 4xx with a message, a request that cannot be taken
// now a 503 with Retry-After, anything else a logged 500 whose message
// gives nothing away. The log names the route, never the query string,
// which holds what someone searched for.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		pe      *paramError
		ie      *search.InvalidError
		pre     *match.ProfileError
		me      *methodError
		ue      *UnavailableError
		mbe     *http.MaxBytesError
		removed *study.RemovedError
	)
	status, msg := http.StatusInternalServerError, "internal error"
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	// An error is not the file a download would have saved.
	w.Header().Del("Content-Disposition")
	switch {
	case errors.As(err, &pe):
		status, msg = http.StatusBadRequest, pe.msg
	case errors.As(err, &ie):
		status, msg = http.StatusBadRequest, ie.Msg
	case errors.As(err, &pre):
		status, msg = http.StatusBadRequest, pre.Error()
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", mbe.Limit)
	case errors.As(err, &me):
		w.Header().Set("Allow", me.allow)
		status, msg = http.StatusMethodNotAllowed, "use "+me.allow
	case errors.As(err, &ue):
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(ue.RetryAfter.Round(time.Second)/time.Second))))
		status, msg = http.StatusServiceUnavailable, ue.Msg
	case errors.As(err, &removed):
		status, msg = http.StatusNotFound, removed.Error()
	case errors.Is(err, errNoStats):
		status, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, study.ErrNotFound):
		status, msg = http.StatusNotFound, "no study with this NCT ID"
	case errors.Is(err, errRoute):
		status, msg = http.StatusNotFound, "no such endpoint; see "+Prefix+"openapi.yaml"
	case r.Context().Err() != nil:
		// The client went away or the request timed out: nothing to
		// answer, and no fault of ours to log as one.
		a.log.Info("api request abandoned", "route", r.Pattern, "err", err)
		w.Header().Set("Retry-After", "5")
		status, msg = http.StatusServiceUnavailable, "request cancelled"
	default:
		a.log.Error("api request failed", "method", r.Method, "route", r.Pattern, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, ErrorBody{ErrorInfo{Status: status, Message: msg}})
}

var errRoute = errors.New("no such route")

// unrouted tells a path the API serves with other methods from one it
// does not serve at all, by asking the routes table with each method.
func (a *API) unrouted(_ http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.known.Handler(probe); pattern != "" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) > 0 {
		return &methodError{allow: strings.Join(allow, ", ")}
	}
	return errRoute
}

// writeJSON writes v without escaping <, > and &, so records come back
// byte for byte.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"status":500,"message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeBody answers 200 with body.
func writeBody(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
