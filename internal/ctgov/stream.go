package ctgov

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
)

// bufSize is the read buffer per nesting level. It is also the window in
// which the JSON reader decides between JSON Lines and one document, so it
// holds a typical record and its first lines whole.
const bufSize = 64 << 10

// maxNestedZip bounds a zip that cannot be read in place (inside another
// archive, or compressed as a whole): zip needs random access, so such a
// zip is copied to a temporary file first, never into memory.
const maxNestedZip = 16 << 30

// MaxRatio bounds decompression: past ratioSlack, the bytes decompressed
// from a file may be at most MaxRatio times the bytes read from it. Real
// records compress some 3 to 20 times; a crafted archive (a "zip bomb", or
// gigabytes of blank lines) a thousand times or more.
const (
	MaxRatio   = 200
	ratioSlack = 64 << 20
)

// ErrRatio is wrapped by the Err of an entry whose decompression went
// past MaxRatio.
var ErrRatio = fmt.Errorf("decompresses to more than %d times its size", MaxRatio)

// maxDepth bounds how deep archives and compression may nest (a .tar.gz
// is two levels), so a crafted input cannot recurse without end.
const maxDepth = 8

// source says where a stream came from.
type source struct {
	file  string // Entry.File: the input file
	name  string // the file's or member's own name, for hints from its extension
	entry string // member path inside File; "" for the file itself
}

// at returns the Entry location of a record found at loc inside s.
func (s source) at(loc string) string {
	if s.entry == "" {
		return loc
	}
	return s.entry + ": " + loc
}

// member returns the source of an archive member.
func (s source) member(name string) source {
	return source{file: s.file, name: name, entry: s.at(name)}
}

// walker reads one input file. Its methods return only errors that stop
// the scan (ctx's, or fn's); problems with the input are delivered to fn.
type walker struct {
	ctx    context.Context
	fn     func(Entry) error
	onRead func(int64)
	bufs   []*bufio.Reader // one per nesting depth, reused across files and members

	// The file being read: top reads it in order, zipFile in place for
	// a zip (nil if the file has no ReadAt).
	top     *countingReader
	zipFile *countingReaderAt
	// inflated counts the bytes decompressed from the file, against
	// MaxRatio.
	inflated int64
	// streamed: the file is a stream (ScanReader), so a zip in it is read
	// in order and its table of contents, when reached, is its end.
	streamed bool
}

// fileRead is how much of the file has been read.
func (w *walker) fileRead() int64 {
	n := w.top.n
	if w.zipFile != nil {
		n += w.zipFile.reported
	}
	return n
}

// guarded stops reading at the scan's end (SIGINT, SIGTERM), however long
// an input goes on without a record; inflate also marks a decompressed
// stream, whose bytes count against MaxRatio.
type guarded struct {
	w       *walker
	r       io.Reader
	inflate bool
}

func (g *guarded) Read(p []byte) (int, error) {
	if err := g.w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := g.r.Read(p)
	if g.inflate {
		g.w.inflated += int64(n)
		if g.w.inflated > ratioSlack && g.w.inflated > MaxRatio*g.w.fileRead() {
			return n, fmt.Errorf("%w: %d MB from %d MB read", ErrRatio, g.w.inflated>>20, g.w.fileRead()>>20)
		}
	}
	return n, err
}

// inflating wraps a decompressed stream.
func (w *walker) inflating(r io.Reader) io.Reader { return &guarded{w: w, r: r, inflate: true} }

func (w *walker) emit(e Entry) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	return w.fn(e)
}

func (w *walker) fail(src source, loc string, err error) error {
	return w.emit(Entry{File: src.file, Entry: loc, Err: err})
}

func (w *walker) reader(r io.Reader, depth int) *bufio.Reader {
	for len(w.bufs) <= depth {
		w.bufs = append(w.bufs, bufio.NewReaderSize(nil, bufSize))
	}
	br := w.bufs[depth]
	br.Reset(&guarded{w: w, r: r})
	return br
}

