// Package demo bundles a curated set of real ClinicalTrials.gov records in
// the binary, so a fresh install has something to search without a
// download. SOURCES.md says what is bundled and where it came from;
// MANIFEST.tsv lists every record; curate/ rebuilds the data.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

//go:embed data/studies.jsonl.zst data/xml.tar.zst data/describe.txt
var embedded embed.FS

// FS holds the bundled files, compressed: Files names the ones that hold
// records.
var FS fs.FS = mustSub(embedded, "data")

// Files are the names in FS to pass, each, to ctgov.Scanner.ScanFS: API v2
// records as zstd-compressed JSON Lines, and legacy XML records as a
// zstd-compressed tar of NCTxxxxxxxx.xml files.
var Files = []string{"studies.jsonl.zst", "xml.tar.zst"}

// Describe says in one line what is bundled.
func Describe() string {
	b, err := fs.ReadFile(FS, "describe.txt")
	if err != nil {
		panic("demo: describe.txt missing from the embedded data: " + err.Error())
	}
	return strings.TrimSpace(string(b))
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic("demo: " + err.Error())
	}
	return sub
}

// Studies decodes every bundled record, in NCT ID order (the order stores
// list studies in, which the search index relies on). Tests and tools use
// it where they need the studies but no store.
func Studies(ctx context.Context) ([]study.Study, error) {
	var out []study.Study
	var sc ctgov.Scanner
	for _, name := range Files {
		err := sc.ScanFS(ctx, FS, name, func(e ctgov.Entry) error {
			s, err := ctgov.Decode(e)
			if err != nil {
				return fmt.Errorf("demo data %s: %w", e.Where(), err)
			}
			out = append(out, s)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b study.Study) int { return strings.Compare(a.NCTID, b.NCTID) })
	return out, nil
}
