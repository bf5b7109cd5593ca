// Command curate rebuilds the bundled demo data in internal/demo/data from
// the project's shared data set (/work/shared/data). It is a maintainer
// tool: neither the tests nor the product run it, and it is the only code
// in the repository that reads the shared folder. Run it from the
// repository root:
//
//	go run ./internal/demo/curate [-shared /work/shared/data]
//
// It writes data/studies.jsonl.zst (every API v2 record, lines verbatim),
// data/xml.tar.zst (legacy XML records: every benchmark-judged trial whose
// record exists only as XML, plus a seeded, coverage-driven sample),
// data/describe.txt, MANIFEST.tsv and the counts in SOURCES.md. The output
// is byte-for-byte the same on every run.
package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// sampleSize is how many XML records beyond the judged ones are bundled:
// enough to cover every value after the judged set's bias towards old,
// completed trials, small enough to keep the demo a few MB.
const sampleSize = 250

// minPerValue is how many records of each status, phase, study type,
// variant and source archive the sample tries to include, so each shows up
// more than once in the demo.
const minPerValue = 3

// xmlArchives are the legacy archives with their provenance, as given in
// the shared data's SOURCES.md.
var xmlArchives = []struct{ file, source string }{
	{"allpublicxml_2023-02_subset.tar.gz", "reesewang25/enrollment_and_studylength@5c5cc15dee126c927c3438199d61e9069d9a7ce6:NCT0000xxxx/, NCT0046xxxx/, NCT0049xxxx/, NCT00496392.xml"},
	{"sample_2023-05.tar.gz", "hantswilliams/clinicaltrials_trec_2022@6f4a77420f86b4066c86539ad8b33139244ab1ce:data/sample/"},
	{"sample_2017-04.tar.gz", "xiaoliang8006/TREC_Project@9323a112a888e069fcc60354a4a0bcdbc80e2a4d:clinicaltrials_xml/00500/, 00501/"},
	{"aact_spec_xml_fixtures.tar.gz", "ctti-clinicaltrials/aact@5a060286d07ba038fbb5d01096a6b98eaa5803e2:spec/support/xml_data/"},
}

// altered matches the AACT fixtures that were edited on purpose for AACT's
// own tests; they are not real records.
var altered = regexp.MustCompile(`(_mod|_modified|_redownloaded|-id-mismatch)\.xml$|raw_study_changed\.xml$`)

var (
	reNCT      = regexp.MustCompile(`<nct_id>(NCT\d{8})</nct_id>`)
	reStatus   = regexp.MustCompile(`<overall_status>([^<]*)</overall_status>`)
	rePhase    = regexp.MustCompile(`<phase>([^<]*)</phase>`)
	reType     = regexp.MustCompile(`<study_type>([^<]*)</study_type>`)
	reDownload = regexp.MustCompile(`processed this data on ([A-Z][a-z]+ \d{2}, \d{4})`)
	reRank     = regexp.MustCompile(`<clinical_study rank="`)
)

type xmlRecord struct {
	nctID, archive, member  string
	status, phase, typ      string
	variant                 string // "2017 rank" or "2018-2023 plain"
	results                 bool
	downloaded              time.Time
	data                    []byte
	judged                  bool
	provenance, whyIncluded string
}

func (r *xmlRecord) features() []string {
	return []string{"status=" + r.status, "phase=" + r.phase, "type=" + r.typ, "variant=" + r.variant, "archive=" + r.archive, fmt.Sprintf("results=%t", r.results)}
}

type v2Record struct {
	nctID, status, phase, typ, provenance string
}

func main() {
	shared := flag.String("shared", "/work/shared/data", "the shared data folder")
	out := flag.String("out", "internal/demo", "the demo package folder")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		log.Fatal(err)
	}
}

