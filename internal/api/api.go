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
	"sync"

	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Searcher gives the current search index; search.Engine implements it.
type Searcher interface {
	Index() *search.Index
}

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
	Searcher Searcher
	Records  Records
	Stats    StatsSource
	Logger   *slog.Logger // nil: slog.Default()
}

// API is the /api/v2/ handler.
type API struct {
	cfg    Config
	log    *slog.Logger
	fields *fieldTable
	ours   []byte // our OpenAPI document, YAML
	mux    *http.ServeMux

	sizeMu    sync.Mutex
	sizeIndex *search.Index // the index sizeStats was computed for
	sizeStats []byte
}

// Prefix is where the API is mounted.
const Prefix = "/api/v2/"

// New builds the API.
func New(cfg Config) (*API, error) {
	if cfg.Searcher == nil || cfg.Records == nil || cfg.Stats == nil {
		return nil, errors.New("api: Searcher, Records and Stats are required")
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
	a.mux = http.NewServeMux()
	a.Register(a.mux)
	return a, nil
}

// Register adds the API's routes to mux, so a server with one mux sees
// each route's pattern (for metrics).
func (a *API) Register(mux *http.ServeMux) {
	routes := []struct {
		pattern string
		h       handlerFunc
	}{
		{"GET /api/v2/studies", a.studies},
		{"GET /api/v2/studies/{nctId}", a.study},
		{"GET /api/v2/studies/enums", a.enums},
		{"GET /api/v2/studies/search-areas", a.searchAreas},
		{"GET /api/v2/stats/size", a.sizes},
		{"GET /api/v2/version", a.version},
		{"GET /api/v2/openapi.yaml", a.openAPI},
		{"/api/v2/", a.notFound},
	}
	for _, r := range routes {
		mux.Handle(r.pattern, a.adapt(r.h))
	}
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

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

// ErrorInfo says what went wrong.
type ErrorInfo struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// adapt maps a route's error to its status: the caller's mistakes to 400,
// a missing study to 404, anything else to a logged 500 whose message
// gives nothing away.
func (a *API) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var pe *paramError
		var ie *search.InvalidError
		var removed *study.RemovedError
		status, msg := http.StatusInternalServerError, "internal error"
		switch {
		case errors.As(err, &pe):
			status, msg = http.StatusBadRequest, pe.msg
		case errors.As(err, &ie):
			status, msg = http.StatusBadRequest, ie.Msg
		case errors.As(err, &removed):
			status, msg = http.StatusNotFound, removed.Error()
		case errors.Is(err, study.ErrNotFound):
			status, msg = http.StatusNotFound, "no study with this NCT ID"
		case errors.Is(err, errRoute):
			status, msg = http.StatusNotFound, "no such endpoint; see "+Prefix+"openapi.yaml"
		case r.Context().Err() != nil:
			// The client went away or the request timed out: nothing to
			// answer, and no fault of ours to log as one.
			a.log.Info("api request abandoned", "path", r.URL.Path, "err", err)
			status, msg = http.StatusServiceUnavailable, "request cancelled"
		default:
			a.log.Error("api request failed", "method", r.Method, "url", r.URL.String(), "err", err)
		}
		writeJSON(w, status, ErrorBody{ErrorInfo{Status: status, Message: msg}})
	})
}

var errRoute = errors.New("no such route")

func (a *API) notFound(http.ResponseWriter, *http.Request) error { return errRoute }

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
