// Package corpus generates a full-size synthetic ClinicalTrials.gov corpus
// from the bundled real records, for benchmarks of ingest, storage and
// search at the scale of the real registry (about 600,000 studies, the
// bulk download being about 10 GB of JSON).
//
// Each generated study is a real record (the template) with targeted
// edits: a fresh NCT ID in the NCT1xxxxxxx range, which real IDs have not
// reached; conditions, keywords and condition MeSH terms taken together
// from another real record (the donor), so they stay consistent with each
// other; titles recombined from the template's head ("Study of X in") and
// the donor's tail ("Adults With Asthma"); real sites drawn from all
// records, mostly from one country as real studies are; an overall status
// drawn with the registry's proportions and dates, enrollment type, site
// statuses and results made consistent with it. Everything else is the
// template's, byte for byte, so study types, phases, designs and sizes
// follow the real records.
package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// MaxStudies is how many distinct IDs the NCT1xxxxxxx range holds.
const MaxStudies = 10_000_000

// refDay is "today" for generated dates: the newest update in the real
// records, fixed so that a seed always gives the same corpus.
var refDay = day(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))

// statusShares are the approximate shares of overall statuses among all
// ClinicalTrials.gov studies in 2025 (about 600,000 studies, 65,000 of
// them recruiting). Expanded-access statuses are left out because the
// templates hold no expanded-access study.
var statusShares = []struct {
	status string
	share  float64
}{
	{"COMPLETED", 0.555},
	{"UNKNOWN", 0.145},
	{"RECRUITING", 0.110},
	{"TERMINATED", 0.058},
	{"ACTIVE_NOT_RECRUITING", 0.050},
	{"NOT_YET_RECRUITING", 0.040},
	{"WITHDRAWN", 0.028},
	{"ENROLLING_BY_INVITATION", 0.010},
	{"SUSPENDED", 0.004},
}

// StatusShare returns the intended share of studies with an overall
// status, 0 for one the generator never writes.
func StatusShare(status string) float64 {
	for _, s := range statusShares {
		if s.status == status {
			return s.share
		}
	}
	return 0
}

// Generator makes studies; it is safe for concurrent use.
type Generator struct {
	seed uint64
	p    *pool
	bufs sync.Pool
}

// NewGenerator loads the bundled real records as templates.
func NewGenerator(seed uint64) (*Generator, error) {
	p, err := sharedPool()
	if err != nil {
		return nil, fmt.Errorf("load corpus templates: %w", err)
	}
	return &Generator{seed: seed, p: p, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}, nil
}

// NCTID returns study i's ID: a fixed permutation of the NCT1xxxxxxx
// range, so IDs are distinct but not in generation order.
func (g *Generator) NCTID(i int) string {
	const mult = 7_654_321 // coprime with 10^7, so i -> i*mult+c is a bijection mod 10^7
	n := (uint64(i)*mult + g.seed) % MaxStudies
	id := []byte("NCT10000000")
	for k := len(id) - 1; n > 0; k-- {
		id[k] = byte('0' + n%10)
		n /= 10
	}
	return string(id)
}

