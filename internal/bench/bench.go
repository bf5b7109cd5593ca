// Package bench is the load generator's query mix and runner: a fixed set
// of API requests that stands for the search traffic Trialfinder serves,
// run by concurrent clients for a bounded time and count, reporting
// throughput, errors and latency percentiles per kind of query.
//
// The mix, one request of each kind in turn:
//
//	common    query.term=cancer                    (a broad term: hundreds of hits in the demo, a quarter of the full corpus)
//	rare      query.term=narcolepsy                (a term with a handful of hits)
//	cond+status  query.cond=diabetes, filter.overallStatus=RECRUITING (synonym expansion plus a filter)
//	phrase    query.term="breast cancer"
//	boolean   query.term=(asthma OR copd) AND NOT pediatric
//	geo       50 km around New York City, recruiting or not yet recruiting, sorted by distance
//	facets    query.term=cancer with extensions=facets and countTotal=true
//	lookup    GET /api/v2/studies/{id}, cycling over 1,000 real IDs
//	deep-page query.term=cancer page 20 (of 10 studies), reached with the token of page 19
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Query is one kind of request in the mix.
type Query struct {
	Kind string
	// Paths are requested in turn (lookup cycles over many IDs; the others
	// have one).
	Paths []string
}

// Getter performs one GET of an API path ("/api/v2/studies?...") and
// returns the body, or an error for a transport failure or a non-200
// status.
type Getter func(ctx context.Context, path string) ([]byte, error)

const deepPage = 20

// Mix prepares the query mix against a running API: it fetches the IDs
// for lookups and walks to page 20 for the deep-page token.
func Mix(ctx context.Context, get Getter) ([]Query, error) {
	search := func(q url.Values) string { return "/api/v2/studies?" + q.Encode() }
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	mix := []Query{
		{Kind: "common", Paths: []string{search(v("query.term", "cancer"))}},
		{Kind: "rare", Paths: []string{search(v("query.term", "narcolepsy"))}},
		{Kind: "cond+status", Paths: []string{search(v("query.cond", "diabetes", "filter.overallStatus", "RECRUITING"))}},
		{Kind: "phrase", Paths: []string{search(v("query.term", `"breast cancer"`))}},
		{Kind: "boolean", Paths: []string{search(v("query.term", "(asthma OR copd) AND NOT pediatric"))}},
		{Kind: "geo", Paths: []string{search(v("filter.geo", "distance(40.7128,-74.0060,50km)",
			"filter.overallStatus", "RECRUITING|NOT_YET_RECRUITING", "sort", "distance"))}},
		{Kind: "facets", Paths: []string{search(v("query.term", "cancer", "extensions", "facets", "countTotal", "true"))}},
	}
	ids, err := lookupIDs(ctx, get, search(v("fields", "NCTId", "pageSize", "1000")))
	if err != nil {
		return nil, err
	}
	var lookups []string
	for _, id := range ids {
		lookups = append(lookups, "/api/v2/studies/"+id)
	}
	mix = append(mix, Query{Kind: "lookup", Paths: lookups})
	deep := v("query.term", "cancer", "fields", "NCTId")
	for page := 1; page < deepPage; page++ {
		p, err := fetchPage(ctx, get, search(deep))
		if err != nil {
			return nil, err
		}
		if p.NextPageToken == "" {
			return nil, fmt.Errorf("bench: query.term=cancer has fewer than %d pages", deepPage)
		}
		deep.Set("pageToken", p.NextPageToken)
	}
	deep.Del("fields") // the measured request asks for whole records, as the others do
	return append(mix, Query{Kind: "deep-page", Paths: []string{search(deep)}}), nil
}

type page struct {
	Studies []struct {
		ProtocolSection struct {
			IdentificationModule struct {
				NCTID string `json:"nctId"`
			} `json:"identificationModule"`
		} `json:"protocolSection"`
	} `json:"studies"`
	NextPageToken string `json:"nextPageToken"`
}

func fetchPage(ctx context.Context, get Getter, path string) (page, error) {
	var p page
	body, err := get(ctx, path)
	if err != nil {
		return p, fmt.Errorf("bench: prepare: %w", err)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("bench: prepare %s: %w", path, err)
	}
	return p, nil
}

