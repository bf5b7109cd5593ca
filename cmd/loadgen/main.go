// Command loadgen measures a running Trialfinder server with the fixed
// query mix of internal/bench: concurrent clients for a bounded time and
// number of requests, reporting requests per second, errors and
// p50/p95/p99 latency per kind of query and overall. It only talks to a
// server on this machine (a loopback address).
//
//	go run ./cmd/loadgen --addr http://127.0.0.1:8080 --clients 16 --duration 30s
//
// With --mixed the mix also holds exports (a fifth of the requests) and
// POST /api/match (a tenth), as a public server meets them; fast 503s of
// admission control are counted apart from errors, and the server's
// resident memory is sampled from its /metrics every second.
//
// With --paths it prints the mix's requests instead, for another load
// tool; scripts/wrk-mix.lua replays them with wrk.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/bench"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8080", "base URL of the server (a loopback address)")
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 30*time.Second, "how long to run (at most 10m)")
	maxRequests := flag.Int64("max-requests", 1_000_000, "stop after this many requests")
	mixed := flag.Bool("mixed", false, "add exports (20%) and POST /api/match (10%) to the search mix, and sample the server's RSS")
	paths := flag.Bool("paths", false, "print the mix's request paths in order, one per line, and exit (for other load tools, such as wrk with scripts/wrk-mix.lua)")
	flag.Parse()
	if err := run(*addr, *clients, *duration, *maxRequests, *mixed, *paths); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(addr string, clients int, duration time.Duration, maxRequests int64, mixed, printPaths bool) error {
	if clients < 1 || clients > 1024 || duration <= 0 || duration > 10*time.Minute || maxRequests < 1 {
		return errors.New("--clients must be 1 to 1024, --duration more than 0 and at most 10m, --max-requests at least 1")
	}
	base, err := loopbackURL(addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
	}
	get := func(ctx context.Context, path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, err
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %.200s", path, res.Status, body)
		}
		return body, nil
	}
	mix, err := bench.Mix(ctx, get)
	if err != nil {
		return err
	}
	if mixed {
		mix = bench.Mixed(mix)
	}
	if printPaths {
		for _, p := range bench.Paths(mix) {
			fmt.Println(p)
		}
		return nil
	}
	send := func(ctx context.Context, method, path, body string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return 0, err
		}
		return res.StatusCode, nil
	}
	fmt.Printf("%d clients for %s against %s\n", clients, duration, base)
	var rss *rssSampler
	if mixed {
		rss = sampleRSS(ctx, client, base)
	}
	rep := bench.Run(ctx, send, mix, bench.Options{Clients: clients, Duration: duration, MaxRequests: maxRequests})
	if err := rep.Write(os.Stdout); err != nil {
		return err
	}
	if rss != nil {
		rss.report(os.Stdout)
	}
	return nil
}

// rssSampler reads the server's process_resident_memory_bytes from its
// /metrics every second.
type rssSampler struct {
	mu      sync.Mutex
	samples []float64
}

func sampleRSS(ctx context.Context, client *http.Client, base string) *rssSampler {
	s := &rssSampler{}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if v, ok := readRSS(ctx, client, base); ok {
				s.mu.Lock()
				s.samples = append(s.samples, v)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func readRSS(ctx context.Context, client *http.Client, base string) (float64, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, false
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (s *rssSampler) report(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		fmt.Fprintln(w, "server RSS: no samples (is /metrics on this address?)")
		return
	}
	lo, hi := s.samples[0], s.samples[0]
	for _, v := range s.samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	fmt.Fprintf(w, "server RSS over %d samples: first %.0f MB, min %.0f MB, max %.0f MB, last %.0f MB\n",
		len(s.samples), s.samples[0]/1e6, lo/1e6, hi/1e6, s.samples[len(s.samples)-1]/1e6)
}

// loopbackURL checks that addr names this machine and returns it without
// a trailing slash.
func loopbackURL(addr string) (string, error) {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--addr %q: want a URL such as http://127.0.0.1:8080", addr)
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return "", fmt.Errorf("--addr %q: %s is not a loopback address; loadgen only measures a server on this machine", addr, ip)
		}
	}
	return u.Scheme + "://" + u.Host, nil
}
