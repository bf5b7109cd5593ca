package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/api"
	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// startServer runs a real server on a loopback port over a new store,
// which seed fills (nil: the whole demo data, through SeedDemo).
func startServer(t *testing.T, seed func(*sqlite.Store) func(context.Context) error, refresh time.Duration, configure ...func(*Config)) (base string, st *sqlite.Store, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "serve.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored) // as the command composes it
	fill := SeedDemo(st, io.Discard)
	if seed != nil {
		fill = seed(st)
	}
	cfg := Config{
		Store:        st,
		Seed:         fill,
		RefreshEvery: refresh,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx, ln) }()
	t.Cleanup(cancel)
	return "http://" + ln.Addr().String(), st, cancel, errc
}

var errEnough = errors.New("enough records")

// sample stores the first n API v2 records of the demo data: the whole
// demo (with its legacy XML to convert) is slow to load under -race, and
// only TestServer needs it.
func sample(n int) func(*sqlite.Store) func(context.Context) error {
	return func(st *sqlite.Store) func(context.Context) error {
		return func(ctx context.Context) error {
			var batch []study.Study
			var sc ctgov.Scanner
			err := sc.ScanFS(ctx, demo.FS, demo.Files[0], func(e ctgov.Entry) error {
				s, err := ctgov.Decode(e)
				if err != nil {
					return err
				}
				if batch = append(batch, s); len(batch) == n {
					return errEnough
				}
				return nil
			})
			if !errors.Is(err, errEnough) {
				return fmt.Errorf("demo sample: %d records: %v", len(batch), err)
			}
			_, err = st.Upsert(ctx, batch)
			return err
		}
	}
}

