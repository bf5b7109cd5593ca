package match

import (
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/patient"
)

// findRow finds the row, at any depth, whose criterion contains text.
func findRow(t *testing.T, rows []Row, text string) Row {
	t.Helper()
	var walk func([]Row) (Row, bool)
	walk = func(rows []Row) (Row, bool) {
		for _, rw := range rows {
			if strings.Contains(rw.Criterion, text) {
				return rw, true
			}
			if r, ok := walk(rw.Rows); ok {
				return r, true
			}
		}
		return Row{}, false
	}
	r, ok := walk(rows)
	if !ok {
		t.Fatalf("no row with %q", text)
	}
	return r
}

// NCT00005926 (bundled) asks for "a serum creatinine less than 1.5 mg/dl
// or creatinine clearance greater than 60 ml/hr": either will do.
func TestThresholdAlternatives(t *testing.T) {
	const text = "serum creatinine less than 1.5"
	for _, tc := range []struct {
		labs []patient.Lab
		want Status
	}{
		{[]patient.Lab{{Name: "creatinine", Value: 2.1, Unit: "mg/dL"}}, Unknown},
		{[]patient.Lab{{Name: "creatinine", Value: 1.2, Unit: "mg/dL"}}, Met},
		{[]patient.Lab{{Name: "creatinine", Value: 2.1, Unit: "mg/dL"}, {Name: "creatinine_clearance", Value: 30, Unit: "mL/min"}}, NotMet},
	} {
		// The item's other thresholds, "SGOT and SGPT less than 4 times
		// the upper limit of normal", are met.
		labs := append(tc.labs, patient.Lab{Name: "ast", Value: 1, Unit: "ULN"}, patient.Lab{Name: "alt", Value: 1, Unit: "ULN"})
		r := checkDemo(t, "NCT00005926", patient.Profile{Age: ptr(70.0), Labs: labs})
		rw := findRow(t, r.Rows, text)
		if rw.Status != tc.want {
			t.Errorf("labs %+v: %s (%s), want %s", tc.labs, rw.Status, rw.Reason, tc.want)
		}
	}
}

// NCT00003838 (bundled): "Ability to comprehend ... and provide informed
// consent. The procedure will be explained to subjects age 8-17 years":
// the ages say who assents, not who may take part.
func TestConsentAgesDoNotLimit(t *testing.T) {
	r := checkDemo(t, "NCT00003838", patient.Profile{Age: ptr(64.0)})
	rw := findRow(t, r.Rows, "provide informed consent. The procedure")
	if rw.Status == NotMet {
		t.Errorf("a 64-year-old fails the consent item: %s", rw.Reason)
	}
}

// NCT00005007 (bundled): "Willingness to refrain from breast-feeding"
// asks for no breastfeeding: breastfeeding is not met; not breastfeeding
// leaves the willingness, which is the patient's to state to the study
// team.
func TestRefrainFromBreastfeeding(t *testing.T) {
	for _, tc := range []struct {
		feeding bool
		want    Status
	}{{false, Unknown}, {true, NotMet}} {
		r := checkDemo(t, "NCT00005007", patient.Profile{Age: ptr(40.0), Sex: "female", Breastfeeding: ptr(tc.feeding)})
		if rw := findRow(t, r.Rows, "refrain from breast-feeding"); rw.Status != tc.want {
			t.Errorf("breastfeeding %v: %s (%s), want %s", tc.feeding, rw.Status, rw.Reason, tc.want)
		}
	}
}