// Study returns study i (0 ≤ i < MaxStudies) as a compact API v2 study
// object, appended to dst. The same seed and i always give the same bytes.
func (g *Generator) Study(dst []byte, i int) []byte {
	rng := rand.New(rand.NewPCG(g.seed, uint64(i)))
	t := &g.p.templates[rng.IntN(len(g.p.templates))]
	donor := &g.p.templates[rng.IntN(len(g.p.templates))]
	status := drawStatus(rng)
	d := g.dates(rng, t, status)

	b := g.bufs.Get().(*bytes.Buffer)
	defer g.bufs.Put(b)
	b.Reset()
	t.protocol.write(b,
		member{"identificationModule", g.identification(t, donor, i)},
		member{"statusModule", mustJSON(g.statusModule(rng, t, status, &d))},
		member{"conditionsModule", donor.protocol.get("conditionsModule")},
		member{"designModule", enrollment(rng, t, status)},
		member{"contactsLocationsModule", g.locations(rng, t, status, d.lastKnown)},
	)
	protocol := bytes.Clone(b.Bytes())
	b.Reset()
	t.derived.write(b, member{"conditionBrowseModule", donor.derived.get("conditionBrowseModule")})
	derived := bytes.Clone(b.Bytes())

	var results json.RawMessage
	hasResults := json.RawMessage("false")
	if d.results != 0 {
		results, hasResults = t.top.get("resultsSection"), json.RawMessage("true")
	}
	b.Reset()
	// The document and annotation sections point at the real study's
	// files and events, so they do not travel to a generated one.
	t.top.write(b,
		member{"protocolSection", protocol},
		member{"resultsSection", results},
		member{"documentSection", nil},
		member{"annotationSection", nil},
		member{"derivedSection", derived},
		member{"hasResults", hasResults},
	)
	return append(dst, b.Bytes()...)
}

func drawStatus(rng *rand.Rand) string {
	x := rng.Float64()
	for _, s := range statusShares {
		if x < s.share {
			return s.status
		}
		x -= s.share
	}
	return statusShares[0].status
}

func (g *Generator) identification(t, donor *template, i int) json.RawMessage {
	repl := []member{
		{"nctId", mustJSON(g.NCTID(i))},
		{"nctIdAliases", nil}, // aliases name other real studies
	}
	if t.titleHead != "" && donor.titleTail != "" {
		repl = append(repl, member{"briefTitle", mustJSON(t.titleHead + donor.titleTail)})
	}
	if t.officialHead != "" && donor.officialTail != "" {
		repl = append(repl, member{"officialTitle", mustJSON(t.officialHead + donor.officialTail)})
	}
	var b bytes.Buffer
	t.identification.write(&b, repl...)
	return b.Bytes()
}

// studyDates are a generated study's dates, in days since 1970.
type studyDates struct {
	start, primary, completion, firstSubmit, firstPost, lastUpdate int
	results                                                        int // 0: no results posted
	lastKnown                                                      string
}

