package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
)

// benchCopies makes the real records into a larger corpus: each copy of a
// record gets a fresh NCT ID, so every one is a new study.
const benchCopies = 20

func benchLines(b *testing.B) [][]byte {
	var lines [][]byte
	for c := range benchCopies {
		for i, raw := range storetest.Records(b) {
			id := []byte(idOf(b, raw))
			lines = append(lines, bytes.ReplaceAll(raw, id, fmt.Appendf(nil, "NCT%02d%06d", 90+c%10, c/10*1000+i)))
		}
	}
	return lines
}

func totalLen(lines [][]byte) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	return n
}

// decodeRate is studies/s of decode over lines, best of three passes.
func decodeRate(lines [][]byte, decode func([]byte) error) (float64, error) {
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		for _, l := range lines {
			if err := decode(l); err != nil {
				return 0, err
			}
		}
		best = min(best, time.Since(start))
	}
	return float64(len(lines)) / best.Seconds(), nil
}

func decodeMap(l []byte) error {
	var m map[string]any
	return json.Unmarshal(l, &m)
}

func decodeV2(l []byte) error {
	_, err := ctgov.DecodeV2(l)
	return err
}

// BenchmarkIngest ingests the corpus (one JSON Lines file) into a fresh
// store per iteration. studies/s is the figure to watch; x-decode-map and
// x-decode-v2 put it against single-goroutine encoding/json decoding of
// the same bytes into map[string]any and through ctgov.DecodeV2.
func BenchmarkIngest(b *testing.B) {
	lines := benchLines(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "corpus.jsonl")
	if err := os.WriteFile(path, bytes.Join(lines, []byte("\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(totalLen(lines))
	var storeBytes int64
	var elapsed, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		db := filepath.Join(dir, fmt.Sprintf("store%d.db", i))
		st, err := sqlite.Open(b.Context(), db)
		if err != nil {
			b.Fatal(err)
		}
		start, cpuStart := time.Now(), cpuTime(b)
		sum, err := Run(b.Context(), st, []Source{{Path: path}}, Options{})
		elapsed += time.Since(start)
		cpu += cpuTime(b) - cpuStart
		if err != nil || sum.Inserted != len(lines) {
			b.Fatalf("ingest: %+v, %v", sum, err)
		}
		st.Close() // checkpoints the WAL into the file
		info, err := os.Stat(db)
		if err != nil {
			b.Fatal(err)
		}
		storeBytes = info.Size()
		os.Remove(db)
	}
	rate := float64(b.N*len(lines)) / elapsed.Seconds()
	b.ReportMetric(rate, "studies/s")
	// CPU per study says what the machine can do when other processes
	// compete for its cores and make studies/s noisy.
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N*len(lines)), "cpu-ms/study")
	b.ReportMetric(float64(storeBytes)/float64(len(lines)), "storeB/study")
	b.ReportMetric(float64(totalLen(lines))/float64(len(lines)), "inputB/study")
	b.StopTimer()
	for _, d := range []struct {
		unit string
		fn   func([]byte) error
	}{{"x-decode-map", decodeMap}, {"x-decode-v2", decodeV2}} {
		r, err := decodeRate(lines, d.fn)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rate/r, d.unit)
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode is the single-goroutine encoding/json rate on the same
// bytes, the yardstick for BenchmarkIngest.
func BenchmarkDecode(b *testing.B) {
	lines := benchLines(b)
	for _, d := range []struct {
		name string
		fn   func([]byte) error
	}{{"map", decodeMap}, {"v2", decodeV2}} {
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(totalLen(lines))
			for b.Loop() {
				for _, l := range lines {
					if err := d.fn(l); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "studies/s")
		})
	}
}
