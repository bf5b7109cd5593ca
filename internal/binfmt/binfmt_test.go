package binfmt

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"
)

// TestRoundTrip writes values of every kind and reads them back; every
// shorter prefix of the data is an error, not a panic or a wrong value.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Uint(0)
	w.Uint(math.MaxUint64)
	w.Int(-5)
	w.Float(-71.0589)
	w.String("Boston")
	w.Bytes([]byte{1, 2, 3})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	read := func(data []byte) (*Reader, []any) {
		r := NewReader(bytes.NewReader(data))
		return r, []any{r.Uint(), r.Uint(), r.Int(), r.Float(), r.String(), string(r.Bytes())}
	}
	r, got := read(buf.Bytes())
	want := []any{uint64(0), uint64(math.MaxUint64), int64(-5), -71.0589, "Boston", "\x01\x02\x03"}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d: %v, want %v", i, got[i], want[i])
		}
	}
	for cut := range buf.Len() {
		if r, _ := read(buf.Bytes()[:cut]); !errors.Is(r.Err(), io.ErrUnexpectedEOF) {
			t.Errorf("cut at %d of %d bytes: %v", cut, buf.Len(), r.Err())
		}
	}
}

// TestLenBound: a count over its bound is corrupt data, not an allocation.
func TestLenBound(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Uint(1 << 40)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf)
	if n := r.Count(); n != 0 || !errors.Is(r.Err(), ErrCorrupt) {
		t.Errorf("count 2^40: %d, %v", n, r.Err())
	}
}
