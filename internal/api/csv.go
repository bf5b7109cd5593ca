package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// csvColumn is one column of the CSV download.
type csvColumn struct {
	name  string
	value func(r *csvRecord) string
}

// csvRecord is a study as the CSV columns read it.
type csvRecord struct {
	s   *study.Study
	raw []byte
}

// multi joins the items of a list cell as the CSV download does.
func multi(items []string) string { return strings.Join(items, "|") }

func date(d study.Date) string { return d.Value }

// csvColumns are the columns of clinicaltrials.gov's CSV download, with
// its column names, in its order; fields selects among them.
var csvColumns = []csvColumn{
	{"NCT Number", func(r *csvRecord) string { return r.s.NCTID }},
	{"Study Title", func(r *csvRecord) string { return r.s.BriefTitle }},
	{"Study URL", func(r *csvRecord) string { return "https://clinicaltrials.gov/study/" + r.s.NCTID }},
	{"Acronym", func(r *csvRecord) string { return r.s.Acronym }},
	{"Study Status", func(r *csvRecord) string { return r.s.OverallStatus }},
	{"Brief Summary", func(r *csvRecord) string { return r.s.BriefSummary }},
	{"Study Results", func(r *csvRecord) string {
		if r.s.HasResults {
			return "YES"
		}
		return "NO"
	}},
	{"Conditions", func(r *csvRecord) string { return multi(r.s.Conditions) }},
	{"Interventions", func(r *csvRecord) string {
		var out []string
		for _, iv := range r.s.Interventions {
			out = append(out, iv.Type+": "+iv.Name)
		}
		return multi(out)
	}},
	{"Primary Outcome Measures", outcomes("PRIMARY")},
	{"Secondary Outcome Measures", outcomes("SECONDARY")},
	{"Other Outcome Measures", outcomes("OTHER")},
	{"Sponsor", func(r *csvRecord) string { return r.s.LeadSponsor.Name }},
	{"Collaborators", func(r *csvRecord) string {
		var out []string
		for _, c := range r.s.Collaborators {
			out = append(out, c.Name)
		}
		return multi(out)
	}},
	{"Sex", func(r *csvRecord) string { return r.s.Eligibility.Sex }},
	{"Age", func(r *csvRecord) string { return ageCell(&r.s.Eligibility) }},
	{"Phases", func(r *csvRecord) string { return multi(r.s.Phases) }},
	{"Enrollment", func(r *csvRecord) string {
		if !r.s.Enrollment.Known {
			return ""
		}
		return strconv.Itoa(r.s.Enrollment.Count)
	}},
	{"Funder Type", func(r *csvRecord) string { return r.s.LeadSponsor.Class }},
	{"Study Type", func(r *csvRecord) string { return r.s.StudyType }},
	{"Study Design", func(r *csvRecord) string { return designCell(&r.s.Design) }},
	{"Other IDs", func(r *csvRecord) string {
		var out []string
		if r.s.OrgStudyID != "" {
			out = append(out, r.s.OrgStudyID)
		}
		for _, id := range r.s.SecondaryIDs {
			out = append(out, id.ID)
		}
		return multi(out)
	}},
	{"Start Date", func(r *csvRecord) string { return date(r.s.Dates.Start) }},
	{"Primary Completion Date", func(r *csvRecord) string { return date(r.s.Dates.PrimaryCompletion) }},
	{"Completion Date", func(r *csvRecord) string { return date(r.s.Dates.Completion) }},
	{"First Posted", func(r *csvRecord) string { return date(r.s.Dates.FirstPosted) }},
	{"Results First Posted", func(r *csvRecord) string { return date(r.s.Dates.ResultsFirstPosted) }},
	{"Last Update Posted", func(r *csvRecord) string { return date(r.s.Dates.LastUpdatePosted) }},
	{"Locations", func(r *csvRecord) string {
		var out []string
		for _, l := range r.s.Locations {
			out = append(out, joinNonEmpty(", ", l.Facility, l.City, l.State, l.Zip, l.Country))
		}
		return multi(out)
	}},
	{"Study Documents", func(r *csvRecord) string { return documentsCell(r.s.NCTID, r.raw) }},
}

// csvPieces are the data pieces each CSV column shows, as upstream's CSV
// download page lists them; fields may name a piece instead of a column.
var csvPieces = map[string][]string{
	"NCT Number": {"NCTId"}, "Study Title": {"BriefTitle"}, "Study URL": {"NCTId"}, "Acronym": {"Acronym"},
	"Study Status": {"OverallStatus"}, "Brief Summary": {"BriefSummary"}, "Study Results": {"HasResults"},
	"Conditions": {"Condition"}, "Interventions": {"InterventionType", "InterventionName"},
	"Primary Outcome Measures":   {"PrimaryOutcomeMeasure", "PrimaryOutcomeDescription", "PrimaryOutcomeTimeFrame"},
	"Secondary Outcome Measures": {"SecondaryOutcomeMeasure", "SecondaryOutcomeDescription", "SecondaryOutcomeTimeFrame"},
	"Other Outcome Measures":     {"OtherOutcomeMeasure", "OtherOutcomeDescription", "OtherOutcomeTimeFrame"},
	"Sponsor":                    {"LeadSponsorName"}, "Collaborators": {"CollaboratorName"}, "Sex": {"Sex"},
	"Age": {"MinimumAge", "MaximumAge", "StdAge"}, "Phases": {"Phase"}, "Enrollment": {"EnrollmentCount"},
	"Funder Type": {"LeadSponsorClass"}, "Study Type": {"StudyType"},
	"Study Design": {"DesignAllocation", "DesignInterventionModel", "DesignMasking", "DesignWhoMasked", "DesignPrimaryPurpose"},
	"Other IDs":    {"OrgStudyId", "SecondaryId"}, "Start Date": {"StartDate"},
	"Primary Completion Date": {"PrimaryCompletionDate"}, "Completion Date": {"CompletionDate"},
	"First Posted": {"StudyFirstPostDate"}, "Results First Posted": {"ResultsFirstPostDate"},
	"Last Update Posted": {"LastUpdatePostDate"},
	"Locations":          {"LocationFacility", "LocationCity", "LocationState", "LocationZip", "LocationCountry"},
	"Study Documents":    {"LargeDocLabel", "LargeDocFilename"},
}

