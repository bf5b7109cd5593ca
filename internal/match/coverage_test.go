package match

import (
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// Criteria of bundled records that the parser reads only in part: the
// check says what it could check and leaves the rest to the study team,
// never "met" on a part.

// wantRow checks the status of the row holding text and that its reason
// says each of says.
func wantRow(t *testing.T, r Result, text string, st Status, says ...string) {
	t.Helper()
	rw, ok := findRow2(r.Rows, text)
	if !ok {
		t.Fatalf("no row with %q in %s", text, r)
	}
	if rw.Status != st {
		t.Errorf("%q is %s (%s), want %s", text, rw.Status, rw.Reason, st)
	}
	for _, s := range says {
		if !strings.Contains(rw.Reason, s) {
			t.Errorf("%q: reason %q does not say %q", text, rw.Reason, s)
		}
	}
}

// NCT06764875 (bundled): HER2-positive gastric cancer. "HER2 positive for
// gastric cancer on a tumor biopsy." reads HER2, and "gastric" only as
// the name of a patient's condition; "Eastern Cooperative Oncology Group (ECOG) performance status
// of 0 or 1" (NCT04073706) is read whole.
func TestPartlyReadInclusion(t *testing.T) {
	const item = "HER2 positive for gastric cancer on a tumor biopsy"
	her2 := func(status string) patient.Profile {
		return patient.Profile{Age: ptr(60.0), Biomarkers: []patient.Biomarker{{Name: "HER2", Status: status}}}
	}
	// What was read is met; the gastric cancer was not read.
	wantRow(t, checkDemo(t, "NCT06764875", her2("positive")), item, Unknown,
		"We could check only part of this, and that part is met: You are HER2-positive. The rest we can't check — ask the study team")
	// What is left names the patient's cancer: read as a condition.
	gastric := her2("positive")
	gastric.Conditions = []patient.Condition{{Text: "HER2-positive gastric cancer"}}
	wantRow(t, checkDemo(t, "NCT06764875", gastric), item, Met, "You are HER2-positive", `You have HER2-positive gastric cancer (matches "gastric")`)
	// A part the patient's facts contradict is enough.
	wantRow(t, checkDemo(t, "NCT06764875", her2("negative")), item, NotMet, "You are HER2-negative; the criterion is about HER2-positive")

	ecog := func(n int) patient.Profile { return patient.Profile{Age: ptr(60.0), ECOG: &n} }
	const whole = "Eastern Cooperative Oncology Group (ECOG) performance status of 0 or 1"
	wantRow(t, checkDemo(t, "NCT04073706", ecog(1)), whole, Met, "Your ECOG performance status 1 is within the required 0–1")
	wantRow(t, checkDemo(t, "NCT04073706", ecog(2)), whole, NotMet)
}

// NCT06350097 (bundled): EGFR-mutated NSCLC. Its exclusions "Known HIV
// infection that is not well controlled." (one alternative, which "not
// well controlled" narrows) and "Spinal cord compression and unstable
// brain metastases." (two, one of them unread).
func TestPartlyReadExclusion(t *testing.T) {
	const hiv = "Known HIV infection that is not well controlled"
	// Without HIV the narrower "not well controlled" HIV is ruled out.
	wantRow(t, checkDemo(t, "NCT06350097", patient.Profile{NoHistoryOf: []string{"HIV"}}), hiv, Met, "Does not rule you out")
	// With HIV, whether it is well controlled was not read: it cannot
	// trigger the exclusion alone.
	withHIV := patient.Profile{Conditions: []patient.Condition{{Text: "HIV infection"}}}
	wantRow(t, checkDemo(t, "NCT06350097", withHIV), hiv, Unknown, "You have HIV infection", "but the criterion says more about it than we can check — ask the study team")

	// Ruling out the brain metastases leaves the spinal cord
	// compression, which nothing read.
	const cord = "Spinal cord compression and unstable brain metastases"
	wantRow(t, checkDemo(t, "NCT06350097", patient.Profile{NoHistoryOf: []string{"brain metastases"}}), cord, Unknown,
		"We could check only part of this, and that part does not rule you out: You don't have \"brain metastases\"", "The rest we can't check — ask the study team")
}

// NCT05803083 (bundled): "Pregnant, lactating, or of child-bearing
// potential." The pregnancy is an alternative read whole, which triggers
// the exclusion alone; its absence leaves the child-bearing potential.
func TestExclusionAlternativeReadWhole(t *testing.T) {
	const item = "Pregnant, lactating, or of child-bearing potential"
	pregnant := patient.Profile{Sex: "female", Pregnant: ptr(true)}
	wantRow(t, checkDemo(t, "NCT05803083", pregnant), item, NotMet, "Rules you out: You are pregnant")
	notPregnant := patient.Profile{Sex: "female", Pregnant: ptr(false), Breastfeeding: ptr(false)}
	wantRow(t, checkDemo(t, "NCT05803083", notPregnant), item, Unknown, "We could check only part of this, and that part does not rule you out: You are not pregnant")
}

// NCT04603807 (bundled): "Prior radiotherapy is allowed if more than 14
// days have elapsed between the end of treatment and randomization"
// lets some people in, on a condition nothing read: it may still keep
// someone out, so it is not "met", and it is no requirement of its own.
func TestPartlyReadAllowance(t *testing.T) {
	r := checkDemo(t, "NCT04603807", patient.Profile{Age: ptr(60.0)})
	wantRow(t, r, "Prior radiotherapy is allowed if more than 14 days", Unknown, "if conditions we can't check are met")
	if r.Verdict == NotEligible {
		t.Errorf("an allowance ruled a patient out: %s", r)
	}
}

// TestUnreadWords pins what counts as read: a threshold's other names, a
// value restated in another unit, the method a value comes from, the
// study's moments and the examples of a term read are read with it; a
// disease named beside a biomarker is not, nor examples of a term that
// was not read.
func TestUnreadWords(t *testing.T) {
	for _, tc := range []struct {
		text   string
		unread string
	}{
		{"Eastern Cooperative Oncology Group (ECOG) performance status of 0 or 1", ""},
		{"HbA1c greater than or equal to 6.5 percent (48 mmol/mol) as measured by the central laboratory at screening", ""},
		{"LVEF (left ventricular ejection fraction) of at least 50% measured by echocardiogram (ECHO) or multiple-gated acquisition scan (MUGA)", ""},
		{"Uncontrolled diabetes (HbA1c ≥ 13%)", ""},
		{"Patients must not have evidence of distant metastases (e.g., peritoneal, carcinomatosis, liver metastases).", ""},
		{"Contraindication for an MRI scan (e.g. implanted non-MRI-compatible devices or foreign bodies, claustrophobic or pregnancy).", "Contraindication MRI scan implanted non MRI compatible devices foreign bodies claustrophobic"},
		{"Age ≥ 18 years with histologically confirmed adenocarcinoma and measurable disease per RECIST 1.1", "adenocarcinoma measurable"},
		{"HER2 positive for gastric cancer on a tumor biopsy.", "gastric"},
		{"ER, PR and HER2 negative", "ER PR"},
	} {
		c := eligibility.Parse("Inclusion Criteria:\n\n* " + tc.text + "\n")
		it := &c.Inclusion[0]
		p := prepareItem(it, false)
		var words []string
		for _, w := range unreadWords(it, itemConstraints(it, false), p.cons, forMet) {
			words = append(words, it.Text[w[0]:w[1]])
		}
		if got := strings.Join(words, " "); got != tc.unread {
			t.Errorf("%q: unread %q, want %q", tc.text, got, tc.unread)
		}
		if p.partial != (tc.unread != "") {
			t.Errorf("%q: partial %v", tc.text, p.partial)
		}
	}
}
