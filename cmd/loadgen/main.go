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
//
// With --serve-pid (and --store-pg for a node on PostgreSQL) it reports
// the CPU each process used per request, read from /proc before and
// after the run.
//
// The peer is the same mix as plain SQL over PostgreSQL's own full-text
// search, as AACT users query ClinicalTrials.gov (see peer.go):
//
//	loadgen peer-load --pg postgres://127.0.0.1:5432/db ctg-studies.json.zip
//	loadgen --addr http://127.0.0.1:8080 --serve-pid PID --peer postgres://127.0.0.1:5432/db
//
// runs the mix against our server, checks that the peer finds what ours
// finds (peer-check alone does that), runs the mix as SQL with the same
// clients and duration, and prints each kind's latencies as a multiple
// of ours, and the CPU per request of the server and of PostgreSQL.
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
	if len(os.Args) > 1 {
		if cmd, ok := subcommands[os.Args[1]]; ok {
			if err := cmd(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, "loadgen:", err)
				os.Exit(1)
			}
			return
		}
	}
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "http://127.0.0.1:8080", "base URL of the server (a loopback address)")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients")
	flag.DurationVar(&cfg.duration, "duration", 30*time.Second, "how long to run (at most 10m)")
	flag.Int64Var(&cfg.maxRequests, "max-requests", 1_000_000, "stop after this many requests")
	flag.BoolVar(&cfg.mixed, "mixed", false, "add exports (20%) and POST /api/match (10%) to the search mix, and sample the server's RSS")
	flag.BoolVar(&cfg.paths, "paths", false, "print the mix's request paths in order, one per line, and exit (for other load tools, such as wrk with scripts/wrk-mix.lua)")
	flag.StringVar(&cfg.peer, "peer", "", "a PostgreSQL DSN holding the peer schema (loadgen peer-load): after the run against --addr, run the same mix as SQL there, with the same clients and duration, and print the ratio per kind")
	flag.BoolVar(&cfg.skipOurs, "skip-ours", false, "with --peer, run the peer only (--addr still prepares the mix)")
	flag.IntVar(&cfg.servePID, "serve-pid", 0, "the process ID of the server at --addr: report its CPU per request")
	flag.StringVar(&cfg.storePG, "store-pg", "", "the DSN of the PostgreSQL the server's store is on: report that PostgreSQL's CPU per request of our run")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// subcommands are the peer's tools; the load generator itself takes flags
// only.
var subcommands = map[string]func(args []string) error{
	"peer-load":  peerLoadCommand,
	"peer-check": peerCheckCommand,
}

type config struct {
	addr         string
	clients      int
	duration     time.Duration
	maxRequests  int64
	mixed, paths bool
	peer         string
	skipOurs     bool
	servePID     int
	storePG      string
}

func run(cfg config) error {
	if cfg.clients < 1 || cfg.clients > 1024 || cfg.duration <= 0 || cfg.duration > 10*time.Minute || cfg.maxRequests < 1 {
		return errors.New("--clients must be 1 to 1024, --duration more than 0 and at most 10m, --max-requests at least 1")
	}
	if cfg.peer != "" && cfg.mixed {
		return errors.New("--peer runs the search mix only, not --mixed")
	}
	if cfg.skipOurs && cfg.peer == "" {
		return errors.New("--skip-ours needs --peer")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	h, err := newHTTP(cfg.addr, cfg.clients)
	if err != nil {
		return err
	}
	mix, err := bench.Mix(ctx, h.get)
	if err != nil {
		return err
	}
	if cfg.mixed {
		mix = bench.Mixed(mix)
	}
	if cfg.paths {
		for _, p := range bench.Paths(mix) {
			fmt.Println(p)
		}
		return nil
	}
	opt := bench.Options{Clients: cfg.clients, Duration: cfg.duration, MaxRequests: cfg.maxRequests}
	var ours *bench.Report
	if !cfg.skipOurs {
		if ours, err = runOurs(ctx, cfg, h, mix, opt); err != nil {
			return err
		}
	}
	if cfg.peer == "" {
		return nil
	}
	peer, err := runPeer(ctx, cfg.peer, h, mix, opt)
	if err != nil || ours == nil {
		return err
	}
	return compare(os.Stdout, ours, peer)
}

func runOurs(ctx context.Context, cfg config, h *httpClient, mix []bench.Query, opt bench.Options) (*bench.Report, error) {
	var cpu cpuMeter
	cpu.watch("loadgen", func() (float64, error) { return processCPU(os.Getpid()) })
	if cfg.servePID != 0 {
		cpu.watch("serve", func() (float64, error) { return processCPU(cfg.servePID) })
	}
	if cfg.storePG != "" {
		pid, err := postmasterPID(ctx, cfg.storePG)
		if err != nil {
			return nil, err
		}
		cpu.watch("PostgreSQL (the store)", func() (float64, error) { return treeCPU(pid) })
	}
	fmt.Printf("%d clients for %s against %s\n", opt.Clients, opt.Duration, h.base)
	var rss *rssSampler
	if cfg.mixed {
		rss = sampleRSS(ctx, h.client, h.base)
	}
	rep, err := measure(ctx, os.Stdout, h.send, mix, opt, &cpu)
	if rss != nil {
		rss.report(os.Stdout)
	}
	return rep, err
}

// measure runs the mix and prints its report and the CPU it cost.
func measure(ctx context.Context, w io.Writer, send bench.Sender, mix []bench.Query, opt bench.Options, cpu *cpuMeter) (*bench.Report, error) {
	if err := cpu.start(); err != nil {
		return nil, err
	}
	rep := bench.Run(ctx, send, mix, opt)
	if err := rep.Write(w); err != nil {
		return nil, err
	}
	return rep, cpu.report(w, rep.Overall.Requests)
}

// httpClient sends the mix's requests to our server.
type httpClient struct {
	base   string
	client *http.Client
}

func newHTTP(addr string, clients int) (*httpClient, error) {
	base, err := loopbackURL(addr)
	if err != nil {
		return nil, err
	}
	return &httpClient{base: base, client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
	}}, nil
}

func (h *httpClient) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := h.client.Do(req)
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

func (h *httpClient) send(ctx context.Context, method, path, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	res, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
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
	if err := loopbackHost(u.Hostname()); err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	return u.Scheme + "://" + u.Host, nil
}

// loopbackHost checks that host is this machine: loadgen measures
// nothing else.
func loopbackHost(host string) error {
	ips, err := net.LookupIP(host)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address; loadgen only measures servers on this machine", ip)
		}
	}
	return nil
}