func outcomes(kind string) func(r *csvRecord) string {
	return func(r *csvRecord) string {
		var out []string
		for _, o := range r.s.Outcomes {
			if o.Kind == kind {
				out = append(out, joinNonEmpty(", ", o.Measure, o.Description, o.TimeFrame))
			}
		}
		return multi(out)
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func ageCell(e *study.Eligibility) string {
	groups := strings.Join(e.StdAges, ", ")
	limits := ""
	switch min, max := e.MinimumAge.String(), e.MaximumAge.String(); {
	case min != "" && max != "":
		limits = min + " to " + max
	case min != "":
		limits = min + " and older"
	case max != "":
		limits = "up to " + max
	}
	if limits == "" || groups == "" {
		return limits + groups
	}
	return limits + "   (" + groups + ")"
}

func designCell(d *study.Design) string {
	masking := d.Masking
	if masking != "" && len(d.WhoMasked) > 0 {
		masking += " (" + strings.Join(d.WhoMasked, ", ") + ")"
	}
	var out []string
	for _, p := range [][2]string{
		{"Allocation", d.Allocation}, {"Intervention Model", d.InterventionModel},
		{"Observational Model", d.ObservationalModel}, {"Time Perspective", d.TimePerspective},
		{"Masking", masking}, {"Primary Purpose", d.PrimaryPurpose},
	} {
		if p[1] != "" {
			out = append(out, p[0]+": "+p[1])
		}
	}
	return multi(out)
}

// documentsCell lists the study's large documents (protocol, SAP, ICF)
// with their clinicaltrials.gov URLs; the domain model keeps no documents,
// so they are read from the record.
func documentsCell(nctID string, raw []byte) string {
	var rec struct {
		DocumentSection struct {
			LargeDocumentModule struct {
				LargeDocs []struct {
					Label    string `json:"label"`
					Filename string `json:"filename"`
				} `json:"largeDocs"`
			} `json:"largeDocumentModule"`
		} `json:"documentSection"`
	}
	if json.Unmarshal(raw, &rec) != nil || len(nctID) < 2 {
		return ""
	}
	var out []string
	for _, d := range rec.DocumentSection.LargeDocumentModule.LargeDocs {
		url := "https://cdn.clinicaltrials.gov/large-docs/" + nctID[len(nctID)-2:] + "/" + nctID + "/" + d.Filename
		out = append(out, joinNonEmpty(", ", d.Label, url))
	}
	return multi(out)
}

// selectColumns returns the columns fields names (matched ignoring case),
// in the download's order; all when names is empty.
func selectColumns(names []string) ([]csvColumn, error) {
	if len(names) == 0 {
		return csvColumns, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		col := ""
		for _, c := range csvColumns {
			if strings.EqualFold(n, c.name) {
				col = c.name
			}
		}
		// A piece selects the first column that shows it.
		for _, c := range csvColumns {
			if col == "" && slices.ContainsFunc(csvPieces[c.name], func(p string) bool { return strings.EqualFold(p, n) }) {
				col = c.name
			}
		}
		if col == "" {
			return nil, badRequest("fields: unknown CSV column %q (want column names of the CSV download, such as NCT Number, Study Title, Conditions, or the pieces they show, such as NCTId, BriefTitle, Condition)", n)
		}
		want[col] = true
	}
	var out []csvColumn
	for _, c := range csvColumns {
		if want[c.name] {
			out = append(out, c)
		}
	}
	return out, nil
}

// csvWriter writes records as RFC 4180 CSV rows, one at a time.
type csvWriter struct {
	w    *csv.Writer
	cols []csvColumn
	row  []string
}

// newCSVWriter starts the CSV on w, with the header row when header is
// set.
func newCSVWriter(w io.Writer, cols []csvColumn, header bool) *csvWriter {
	cw := &csvWriter{w: csv.NewWriter(w), cols: cols, row: make([]string, len(cols))}
	cw.w.UseCRLF = true
	if header {
		for i, c := range cols {
			cw.row[i] = c.name
		}
		cw.w.Write(cw.row)
	}
	return cw
}

func (cw *csvWriter) write(raw []byte) error {
	s, err := ctgov.DecodeV2(raw)
	if err != nil {
		return fmt.Errorf("csv: stored record: %w", err)
	}
	rec := &csvRecord{s: &s, raw: raw}
	for i, c := range cw.cols {
		cw.row[i] = neutralize(c.value(rec))
	}
	return cw.w.Write(cw.row)
}

func (cw *csvWriter) flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// neutralize keeps a spreadsheet from running a cell as a formula: a
// cell starting with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe, as OWASP's CSV injection guidance recommends. The
// registry's text rarely starts so ("- Inclusion criteria"), and the
// apostrophe shows as what it is.
func neutralize(cell string) string {
	if cell != "" && strings.IndexByte("=+-@\t\r", cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}
