package match

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// TestSpreadOnlyWhenGeneral: "has the disease spread" is read from an
// item only where it speaks of spread in general. Metastases at a site
// ("CNS metastases"), of a size or count, in lymph nodes (regional, not
// distant), a complication ("metastatic spinal cord compression"), a
// scan negative for it, or a term operability negates ("non-operable":
// inoperable disease need not have spread) rule no one in or out on
// whether the disease has spread. The items are bundled records'; the
// expected outcomes were written before the change.
func TestSpreadOnlyWhenGeneral(t *testing.T) {
	s := demoStudy(t, "NCT05501886")
	patientWith := func(spread bool) patient.Profile {
		return patient.Profile{Age: ptr(60.0), Sex: "female",
			Conditions: []patient.Condition{{Text: "breast cancer", Metastatic: ptr(spread)}}}
	}
	for _, tc := range []struct {
		section, item string
		spread        bool   // the patient's disease has spread
		want          Status // the criterion's outcome; for an exclusion NotMet rules the patient out
		// orUnknown accepts unknown too: the parser reads "active
		// central nervous system" as a condition of its own.
		orUnknown bool
	}{
		// Site, size, complication: some patients whose disease has spread.
		{"Exclusion", "Has known active central nervous system (CNS) metastases", true, Unknown, false},
		{"Exclusion", "Metastatic spinal cord compression", true, Unknown, false},
		{"Exclusion", "Patients with metastatic lesion size of more than 5 cm", true, Unknown, false},
		{"Exclusion", "Evidence of any metastatic disease in the brain, spine or CSF.", true, Unknown, false},
		{"Exclusion", "Has known active central nervous system (CNS) metastases", false, Met, true},
		// Spread in general still decides.
		{"Exclusion", "Clinical evidence of metastatic disease", true, NotMet, false},
		{"Exclusion", "Clinical evidence of metastatic disease", false, Met, false},
		{"Inclusion", "Histologically confirmed melanoma that is metastatic and unresectable", false, NotMet, false},
		{"Inclusion", "Stage IV metastatic disease", false, NotMet, false},
		// Regional nodes, a negative scan, inoperable disease, examples
		// of a negated term: no requirement of spread.
		{"Inclusion", "Tumors must be considered surgically resectable (T1-3, NX), including regional thoracic lymph node (N1) metastases.", false, Unknown, false},
		{"Inclusion", "Patients must have a negative Computerized Tomography (CT) scan and Bone Scan for metastatic prostate cancer.", false, Unknown, false},
		{"Inclusion", "Stage II/III non-operable disease, without malignant pleural effusion", false, Unknown, false},
		{"Inclusion", "Patients must not have evidence of distant metastases (e.g., peritoneal, carcinomatosis, liver metastases).", false, Met, false},
		{"Inclusion", "Patients must not have evidence of distant metastases (e.g., peritoneal, carcinomatosis, liver metastases).", true, NotMet, false},
	} {
		c := eligibility.Parse(tc.section + " Criteria:\n\n* " + tc.item + "\n")
		rw := row(t, Check(patientWith(tc.spread), s, c), tc.item[:20])
		// Unknown here means "never the wrong way": an item that may
		// still be met by the rest of what it says is fine as unknown or
		// met for the patient it must not rule out.
		ok := rw.Status == tc.want || tc.orUnknown && rw.Status == Unknown ||
			tc.want == Unknown && rw.Status == Met && tc.section == "Inclusion"
		if !ok {
			t.Errorf("%s %q, spread %v: %s (%q), want %s", tc.section, tc.item, tc.spread, rw.Status, rw.Reason, tc.want)
		}
	}
}

// TestConflictingFixedAnswers: criteria that rule out each answer to a
// question with fixed answers (items of bundled records) are unknown,
// never "not met", and not asked: a study of pregnant women that also
// excludes a "multiple pregnancy"; one of postpartum depression whose
// inclusion speaks of onset "during pregnancy" beside an exclusion of
// current pregnancy; one of men from 55 and women from 65; one that
// asks for stage IV metastatic disease and no history of metastatic
// disease.
func TestConflictingFixedAnswers(t *testing.T) {
	s := demoStudy(t, "NCT05501886")
	woman := func(pregnant bool) patient.Profile {
		return patient.Profile{Age: ptr(70.0), Sex: "female", Pregnant: ptr(pregnant)}
	}
	man := patient.Profile{Age: ptr(60.0), Sex: "male"}
	metastatic := patient.Profile{Age: ptr(60.0), Sex: "female",
		Conditions: []patient.Condition{{Text: "breast cancer", Metastatic: ptr(true)}}}
	for _, tc := range []struct {
		criteria string
		p        patient.Profile
		ask      string // the question that must not be asked
	}{
		{"Inclusion Criteria:\n\n* Any pregnant woman expected to deliver vaginally\n\nExclusion Criteria:\n\n* Multiple pregnancy\n", woman(true), AskPregnant},
		{"Inclusion Criteria:\n\n* Any pregnant woman expected to deliver vaginally\n\nExclusion Criteria:\n\n* Multiple pregnancy\n", woman(false), AskPregnant},
		{"Inclusion Criteria:\n\n* Must be women aged 22-45 years who had onset of a major depressive episode any time during pregnancy or within 4 weeks following delivery\n\nExclusion Criteria:\n\n* Currently pregnant or plans to become pregnant within the next 8 weeks\n", woman(false), AskPregnant},
		{"Inclusion Criteria:\n\n* men age ≥55 years\n* women age ≥65 years\n", woman(false), AskSex},
		{"Inclusion Criteria:\n\n* men age ≥55 years\n* women age ≥65 years\n", man, AskSex},
		{"Inclusion Criteria:\n\n* No history of previous metastatic disease\n* Stage IV metastatic disease\n", metastatic, AskSpread},
	} {
		c := eligibility.Parse(tc.criteria)
		r := Check(tc.p, s, c)
		for _, rw := range r.Rows {
			if rw.Section != "study" && rw.Status == NotMet {
				t.Errorf("%q: %q not met (%q)", tc.criteria, rw.Criterion, rw.Reason)
			}
		}
		for _, q := range Questions(s, c) {
			if q.Kind == tc.ask {
				t.Errorf("%q: asks %q, which no answer passes", tc.criteria, q.Text)
			}
		}
	}
}
