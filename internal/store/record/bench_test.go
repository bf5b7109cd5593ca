package record

import (
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
)

// BenchmarkCompress compares zstd levels on real records: speed, and
// compressed bytes per study.
func BenchmarkCompress(b *testing.B) {
	raws := storetest.Records(b)
	var in int
	for _, r := range raws {
		in += len(r)
	}
	for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1))
		b.Run(lvl.String(), func(b *testing.B) {
			var out int
			b.SetBytes(int64(in))
			for b.Loop() {
				out = 0
				for _, r := range raws {
					out += len(enc.EncodeAll(r, nil))
				}
			}
			b.ReportMetric(float64(out)/float64(len(raws)), "B/study")
			b.ReportMetric(float64(in)/float64(out), "ratio")
		})
	}
}
