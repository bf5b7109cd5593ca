// Package storetest holds real ClinicalTrials.gov records for tests, and
// the helpers that make changed versions of them. The conformance suite
// every store runs (internal/store/conformance) uses them, and so do other
// packages' tests; it imports nothing of Trialfinder, so any of them can.
package storetest

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"testing"

	"github.com/klauspost/compress/zstd"
)

//go:embed testdata/studies.jsonl.zst
var recordsZst []byte

// Records returns the suite's real API v2 records (see testdata/SOURCES.md),
// one JSON object each, as published. Other packages' tests use them too.
func Records(t testing.TB) [][]byte {
	t.Helper()
	dec, err := zstd.NewReader(bytes.NewReader(recordsZst))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var out [][]byte
	sc := bufio.NewScanner(dec)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Edit returns raw with fn applied to its decoded JSON, for tests that
// need a changed version of a real record.
func Edit(t testing.TB, raw []byte, fn func(rec map[string]any)) []byte {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	fn(rec)
	out, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Module returns rec.protocolSection[name], creating it if absent.
func Module(rec map[string]any, name string) map[string]any {
	ps := rec["protocolSection"].(map[string]any)
	m, ok := ps[name].(map[string]any)
	if !ok {
		m = map[string]any{}
		ps[name] = m
	}
	return m
}

// SetNCTID gives the record another NCT ID and no aliases, making a new
// study of a real record.
func SetNCTID(rec map[string]any, id string) {
	im := Module(rec, "identificationModule")
	im["nctId"] = id
	delete(im, "nctIdAliases")
}
