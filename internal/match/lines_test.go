package match

import (
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestPriorLinesVerdicts compares the lines of treatment a patient has
// had with what a criterion asks for: a number given decides, none given
// is unknown, and a reading from progression ("progressed on prior
// osimertinib") rules out only a patient who has had no treatment at all,
// never through an exclusion.
func TestPriorLinesVerdicts(t *testing.T) {
	// The patients have the disease "Treatment-naïve advanced NSCLC"
	// names, which is part of that criterion.
	lines := func(n int, therapies ...string) patient.Profile {
		p := patient.Profile{PriorLines: &n, Conditions: []patient.Condition{{Text: "advanced NSCLC"}}}
		for _, th := range therapies {
			p.Therapies = append(p.Therapies, patient.Therapy{Name: th})
		}
		return p
	}
	const (
		naive       = "Inclusion Criteria:\n* Treatment-naïve advanced NSCLC"
		progressed  = "Inclusion Criteria:\n* Documented radiologic progression on prior osimertinib monotherapy"
		atLeastOne  = "Inclusion Criteria:\n* Received at least one prior line of systemic therapy"
		atMostTwo   = "Inclusion Criteria:\n* No more than 2 prior lines of therapy"
		exclTwoMore = "Inclusion Criteria:\n* Age 18 or older\n\nExclusion Criteria:\n* More than 2 prior lines of systemic therapy"
		exclProg    = "Inclusion Criteria:\n* Age 18 or older\n\nExclusion Criteria:\n* Patients whose disease progressed on prior treatment"
	)
	for _, tc := range []struct {
		criterion string
		p         patient.Profile
		want      Status
		reason    string
	}{
		{naive, lines(0), Met, "You have had no prior line of treatment"},
		{naive, lines(1), NotMet, "You have had 1 prior line of treatment; this trial is for people who have had none"},
		{naive, patient.Profile{}, Unknown, "We don't know how many lines of treatment you have had"},
		{progressed, lines(0), NotMet, "You have had no treatment for it yet; this trial is for people whose disease progressed after earlier treatment"},
		{progressed, lines(0, "adjuvant osimertinib"), Unknown, ""}, // progression after adjuvant treatment counts no line
		{progressed, lines(1), Unknown, ""}, // a line, but of osimertinib?
		{atLeastOne, lines(0), NotMet, "You have had no prior line of treatment; this trial is for people who have had at least 1"},
		{atLeastOne, lines(2), Met, "You have had 2 prior lines of treatment"},
		{atMostTwo, lines(3), NotMet, "You have had 3 prior lines of treatment; this trial is for people who have had no more than 2"},
		{atMostTwo, lines(2), Met, ""},
		{exclTwoMore, lines(3), NotMet, "Rules you out: You have had 3 prior lines of treatment; the criterion is about people who have had more than 2"},
		{exclTwoMore, lines(1), Met, "Does not rule you out"},
		{exclTwoMore, patient.Profile{}, Unknown, ""},
		{exclProg, lines(2), Unknown, ""}, // which treatment progressed is not a count
		{exclProg, lines(0), Met, ""},
	} {
		r := Check(tc.p, study.Study{}, eligibility.Parse(tc.criterion))
		rw := r.Rows[len(r.Rows)-1]
		if rw.Status != tc.want || !strings.Contains(rw.Reason, tc.reason) {
			t.Errorf("%q with %s: %s %q, want %s %q", tc.criterion, linesOf(tc.p), rw.Status, rw.Reason, tc.want, tc.reason)
		}
	}
}

func linesOf(p patient.Profile) string {
	if p.PriorLines == nil {
		return "no lines given"
	}
	return strings.Repeat("I", *p.PriorLines) + " lines"
}

// TestFirstLineInAnExclusion: an exclusion that names first-line
// treatment describes a setting (NCT06472076: "any other driver for
// which a targeted therapy is available for first line treatment"), and
// rules no untreated patient out.
func TestFirstLineInAnExclusion(t *testing.T) {
	n := 0
	r := Check(patient.Profile{PriorLines: &n}, study.Study{}, eligibility.Parse("Inclusion Criteria:\n* Age 18 or older\n\nExclusion Criteria:\n* Any oncogenic driver mutation for which a locally approved targeted therapy is available for first line treatment of metastatic NSCLC."))
	if rw := r.Rows[len(r.Rows)-1]; rw.Status == NotMet {
		t.Errorf("%s %q", rw.Status, rw.Reason)
	}
}
