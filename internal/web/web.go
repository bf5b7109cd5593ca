// Package web is the website patients and caregivers use: search, trial
// pages, trials by location, a map of sites, a glossary, a trial's
// eligibility check ("Check if you may qualify") and "Find trials for a
// patient". Pages are rendered on the server with html/template and work
// without JavaScript; the small scripts only enhance (auto-submitting
// filters, "near me", the map). What a patient types is posted in form
// bodies, never put in URLs, and neither stored nor logged. Every asset
// is embedded and served under a content-hashed URL, and every response
// carries a strict Content-Security-Policy.
package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// StudySource reads studies; the stores implement it.
type StudySource interface {
	Study(ctx context.Context, nctID string) (study.Study, error)
	// CanonicalID returns the NCT ID an ID or obsolete alias names.
	CanonicalID(ctx context.Context, id string) (string, error)
	// Criteria parsed at ingest, where this parser version stored them.
	eligibility.Store
}

// Config is what the website needs.
type Config struct {
	// Views gives the search index, the gazetteer (which resolves place
	// names typed by readers and lists places to browse) and the matcher
	// ("Find trials for a patient") a request reads, all of one
	// generation of the data (see view.Current.Pin). It gives nil while
	// the data is still loading; pages then answer 503, as do those that
	// need a gazetteer or matcher a view lacks.
	Views   view.Current
	Studies StudySource
	// TileURL, if set, is a map tile template ("https://tile.example/{z}/{x}/{y}.png")
	// drawn under the bundled world outline for online deployments.
	TileURL string
	// BaseURL is the site's public address ("https://trials.example.org"),
	// the start of every absolute link (feeds, JSON-LD); never taken from
	// a request's Host header, which its sender chooses. Default
	// DefaultBaseURL.
	BaseURL string
	Logger  *slog.Logger
	// History, if set, gives each trial's "History of changes" and feed,
	// and says on the home page how current the data is.
	History HistorySource
}

// DefaultBaseURL is the base URL of a site run on this machine.
const DefaultBaseURL = "http://localhost:8080"

type site struct {
	cfg    Config
	log    *slog.Logger
	pages  map[string]*template.Template
	assets *assets
	csp    string
	words  search.Dictionary // spellings for "Did you mean"
}

// New returns the website's handler, to be mounted at "/".
func New(cfg Config) (http.Handler, error) {
	if cfg.Views == nil || cfg.Studies == nil {
		return nil, errors.New("web: Config.Views and Config.Studies are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BaseURL = strings.TrimSuffix(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/")
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("web: base URL %q: want a URL such as https://trials.example.org", cfg.BaseURL)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &site{cfg: cfg, log: cfg.Logger, assets: a, words: v.Word}
	s.csp, err = policy(cfg.TileURL)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.pages, err = parseTemplates(a); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.home))
	mux.Handle("GET /search", s.handle(s.search))
	mux.Handle("GET /search/feed", s.handle(s.feed))
	mux.Handle("GET /study/{id}", s.handle(s.study))
	mux.Handle("GET /study/{id}/feed", s.handle(s.studyFeed))
	mux.Handle("GET /study/{id}/check", s.handle(s.checkForm))
	mux.Handle("POST /study/{id}/check", s.handle(s.postOnly(s.checkAnswers)))
	mux.Handle("GET /match", s.handle(s.matchForm))
	mux.Handle("POST /match", s.handle(s.postOnly(s.matchPost)))
	mux.Handle("GET /locations", s.handle(s.locations))
	mux.Handle("GET /locations/{country}", s.handle(s.country))
	mux.Handle("GET /glossary", s.handle(s.glossary))
	mux.Handle("GET /static/{file...}", a)
	mux.Handle("/", s.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	return s.secure(mux), nil
}

// policy builds the Content-Security-Policy: scripts and styles only from
// this site (the JSON-LD block carries the per-request nonce), images also
// from the tile server when one is configured.
func policy(tileURL string) (string, error) {
	img := "'self' data:"
	if tileURL != "" {
		u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(tileURL))
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return "", fmt.Errorf("tile URL %q: want an absolute http(s) URL template", tileURL)
		}
		host := u.Host
		if strings.Contains(tileURL, "{s}") {
			_, rest, _ := strings.Cut(host, ".")
			host = "*." + rest
		}
		img += " " + u.Scheme + "://" + host
	}
	return "default-src 'none'; script-src 'self' 'nonce-" + noncePlaceholder + "'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; manifest-src 'self'", nil
}

