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
	// Body, when set, is POSTed to each path as JSON.
	Body string
	// Weight is how many turns of the mix's cycle the kind takes (0: one).
	Weight int
	// Page is the page number the Paths' pageToken stands for (0: the
	// first page), for a peer that pages by offset: the token is opaque.
	Page int
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
	return append(mix, Query{Kind: "deep-page", Paths: []string{search(deep)}, Page: deepPage}), nil
}

// matchProfile is the patient of the mixed load's /api/match requests.
const matchProfile = `{"age": 58, "sex": "female", "conditions": [{"text": "breast cancer"}], "ecog": 1, "location": {"lat": 42.36, "lon": -71.06}, "maxDistance": 500}`

// Mixed adds to a search mix the heavier work a public server meets:
// exports (CSV downloads of every match and 1,000-study CSV pages) a
// fifth of the requests, and POST /api/match a tenth; the searches and
// lookups keep the rest.
func Mixed(mix []Query) []Query {
	searchWeight := 7 // 7 of 10 turns per search kind: 70% in all
	out := make([]Query, 0, len(mix)+3)
	for _, q := range mix {
		q.Weight = searchWeight
		out = append(out, q)
	}
	n := len(mix) // each extra kind's weight, so that n*7 is 70% of 10n
	return append(out,
		Query{Kind: "export-download", Weight: n, Paths: []string{"/api/v2/studies/download?format=csv&query.cond=cancer&filter.overallStatus=RECRUITING"}},
		Query{Kind: "export-page", Weight: n, Paths: []string{"/api/v2/studies?format=csv&query.term=cancer&pageSize=1000"}},
		Query{Kind: "match", Weight: n, Paths: []string{"/api/match?limit=10"}, Body: matchProfile},
	)
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

// turn is one place of the mix's cycle: a kind, and which of its turns
// in the cycle it is.
type turn struct{ kind, nth int }

// schedule lists one cycle of the mix, each kind as often as its weight,
// interleaved so that a heavy kind does not come in bursts.
func schedule(mix []Query) []turn {
	var out []turn
	for round := 0; ; round++ {
		added := false
		for k, q := range mix {
			if round < max(q.Weight, 1) {
				out = append(out, turn{k, round})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// request returns the kind and path of a run's i-th request: the kinds
// in turn as the schedule has them, each cycling over its paths.
func request(mix []Query, sched []turn, i int) (kind int, path string) {
	t := sched[i%len(sched)]
	q := mix[t.kind]
	n := i/len(sched)*max(q.Weight, 1) + t.nth
	return t.kind, q.Paths[n%len(q.Paths)]
}

// Paths lists the requests of a run in the order Run sends them, up to
// the point where the sequence repeats: for driving another load tool
// (such as wrk, see scripts/wrk-mix.lua) with the same mix.
func Paths(mix []Query) []string {
	turns := 0
	for _, q := range mix {
		turns = max(turns, len(q.Paths))
	}
	sched := schedule(mix)
	out := make([]string, turns*len(sched))
	for i := range out {
		_, out[i] = request(mix, sched, i)
	}
	return out
}

// Options bound a run.
type Options struct {
	Clients     int
	Duration    time.Duration
	MaxRequests int64 // 0: no limit but Duration
}

// Sender performs one request and returns its status, or an error for a
// transport failure (a refused or cut connection, a client timeout).
type Sender func(ctx context.Context, method, path, body string) (status int, err error)

// Stats are the results of one kind of query (or of all).
type Stats struct {
	Kind     string
	Requests int
	// Shed are the fast 503s of an overloaded server (not errors);
	// Errors everything else that is not a 200.
	Shed          int
	Errors        int
	FirstError    string
	Latencies     []time.Duration // admitted, successful requests, sorted
	RatePerSecond float64
	// Unfinished are requests the end of the run cut off, not counted
	// in Requests; Waited is the longest any of them had run. A kind so
	// slow that none of its requests finish shows only here.
	Unfinished int
	Waited     time.Duration
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
func Run(ctx context.Context, send Sender, mix []Query, opt Options) *Report {
	ctx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	type sample struct {
		kind   int
		took   time.Duration
		status int
		err    error
		cutOff bool
	}
	sched := schedule(mix)
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
				k, path := request(mix, sched, i)
				method := "GET"
				if mix[k].Body != "" {
					method = "POST"
				}
				t0 := time.Now()
				status, err := send(ctx, method, path, mix[k].Body)
				if err != nil && ctx.Err() != nil {
					// Cut off by the end of the run: not a failure, but how
					// long it had waited bounds its kind's latency.
					results[c] = append(results[c], sample{kind: k, took: time.Since(t0), cutOff: true})
					return
				}
				if err == nil && status != 200 && status != 503 {
					err = fmt.Errorf("%s %s: status %d", method, path, status)
				}
				results[c] = append(results[c], sample{kind: k, took: time.Since(t0), status: status, err: err})
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
				if s.cutOff {
					st.Unfinished++
					st.Waited = max(st.Waited, s.took)
					continue
				}
				st.Requests++
				if s.err == nil && s.status == 503 {
					st.Shed++
					continue
				}
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
	fmt.Fprintln(tw, "kind\trequests\tshed (503)\terrors\treq/s\tp50\tp95\tp99\tcut off (longest wait)\t")
	for _, st := range append(slices.Clone(r.Kinds), r.Overall) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%d (%s)\t\n", st.Kind, st.Requests, st.Shed, st.Errors, st.RatePerSecond,
			ms(st.Percentile(50)), ms(st.Percentile(95)), ms(st.Percentile(99)), st.Unfinished, ms(st.Waited))
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