func run(shared, out string) error {
	v2, v2Lines, err := readV2(shared)
	if err != nil {
		return err
	}
	inV2 := map[string]bool{}
	for _, r := range v2 {
		inV2[r.nctID] = true
	}
	judged, err := readJudged(filepath.Join(shared, "benchmarks/judged_trials_with_shipped_records.tsv"))
	if err != nil {
		return err
	}
	all, err := readXML(shared, inV2)
	if err != nil {
		return err
	}
	chosen, err := choose(all, judged)
	if err != nil {
		return err
	}

	data := filepath.Join(out, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	v2Size, err := writeZstd(filepath.Join(data, "studies.jsonl.zst"), func(w io.Writer) error {
		_, err := w.Write(v2Lines)
		return err
	})
	if err != nil {
		return err
	}
	xmlSize, err := writeZstd(filepath.Join(data, "xml.tar.zst"), func(w io.Writer) error { return writeTar(w, chosen) })
	if err != nil {
		return err
	}
	describe := fmt.Sprintf("%d ClinicalTrials.gov API v2 records and %d legacy XML records (%d of them judged in the SIGIR/TREC 2021 benchmarks), real and unedited", len(v2), len(chosen), countJudged(chosen))
	if err := os.WriteFile(filepath.Join(data, "describe.txt"), []byte(describe+"\n"), 0o644); err != nil {
		return err
	}
	if err := writeManifest(filepath.Join(out, "MANIFEST.tsv"), v2, chosen); err != nil {
		return err
	}
	stats := summary(v2, chosen, v2Size, xmlSize)
	if err := os.WriteFile(filepath.Join(out, "SOURCES.md"), []byte(sourcesHeader+stats), 0o644); err != nil {
		return err
	}
	fmt.Print(stats)
	return nil
}

// readV2 returns the records' summaries and the lines themselves, verbatim.
func readV2(shared string) ([]v2Record, []byte, error) {
	prov, err := readProvenance(filepath.Join(shared, "ctgov_v2/provenance.tsv"))
	if err != nil {
		return nil, nil, err
	}
	raw, err := readGzip(filepath.Join(shared, "ctgov_v2/studies.jsonl.gz"))
	if err != nil {
		return nil, nil, err
	}
	var recs []v2Record
	for line := range bytes.Lines(raw) {
		var s struct {
			ProtocolSection struct {
				IdentificationModule struct{ NctID string }
				StatusModule         struct{ OverallStatus string }
				DesignModule         struct {
					StudyType string
					Phases    []string
				}
			}
		}
		if err := json.Unmarshal(line, &s); err != nil {
			return nil, nil, fmt.Errorf("studies.jsonl.gz line %d: %w", len(recs)+1, err)
		}
		p := s.ProtocolSection
		phase := strings.Join(p.DesignModule.Phases, "+")
		if phase == "" {
			phase = "none"
		}
		id := p.IdentificationModule.NctID
		if prov[id] == "" {
			return nil, nil, fmt.Errorf("%s has no selected row in provenance.tsv", id)
		}
		recs = append(recs, v2Record{nctID: id, status: p.StatusModule.OverallStatus, phase: phase, typ: p.DesignModule.StudyType, provenance: prov[id]})
	}
	return recs, raw, nil
}

func readProvenance(name string) (map[string]string, error) {
	rows, err := readTSV(name)
	if err != nil {
		return nil, err
	}
	prov := map[string]string{}
	for _, r := range rows {
		if len(r) >= 6 && r[5] == "yes" {
			prov[r[0]] = r[1] + "@" + r[2] + ":" + r[3]
		}
	}
	return prov, nil
}

// readJudged returns the judged NCT IDs whose record is only in an XML
// archive, with that archive's name.
func readJudged(name string) (map[string]string, error) {
	rows, err := readTSV(name)
	if err != nil {
		return nil, err
	}
	judged := map[string]string{}
	for _, r := range rows {
		if len(r) >= 3 && r[1] == "no" {
			judged[r[0]] = r[2]
		}
	}
	return judged, nil
}

func readTSV(name string) ([][]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i > 0 {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows, nil
}

func readGzip(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return io.ReadAll(zr)
}

// readXML returns every real XML record not already in the v2 set, keyed
// by archive and NCT ID.
func readXML(shared string, inV2 map[string]bool) (map[[2]string]*xmlRecord, error) {
	all := map[[2]string]*xmlRecord{}
	for _, a := range xmlArchives {
		f, err := os.Open(filepath.Join(shared, "ctgov_xml", a.file))
		if err != nil {
			return nil, err
		}
		err = eachTarMember(f, func(name string, data []byte) error {
			if !strings.HasSuffix(name, ".xml") || altered.MatchString(name) {
				return nil
			}
			r, err := parseXML(data)
			if err != nil {
				return fmt.Errorf("%s!%s: %w", a.file, name, err)
			}
			if inV2[r.nctID] {
				return nil
			}
			r.archive, r.member = a.file, name
			r.provenance = a.source + " (" + a.file + "!" + name + ")"
			key := [2]string{a.file, r.nctID}
			// Inside one archive (AACT's fixtures), the same trial can be
			// stored twice; keep the later download.
			if old := all[key]; old == nil || r.downloaded.After(old.downloaded) {
				all[key] = r
			}
			return nil
		})
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

func eachTarMember(r io.Reader, fn func(name string, data []byte) error) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := fn(h.Name, data); err != nil {
			return err
		}
	}
}

func parseXML(data []byte) (*xmlRecord, error) {
	first := func(re *regexp.Regexp) string {
		if m := re.FindSubmatch(data); m != nil {
			return string(m[1])
		}
		return ""
	}
	r := &xmlRecord{nctID: first(reNCT), status: first(reStatus), typ: first(reType), data: data}
	if r.nctID == "" {
		return nil, errors.New("no <nct_id>")
	}
	var phases []string
	for _, m := range rePhase.FindAllSubmatch(data, -1) {
		phases = append(phases, string(m[1]))
	}
	r.phase = strings.Join(phases, "+")
	if r.phase == "" {
		r.phase = "none"
	}
	r.variant = "2018-2023 plain"
	if reRank.Match(data) {
		r.variant = "2017 rank"
	}
	r.results = bytes.Contains(data, []byte("<clinical_results>"))
	if d := first(reDownload); d != "" {
		t, err := time.Parse("January 02, 2006", d)
		if err != nil {
			return nil, fmt.Errorf("download date: %w", err)
		}
		r.downloaded = t
	}
	return r, nil
}

// choose takes every judged record from the archive the benchmark table
// names, then samples the rest: first, records that bring a status, phase,
// type, variant, archive or results value seen fewer than minPerValue
// times; then uniformly at random up to sampleSize. A trial present in
// several archives is taken once, in its latest download.
func choose(all map[[2]string]*xmlRecord, judged map[string]string) ([]*xmlRecord, error) {
	taken := map[string]*xmlRecord{}
	for id, archive := range judged {
		r := all[[2]string{archive, id}]
		if r == nil {
			return nil, fmt.Errorf("judged %s not found in %s", id, archive)
		}
		r.judged, r.whyIncluded = true, "judged in SIGIR or TREC 2021"
		taken[id] = r
	}
	latest := map[string]*xmlRecord{}
	for _, r := range all {
		if old := latest[r.nctID]; old == nil || r.downloaded.After(old.downloaded) ||
			(r.downloaded.Equal(old.downloaded) && r.archive < old.archive) {
			latest[r.nctID] = r
		}
	}
	var pool []*xmlRecord
	for id, r := range latest {
		if taken[id] == nil {
			pool = append(pool, r)
		}
	}
	slices.SortFunc(pool, func(a, b *xmlRecord) int { return cmp.Compare(a.nctID, b.nctID) })
	rng := rand.New(rand.NewPCG(2026, 11))
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })

	seen := map[string]int{}
	for _, r := range taken {
		for _, f := range r.features() {
			seen[f]++
		}
	}
	sampled := 0
	take := func(r *xmlRecord, why string) {
		r.whyIncluded = why
		taken[r.nctID] = r
		sampled++
		for _, f := range r.features() {
			seen[f]++
		}
	}
	for _, r := range pool {
		for _, f := range r.features() {
			if seen[f] < minPerValue {
				take(r, "brings "+f)
				break
			}
		}
	}
	for _, r := range pool {
		if sampled >= sampleSize {
			break
		}
		if taken[r.nctID] == nil {
			take(r, "random sample")
		}
	}
	out := make([]*xmlRecord, 0, len(taken))
	for _, r := range taken {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *xmlRecord) int { return cmp.Compare(a.nctID, b.nctID) })
	return out, nil
}

