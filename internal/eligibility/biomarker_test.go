package eligibility

import "testing"

// TestAdjacentMarkers: markers written one after the other without a
// separator ("ER-positive HER2-negative breast cancer", as criteria and
// clinic notes write them) each keep their own status; the first one's
// status is not also read as the next one's ("positive HER2"), which
// made HER2 both positive and negative, and so dropped.
func TestAdjacentMarkers(t *testing.T) {
	for text, want := range map[string]map[string]float64{
		"metastatic ER-positive HER2-negative breast cancer": {"ER": BiomarkerPositive, "HER2": BiomarkerNegative},
		"ER positive HER2 negative":                          {"ER": BiomarkerPositive, "HER2": BiomarkerNegative},
		"ER/PR-positive HER2-negative":                       {"HR": BiomarkerPositive, "HER2": BiomarkerNegative},
		"negative for HER2":                                  {"HER2": BiomarkerNegative},
		"HER2-positive or HER2-negative":                     {},
	} {
		got := map[string]float64{}
		for _, c := range Markers(text) {
			got[c.Term] = c.Value
		}
		if len(got) != len(want) {
			t.Errorf("%q: %v, want %v", text, got, want)
			continue
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%q: %v, want %v", text, got, want)
			}
		}
	}
}
