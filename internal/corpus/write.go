package corpus

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"time"

	"github.com/klauspost/compress/flate"
)

// Options control Write.
type Options struct {
	N int // studies to write, at most MaxStudies
	// Workers generating and compressing studies; 0 means GOMAXPROCS.
	Workers int
	// Level is the deflate level, 1 (fastest, the default) to 9.
	Level int
	// Progress, if set, is called from one goroutine after each study is
	// written, with running totals.
	Progress func(Stats)
}

// Stats are the totals of a Write.
type Stats struct {
	Studies      int
	JSONBytes    int64 // uncompressed
	DeflateBytes int64 // compressed member data
}

// batch is a run of consecutive studies, compressed by one worker.
type batch struct {
	first int
	out   []compressed
	done  chan struct{}
}

type compressed struct {
	data []byte
	crc  uint32
	size int
}

const batchSize = 64

// Write writes opt.N generated studies to w as a zip shaped like
// ClinicalTrials.gov's bulk download ctg-studies.json.zip: one deflated
// NCTxxxxxxxx.json per study at the root. Workers generate and compress
// batches in parallel; one writer adds them, in order, as precompressed
// members, so the output does not depend on scheduling.
func (g *Generator) Write(ctx context.Context, w io.Writer, opt Options) (Stats, error) {
	if opt.N < 0 || opt.N > MaxStudies {
		return Stats{}, fmt.Errorf("generate corpus: %d studies is outside 0..%d", opt.N, MaxStudies)
	}
	level := opt.Level
	if level == 0 {
		level = 1
	}
	if level < 1 || level > 9 {
		return Stats{}, fmt.Errorf("generate corpus: deflate level %d is outside 1..9", level)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan *batch)
	// ordered holds batches in study order, bounding how far workers can
	// run ahead of the writer.
	ordered := make(chan *batch, 4*workers)
	go func() {
		defer close(jobs)
		defer close(ordered)
		for first := 0; first < opt.N; first += batchSize {
			b := &batch{first: first, done: make(chan struct{})}
			select {
			case ordered <- b:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for b := range jobs {
				g.compressBatch(b, min(b.first+batchSize, opt.N), level)
				close(b.done)
			}
		}()
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	zw := zip.NewWriter(bw)
	var st Stats
	// All members share one time so the archive is reproducible. CreateRaw
	// takes the MS-DOS fields as they are, so they are set here.
	ref := time.Unix(int64(refDay)*86400, 0).UTC()
	dosDate := uint16((ref.Year()-1980)<<9 | int(ref.Month())<<5 | ref.Day())
	for b := range ordered {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("generate corpus: %w", err)
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return st, fmt.Errorf("generate corpus: %w", ctx.Err())
		}
		for k, c := range b.out {
			h := &zip.FileHeader{
				Name:               g.NCTID(b.first+k) + ".json",
				Method:             zip.Deflate,
				ModifiedDate:       dosDate,
				CRC32:              c.crc,
				CompressedSize64:   uint64(len(c.data)),
				UncompressedSize64: uint64(c.size),
			}
			mw, err := zw.CreateRaw(h)
			if err != nil {
				return st, fmt.Errorf("generate corpus: %w", err)
			}
			if _, err := mw.Write(c.data); err != nil {
				return st, fmt.Errorf("generate corpus: %w", err)
			}
			st.Studies++
			st.JSONBytes += int64(c.size)
			st.DeflateBytes += int64(len(c.data))
			if opt.Progress != nil {
				opt.Progress(st)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("generate corpus: %w", err)
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("generate corpus: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("generate corpus: %w", err)
	}
	return st, nil
}

func (g *Generator) compressBatch(b *batch, end, level int) {
	var raw []byte
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, level)
	if err != nil {
		panic(err) // level was checked by Write
	}
	b.out = make([]compressed, 0, end-b.first)
	for i := b.first; i < end; i++ {
		raw = g.Study(raw[:0], i)
		out.Reset()
		fw.Reset(&out)
		fw.Write(raw) // writes to a bytes.Buffer cannot fail
		fw.Close()
		b.out = append(b.out, compressed{data: bytes.Clone(out.Bytes()), crc: crc32.ChecksumIEEE(raw), size: len(raw)})
	}
}
