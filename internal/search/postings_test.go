package search

import (
	"slices"
	"testing"
)

func TestPostingsRoundTrip(t *testing.T) {
	// Deltas of one, two and five varint bytes, the first document above
	// zero, and frequencies of one, several and past the one-byte cap.
	type posting struct {
		doc uint32
		tf  int
	}
	in := []posting{{3, 1}, {4, 2}, {70, 1}, {200, 1}, {9000, 7}, {9001, 1}, {1<<30 + 5, 300}, {1<<30 + 6, 1}}
	var p postings
	for _, x := range in {
		p.add(x.doc, x.tf)
	}
	if p.df != uint32(len(in)) {
		t.Fatalf("df %d, want %d", p.df, len(in))
	}
	var got []posting
	r := p.reader()
	for n := r.block(); n > 0; n = r.block() {
		for k, d := range r.docs[:n] {
			got = append(got, posting{d, int(r.tfs[k])})
		}
	}
	want := slices.Clone(in)
	want[6].tf = 255
	if !slices.Equal(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
	if docs := p.docs(); !slices.EqualFunc(docs, in, func(d uint32, x posting) bool { return d == x.doc }) {
		t.Errorf("docs %v", docs)
	}
}

func TestPostingsAcrossBlocks(t *testing.T) {
	var p postings
	var want []uint32
	for d := uint32(0); d < 1000; d += 3 {
		p.add(d, 1)
		want = append(want, d)
	}
	if got := p.docs(); !slices.Equal(got, want) {
		t.Errorf("decoded %d documents, want %d", len(got), len(want))
	}
}
