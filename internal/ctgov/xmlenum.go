package ctgov

import (
	"fmt"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/study"
)

// The legacy XML spells enumerated values the way API v2 labels them
// ("Active, not recruiting", "Dietary Supplement"), so most are mapped
// through the labels in package study; these tables hold the spellings
// that differ, including those of records older than the 2017 schema.
var (
	statusAliases     = map[string]string{"unknown status": "UNKNOWN"}
	phaseAliases      = map[string]string{"n/a": "NA"}
	agencyAliases     = map[string]string{"u.s. fed": "FED", "other u.s. federal agency": "FED", "ambiguous": "AMBIG"}
	sexAliases        = map[string]string{"both": "ALL"}
	observationalAlts = map[string]string{"case control": "CASE_CONTROL", "case-crossover": "CASE_CROSSOVER"}
	whoMaskedAliases  = map[string]string{"subject": "PARTICIPANT", "caregiver": "CARE_PROVIDER"}
	maskings          = map[string]string{
		"none (open label)": "NONE", "open label": "NONE", "no masking": "NONE", "none": "NONE",
		"single": "SINGLE", "single blind": "SINGLE", "single-blind": "SINGLE",
		"double": "DOUBLE", "double blind": "DOUBLE", "double-blind": "DOUBLE",
		"triple": "TRIPLE", "triple blind": "TRIPLE", "quadruple": "QUADRUPLE",
	}
	samplingMethods  = map[string]string{"probability sample": "PROBABILITY_SAMPLE", "non-probability sample": "NON_PROBABILITY_SAMPLE"}
	bioSpecRetention = map[string]string{"none retained": "NONE_RETAINED", "samples with dna": "SAMPLES_WITH_DNA", "samples without dna": "SAMPLES_WITHOUT_DNA"}
	ipdSharing       = map[string]string{"yes": "YES", "no": "NO", "undecided": "UNDECIDED"}
	ipdInfoTypes     = map[string]string{
		"study protocol": "STUDY_PROTOCOL", "statistical analysis plan (sap)": "SAP",
		"informed consent form (icf)": "ICF", "clinical study report (csr)": "CSR", "analytic code": "ANALYTIC_CODE",
	}
	responsibleParties = map[string]string{"sponsor": "SPONSOR", "principal investigator": "PRINCIPAL_INVESTIGATOR", "sponsor-investigator": "SPONSOR_INVESTIGATOR"}
	dateTypes          = map[string]string{"actual": "ACTUAL", "anticipated": "ESTIMATED", "estimate": "ESTIMATED", "estimated": "ESTIMATED"}
	yesNo              = map[string]bool{"yes": true, "true": true, "no": false, "false": false}
	// recruitmentStatuses are the statuses a site may have (API v2's
	// RecruitmentStatus), a subset of the study statuses.
	recruitmentStatuses = map[string]bool{
		"ACTIVE_NOT_RECRUITING": true, "COMPLETED": true, "ENROLLING_BY_INVITATION": true, "NOT_YET_RECRUITING": true,
		"RECRUITING": true, "SUSPENDED": true, "TERMINATED": true, "WITHDRAWN": true, "AVAILABLE": true,
	}
)

// mapper converts XML values to API v2 ones, keeping the first problem so
// the conversion reads straight through.
type mapper struct{ err error }

func (m *mapper) fail(elem, format string, args ...any) {
	if m.err == nil {
		m.err = fmt.Errorf("<%s>: %s", elem, fmt.Sprintf(format, args...))
	}
}

// enum maps value, "" for an absent element, through aliases and then e's
// labels and values, ignoring case.
func (m *mapper) enum(elem string, e study.Enum, aliases map[string]string, value string) string {
	return m.match(elem, e, aliases, value, false)
}

// table maps value through a fixed table; "" for an absent element.
func (m *mapper) table(elem string, t map[string]string, value string) string {
	return m.match(elem, study.Enum{}, t, value, false)
}

// firstOf maps values like "Case Control, Natural History" from records
// that predate the one-value schema: the whole value if it is known, else
// its first part that is.
func (m *mapper) firstOf(elem string, e study.Enum, aliases map[string]string, value string) string {
	return m.match(elem, e, aliases, value, true)
}

