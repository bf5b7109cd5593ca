package eligibility

import (
	"fmt"
	"strings"
	"testing"
)

// TestExtractPriorLines reads how criteria count the lines of treatment
// a patient has had, as the bundled oncology records word them.
func TestExtractPriorLines(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // "op value [value2] term hedged", or "" for none
	}{
		{"Treatment-naïve for palliative intent systemic therapy for locally advanced or metastatic disease", "= 0 none"}, // NCT05048797
		{"Previously untreated participants with advanced NSCLC", "= 0 none"},
		{"No prior systemic therapy for advanced or metastatic disease", "= 0 none"},
		{"Have not received prior systemic treatment for metastatic disease", "= 0 none"},
		{"Eligible for first-line treatment with osimertinib", "= 0 none"},
		{"Documented extra-cranial radiologic progression on prior osimertinib monotherapy (as most recent line of treatment)", ">= 1 progressed"}, // NCT06417814
		{"Disease progression after first-line platinum-based chemotherapy", ">= 1 progressed"},
		{"Relapsed or refractory to at least 2 prior lines of therapy", ">= 2 lines"},
		{"Received at least one prior line of systemic therapy", ">= 1 lines"},
		{"Has received 2 or more prior regimens", ">= 2 lines"},
		{"No more than 3 prior lines of therapy", "<= 3 lines"},
		{"At least 2 prior lines of chemotherapy", ""},               // lines of one kind of treatment
		{"Less than or equal to (<=2) prior lines of EGFR TKIs", ""}, // lines of one drug class, not of treatment
		{"1-3 prior lines of therapy for metastatic disease", "between 1 3 lines"},
		{"Prior treatment with more than 2 lines of systemic therapy", "> 2 lines"},
		{"Patients may have received up to 2 prior lines of therapy", "<= 2 lines"},
		{"Chemotherapy-naïve patients", ""},               // another therapy may have been given
		{"TKI-naive ROS1-positive NSCLC", ""},             // likewise
		{"At least 4 weeks after prior chemotherapy", ""}, // a washout, not a count
		{"Previously untreated and treated patients are eligible.", "= 0 none hedged"},
	} {
		var got []string
		for _, c := range allConstraints(Parse(tc.text)) {
			if c.Kind != KindPriorLines {
				continue
			}
			s := fmt.Sprintf("%s %g", c.Op, c.Value)
			if c.Op == OpBetween {
				s = fmt.Sprintf("between %g %g", c.Value, c.Value2)
			}
			s += " " + map[string]string{NoPriorLines: "none", PriorLinesCount: "lines", ProgressedAfterPrior: "progressed"}[c.Term]
			if c.Hedged {
				s += " hedged"
			}
			got = append(got, s)
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestSensitisingMarker reads "EGFR-sensitising mutation" (NCT02679963)
// as an EGFR mutation, negated by "absence of".
func TestSensitisingMarker(t *testing.T) {
	cs := findKind(allConstraints(Parse("Absence of EGFR-sensitising mutation or ALK translocation")), KindBiomarker)
	if len(cs) == 0 || cs[0].Term != "EGFR" || cs[0].Value != BiomarkerNegative {
		t.Errorf("got %+v, want EGFR negative", cs)
	}
}

// TestMarkerAfterItsName reads a marker written after its full name
// (NCT06097962) and "mutation negative" as wild type.
func TestMarkerAfterItsName(t *testing.T) {
	cs := findKind(allConstraints(Parse("Epidermal growth factor receptor (EGFR) gene mutation negative, ROS oncogene 1 (ROS1) negative, and anaplastic lymphoma kinase (ALK) negative NSCLC")), KindBiomarker)
	got := map[string]float64{}
	for _, c := range cs {
		got[c.Term] = c.Value
	}
	if len(got) != 3 || got["EGFR"] != BiomarkerNegative || got["ROS1"] != BiomarkerNegative || got["ALK"] != BiomarkerNegative {
		t.Errorf("got %+v, want EGFR, ROS1 and ALK negative", cs)
	}
	if cs := findKind(allConstraints(Parse("EGFR mutation-positive NSCLC")), KindBiomarker); len(cs) != 1 || cs[0].Value != BiomarkerPositive {
		t.Errorf("EGFR mutation-positive: %+v", cs)
	}
}
