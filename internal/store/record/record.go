// Package record is what every Trialfinder store does alike, whatever its
// database: the stored form of a study (its verbatim API v2 record,
// zstd-compressed and hashed, plus the columns stats read), the decision
// a write makes against the stored version, the parallel decoding of a
// full scan, the change log of a transaction, and the sync state and
// stats as rows. Stores keep the compressed bytes as they are, so a copy
// from one store to another moves them verbatim.
package record

import (
	"crypto/sha256"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/trialfinder/trialfinder/internal/study"
)

// One encoder and one decoder serve the whole process: EncodeAll and
// DecodeAll are safe for concurrent use and keep GOMAXPROCS internal
// states. SpeedFastest: on the test records it compresses about twice as
// fast as SpeedDefault for output only 4% larger (4.9 KB against 4.8 KB
// per study; BenchmarkCompress), and compression is, after JSON decoding,
// the largest CPU cost of an ingest.
var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// Compress returns raw zstd-compressed, the form stores keep records and
// parsed criteria in.
func Compress(raw []byte) []byte { return encoder.EncodeAll(raw, make([]byte, 0, len(raw)/4)) }

// Decompress returns what Compress compressed.
func Decompress(z []byte) ([]byte, error) { return decoder.DecodeAll(z, nil) }

// zstdOverAlloc is the spare room the decoder wants beyond a frame's
// content (compressedBlockOverAlloc in klauspost/compress/zstd).
const zstdOverAlloc = 16

// AppendDecompressed appends what z decompresses to to dst. A page of
// results reads ten records into one buffer: DecodeAll allocates a buffer
// of exactly the record's size after dst when dst has no room for it,
// copying dst, so a page's buffer would be copied once per record. Growing
// it here doubles it instead.
func AppendDecompressed(dst, z []byte) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(z); err == nil && h.HasFCS {
		dst = slices.Grow(dst, int(h.FrameContentSize)+zstdOverAlloc)
	}
	return decoder.DecodeAll(z, dst)
}

// Prepared is a study made ready for writing: its raw record compressed and
// hashed. Preparing is the CPU-heavy part of storing, so the ingest pipeline
// does it in parallel workers and leaves only SQL to the single writer.
type Prepared struct {
	Study study.Study // Raw dropped: Z holds it, compressed
	Z     []byte
	Hash  [sha256.Size]byte
}

// NCTID returns the prepared study's NCT ID.
func (p *Prepared) NCTID() string { return p.Study.NCTID }

// Prepare compresses and hashes st. It is safe to call from many goroutines.
func Prepare(st study.Study) *Prepared {
	p := &Prepared{Hash: sha256.Sum256(st.Raw), Z: Compress(st.Raw)}
	st.Raw = nil
	p.Study = st
	return p
}

// Columns are the studies table's columns besides nct_id, in the order
// Values returns them.
var Columns = []string{
	"last_update_posted", "content_hash", "raw", "overall_status", "study_type", "phases",
	"has_results", "sex", "min_age_days", "max_age_days", "healthy_volunteers",
	"start_date", "primary_completion_date", "completion_date", "first_posted",
	"enrollment", "lead_sponsor_class", "funder_types", "brief_title", "acronym", "org_study_id",
	"countries",
}

// Values returns the prepared study's Columns: dates "YYYY-MM-DD" (partial
// dates padded, "" when unknown), lists joined, nil for what the record
// does not state.
func (p *Prepared) Values() []any {
	st := &p.Study
	ageDays := func(a study.Age) any {
		if !a.IsSet() {
			return nil
		}
		return a.Days()
	}
	var healthy, enrollment any
	if hv := st.Eligibility.HealthyVolunteers; hv != nil {
		healthy = *hv
	}
	if st.Enrollment.Known {
		enrollment = st.Enrollment.Count
	}
	return []any{
		st.Dates.LastUpdatePosted.Sortable(), p.Hash[:], p.Z, st.OverallStatus, st.StudyType,
		strings.Join(st.Phases, " "), st.HasResults, st.Eligibility.Sex,
		ageDays(st.Eligibility.MinimumAge), ageDays(st.Eligibility.MaximumAge), healthy,
		st.Dates.Start.Sortable(), st.Dates.PrimaryCompletion.Sortable(), st.Dates.Completion.Sortable(),
		st.Dates.FirstPosted.Sortable(), enrollment, st.LeadSponsor.Class,
		strings.Join(st.FunderTypes(), " "), st.BriefTitle, st.Acronym, st.OrgStudyID,
		strings.Join(countries(st), CountrySep),
	}
}

// CountrySep separates the countries column's names, which contain spaces
// and commas but never this.
const CountrySep = "|"

// countries returns the distinct countries of a study's sites, in order.
func countries(st *study.Study) []string {
	var out []string
	for _, l := range st.Locations {
		if l.Country != "" && !slices.Contains(out, l.Country) {
			out = append(out, l.Country)
		}
	}
	return out
}
