package view

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// edits is a store whose every generation after the real one changes the
// same studies again, each time with a new word in their titles: a
// change log as a sync writes it, without writing to the store.
type edits struct {
	Store
	gen int64 // the real store's generation
	ids []string
	now int64 // the generation being served
}

func (e *edits) Generation(context.Context) (int64, error) { return e.now, nil }

func (e *edits) ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error) {
	var out []study.Logged
	if gen < e.gen {
		real, err := e.Store.ChangesSince(ctx, gen)
		if err != nil {
			return nil, err
		}
		out, gen = real, e.gen
	}
	for g := gen + 1; g <= e.now; g++ {
		for _, id := range e.ids {
			out = append(out, study.Logged{Generation: g, NCTID: id, Kind: study.LogUpdated})
		}
	}
	return out, nil
}

func (e *edits) Study(ctx context.Context, id string) (study.Study, error) {
	s, err := e.Store.Study(ctx, id)
	if err == nil {
		s.BriefTitle += fmt.Sprintf(" zzedit%d", e.now)
	}
	return s, err
}

// BenchmarkUpdateAtScale applies changes to 10 and to 1,000 studies to
// the views of a full-size store read from its snapshot, as a server
// following the store does: TRIALFINDER_BENCH_DB names the store, whose
// views snapshot is beside it (D.views, as serve writes it) and whose
// change log reaches back to it. Nothing is written to the store.
func BenchmarkUpdateAtScale(b *testing.B) {
	path := os.Getenv("TRIALFINDER_BENCH_DB")
	if path == "" {
		b.Skip("TRIALFINDER_BENCH_DB is not set")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	gen, err := st.Generation(ctx)
	if err != nil {
		b.Fatal(err)
	}
	e := &edits{Store: st, gen: gen, now: gen}
	f := NewFollower(e, testVocab(b))
	if _, err := f.ReadSnapshot(ctx, path+".views"); err != nil {
		b.Fatal(err)
	}
	if _, err := f.Update(ctx, gen); err != nil { // the changes since the snapshot
		b.Fatal(err)
	}
	// A thousand live studies spread over the store's NCT IDs (those of
	// generated corpora run from NCT10000000 up).
	var all []string
	for k := 0; len(all) < 1000 && k < 100_000; k++ {
		d, err := st.ExportStudies(ctx, fmt.Sprintf("NCT1%07d", k*997), 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(d) == 1 && d[0].RemovedOn == "" && (len(all) == 0 || all[len(all)-1] != d[0].ID) {
			all = append(all, d[0].ID)
		}
	}
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e.ids = all[:n]
			// CPU time as well as wall time: the machines these run on
			// are shared, and wall time says more about the neighbours.
			cpu0 := cpuTime()
			for b.Loop() {
				e.now++
				if _, err := f.Update(ctx, e.now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
		})
	}
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