func (m *mapper) match(elem string, e study.Enum, aliases map[string]string, value string, parts bool) string {
	v := strings.TrimSpace(value)
	if v == "" {
		return ""
	}
	candidates := []string{v}
	if parts {
		candidates = append(candidates, strings.Split(v, ",")...)
	}
	for _, c := range candidates {
		if out, ok := lookup(e, aliases, strings.TrimSpace(c)); ok {
			return out
		}
	}
	m.fail(elem, "unknown value %q", v)
	return ""
}

func lookup(e study.Enum, aliases map[string]string, v string) (string, bool) {
	if out, ok := aliases[strings.ToLower(v)]; ok {
		return out, true
	}
	for _, ev := range e.Values {
		if strings.EqualFold(ev.Label, v) || strings.EqualFold(ev.Value, v) {
			return ev.Value, true
		}
	}
	return "", false
}

// flag maps Yes/No; nil for an absent element.
func (m *mapper) flag(elem, value string) *bool {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	b, ok := yesNo[strings.ToLower(v)]
	if !ok {
		m.fail(elem, "unknown value %q (want Yes or No)", v)
		return nil
	}
	return &b
}

func (m *mapper) phases(value string) []string {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil
	}
	if out, ok := lookup(study.Phases, phaseAliases, v); ok {
		return []string{out}
	}
	var out []string
	for _, part := range strings.Split(v, "/") {
		out = append(out, m.enum("phase", study.Phases, phaseAliases, part))
	}
	return out
}

// masking reads "Double (Participant, Investigator)", the older "Double
// Blind (Participant, Investigator)" and "Participant, Investigator".
func (m *mapper) masking(value string) (masking string, who []string) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", nil
	}
	if level, ok := maskings[strings.ToLower(v)]; ok {
		return level, nil
	}
	level, list := v, ""
	if i := strings.Index(v, "("); i >= 0 && strings.HasSuffix(v, ")") {
		level, list = strings.TrimSpace(v[:i]), v[i+1:len(v)-1]
	} else if strings.Contains(v, ",") {
		level, list = "", v
	}
	if list != "" {
		for _, w := range strings.Split(list, ",") {
			who = append(who, m.enum("masking", study.WhoMaskedValues, whoMaskedAliases, w))
		}
	}
	if level == "" {
		levels := []string{"", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"}
		if len(who) >= len(levels) {
			m.fail("masking", "unknown value %q", v)
			return "", nil
		}
		return levels[len(who)], who
	}
	return m.table("masking", maskings, level), who
}

// date reads "March 15, 2021" as 2021-03-15 and "March 2021" as 2021-03.
func (m *mapper) date(elem, value string) string {
	v := strings.TrimSpace(value)
	if v == "" {
		return ""
	}
	for _, layout := range []struct{ in, out string }{{"January 2, 2006", "2006-01-02"}, {"January 2006", "2006-01"}, {"2006-01-02", "2006-01-02"}, {"2006-01", "2006-01"}} {
		if t, err := time.Parse(layout.in, v); err == nil {
			return t.Format(layout.out)
		}
	}
	m.fail(elem, "date %q is not like \"March 15, 2021\" or \"March 2021\"", v)
	return ""
}

// fullDate is date for API v2 fields that take only whole dates.
func (m *mapper) fullDate(elem, value string) string {
	d := m.date(elem, value)
	if d != "" && len(d) != len("2006-01-02") {
		m.fail(elem, "date %q has no day", strings.TrimSpace(value))
		return ""
	}
	return d
}

func (m *mapper) dateStruct(elem string, d xmlDated, whole bool) *v2Date {
	var date string
	if whole {
		date = m.fullDate(elem, d.Value)
	} else {
		date = m.date(elem, d.Value)
	}
	if date == "" {
		return nil
	}
	return &v2Date{Date: date, Type: m.table(elem+" type", dateTypes, d.Type)}
}

// stdAges derives API v2's age groups (child under 18, adult 18–64, older
// adult 65 and up) from the age limits, as ClinicalTrials.gov does.
func stdAges(minAge, maxAge study.Age) []string {
	lo, hi := 0.0, 1e9
	if minAge.IsSet() {
		lo = minAge.Years()
	}
	if maxAge.IsSet() {
		hi = maxAge.Years()
	}
	var out []string
	for _, g := range []struct {
		name     string
		from, to float64
	}{{"CHILD", 0, 18}, {"ADULT", 18, 65}, {"OLDER_ADULT", 65, 1e9}} {
		if lo < g.to && hi >= g.from {
			out = append(out, g.name)
		}
	}
	return out
}
