package search

import (
	"context"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

var (
	storeIndexOnce sync.Once
	storeIndex     *Index
)

// benchIndex is the index the benchmarks run on: the bundled records, or
// with TRIALFINDER_BENCH_DB set, every study of that SQLite store (e.g. a
// full-size corpus from `trialfinder gencorpus` then `ingest`), built once
// however often the testing package calls the benchmark.
func benchIndex(b *testing.B) *Index {
	path := os.Getenv("TRIALFINDER_BENCH_DB")
	if path == "" {
		_, ix := loadDemo(b)
		return ix
	}
	storeIndexOnce.Do(func() { storeIndex = buildFromStore(b, path) })
	if storeIndex == nil {
		b.Fatal("building the index failed")
	}
	return storeIndex
}

func buildFromStore(b *testing.B, path string) *Index {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	ix, err := Build(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.Logf("built an index of %d studies in %v; heap in use %d MB", ix.Len(), time.Since(start).Round(time.Millisecond), m.HeapInuse>>20)
	return ix
}

// queryMix is the fixed set of searches the performance targets are
// measured on: one of each kind a user or script sends.
func queryMix(ix *Index) []struct {
	name string
	req  Request
} {
	recruiting := []string{"RECRUITING", "NOT_YET_RECRUITING"}
	deep := Request{Queries: []AreaQuery{{Area: "cond", Query: "cancer"}}, PageSize: 10}
	return []struct {
		name string
		req  Request
	}{
		{"common term", Request{Queries: []AreaQuery{{Area: "term", Query: "cancer"}}}},
		{"rare term", Request{Queries: []AreaQuery{{Area: "term", Query: "glaucoma"}}}},
		{"condition + status", Request{Queries: []AreaQuery{{Area: "cond", Query: "diabetes"}}, Filter: Filter{Statuses: recruiting}}},
		{"phrase", Request{Queries: []AreaQuery{{Area: "term", Query: `"breast cancer"`}}}},
		{"boolean", Request{Queries: []AreaQuery{{Area: "term", Query: "(asthma OR copd) AND NOT pediatric"}}}},
		{"geo 50 km + status", Request{Filter: Filter{Statuses: recruiting, Geo: &GeoFilter{Point: Point{Lat: 40.7128, Lon: -74.0060}, RadiusKm: 50}}, Sort: []SortKey{{Field: "distance"}}}},
		{"facets, broad", Request{Queries: []AreaQuery{{Area: "cond", Query: "cancer"}}, Facets: true}},
		{"NCT ID", Request{Queries: []AreaQuery{{Area: "id", Query: ix.nct[ix.n/2]}}}},
		{"deep page", deepPage(ix, deep, 20)},
	}
}

// deepPage returns req positioned at its page-th page.
func deepPage(ix *Index, req Request, page int) Request {
	for range page - 1 {
		res, err := ix.Search(req)
		if err != nil || res.NextPageToken == "" {
			break
		}
		req.PageToken = res.NextPageToken
	}
	return req
}

// BenchmarkQueryMix runs each search of the mix and reports latency
// percentiles across the whole mix.
//
//	TRIALFINDER_BENCH_DB=full.db go test -run XXX -bench QueryMix -benchtime 20x ./internal/search
func BenchmarkQueryMix(b *testing.B) {
	ix := benchIndex(b)
	mix := queryMix(ix)
	var all []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, q := range mix {
			start := time.Now()
			if _, err := ix.Search(q.req); err != nil {
				b.Fatalf("%s: %v", q.name, err)
			}
			all = append(all, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	for _, q := range mix {
		res, _ := ix.Search(q.req)
		start := time.Now()
		ix.Search(q.req)
		b.Logf("%-20s %8d hits  %v", q.name, res.Total, time.Since(start))
	}
}

func BenchmarkBuild(b *testing.B) {
	studies, _ := loadDemo(b)
	b.ResetTimer()
	for range b.N {
		bl := NewBuilder()
		for i := range studies {
			if err := bl.Add(&studies[i]); err != nil {
				b.Fatal(err)
			}
		}
		bl.Finish()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(studies)), "µs/study")
}