func getBody(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// waitHealthy polls /healthz until it answers 200, checking that every
// answer before is a 503 saying the server is starting.
func waitHealthy(t *testing.T, base string) health {
	t.Helper()
	deadline := time.Now().Add(6 * time.Minute)
	for {
		code, body := getBody(t, base+"/healthz")
		var h health
		if err := json.Unmarshal(body, &h); err != nil {
			t.Fatalf("/healthz: %v: %s", err, body)
		}
		switch {
		case code == http.StatusOK:
			return h
		case code != http.StatusServiceUnavailable || h.Status != "starting":
			t.Fatalf("/healthz while starting: %d %s", code, body)
		case time.Now().After(deadline):
			t.Fatal("the server did not become healthy")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServer(t *testing.T) {
	base, _, cancel, done := startServer(t, nil, 0)
	h := waitHealthy(t, base)
	if h.Studies < 2000 || h.DataTimestamp == "" {
		t.Errorf("/healthz after loading the demo data: %+v", h)
	}

	code, body := getBody(t, base+"/api/v2/studies?query.cond=asthma&countTotal=true&pageSize=2")
	var page struct {
		TotalCount int               `json:"totalCount"`
		Studies    []json.RawMessage `json:"studies"`
	}
	if err := json.Unmarshal(body, &page); code != http.StatusOK || err != nil || page.TotalCount == 0 || len(page.Studies) != 2 {
		t.Fatalf("search: %d %v %.300s", code, err, body)
	}
	// Synonyms are wired: "heart attack" finds myocardial infarction studies.
	code, body = getBody(t, base+"/api/v2/studies?query.cond=heart+attack&countTotal=true&pageSize=1&extensions=searchDetails")
	if code != http.StatusOK || !strings.Contains(string(body), "Myocardial Infarction") {
		t.Errorf("query.cond=heart attack: no synonym expansion: %d %.500s", code, body)
	}
	if code, _ := getBody(t, base+"/api/v2/studies?sort=Nope"); code != http.StatusBadRequest {
		t.Errorf("bad sort: %d", code)
	}
	if code, body := getBody(t, base+"/"); code != http.StatusOK || !strings.Contains(string(body), "<html") {
		t.Errorf("website home: %d %.200s", code, body)
	}

	checkMatch(t, base)
	if code, body := getBody(t, base+"/locations"); code != http.StatusOK || !strings.Contains(string(body), "United States") {
		t.Errorf("trials by location: %d %.200s", code, body)
	}

	code, body = getBody(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`trialfinder_http_requests_total{code="200",method="GET",route="GET /api/v2/studies"} 2`,
		`trialfinder_http_requests_total{code="400",method="GET",route="GET /api/v2/studies"} 1`,
		`trialfinder_http_request_duration_seconds_count{code="200",route="GET /api/v2/studies"} 2`,
		fmt.Sprintf("trialfinder_index_studies %d", h.Studies),
		"trialfinder_index_build_duration_seconds ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// checkMatch checks that POST /api/match ranks recruiting studies with
// their criteria tables, and rejects what is not a profile.
func checkMatch(t *testing.T, base string) {
	t.Helper()
	post := func(body string) (int, []byte) {
		res, err := http.Post(base+"/api/match?limit=3", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	code, body := post(`{"age": 58, "sex": "female", "conditions": [{"text": "breast cancer"}], "location": {"place": "Boston"}}`)
	var r struct {
		Candidates int
		Hits       []struct {
			NCTID   string `json:"nctId"`
			Status  string
			Verdict string
			Rows    []json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &r); code != http.StatusOK || err != nil || len(r.Hits) == 0 || len(r.Hits) > 3 {
		t.Fatalf("/api/match: %d %v %.300s", code, err, body)
	}
	for _, h := range r.Hits {
		if !study.IsRecruiting(h.Status) || h.Verdict == "" || len(h.Rows) == 0 {
			t.Errorf("/api/match hit %s: status %s, verdict %q, %d criteria", h.NCTID, h.Status, h.Verdict, len(h.Rows))
		}
	}
	if code, body := post(`{"age": "old"}`); code != http.StatusBadRequest {
		t.Errorf("/api/match with a bad profile: %d %s", code, body)
	}
	if code, _ := getBody(t, base+"/api/match"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/match: %d", code)
	}
}

// TestShutdownFinishesInFlightRequests holds a large response half-read
// while the server is told to stop: the response must still arrive whole.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	base, _, cancel, done := startServer(t, sample(600), 0)
	waitHealthy(t, base)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A receive buffer smaller than the response (600 whole records, about
	// 10 MB) less the server's send buffer (at most 4 MB on Linux) makes
	// sure the server blocks writing it until it is read.
	conn.(*net.TCPConn).SetReadBuffer(64 << 10)
	fmt.Fprintf(conn, "GET /api/v2/studies?pageSize=1000 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
	br := bufio.NewReaderSize(conn, 64)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("status line %q: %v", status, err)
	}
	// The server is now writing a response of megabytes that the client
	// is not reading.
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with a request in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	res, err := http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader(status), br)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Studies []json.RawMessage `json:"studies"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || len(page.Studies) != 600 {
		t.Fatalf("in-flight response: %d studies, %v", len(page.Studies), err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after the last request finished")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

// TestIndexFollowsTheStore changes a stored record behind the server's
// back: the periodic check must notice and apply the change to the views.
func TestIndexFollowsTheStore(t *testing.T) {
	base, st, _, _ := startServer(t, sample(300), 100*time.Millisecond)
	waitHealthy(t, base)
	_, body := getBody(t, base+"/api/v2/studies?pageSize=1&fields=NCTId")
	var page struct {
		Studies []struct {
			ProtocolSection struct {
				IdentificationModule struct {
					NCTID string `json:"nctId"`
				} `json:"identificationModule"`
			} `json:"protocolSection"`
		} `json:"studies"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Studies) != 1 {
		t.Fatalf("first study: %v %s", err, body)
	}
	id := page.Studies[0].ProtocolSection.IdentificationModule.NCTID
	retitle(t, st, id, "Zyxwvutsrq Revised Title")
	deadline := time.Now().Add(time.Minute)
	for {
		_, body := getBody(t, base+"/api/v2/studies?query.titles=zyxwvutsrq&fields=NCTId")
		if strings.Contains(string(body), id) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index was not rebuilt after the store changed: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, body := getBody(t, base+"/healthz"); !strings.Contains(string(body), "2030-01-01") {
		t.Errorf("/healthz after the rebuild: %s", body)
	}
}

// retitle stores a newer version of study id with the given title.
func retitle(t *testing.T, st *sqlite.Store, id, title string) {
	t.Helper()
	ctx := context.Background()
	raw, err := st.AppendRaw(ctx, nil, id)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	ps := rec["protocolSection"].(map[string]any)
	ps["identificationModule"].(map[string]any)["briefTitle"] = title
	ps["statusModule"].(map[string]any)["lastUpdatePostDateStruct"] = map[string]any{"date": "2030-01-01", "type": "ACTUAL"}
	changed, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ctgov.DecodeV2(changed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Upsert(ctx, []study.Study{s}); err != nil {
		t.Fatal(err)
	}
}

// TestMemorySettings: once serving, the GC target is the configured one
// and the soft memory limit is finite and above the live heap.
func TestMemorySettings(t *testing.T) {
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	})
	base, _, _, _ := startServer(t, sample(50), time.Hour, func(c *Config) {
		c.GCPercent, c.MemoryHeadroom = 40, 0.5
	})
	waitHealthy(t, base)
	if got := debug.SetGCPercent(100); got != 40 {
		t.Errorf("GC percent %d, want 40", got)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if limit := debug.SetMemoryLimit(-1); limit == math.MaxInt64 || limit < int64(ms.HeapAlloc) {
		t.Errorf("memory limit %d with a live heap of %d, want about 1.5 times", limit, ms.HeapAlloc)
	}
}

// idleServer builds a server over an empty store without running it, so
// it stays in its starting state.
func idleServer(t *testing.T, configure ...func(*Config)) *Server {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "idle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range configure {
		c(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStartingPage: while the index is built, a browser gets a page that
// reloads itself and the API a JSON 503, both saying when to retry.
func TestStartingPage(t *testing.T) {
	s := idleServer(t)
	for _, c := range []struct{ path, contentType, says string }{
		{"/search?cond=asthma", "text/html", `http-equiv="refresh"`},
		{"/", "text/html", "starting"},
		{"/api/v2/studies?query.cond=asthma", "application/json", `"status":503`},
	} {
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), c.contentType) || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%s while starting: %d %v %.200s", c.path, rec.Code, rec.Header(), rec.Body)
		}
	}
}

func TestPanicIsA500(t *testing.T) {
	s := idleServer(t)
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	var body api.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusInternalServerError || body.Error.Status != 500 {
		t.Errorf("panicking handler: %d %s", rec.Code, rec.Body.Bytes())
	}
}

// TestRequestDeadline: a request's context ends at RequestTimeout, so a
// handler waiting on the store gives up rather than running on.
func TestRequestDeadline(t *testing.T) {
	s := &Server{cfg: Config{RequestTimeout: 50 * time.Millisecond}}
	var waited time.Duration
	var ctxErr error
	h := s.deadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		waited, ctxErr = time.Since(start), r.Context().Err()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if !errors.Is(ctxErr, context.DeadlineExceeded) || waited > 5*time.Second {
		t.Errorf("handler waited %v, context error %v; want the 50ms deadline", waited, ctxErr)
	}
}

// TestExportDeadline: an export streams for longer than a request may
// take; everything else keeps the request timeout.
func TestExportDeadline(t *testing.T) {
	s := &Server{cfg: Config{RequestTimeout: 50 * time.Millisecond, ExportTimeout: time.Hour}}
	for path, want := range map[string]time.Duration{"/api/v2/studies/download?format=csv": time.Hour, "/api/v2/studies?query.cond=x": 50 * time.Millisecond} {
		var left time.Duration
		s.deadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, _ := r.Context().Deadline()
			left = time.Until(d)
		})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
		if left > want || left < want/2 {
			t.Errorf("%s: %v left, want about %v", path, left, want)
		}
	}
}
