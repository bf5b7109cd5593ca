package eligibility

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/demo"
)

var update = flag.Bool("update", false, "rewrite testdata/parsed.golden")

// TestParsedGolden pins what the parser makes of every bundled record's
// criteria: a digest of ParseStored's bytes per study. A change meant to
// speed the parser up must leave every digest as it was; a change meant
// to read criteria differently bumps ParserVersion and rewrites the file
// with -update, and the diff lists the studies it changed.
func TestParsedGolden(t *testing.T) {
	ss, err := demo.Studies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	fmt.Fprintf(&got, "parser version %s\n", ParserVersion)
	for _, s := range ss {
		sum := sha256.Sum256(ParseStored(s.Eligibility.Criteria))
		fmt.Fprintf(&got, "%s %s\n", s.NCTID, hex.EncodeToString(sum[:12]))
	}
	const path = "testdata/parsed.golden"
	if *update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got.String() == string(want) {
		return
	}
	wantLines := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(want)))
	for sc.Scan() {
		wantLines[sc.Text()] = true
	}
	var changed []string
	for _, line := range strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n") {
		if !wantLines[line] {
			changed = append(changed, strings.Fields(line)[0])
		}
	}
	t.Errorf("the parser reads %d bundled records differently from %s (with -update if meant, and a new ParserVersion): %s",
		len(changed), path, strings.Join(changed[:min(20, len(changed))], " "))
}
