package eligibility

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
)

// realCriteria returns the criteria texts of the real records in
// testdata (every third record of the shared ClinicalTrials.gov set).
func realCriteria(tb testing.TB) []string {
	f, err := os.Open("testdata/criteria.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var r struct {
			Text string `json:"eligibilityCriteria"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r.Text)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkParse parses every real criteria text once per iteration and
// reports records per second, and per second of CPU time, which varies
// less with the load of a shared machine (compare builds with it).
func BenchmarkParse(b *testing.B) {
	texts := realCriteria(b)
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	b.SetBytes(int64(size))
	cpu0, ok := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			Parse(t)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "records/s")
	if cpu1, _ := cpuTime(); ok {
		b.ReportMetric(float64(b.N*len(texts))/(cpu1-cpu0).Seconds(), "records/cpu-s")
	}
}