// content reads the records in r, choosing the reader by r's first bytes.
// size is r's length when known (a file or archive member), else -1.
func (w *walker) content(src source, r io.Reader, size int64, depth int) error {
	if depth > maxDepth {
		return w.fail(src, src.entry, fmt.Errorf("archives nested more than %d deep", maxDepth))
	}
	br := w.reader(r, depth)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return w.fail(src, src.entry, fmt.Errorf("read: %w", err))
	}
	switch sniff(head, err != nil) {
	case kindEmpty:
		return w.fail(src, src.entry, errors.New("empty file"))
	case kindGzip:
		return w.gzip(src, br, depth)
	case kindZstd:
		return w.zstd(src, br, depth)
	case kindZip:
		return w.zip(src, br, depth)
	case kindTar:
		return w.tar(src, br, depth)
	case kindJSONArray:
		return w.jsonArray(src, br)
	case kindJSONObject:
		return w.jsonObject(src, br, size)
	case kindXML:
		return w.xml(src, br, size)
	}
	return w.fail(src, src.entry, fmt.Errorf("%w: content is neither JSON, XML nor a known archive", ErrNotRecord))
}

func (w *walker) gzip(src source, br *bufio.Reader, depth int) error {
	gz, err := gzip.NewReader(br)
	if err != nil {
		return w.fail(src, src.entry, fmt.Errorf("gzip: %w", err))
	}
	defer gz.Close()
	return w.content(src, w.inflating(gz), -1, depth+1)
}

func (w *walker) zstd(src source, br *bufio.Reader, depth int) error {
	// One goroutine: Scan is sequential and decoding happens elsewhere.
	d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return w.fail(src, src.entry, fmt.Errorf("zstd: %w", err))
	}
	defer d.Close()
	return w.content(src, w.inflating(d), -1, depth+1)
}

func (w *walker) zip(src source, br *bufio.Reader, depth int) error {
	var ra io.ReaderAt
	var size int64
	if depth == 0 && w.streamed {
		return w.zipInOrder(src, br, depth, nil)
	}
	if depth == 0 && w.zipFile != nil {
		w.zipFile.counted = w.top.n
		defer w.zipFile.finish()
		ra, size = w.zipFile, w.zipFile.size
	} else {
		tmp, err := os.CreateTemp("", "trialfinder-zip-*")
		if err != nil {
			return w.fail(src, src.entry, fmt.Errorf("zip inside another archive: %w", err))
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, err := io.Copy(tmp, io.LimitReader(br, maxNestedZip+1))
		if err != nil {
			if ctxErr := w.ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return w.fail(src, src.entry, fmt.Errorf("read zip: %w", err))
		}
		if n > maxNestedZip {
			return w.fail(src, src.entry, fmt.Errorf("zip inside another archive or compressed is larger than %d GB; unpack it first", maxNestedZip>>30))
		}
		ra, size = tmp, n
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		// The table of contents is at a zip's end, so a truncated
		// download has none; its members are still there in order.
		return w.zipInOrder(src, io.NewSectionReader(ra, 0, size), depth, err)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || skipName(f.Name) {
			continue
		}
		m := src.member(f.Name)
		rc, err := f.Open()
		if err != nil {
			if err := w.fail(m, m.entry, fmt.Errorf("open zip member: %w", err)); err != nil {
				return err
			}
			continue
		}
		err = w.content(m, w.inflating(rc), int64(f.UncompressedSize64), depth+1)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) tar(src source, br *bufio.Reader, depth int) error {
	tr := tar.NewReader(br)
	members := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return w.fail(src, src.entry, fmt.Errorf("tar: archive breaks off after %d members: %w", members, err))
		}
		members++
		if hdr.Typeflag != tar.TypeReg || skipName(hdr.Name) {
			continue
		}
		if err := w.content(src.member(path.Clean(hdr.Name)), tr, hdr.Size, depth+1); err != nil {
			return err
		}
	}
}

