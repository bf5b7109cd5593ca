package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trialfinder/trialfinder/internal/bench"
	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// peerLoadCommand is `loadgen peer-load --pg DSN CORPUS...`.
func peerLoadCommand(args []string) error {
	fs := flag.NewFlagSet("peer-load", flag.ContinueOnError)
	dsn := fs.String("pg", "", "the PostgreSQL DSN to (re)create the schema peer in (a server on this machine)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: loadgen peer-load --pg DSN CORPUS... (files, directories or archives of records, such as ctg-studies.json.zip)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" || fs.NArg() == 0 {
		fs.Usage()
		return errors.New("peer-load needs --pg and at least one corpus")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var sources []ingest.Source
	for _, p := range fs.Args() {
		sources = append(sources, ingest.Source{Path: p})
	}
	return loadPeer(ctx, *dsn, sources, os.Stderr, os.Stdout)
}

// peerCheckCommand is `loadgen peer-check --addr URL --pg DSN`.
func peerCheckCommand(args []string) error {
	fs := flag.NewFlagSet("peer-check", flag.ContinueOnError)
	addr := fs.String("addr", "http://127.0.0.1:8080", "base URL of our server (a loopback address)")
	dsn := fs.String("pg", "", "the PostgreSQL DSN holding the peer schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		return errors.New("peer-check needs --pg")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	h, err := newHTTP(*addr, 1)
	if err != nil {
		return err
	}
	mix, err := bench.Mix(ctx, h.get)
	if err != nil {
		return err
	}
	conns, err := openPeerConns(ctx, *dsn, 1)
	if err != nil {
		return err
	}
	defer conns.close()
	syn, err := conditionSynonyms()
	if err != nil {
		return err
	}
	_, err = checkCounts(ctx, os.Stdout, h.get, conns, mix, syn)
	return err
}

// conditionSynonyms are the synonyms our server searches a condition
// with, for the peer's query.cond.
func conditionSynonyms() (func(string) []string, error) {
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	return func(text string) []string {
		var out []string
		for _, s := range v.Expand(text) {
			out = append(out, s.Term)
		}
		return out
	}, nil
}

// runPeer checks the peer's counts against ours, then runs the mix as SQL
// against the peer and prints its report and the CPU it cost PostgreSQL.
func runPeer(ctx context.Context, dsn string, h *httpClient, mix []bench.Query, opt bench.Options) (*bench.Report, error) {
	syn, err := conditionSynonyms()
	if err != nil {
		return nil, err
	}
	stmts, err := peerMix(mix, syn)
	if err != nil {
		return nil, err
	}
	conns, err := openPeerConns(ctx, dsn, opt.Clients)
	if err != nil {
		return nil, err
	}
	defer conns.close()
	if _, err := checkCounts(ctx, os.Stdout, h.get, conns, mix, syn); err != nil {
		return nil, err
	}
	pid, err := postmasterPID(ctx, dsn)
	if err != nil {
		return nil, err
	}
	var cpu cpuMeter
	cpu.watch("loadgen", func() (float64, error) { return processCPU(os.Getpid()) })
	cpu.watch("PostgreSQL (the peer)", func() (float64, error) { return treeCPU(pid) })
	fmt.Printf("\nthe peer: the same mix as SQL, %d clients for %s against PostgreSQL (schema peer)\n", opt.Clients, opt.Duration)
	return measure(ctx, os.Stdout, conns.sender(stmts), mix, opt, &cpu)
}

// checkCounts prints, for each search of the mix and two searches by
// filters alone, how many studies ours and the peer find. Words are
// tokenised and ranked differently (PostgreSQL's English stemmer against
// our plural folding and spelling variants), so text searches differ
// somewhat; searches by filters alone must find the same studies, and a
// difference there is an error.
func checkCounts(ctx context.Context, w io.Writer, get bench.Getter, conns peerConns, mix []bench.Query, synonyms func(string) []string) ([]countResult, error) {
	type check struct{ kind, path string }
	var checks []check
	for _, q := range mix {
		if q.Kind != "lookup" {
			checks = append(checks, check{q.Kind, q.Paths[0]})
		}
	}
	checks = append(checks,
		check{"status only", "/api/v2/studies?filter.overallStatus=RECRUITING"},
		check{"geo only", "/api/v2/studies?" + url.Values{"filter.geo": {"distance(40.7128,-74.0060,50km)"}}.Encode()})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tours\tpeer\tpeer/ours\t")
	var different []string
	var results []countResult
	seen := map[string]bool{}
	for _, c := range checks {
		u, err := url.Parse(c.path)
		if err != nil {
			return nil, err
		}
		v := u.Query()
		v.Del("pageToken")
		v.Del("extensions")
		v.Del("countTotal")
		peerPath := u.Path + "?" + v.Encode()
		if seen[peerPath] {
			continue // deep-page searches what common does
		}
		seen[peerPath] = true
		st, err := peerSQL(peerPath, 1, synonyms)
		if err != nil {
			return nil, err
		}
		theirs, err := conns.count(ctx, st)
		if err != nil {
			return nil, fmt.Errorf("peer count for %s: %w", c.kind, err)
		}
		v.Set("countTotal", "true")
		v.Set("fields", "NCTId")
		v.Set("pageSize", "1")
		body, err := get(ctx, u.Path+"?"+v.Encode())
		if err != nil {
			return nil, err
		}
		var total struct {
			TotalCount int `json:"totalCount"`
		}
		if err := json.Unmarshal(body, &total); err != nil {
			return nil, fmt.Errorf("our count for %s: %w", c.kind, err)
		}
		results = append(results, countResult{kind: c.kind, ours: total.TotalCount, peer: theirs})
		note := ""
		if filtersOnly(v) {
			note = "filters only: equal"
			if theirs != total.TotalCount {
				note = "filters only: DIFFERENT"
				different = append(different, c.kind)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", c.kind, total.TotalCount, theirs, ratio(float64(theirs), float64(total.TotalCount)), note)
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	if len(different) > 0 {
		return nil, fmt.Errorf("the peer finds other studies than ours by filters alone: %s", strings.Join(different, ", "))
	}
	return results, nil
}

// countResult is how many studies ours and the peer find for one search.
type countResult struct {
	kind       string
	ours, peer int
}

// filtersOnly reports whether a search's parameters search no words.
func filtersOnly(v url.Values) bool {
	for k := range v {
		if strings.HasPrefix(k, "query.") {
			return false
		}
	}
	return true
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// compare prints the peer's latencies as multiples of ours, per kind, and
// the throughputs.
func compare(w io.Writer, ours, peer *bench.Report) error {
	fmt.Fprintln(w, "\npeer ÷ ours (latency: how many times longer the peer takes)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tp50 ours\tp50 peer\t×\tp95 ours\tp95 peer\t×\tp99 ours\tp99 peer\t×\t")
	peerKinds := map[string]*bench.Stats{}
	for _, st := range peer.Kinds {
		peerKinds[st.Kind] = st
	}
	peerKinds["overall"] = peer.Overall
	for _, o := range append(ours.Kinds, ours.Overall) {
		p := peerKinds[o.Kind]
		if p == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t", o.Kind)
		for _, pc := range []float64{50, 95, 99} {
			a, b := o.Percentile(pc), p.Percentile(pc)
			if len(p.Latencies) == 0 && p.Unfinished > 0 {
				// None finished: the longest wait is a lower bound.
				fmt.Fprintf(tw, "%s\t> %s\t> %s\t", ms(a), ms(p.Waited), ratio(float64(p.Waited), float64(a)))
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t", ms(a), ms(b), ratio(float64(b), float64(a)))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "throughput: ours %.1f requests/s, peer %.1f requests/s: ours ÷ peer %s (errors: ours %d, peer %d)\n",
		ours.Overall.RatePerSecond, peer.Overall.RatePerSecond,
		ratio(ours.Overall.RatePerSecond, peer.Overall.RatePerSecond), ours.Overall.Errors, peer.Overall.Errors)
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
