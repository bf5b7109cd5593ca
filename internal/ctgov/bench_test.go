package ctgov

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkScanZip scans a bulk-download-shaped zip: the real v2 sample
// records, pretty-printed and deflated one per member, repeated to 2,900
// members. Ingest needs 3,000 records/s on 2 cores, and Scan runs on one
// of them, so it should stay far above that.
func BenchmarkScanZip(b *testing.B) {
	samples := v2Samples(b)
	var members []member
	var raw int64
	for i := range 100 {
		for _, m := range samples {
			members = append(members, member{fmt.Sprintf("part%02d/%d-%s", i%10, i, m.name), m.data})
			raw += int64(len(m.data))
		}
	}
	path := writeFile(b, b.TempDir(), "ctg-studies.json.zip", zipOf(b, members))
	var s Scanner
	b.SetBytes(raw)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := s.Scan(context.Background(), path, func(e Entry) error {
			if e.Err != nil {
				return e.Err
			}
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != len(members) {
			b.Fatalf("scanned %d records, want %d", n, len(members))
		}
	}
	b.ReportMetric(float64(len(members)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkXMLToV2 converts the legacy XML test records; conversion runs
// in ingest's parallel decoders.
func BenchmarkXMLToV2(b *testing.B) {
	samples := xmlSamples(b)
	var raw int64
	for _, m := range samples {
		raw += int64(len(m.data))
	}
	b.SetBytes(raw)
	for b.Loop() {
		for _, m := range samples {
			if _, err := XMLToV2(m.data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(samples)*b.N)/b.Elapsed().Seconds(), "records/s")
}