// dates places the template's durations in time so that they agree with
// status: finished studies ended before their last update, running ones
// end in the future, and studies of unknown status were last updated
// more than two years ago (which is what makes the status unknown).
func (g *Generator) dates(rng *rand.Rand, t *template, status string) studyDates {
	const year = 365
	between := func(lo, hi int) int { return lo + rng.IntN(max(hi-lo, 0)+1) }
	var d studyDates
	switch status {
	case "COMPLETED", "TERMINATED":
		d.lastUpdate = refDay - between(0, 15*year)
		d.completion = d.lastUpdate - between(0, 2*year)
		d.primary = d.completion - t.closeOut
		d.start = d.primary - t.duration
	case "WITHDRAWN":
		d.lastUpdate = refDay - between(0, 15*year)
		d.start = d.lastUpdate + between(-year, year)
		d.primary = d.start + t.duration
		d.completion = d.primary + t.closeOut
	case "UNKNOWN":
		d.lastUpdate = refDay - between(2*year, 15*year)
		d.start = d.lastUpdate - between(0, 3*year)
		d.primary = d.start + t.duration
		d.completion = d.primary + t.closeOut
		d.lastKnown = []string{"RECRUITING", "RECRUITING", "RECRUITING", "ACTIVE_NOT_RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}[rng.IntN(6)]
	case "NOT_YET_RECRUITING":
		d.lastUpdate = refDay - between(0, year/2)
		d.start = refDay + between(30, year)
		d.primary = d.start + t.duration
		d.completion = d.primary + t.closeOut
	default: // recruiting, enrolling, active or suspended: running now
		d.lastUpdate = refDay - between(0, year)
		d.start = refDay - between(year/4, 6*year)
		d.primary = max(d.start+t.duration, refDay+between(30, 3*year))
		d.completion = d.primary + t.closeOut
	}
	d.firstSubmit = min(d.start, d.lastUpdate) - between(7, year)
	d.firstPost = d.firstSubmit + between(1, 28)
	d.lastUpdate = max(d.lastUpdate, d.firstPost)
	if t.hasResults && (status == "COMPLETED" || status == "TERMINATED") && d.lastUpdate-d.completion >= 60 {
		d.results = between(d.completion+30, d.lastUpdate)
	}
	return d
}

type dateStruct struct {
	Date string `json:"date"`
	Type string `json:"type,omitempty"`
}

// statusModule has the API's fields in the API's order.
type statusModule struct {
	StatusVerifiedDate          string          `json:"statusVerifiedDate"`
	OverallStatus               string          `json:"overallStatus"`
	LastKnownStatus             string          `json:"lastKnownStatus,omitempty"`
	WhyStopped                  string          `json:"whyStopped,omitempty"`
	ExpandedAccessInfo          json.RawMessage `json:"expandedAccessInfo,omitempty"`
	StartDateStruct             dateStruct      `json:"startDateStruct"`
	PrimaryCompletionDateStruct dateStruct      `json:"primaryCompletionDateStruct"`
	CompletionDateStruct        dateStruct      `json:"completionDateStruct"`
	StudyFirstSubmitDate        string          `json:"studyFirstSubmitDate"`
	StudyFirstSubmitQcDate      string          `json:"studyFirstSubmitQcDate"`
	StudyFirstPostDateStruct    dateStruct      `json:"studyFirstPostDateStruct"`
	ResultsFirstSubmitDate      string          `json:"resultsFirstSubmitDate,omitempty"`
	ResultsFirstSubmitQcDate    string          `json:"resultsFirstSubmitQcDate,omitempty"`
	ResultsFirstPostDateStruct  *dateStruct     `json:"resultsFirstPostDateStruct,omitempty"`
	LastUpdateSubmitDate        string          `json:"lastUpdateSubmitDate"`
	LastUpdatePostDateStruct    dateStruct      `json:"lastUpdatePostDateStruct"`
}

func (g *Generator) statusModule(rng *rand.Rand, t *template, status string, d *studyDates) statusModule {
	// A date is ACTUAL once it has passed as of the last update.
	kind := func(day int) string {
		if day <= d.lastUpdate {
			return "ACTUAL"
		}
		return "ESTIMATED"
	}
	s := statusModule{
		StatusVerifiedDate:          formatDay(d.lastUpdate, false),
		OverallStatus:               status,
		LastKnownStatus:             d.lastKnown,
		ExpandedAccessInfo:          t.expandedAccess,
		StartDateStruct:             dateStruct{formatDay(d.start, t.startDay), kind(d.start)},
		PrimaryCompletionDateStruct: dateStruct{formatDay(d.primary, t.primaryDay), kind(d.primary)},
		CompletionDateStruct:        dateStruct{formatDay(d.completion, t.completionDay), kind(d.completion)},
		StudyFirstSubmitDate:        formatDay(d.firstSubmit, true),
		StudyFirstSubmitQcDate:      formatDay(d.firstSubmit+rng.IntN(d.firstPost-d.firstSubmit+1), true),
		StudyFirstPostDateStruct:    dateStruct{formatDay(d.firstPost, true), "ACTUAL"},
		LastUpdateSubmitDate:        formatDay(d.lastUpdate-rng.IntN(4), true),
		LastUpdatePostDateStruct:    dateStruct{formatDay(d.lastUpdate, true), "ACTUAL"},
	}
	if status == "WITHDRAWN" {
		// A withdrawn study never started.
		s.StartDateStruct.Type = "ESTIMATED"
	}
	if status == "TERMINATED" || status == "WITHDRAWN" || status == "SUSPENDED" {
		s.WhyStopped = t.whyStopped
		if s.WhyStopped == "" && len(g.p.whyStopped) > 0 {
			s.WhyStopped = g.p.whyStopped[rng.IntN(len(g.p.whyStopped))]
		}
	}
	if d.results != 0 {
		s.ResultsFirstSubmitDate = formatDay(d.results-30, true)
		s.ResultsFirstSubmitQcDate = formatDay(d.results-5, true)
		s.ResultsFirstPostDateStruct = &dateStruct{formatDay(d.results, true), "ACTUAL"}
	}
	return s
}

// enrollment scales the template's enrollment by a log-normal factor,
// which keeps the real spread of small and large studies.
func enrollment(rng *rand.Rand, t *template, status string) json.RawMessage {
	if t.design.get("enrollmentInfo") == nil {
		return t.protocol.get("designModule")
	}
	n := max(1, int(math.Round(float64(max(t.enrollment, 1))*math.Exp(rng.NormFloat64()*0.6))))
	kind := "ACTUAL"
	switch status {
	case "WITHDRAWN":
		n = 0
	case "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "SUSPENDED", "UNKNOWN":
		kind = "ESTIMATED"
	}
	var b bytes.Buffer
	t.design.write(&b, member{"enrollmentInfo", []byte(fmt.Sprintf(`{"count":%d,"type":"%s"}`, n, kind))})
	return b.Bytes()
}

// locations gives the study as many real sites as its template had: the
// first anywhere, most others in the same country.
func (g *Generator) locations(rng *rand.Rand, t *template, status, lastKnown string) json.RawMessage {
	if t.protocol.get("contactsLocationsModule") == nil {
		return nil
	}
	var locs []byte
	if t.sites > 0 {
		locs = g.sites(rng, t.sites, status, lastKnown)
	}
	var out bytes.Buffer
	t.contacts.write(&out, member{"locations", locs})
	return out.Bytes()
}

func (g *Generator) sites(rng *rand.Rand, n int, status, lastKnown string) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	country := ""
	for k := range n {
		var s *site
		if same := g.p.byCountry[country]; k > 0 && len(same) > 0 && rng.IntN(4) > 0 {
			s = &g.p.sites[same[rng.IntN(len(same))]]
		} else {
			s = &g.p.sites[rng.IntN(len(g.p.sites))]
		}
		if k == 0 {
			country = s.country
		} else {
			b.WriteByte(',')
		}
		if st := siteStatus(rng, status, lastKnown); st != "" {
			// Sites are stored without status; put it first.
			b.WriteString(`{"status":"` + st + `"`)
			if len(s.raw) > 2 {
				b.WriteByte(',')
			}
			b.Write(s.raw[1:])
		} else {
			b.Write(s.raw)
		}
	}
	b.WriteByte(']')
	return b.Bytes()
}

// siteStatus follows the real records: sites of a recruiting study are
// mostly recruiting, some not yet or no longer; other studies' sites
// carry no status, except that a study of unknown status keeps the last
// one known.
func siteStatus(rng *rand.Rand, status, lastKnown string) string {
	switch status {
	case "RECRUITING":
		x := rng.IntN(100)
		switch {
		case x < 72:
			return "RECRUITING"
		case x < 90:
			return "NOT_YET_RECRUITING"
		case x < 95:
			return "ACTIVE_NOT_RECRUITING"
		case x < 98:
			return "WITHDRAWN"
		}
		return "COMPLETED"
	case "UNKNOWN":
		if lastKnown == "RECRUITING" {
			return lastKnown
		}
	}
	return ""
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only values built above from decoded JSON reach here.
		panic(fmt.Sprintf("corpus: marshal %T: %v", v, err))
	}
	return b
}

func day(t time.Time) int { return int(t.Unix() / 86400) }

func parseDay(s string) (int, bool) {
	for _, layout := range []string{"2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return day(t), true
		}
	}
	return 0, false
}

func formatDay(d int, toDay bool) string {
	t := time.Unix(int64(d)*86400, 0).UTC()
	if toDay {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01")
}
