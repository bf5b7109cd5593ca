package search

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
)

func snapshot(t *testing.T, ix *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ix.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSnapshotRoundTrip: an index read from a snapshot answers every query
// as the index written, for a built index and one that Apply left in
// segments, and writes the same snapshot again.
func TestSnapshotRoundTrip(t *testing.T) {
	all, built := loadDemo(t)
	var ids []string
	for _, s := range all {
		ids = append(ids, s.NCTID)
	}
	edited := all[7]
	edited.BriefTitle = "Glaucoma and breast cancer " + edited.BriefTitle
	applied, err := built.Apply([]study.Study{edited}, []string{all[3].NCTID, all[500].NCTID})
	if err != nil {
		t.Fatal(err)
	}
	if applied.base == nil {
		t.Fatal("three changes merged the index: the test needs its segments")
	}
	for name, ix := range map[string]*Index{"built": built, "applied": applied} {
		data := snapshot(t, ix)
		read, err := ReadSnapshot(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameAnswers(t, name, read, ix, ids)
		if again := snapshot(t, read); !bytes.Equal(again, data) {
			t.Fatalf("%s: the read index writes another snapshot (%d bytes, first %d)", name, len(again), len(data))
		}
		withSyn, plainSyn := withHypertension(read), withHypertension(ix)
		req := Request{Queries: []AreaQuery{{Area: "cond", Query: "high blood pressure"}}}
		g, _ := withSyn.Search(req)
		w, _ := plainSyn.Search(req)
		if g.Total != w.Total || g.Total == 0 {
			t.Fatalf("%s: synonyms find %d studies on the read index, %d on the written", name, g.Total, w.Total)
		}
	}
}

func TestSnapshotOtherVersion(t *testing.T) {
	_, ix := loadDemo(t)
	data := snapshot(t, ix)
	binary.LittleEndian.PutUint32(data[len(snapshotMagic):], SnapshotVersion+1)
	_, err := ReadSnapshot(bytes.NewReader(data))
	if !errors.Is(err, ErrSnapshotVersion) {
		t.Fatalf("got %v, want ErrSnapshotVersion", err)
	}
}

// TestSnapshotDamaged: truncated, corrupted or foreign data fails with an
// error that says so, never a panic or an index.
func TestSnapshotDamaged(t *testing.T) {
	_, ix := loadDemo(t)
	data := snapshot(t, ix)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		cut := rng.IntN(len(data))
		_, err := ReadSnapshot(bytes.NewReader(data[:cut]))
		if err == nil || !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "not a search snapshot") {
			t.Fatalf("cut at %d of %d: got %v", cut, len(data), err)
		}
	}
	for i := range 200 {
		bad := bytes.Clone(data)
		// Count fields near the start are where a flip does the most harm.
		at := rng.IntN(len(bad))
		if i%2 == 0 {
			at = len(snapshotMagic) + 4 + rng.IntN(min(4096, len(bad)-12))
		}
		bad[at] ^= byte(1 + rng.IntN(255))
		if _, err := ReadSnapshot(bytes.NewReader(bad)); err == nil {
			t.Fatalf("byte %d of %d changed: no error", at, len(bad))
		}
	}
	for _, junk := range []string{"", "TFSEARCH", "PK\x03\x04 a zip file", strings.Repeat("x", 100)} {
		if _, err := ReadSnapshot(strings.NewReader(junk)); err == nil {
			t.Fatalf("%q: no error", junk)
		}
	}
}
