package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/store/storetest"
)

// TestShowStripsControlCharacters: a record whose title carries terminal
// escape sequences prints without them, as text and as JSON.
func TestShowStripsControlCharacters(t *testing.T) {
	raw := storetest.Records(t)[0]
	var rec struct {
		ProtocolSection struct {
			IdentificationModule struct {
				NCTID      string `json:"nctId"`
				BriefTitle string `json:"briefTitle"`
			} `json:"identificationModule"`
		} `json:"protocolSection"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	im := rec.ProtocolSection.IdentificationModule
	hostile := "\x1b]0;pwned\x07\x1b[2J\u009b31mRed\u202eevil"
	title, _ := json.Marshal(im.BriefTitle)
	evil, _ := json.Marshal(hostile + " " + im.BriefTitle)
	raw = bytes.Replace(raw, title, evil, 1)
	path := writeJSONL(t, "hostile.jsonl", [][]byte{raw})
	db := filepath.Join(t.TempDir(), "tf.db")
	if code, _, stderr := runTrialfinder(t, "ingest", "--db", db, path); code != 0 {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	for _, args := range [][]string{{"show", "--db", db, im.NCTID}, {"show", "--db", db, "--json", im.NCTID}} {
		code, stdout, stderr := runTrialfinder(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
		if strings.ContainsAny(stdout, "\x1b\x07\u009b\u202e") || !strings.Contains(stdout, "31mRedevil") {
			t.Errorf("%v printed %q", args, stdout[:min(len(stdout), 300)])
		}
	}
	if got := printable("a\tb\nc\x1b[0m\x7f\u0085d"); got != "a\tb\nc[0md" {
		t.Errorf("printable: %q", got)
	}
}
