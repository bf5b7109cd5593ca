// Package binfmt writes and reads the plain binary encoding of the views'
// snapshots (varints, strings, floats), buffered, with the first error
// kept: a caller writes or reads a whole structure and checks once.
package binfmt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Writer encodes values to a buffered writer.
type Writer struct {
	w   *bufio.Writer
	err error
	buf []byte
}

// NewWriter writes to w; Flush must be called at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 1<<16)} }

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// Uint writes v as a varint.
func (w *Writer) Uint(v uint64) { w.buf = binary.AppendUvarint(w.buf[:0], v); w.write(w.buf) }

// Int writes v as a zig-zag varint.
func (w *Writer) Int(v int64) { w.buf = binary.AppendVarint(w.buf[:0], v); w.write(w.buf) }

// Float writes f's eight bytes.
func (w *Writer) Float(f float64) {
	w.buf = binary.LittleEndian.AppendUint64(w.buf[:0], math.Float64bits(f))
	w.write(w.buf)
}

// Bytes writes b with its length.
func (w *Writer) Bytes(b []byte) { w.Uint(uint64(len(b))); w.write(b) }

// String writes s with its length.
func (w *Writer) String(s string) {
	w.Uint(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// Flush writes out what is buffered and returns the first error.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Reader decodes what a Writer wrote. After an error every read returns
// zero values; Err reports the first.
type Reader struct {
	r   *bufio.Reader
	err error
}

// NewReader reads from r (buffered: it may read ahead).
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 1<<16)} }

// ErrCorrupt says the data is not what a Writer wrote.
var ErrCorrupt = errors.New("corrupt data")

func (r *Reader) fail(err error) {
	if r.err == nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		r.err = err
	}
}

// Uint reads a varint.
func (r *Reader) Uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r.r)
	if err != nil {
		r.fail(err)
	}
	return v
}

// Int reads a zig-zag varint.
func (r *Reader) Int() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r.r)
	if err != nil {
		r.fail(err)
	}
	return v
}

// Len reads a count of at most limit: a corrupt count must not make the
// reader allocate without end.
func (r *Reader) Len(limit int) int {
	n := r.Uint()
	if n > uint64(limit) {
		r.fail(fmt.Errorf("%w: count %d over %d", ErrCorrupt, n, limit))
		return 0
	}
	return int(n)
}

// maxCount bounds a Count, far above any real one.
const maxCount = 1 << 28

// Count reads a count of things to follow.
func (r *Reader) Count() int { return r.Len(maxCount) }

// Float reads eight bytes written by Float.
func (r *Reader) Float() float64 {
	var b [8]byte
	r.Full(b[:])
	return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
}

// Full reads len(b) bytes into b (a slice of an arena the caller keeps).
func (r *Reader) Full(b []byte) {
	if r.err == nil {
		if _, err := io.ReadFull(r.r, b); err != nil {
			r.fail(err)
		}
	}
}

// maxLen bounds one string or byte slice (a packed criteria list, a name).
const maxLen = 1 << 26

// Bytes reads a byte slice written by Bytes.
func (r *Reader) Bytes() []byte {
	b := make([]byte, r.Len(maxLen))
	r.Full(b)
	return b
}

// String reads a string written by String.
func (r *Reader) String() string { return string(r.Bytes()) }

// Err returns the first error.
func (r *Reader) Err() error { return r.err }
