package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// startServer runs a real server on a loopback port over a new store that
// it seeds with the demo data.
func startServer(t *testing.T) (base string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "serve.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := New(Config{
		Store:  st,
		Seed:   SeedDemo(st, io.Discard),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
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
	return "http://" + ln.Addr().String(), cancel, errc
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
	deadline := time.Now().Add(3 * time.Minute)
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
	base, cancel, done := startServer(t)
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

// TestShutdownFinishesInFlightRequests holds a large response half-read
// while the server is told to stop: the response must still arrive whole.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	base, cancel, done := startServer(t)
	waitHealthy(t, base)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
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
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || len(page.Studies) != 1000 {
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