func countJudged(recs []*xmlRecord) int {
	n := 0
	for _, r := range recs {
		if r.judged {
			n++
		}
	}
	return n
}

// writeZstd writes one zstd stream at the best ratio (the demo is built
// once and read at every first start, so decode speed matters, encode
// speed does not) and returns the file's size.
func writeZstd(name string, fill func(io.Writer) error) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zw, err := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return 0, err
	}
	if err := fill(zw); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), f.Close()
}

// writeTar writes the records as NCTxxxxxxxx.xml with a fixed time, so the
// archive does not change between runs.
func writeTar(w io.Writer, recs []*xmlRecord) error {
	tw := tar.NewWriter(w)
	mtime := time.Date(2023, 2, 3, 0, 0, 0, 0, time.UTC)
	for _, r := range recs {
		h := &tar.Header{Name: r.nctID + ".xml", Mode: 0o644, Size: int64(len(r.data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(r.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeManifest(name string, v2 []v2Record, xml []*xmlRecord) error {
	var b strings.Builder
	b.WriteString("nct_id\tformat\tbundled_in\tstatus\tphase\tstudy_type\tsource\twhy_included\n")
	for _, r := range v2 {
		fmt.Fprintf(&b, "%s\tv2\tstudies.jsonl.zst\t%s\t%s\t%s\t%s\tall v2 records\n", r.nctID, r.status, r.phase, r.typ, r.provenance)
	}
	for _, r := range xml {
		fmt.Fprintf(&b, "%s\txml %s\txml.tar.zst\t%s\t%s\t%s\t%s\t%s\n", r.nctID, r.variant, r.status, r.phase, r.typ, r.provenance, r.whyIncluded)
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}

func summary(v2 []v2Record, xml []*xmlRecord, v2Size, xmlSize int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## What is bundled (written by `go run ./internal/demo/curate`)\n\n")
	fmt.Fprintf(&b, "| file | records | size on disk |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| `data/studies.jsonl.zst` | %d API v2 records | %d bytes |\n", len(v2), v2Size)
	fmt.Fprintf(&b, "| `data/xml.tar.zst` | %d legacy XML records (%d judged, %d sampled) | %d bytes |\n\n", len(xml), countJudged(xml), len(xml)-countJudged(xml), xmlSize)
	count := func(title string, vals []string) {
		n := map[string]int{}
		for _, v := range vals {
			n[v]++
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(n[b], n[a]), cmp.Compare(a, b)) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, n[k])
		}
		fmt.Fprintf(&b, "- **%s:** %s\n", title, strings.Join(parts, ", "))
	}
	pick := func(f func(v2Record) string) []string {
		var out []string
		for _, r := range v2 {
			out = append(out, f(r))
		}
		return out
	}
	pickX := func(f func(*xmlRecord) string) []string {
		var out []string
		for _, r := range xml {
			out = append(out, f(r))
		}
		return out
	}
	b.WriteString("### API v2 records\n\n")
	count("Overall status", pick(func(r v2Record) string { return r.status }))
	count("Phase", pick(func(r v2Record) string { return r.phase }))
	count("Study type", pick(func(r v2Record) string { return r.typ }))
	count("Source repository", pick(func(r v2Record) string { return strings.Split(r.provenance, "@")[0] }))
	b.WriteString("\n### Legacy XML records\n\n")
	count("Overall status", pickX(func(r *xmlRecord) string { return r.status }))
	count("Phase", pickX(func(r *xmlRecord) string { return r.phase }))
	count("Study type", pickX(func(r *xmlRecord) string { return r.typ }))
	count("Format variant", pickX(func(r *xmlRecord) string { return r.variant }))
	count("With results", pickX(func(r *xmlRecord) string { return fmt.Sprint(r.results) }))
	count("Source archive", pickX(func(r *xmlRecord) string { return r.archive }))
	count("Why included", pickX(func(r *xmlRecord) string {
		if r.judged {
			return "judged"
		}
		return "sampled"
	}))
	return b.String()
}

const sourcesHeader = `# Demo data: sources

The files in ` + "`data/`" + ` are real ClinicalTrials.gov records (U.S. National
Library of Medicine; the ClinicalTrials.gov terms and conditions apply),
taken unedited from the project's shared data set, whose own SOURCES.md
names each original repository, commit and license. They are rebuilt by
` + "`go run ./internal/demo/curate`" + ` (a maintainer tool that reads
/work/shared/data; tests and the product never do). ` + "`MANIFEST.tsv`" + ` lists
every bundled record with its format, status, phase, type, exact source
(repo@commit:path) and why it was included.

- ` + "`data/studies.jsonl.zst`" + `: every line of shared
  ` + "`ctgov_v2/studies.jsonl.gz`" + ` (one API v2 study object per line),
  byte for byte, recompressed with zstd at the best level. Those lines were
  merged from 14 repositories; each record's source is in MANIFEST.tsv
  (from shared ` + "`ctgov_v2/provenance.tsv`" + `).
- ` + "`data/xml.tar.zst`" + `: legacy ` + "`<clinical_study>`" + ` documents, each
  stored as ` + "`NCTxxxxxxxx.xml`" + ` with its bytes unchanged, from the shared
  archives:
  - ` + "`ctgov_xml/allpublicxml_2023-02_subset.tar.gz`" + `: reesewang25/enrollment_and_studylength@5c5cc15dee126c927c3438199d61e9069d9a7ce6 (folders NCT0000xxxx/, NCT0046xxxx/, NCT0049xxxx/, NCT00496392.xml)
  - ` + "`ctgov_xml/sample_2023-05.tar.gz`" + `: hantswilliams/clinicaltrials_trec_2022@6f4a77420f86b4066c86539ad8b33139244ab1ce:data/sample/
  - ` + "`ctgov_xml/sample_2017-04.tar.gz`" + `: xiaoliang8006/TREC_Project@9323a112a888e069fcc60354a4a0bcdbc80e2a4d:clinicaltrials_xml/00500/, 00501/ (the 2017 variant with ` + "`<clinical_study rank=…>`" + `)
  - ` + "`ctgov_xml/aact_spec_xml_fixtures.tar.gz`" + `: ctti-clinicaltrials/aact@5a060286d07ba038fbb5d01096a6b98eaa5803e2:spec/support/xml_data/ (only the unaltered records: ` + "`*_mod.xml`, `*_modified.xml`, `*_redownloaded.xml`, `*-id-mismatch.xml`" + ` and ` + "`raw_study_changed.xml`" + ` are left out)

Selection of the XML records: every NCT ID in shared
` + "`benchmarks/judged_trials_with_shipped_records.tsv`" + ` whose record is only in
an XML archive (taken from the archive that table names), then a seeded
sample of the other XML records that first covers every overall status,
phase, study type, format variant, source archive and results flag at
least three times where the archives have that many, then adds random
records. A trial that is also among the v2 records is bundled as v2 only;
one found in several archives is bundled once, in its latest download.
No archive has a record with status "Temporarily not available", so the
demo has none.

`
