package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPrivateAndHardened runs one server and checks: the access log
// holds no submitted query, place, note or client address; absolute links
// come from the base URL, not the Host header; the metrics' method label
// takes only known methods.
func TestPrivateAndHardened(t *testing.T) {
	var logs syncBuffer
	base, _, _, _ := startServer(t, sample(60), 0, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.BaseURL = "https://trials.example.org"
	})
	waitHealthy(t, base)
	secrets := []string{"zebrafishoma", "Quahog", "Xylophone Street", "ECOG 3 with nephrotic"}
	for _, path := range []string{
		"/search?cond=zebrafishoma&loc=Quahog",
		"/api/v2/studies?query.cond=zebrafishoma&query.locn=Quahog",
		"/api/v2/studies?query.term=" + strings.ReplaceAll(secrets[2], " ", "+"),
		"/study/NCT99999999?near=Quahog",
	} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	res, err := http.Post(base+"/api/match", "application/json", strings.NewReader(`{"note": "62 year old with zebrafishoma, ECOG 3 with nephrotic syndrome, lives on Xylophone Street"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	// Absolute links come from the base URL whatever Host says.
	req, _ := http.NewRequest(http.MethodGet, base+"/search/feed?cond=asthma", nil)
	req.Host = "evil.example"
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(feed, []byte("https://trials.example.org/search")) || bytes.Contains(feed, []byte("evil.example")) {
		t.Errorf("feed links: %.600s", feed)
	}

	// An invented method is counted as "other".
	req, _ = http.NewRequest("BREWCOFFEE", base+"/api/v2/version", nil)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("BREWCOFFEE: %d", res.StatusCode)
	}
	code, metrics := getBody(t, base+"/metrics")
	if code != http.StatusOK || bytes.Contains(metrics, []byte("BREWCOFFEE")) || !bytes.Contains(metrics, []byte(`method="other"`)) {
		t.Errorf("metrics method labels: %d, %s", code, grepLines(metrics, "trialfinder_http_requests_total"))
	}

	all := logs.String()
	log := grepLines([]byte(all), `"msg":"request"`)
	if !strings.Contains(log, `"route":"GET /api/v2/studies"`) || !strings.Contains(log, `"route":"POST /api/match"`) {
		t.Errorf("the access log lacks routes:\n%.2000s", log)
	}
	if strings.Contains(log, "127.0.0.1") {
		t.Error("the access log holds client addresses")
	}
	for _, s := range append(secrets, "cond=", "query.") {
		if strings.Contains(all, s) {
			t.Errorf("the log holds %q", s)
		}
	}
}

func grepLines(b []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestClientIPOnlyWhenAsked: the operator's flag adds the address; the
// forwarded one counts only behind a trusted proxy.
func TestClientIPOnlyWhenAsked(t *testing.T) {
	for _, c := range []struct {
		trust bool
		want  string
	}{{false, "192.0.2.7"}, {true, "198.51.100.9"}} {
		s := idleServer(t, func(cfg *Config) { cfg.LogClientIP, cfg.TrustProxy = true, c.trust })
		req, _ := http.NewRequest(http.MethodGet, "/x", nil)
		req.RemoteAddr = "192.0.2.7:5555"
		req.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.9")
		if got := s.clientIP(req); got != c.want {
			t.Errorf("trust proxy %v: client %q, want %q", c.trust, got, c.want)
		}
	}
}

func TestMetricsApart(t *testing.T) {
	base, _, _, _ := startServer(t, sample(20), 0, func(c *Config) { c.MetricsApart = true })
	waitHealthy(t, base)
	if code, body := getBody(t, base+"/metrics"); code != http.StatusNotFound || bytes.Contains(body, []byte("trialfinder_http_requests_total")) {
		t.Errorf("/metrics on the main address: %d", code)
	}
}