func lookupIDs(ctx context.Context, get Getter, path string) ([]string, error) {
	p, err := fetchPage(ctx, get, path)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range p.Studies {
		ids = append(ids, s.ProtocolSection.IdentificationModule.NCTID)
	}
	if len(ids) == 0 {
		return nil, errors.New("bench: the server has no studies")
	}
	return ids, nil
}

// request returns the kind and path of a run's i-th request: the kinds
// in turn, each cycling over its paths.
func request(mix []Query, i int) (kind int, path string) {
	kind = i % len(mix)
	q := mix[kind]
	return kind, q.Paths[(i/len(mix))%len(q.Paths)]
}

// Paths lists the requests of a run in the order Run sends them, up to
// the point where the sequence repeats: for driving another load tool
// (such as wrk, see scripts/wrk-mix.lua) with the same mix.
func Paths(mix []Query) []string {
	turns := 0
	for _, q := range mix {
		turns = max(turns, len(q.Paths))
	}
	out := make([]string, turns*len(mix))
	for i := range out {
		_, out[i] = request(mix, i)
	}
	return out
}

// Options bound a run.
type Options struct {
	Clients     int
	Duration    time.Duration
	MaxRequests int64 // 0: no limit but Duration
}

// Stats are the results of one kind of query (or of all).
type Stats struct {
	Kind          string
	Requests      int
	Errors        int
	FirstError    string
	Latencies     []time.Duration // successful requests, sorted
	RatePerSecond float64
}

// Percentile returns the p-th percentile latency (0 < p ≤ 100).
func (s *Stats) Percentile(p float64) time.Duration {
	if len(s.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(s.Latencies))*p/100+0.5) - 1
	return s.Latencies[min(max(i, 0), len(s.Latencies)-1)]
}

// Report is a run's results: per kind, in mix order, then Overall.
type Report struct {
	Kinds   []*Stats
	Overall *Stats
	Elapsed time.Duration
}

// Run sends the mix from opt.Clients concurrent clients, each going
// through the kinds in turn from a different starting point, until
// opt.Duration passes, opt.MaxRequests have been sent, or ctx ends.
func Run(ctx context.Context, get Getter, mix []Query, opt Options) *Report {
	ctx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	type sample struct {
		kind int
		took time.Duration
		err  error
	}
	var sent atomic.Int64
	results := make([][]sample, opt.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range opt.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; ; i++ {
				if ctx.Err() != nil || (opt.MaxRequests > 0 && sent.Add(1) > opt.MaxRequests) {
					return
				}
				k, path := request(mix, i)
				t0 := time.Now()
				_, err := get(ctx, path)
				if err != nil && ctx.Err() != nil {
					return // cut off by the end of the run, not a failure
				}
				results[c] = append(results[c], sample{k, time.Since(t0), err})
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	rep := &Report{Overall: &Stats{Kind: "overall"}, Elapsed: elapsed}
	for _, q := range mix {
		rep.Kinds = append(rep.Kinds, &Stats{Kind: q.Kind})
	}
	for _, rs := range results {
		for _, s := range rs {
			for _, st := range []*Stats{rep.Kinds[s.kind], rep.Overall} {
				st.Requests++
				if s.err != nil {
					st.Errors++
					if st.FirstError == "" {
						st.FirstError = s.err.Error()
					}
					continue
				}
				st.Latencies = append(st.Latencies, s.took)
			}
		}
	}
	for _, st := range append(slices.Clone(rep.Kinds), rep.Overall) {
		slices.Sort(st.Latencies)
		st.RatePerSecond = float64(st.Requests) / elapsed.Seconds()
	}
	return rep
}

// Write prints the report as a table.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\trequests\terrors\treq/s\tp50\tp95\tp99\t")
	for _, st := range append(slices.Clone(r.Kinds), r.Overall) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t\n", st.Kind, st.Requests, st.Errors, st.RatePerSecond,
			ms(st.Percentile(50)), ms(st.Percentile(95)), ms(st.Percentile(99)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var errs []string
	for _, st := range r.Kinds {
		if st.FirstError != "" {
			errs = append(errs, st.Kind+": "+st.FirstError)
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		fmt.Fprintf(w, "first error of each failing kind:\n  %s\n", strings.Join(errs, "\n  "))
	}
	_, err := fmt.Fprintf(w, "%d requests in %s\n", r.Overall.Requests, r.Elapsed.Round(time.Millisecond))
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