type nonceKey struct{}

// noncePlaceholder stands in the policy for each response's nonce.
const noncePlaceholder = "{nonce}"

// secure sets the security headers every response carries.
func (s *site) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		rand.Read(b[:])
		nonce := base64.StdEncoding.EncodeToString(b[:])
		h := w.Header()
		h.Set("Content-Security-Policy", strings.Replace(s.csp, noncePlaceholder, nonce, 1))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=(), usb=()")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	})
}

// errNotFound is returned for paths and pages that do not exist.
var errNotFound = errors.New("page not found")

// redirect is returned by a handler that answers with a redirect.
type redirect struct {
	to   string
	code int
}

func (r *redirect) Error() string { return "redirect to " + r.to }

// handle adapts a handler that returns an error: not found → 404 page,
// a request the search refuses → 400 page with its message, data still
// loading → 503 page, anything else → logged 500 page. Only the method,
// the path and the error are logged: never a query or a form, which may
// hold what a patient typed.
func (s *site) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var rd *redirect
		if errors.As(err, &rd) {
			http.Redirect(w, r, rd.to, rd.code)
			return
		}
		var inv *search.InvalidError
		var pe *pageError
		switch {
		case errors.Is(err, errNotFound), errors.Is(err, study.ErrNotFound):
			pe = &pageError{Code: http.StatusNotFound, Title: "Page not found",
				Message: "We could not find that page or trial. Check the address, or search for trials."}
		case errors.As(err, &inv):
			pe = &pageError{Code: http.StatusBadRequest, Title: "We could not run that search", Message: inv.Msg}
		case errors.Is(err, errLoading):
			w.Header().Set("Retry-After", "30")
			pe = &pageError{Code: http.StatusServiceUnavailable, Title: "Still loading the trial data",
				Message: "Trialfinder has just started and is still loading the trial records. This takes a minute or two: please try again shortly."}
		case errors.As(err, &pe):
		case r.Context().Err() != nil:
			// The reader went away or the request ran past its deadline.
			pe = &pageError{Code: http.StatusServiceUnavailable, Title: "This took too long",
				Message: "Trialfinder is busy and could not answer in time. Please try again in a moment."}
		default:
			s.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			pe = &pageError{Code: http.StatusInternalServerError, Title: "Something went wrong",
				Message: "The page could not be shown. Please try again in a moment."}
		}
		if err := s.render(w, r, pe.Code, "error", pe.Title, pe); err != nil {
			s.log.Error("render error page", "err", err)
		}
	})
}

// pageError is an error shown to the reader as a status page.
type pageError struct {
	Code    int
	Title   string
	Message string
}

func (e *pageError) Error() string { return e.Message }

// layout is what every page's frame needs.
type layout struct {
	Title   string
	Nonce   string
	Nav     string // which top-level section is current
	Content any
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, code int, page, title string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	nonce, _ := r.Context().Value(nonceKey{}).(string)
	lay := layout{Title: title, Nonce: nonce, Nav: page, Content: data}
	if err := t.ExecuteTemplate(buf, "layout", lay); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(code)
	_, err := w.Write(buf.Bytes())
	return err
}

// errLoading is returned by pages that need a view of the data the
// server is still building.
var errLoading = errors.New("the trial data is still loading")

// view returns the views the request reads, errLoading while there are
// none.
func (s *site) view(ctx context.Context) (*view.View, error) {
	if v := s.cfg.Views.In(ctx); v != nil {
		return v, nil
	}
	return nil, errLoading
}

// places returns the request's gazetteer, errLoading while there is none.
func (s *site) places(ctx context.Context) (*gazetteer.Gazetteer, error) {
	v := s.cfg.Views.In(ctx)
	if v == nil || v.Places == nil {
		return nil, errLoading
	}
	return v.Places, nil
}

// matcher returns the request's matcher, errLoading while there is none.
func (s *site) matcher(ctx context.Context) (*match.Matcher, error) {
	v := s.cfg.Views.In(ctx)
	if v == nil || v.Matcher == nil {
		return nil, errLoading
	}
	return v.Matcher, nil
}
