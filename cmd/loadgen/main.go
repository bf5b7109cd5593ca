// Command loadgen measures a running Trialfinder server with the fixed
// query mix of internal/bench: concurrent clients for a bounded time and
// number of requests, reporting requests per second, errors and
// p50/p95/p99 latency per kind of query and overall. It only talks to a
// server on this machine (a loopback address).
//
//	go run ./cmd/loadgen --addr http://127.0.0.1:8080 --clients 16 --duration 30s
//
// With --paths it prints the mix's requests instead, for another load
// tool; scripts/wrk-mix.lua replays them with wrk.
package main

import (
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
	"time"

	"github.com/trialfinder/trialfinder/internal/bench"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8080", "base URL of the server (a loopback address)")
	clients := flag.Int("clients", 16, "concurrent clients")
	duration := flag.Duration("duration", 30*time.Second, "how long to run (at most 10m)")
	maxRequests := flag.Int64("max-requests", 1_000_000, "stop after this many requests")
	paths := flag.Bool("paths", false, "print the mix's request paths in order, one per line, and exit (for other load tools, such as wrk with scripts/wrk-mix.lua)")
	flag.Parse()
	if err := run(*addr, *clients, *duration, *maxRequests, *paths); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(addr string, clients int, duration time.Duration, maxRequests int64, printPaths bool) error {
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
	if printPaths {
		for _, p := range bench.Paths(mix) {
			fmt.Println(p)
		}
		return nil
	}
	fmt.Printf("%d clients for %s against %s\n", clients, duration, base)
	rep := bench.Run(ctx, get, mix, bench.Options{Clients: clients, Duration: duration, MaxRequests: maxRequests})
	return rep.Write(os.Stdout)
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
