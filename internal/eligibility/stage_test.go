package eligibility

import (
	"strings"
	"testing"
)

// TestStageSets reads stage ranges and lists, as bundled records write
// them, into the set of stages a criterion allows: every stage of the
// phrase, one constraint per item; hedges the stages a checker must not
// rule a patient out on (an alternative to the stage, a past stage); and
// reads no stage of another disease's scale.
func TestStageSets(t *testing.T) {
	for _, tc := range []struct {
		text   string
		want   string // the stage constraints' terms, "; "-joined; "h:" marks hedged
		reason string
	}{
		{"Stage IIB-III invasive breast cancer (AJCC 8th edition)", "stage IIB-III", "a range"},
		{"Histologically confirmed stage II or III breast cancer", "stage II, III", "a list with or"},
		{"Stage I-IIIA non-small cell lung cancer, completely resected", "stage I-IIIA", "a range to a sub-stage"},
		{"Stage III/IV ovarian cancer", "stage III, IV", "a slash"},
		{"Clinical stage IIIb or IV non-small cell lung cancer", "stage IIIB, IV", "sub-stage letters upper case"},
		{"Stage i, ii, or iiia (ct1-3, n0-1, m0)", "stage I, II, IIIA", "a comma list with a final or"},
		{"Stage IIB - IIIC (T2-4, N0 or N1, M0)", "stage IIB-IIIC", "a spaced hyphen"},
		{"FIGO stage IB2 to IVA cervical cancer", "stage IB2-IVA", "a range with 'to' and a sub-stage digit"},
		{"Stage IIIB/C or stage IV NSCLC", "stage IIIB, IIIC, IV", "letters after a slash, and a repeated 'stage'"},
		{"Stage III a/b/c disease (per AJCC 8) with minimum of 1 measurable lesion", "stage IIIA, IIIB, IIIC", "spaced letters"},
		{"Stage III (unresectable) or stage IV melanoma", "stage III, IV", "two mentions of one item make one set"},
		{"Stage II or higher", "stage II-IV", "an open range"},
		{"stage IIIA or greater", "stage IIIA-IV", "an open range from a sub-stage"},
		{"Stage 3 or 4 disease", "stage III, IV", "arabic numerals"},
		{"Stage IV breast cancer (M1 disease on TNM staging)", "stage IV", "a single stage"},
		// Alternatives to the stage, and stages of the past, say nothing
		// certain about the patient's stage now.
		{"Stage IV or recurrent non-small cell lung cancer", "h:stage IV", "an alternative after"},
		{"Recurrent or stage IV NSCLC", "h:stage IV", "an alternative before"},
		{"Locally advanced (stage IIIB/C) or metastatic breast cancer", "h:stage IIIB, IIIC", "locally advanced or metastatic"},
		{"Patients who had recurred from Stage I/II/III after complete surgery can be included", "h:stage I, II, III", "a stage before recurrence"},
		{"History of stage I-III breast cancer, now with metastatic relapse", "h:stage I-III", "a past stage"},
		// Other diseases' stages are not a cancer's: no stage is read.
		{"Chronic kidney disease stage 3 or 4 (eGFR 15-59 mL/min/1.73m2)", "", "CKD"},
		{"Stage 2 or 3 Parkinson disease (Hoehn/Yahr scale)", "", "Hoehn and Yahr"},
		{"Stage II to IV congestive heart failure (CHF) as defined by the NYHA", "", "heart failure"},
		{"Stage 3 to 5", "", "a scale past IV"},
		{"Stage 1 hypertension (BP > 140 but < 159/90-99)", "", "hypertension"},
	} {
		var got []string
		for _, c := range allConstraints(Parse(tc.text)) {
			if c.Kind != KindStage {
				continue
			}
			term := c.Term
			if c.Hedged {
				term = "h:" + term
			}
			got = append(got, term)
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("%s: %q\n got %q\nwant %q", tc.reason, tc.text, strings.Join(got, "; "), tc.want)
		}
	}
}
