package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
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
	return storeIndex(b)
}

var storeIndex = demotest.Once(func(b testing.TB) *Index {
	return buildFromStore(b, os.Getenv("TRIALFINDER_BENCH_DB"))
})

func buildFromStore(b testing.TB, path string) *Index {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	var ix *Index
	if limit, _ := strconv.Atoi(os.Getenv("TRIALFINDER_BENCH_LIMIT")); limit > 0 {
		ix = buildFirst(ctx, b, st, limit)
	} else if ix, err = Build(ctx, st); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	// What a server does once its index is built: return the builder's
	// garbage to the system, so that RSS shows what serving needs.
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// Printed rather than logged: a benchmark with sub-benchmarks drops its log.
	fmt.Printf("built an index of %d studies in %v; heap in use %d MB, RSS %s; %d posting lists, %d MB of postings, %d broad terms precomputed in %d MB, %d site points\n",
		ix.Len(), took.Round(time.Millisecond), m.HeapInuse>>20, rss(), len(ix.listKeys), len(ix.arena)>>20, len(ix.broad), len(ix.broadArena)>>20, len(ix.sites.pointLat))
	return ix
}

// rss returns the process's resident set size as Linux reports it.
func rss() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// buildFirst indexes only the first limit studies of src, for profiling
// at an intermediate scale without a store of that size
// (TRIALFINDER_BENCH_LIMIT).
func buildFirst(ctx context.Context, b testing.TB, src Source, limit int) *Index {
	errEnough := errors.New("enough studies")
	bl := NewBuilder()
	n := 0
	err := src.Each(ctx, func(s study.Study) error {
		if n == limit {
			return errEnough
		}
		n++
		return bl.Add(&s)
	})
	if err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	return bl.Finish()
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
		{"NCT ID", Request{Queries: []AreaQuery{{Area: "id", Query: ix.nctAt(uint32(ix.n / 2))}}}},
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
// percentiles across the whole mix and per kind: on the plain index, and
// expanding condition terms through the MeSH vocabulary as the server does.
//
//	TRIALFINDER_BENCH_DB=full.db go test -run XXX -bench QueryMix -benchtime 20x ./internal/search
func BenchmarkQueryMix(b *testing.B) {
	for name, ix := range benchIndexes(b) {
		b.Run(name, func(b *testing.B) { runMix(b, ix) })
	}
}

// benchIndexes yields the bench index plain and with synonyms.
func benchIndexes(b *testing.B) func(yield func(string, *Index) bool) {
	return func(yield func(string, *Index) bool) {
		ix := benchIndex(b)
		if !yield("plain", ix) {
			return
		}
		v, err := vocab.Load()
		if err != nil {
			b.Fatal(err)
		}
		if !yield("synonyms", ix.WithSynonyms(func(text string) []Synonym {
			var out []Synonym
			for _, s := range v.Expand(text) {
				out = append(out, Synonym{Text: s.Term, Source: s.Source})
			}
			return out
		})) {
			return
		}
		// What searches cost on segments, after a sync of 1,000 studies.
		applied, err := ix.Apply(benchChanges(b, ix))
		if err != nil {
			b.Fatal(err)
		}
		yield("applied", applied)
	}
}

func runMix(b *testing.B, ix *Index) {
	mix := queryMix(ix)
	var all []time.Duration
	each := make([][]time.Duration, len(mix))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		for i, q := range mix {
			start := time.Now()
			if _, err := ix.Search(q.req); err != nil {
				b.Fatalf("%s: %v", q.name, err)
			}
			took := time.Since(start)
			all = append(all, took)
			each[i] = append(each[i], took)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	// Bytes allocated per search rather than per op: an op is the whole mix.
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(len(all)), "B/search")
	b.ReportMetric(percentileMs(all, 0.50), "p50-ms")
	b.ReportMetric(percentileMs(all, 0.95), "p95-ms")
	b.ReportMetric(percentileMs(all, 0.99), "p99-ms")
	unit := strings.NewReplacer(" ", "-", ",", "", "+", "and")
	for i, q := range mix {
		b.ReportMetric(percentileMs(each[i], 0.50), unit.Replace(q.name)+"-p50-ms")
		b.ReportMetric(percentileMs(each[i], 0.95), unit.Replace(q.name)+"-p95-ms")
	}
}

// percentileMs sorts ds and returns its p-quantile in milliseconds.
func percentileMs(ds []time.Duration, p float64) float64 {
	slices.Sort(ds)
	return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000
}

// BenchmarkQuery runs each search of the mix on its own, for profiling one
// kind at a time (-bench 'Query/geo').
func BenchmarkQuery(b *testing.B) {
	for name, ix := range benchIndexes(b) {
		for _, q := range queryMix(ix) {
			b.Run(name+"/"+q.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					if _, err := ix.Search(q.req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
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

// benchChanges returns 1,000 studies of the bench index's source, spread
// over it and edited, and 100 NCT IDs to remove: a sync's worth.
func benchChanges(b *testing.B, ix *Index) ([]study.Study, []string) {
	var studies []study.Study
	if path := os.Getenv("TRIALFINDER_BENCH_DB"); path != "" {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		step := max(1, ix.Len()/1000)
		i := 0
		err = st.Each(context.Background(), func(s study.Study) error {
			if i%step == 0 && len(studies) < 1000 {
				studies = append(studies, s)
			}
			i++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	} else {
		studies, _ = loadDemo(b)
		studies = slices.Clone(studies[:min(1000, len(studies))])
	}
	for i := range studies {
		studies[i].BriefTitle += " (amended)"
		studies[i].OverallStatus = "COMPLETED"
	}
	var removed []string
	for i := 1; i < ix.Len(); i += max(1, ix.Len()/100) {
		removed = append(removed, ix.nct.at(i))
	}
	return studies, removed
}

// BenchmarkApply applies a sync of 1,000 changed and 100 removed studies,
// and then merges the result; it reports the heap the segmented index
// holds beyond the base it shares.
//
//	TRIALFINDER_BENCH_DB=c50k.db go test -run XXX -bench 'Apply|Snapshot' -benchtime 5x ./internal/search
func BenchmarkApply(b *testing.B) {
	ix := benchIndex(b)
	changed, removed := benchChanges(b, ix)
	var applied *Index
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		var before, after runtime.MemStats
		applied = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range b.N {
			var err error
			if applied, err = ix.Apply(changed, removed); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if applied.base == nil {
			b.Fatal("the changes merged the index: measure on a larger one")
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-held")
	})
	b.Run("merge", func(b *testing.B) {
		for range b.N {
			applied.Merge()
		}
	})
}

// BenchmarkSnapshot writes the bench index's snapshot to a file and reads
// it back, as a node starting from one does.
func BenchmarkSnapshot(b *testing.B) {
	ix := benchIndex(b)
	path := b.TempDir() + "/index.snap"
	write := func() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.WriteSnapshot(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("write", func(b *testing.B) {
		for range b.N {
			write()
		}
		if fi, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(fi.Size())/(1<<20), "MB")
		}
	})
	b.Run("read", func(b *testing.B) {
		write()
		for range b.N {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ReadSnapshot(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