// readAll reads the rest of r as one record, into a slice of its own.
// hint is the expected length, or -1.
func readAll(r io.Reader, hint int64) ([]byte, error) {
	if hint < 0 || hint > MaxRecordSize {
		hint = 64 << 10
	}
	// One byte more than the hint, so the read that finds EOF needs no
	// second allocation.
	buf := make([]byte, 0, hint+1)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxRecordSize {
				return nil, fmt.Errorf("record is larger than %d MB", MaxRecordSize>>20)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read breaks off after %d bytes: %w", len(buf), err)
		}
	}
}

// record delivers the whole of r as one record of format f.
func (w *walker) record(src source, r io.Reader, size int64, f Format) error {
	data, err := readAll(r, size)
	if err != nil {
		return w.fail(src, src.entry, err)
	}
	return w.emit(Entry{File: src.file, Entry: src.entry, Format: f, Data: data})
}

func (w *walker) xml(src source, br *bufio.Reader, size int64) error {
	head, _ := br.Peek(4096)
	if root, ok := xmlRoot(head); ok && root != "clinical_study" {
		return w.fail(src, src.entry, fmt.Errorf("%w: XML root element is <%s>, not <clinical_study>", ErrNotRecord, root))
	}
	return w.record(src, br, size, FormatXML)
}

// zipInOrder reads a zip without its table of contents, member by member
// from the local headers, as far as it goes, and then reports why it
// stopped: a truncated zip delivers the members it holds whole. A streamed
// zip (dirErr nil) ends cleanly at its table of contents.
func (w *walker) zipInOrder(src source, r io.Reader, depth int, dirErr error) error {
	br := bufio.NewReaderSize(r, bufSize)
	var hdr [30]byte
	members := 0
	stop := func(err error) error {
		return w.fail(src, src.entry, fmt.Errorf("zip without a readable table of contents (%v), truncated? read %d members in order, then: %w", dirErr, members, err))
	}
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return stop(err)
		}
		sig := binary.LittleEndian.Uint32(hdr[0:])
		if sig == 0x02014b50 && w.streamed {
			return nil // the table of contents: every member was read
		}
		if sig != 0x04034b50 {
			return stop(errors.New("no further member header"))
		}
		flags := binary.LittleEndian.Uint16(hdr[6:])
		method := binary.LittleEndian.Uint16(hdr[8:])
		csize := int64(binary.LittleEndian.Uint32(hdr[18:]))
		usize := int64(binary.LittleEndian.Uint32(hdr[22:]))
		name := make([]byte, binary.LittleEndian.Uint16(hdr[26:]))
		if _, err := io.ReadFull(br, name); err != nil {
			return stop(err)
		}
		if _, err := br.Discard(int(binary.LittleEndian.Uint16(hdr[28:]))); err != nil {
			return stop(err)
		}
		// With a data descriptor (flag bit 3) the sizes follow the data;
		// only a deflate stream, which ends by itself, can be read then.
		described := flags&8 != 0
		var body io.Reader = br
		if !described {
			body = io.LimitReader(br, csize)
		}
		var data io.Reader
		switch {
		case method == zip.Deflate:
			data = w.inflating(flate.NewReader(body))
		case method == zip.Store && !described:
			data = body
		default:
			return stop(fmt.Errorf("member %s uses compression method %d with sizes after the data", name, method))
		}
		if !described {
			usize = -1
		}
		m := src.member(string(name))
		if !bytes.HasSuffix(name, []byte("/")) && !skipName(string(name)) {
			if err := w.content(m, data, usize, depth+1); err != nil {
				return err
			}
		}
		if _, err := io.Copy(io.Discard, data); err != nil {
			return stop(err)
		}
		if err := skipMemberEnd(br, body, described); err != nil {
			return stop(err)
		}
		members++
	}
}

// skipMemberEnd moves past what is left of a member read in order: the
// rest of its data, or its data descriptor.
func skipMemberEnd(br *bufio.Reader, body io.Reader, described bool) error {
	if !described {
		_, err := io.Copy(io.Discard, body)
		return err
	}
	if sig, _ := br.Peek(4); bytes.Equal(sig, []byte("PK\x07\x08")) {
		br.Discard(4)
	}
	_, err := br.Discard(12) // CRC-32 and the two sizes
	return err
}
