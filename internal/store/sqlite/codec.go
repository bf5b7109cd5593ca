package sqlite

import (
	"github.com/klauspost/compress/zstd"
)

// One encoder and one decoder serve the whole process: EncodeAll and
// DecodeAll are safe for concurrent use and keep GOMAXPROCS internal
// states. SpeedDefault compresses the records about as fast as encoding/json
// decodes them while SpeedFastest saves little time for a larger file (see
// BenchmarkCompress).
var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(false))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

func compress(raw []byte) []byte { return encoder.EncodeAll(raw, make([]byte, 0, len(raw)/4)) }

func decompress(z []byte) ([]byte, error) { return decoder.DecodeAll(z, nil) }
