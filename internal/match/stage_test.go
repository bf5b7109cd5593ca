package match

import (
	"context"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestStageVerdicts checks stage criteria, as bundled records word them,
// against cancer patients: a stage outside the criterion's set is "not
// met" with the comparison as the reason, the disease's spread counts as
// stage IV, and what is not certain (a stage without its sub-stage, an
// alternative to the stage, another disease's stage, facts that disagree)
// stays unknown. Written before the checker read stage sets.
func TestStageVerdicts(t *testing.T) {
	// The patients have the criteria's disease: a stage read beside
	// another disease's name is no more than part of the criterion.
	metastaticOf := func(cancer, stage string) patient.Profile {
		return patient.Profile{Conditions: []patient.Condition{{Text: cancer, Stage: stage, Metastatic: ptr(true)}}}
	}
	stagedOf := func(cancer, stage string) patient.Profile {
		return patient.Profile{Conditions: []patient.Condition{{Text: cancer, Stage: stage}}}
	}
	metastatic := func(stage string) patient.Profile { return metastaticOf("breast cancer", stage) }
	staged := func(stage string) patient.Profile { return stagedOf("breast cancer", stage) }
	const lung, melanomaOf = "non-small cell lung cancer", "melanoma"
	const (
		her2Post = "Inclusion Criteria:\n\n1. Stage IIB-III invasive breast cancer (AJCC 8th edition)\n" // NCT06926543
		lung34   = "Inclusion Criteria:\n\n* Stage III or IV non-small cell lung cancer\n"               // NCT07134413 and other lung trials
		orRecur  = "Inclusion Criteria:\n\n* Stage IV or recurrent non-small cell lung cancer\n"         // an alternative to the stage
		laOrMet  = "Inclusion Criteria:\n\n* Locally advanced or metastatic breast cancer\n"             // no stage at all
		ckd      = "Inclusion Criteria:\n\n* Chronic kidney disease stage 3 or 4\n"                      // another disease's stage
		melanoma = "Inclusion Criteria:\n\n* Stage III (unresectable) or stage IV melanoma\n"            // two mentions, one set
	)
	for _, tc := range []struct {
		name     string
		criteria string
		p        patient.Profile
		want     Status
		reason   []string // fragments the reason must hold
	}{
		{"metastatic against IIB-III", her2Post, metastatic(""), NotMet, []string{"spread", "stage IV", "outside stage IIB-III"}},
		{"stage IV against IIB-III", her2Post, staged("IV"), NotMet, []string{"stage IV", "outside stage IIB-III"}},
		{"IIIA within IIB-III", her2Post, staged("IIIA"), Met, []string{"IIIA", "within stage IIB-III"}},
		{"arabic 2A below IIB-III", her2Post, staged("2A"), NotMet, []string{"2A", "outside stage IIB-III"}},
		{"II without sub-stage", her2Post, staged("II"), Unknown, []string{"may or may not"}},
		{"no stage", her2Post, staged(""), Unknown, []string{"don't know your stage"}},
		{"not metastatic, no stage", her2Post, patient.Profile{Conditions: []patient.Condition{{Text: "breast cancer", Metastatic: ptr(false)}}}, Unknown, nil},
		{"stage at diagnosis and spread disagree", her2Post, metastatic("IIIB"), Unknown, nil},
		{"metastatic against III or IV", lung34, metastaticOf(lung, ""), Met, []string{"within stage III, IV"}},
		{"IIIB against III or IV", lung34, stagedOf(lung, "IIIB"), Met, nil},
		{"another cancer's IIIB against III or IV", lung34, staged("IIIB"), Unknown, []string{"only part"}},
		{"II against III or IV", lung34, stagedOf(lung, "II"), NotMet, []string{"outside stage III, IV"}},
		{"IIIA against IV or recurrent", orRecur, stagedOf(lung, "IIIA"), Unknown, nil},
		{"metastatic against IV or recurrent", orRecur, metastaticOf(lung, ""), Unknown, []string{"only part", "within stage IV"}}, // "recurrent" is not read
		{"IIIB against locally advanced or metastatic", laOrMet, staged("IIIB"), Unknown, nil},
		{"metastatic against locally advanced or metastatic", laOrMet, metastatic(""), Met, nil},
		{"a cancer's stage against CKD stage 3 or 4", ckd, metastatic(""), Unknown, nil},
		{"II against III (unresectable) or IV", melanoma, stagedOf(melanomaOf, "II"), NotMet, nil},
		{"metastatic against III (unresectable) or IV", melanoma, metastaticOf(melanomaOf, ""), Met, nil},
	} {
		r := Check(tc.p, study.Study{NCTID: "NCT00000000"}, eligibility.Parse(tc.criteria))
		rw := r.Rows[len(r.Rows)-1]
		if rw.Status != tc.want {
			t.Errorf("%s: %s %q, want %s", tc.name, rw.Status, rw.Reason, tc.want)
			continue
		}
		for _, f := range tc.reason {
			if !strings.Contains(rw.Reason, f) {
				t.Errorf("%s: reason %q lacks %q", tc.name, rw.Reason, f)
			}
		}
	}
	// An exclusion of stage IV disease rules out a metastatic patient and
	// nobody whose stage is lower.
	const excl4 = "Inclusion Criteria:\n\n* Age 18 or older\n\nExclusion Criteria:\n\n* Any evidence of Stage IV disease\n" // NCT05170204
	if rw := Check(metastatic(""), study.Study{}, eligibility.Parse(excl4)).Rows[1]; rw.Status != NotMet || !strings.Contains(rw.Reason, "Rules you out") {
		t.Errorf("metastatic against an exclusion of stage IV: %s %q", rw.Status, rw.Reason)
	}
	if rw := Check(staged("IIA"), study.Study{}, eligibility.Parse(excl4)).Rows[1]; rw.Status != Met {
		t.Errorf("IIA against an exclusion of stage IV: %s %q", rw.Status, rw.Reason)
	}
}

// TestHER2NoteSkipsPostoperativeTrial checks the bundled postoperative
// radiotherapy trial for stage IIB-III breast cancer (NCT06926543)
// against the HER2-positive metastatic note, read as the page reads it:
// not eligible, because of the stage.
func TestHER2NoteSkipsPostoperativeTrial(t *testing.T) {
	p, _ := patient.FromText("61-year-old woman with HER2-positive (IHC 3+) metastatic breast cancer, liver and bone metastases, ER-negative. ECOG 1.")
	s := demoStudy(t, "NCT06926543")
	c, err := eligibility.Load(context.Background(), loadDemo(t), s.NCTID, s.Eligibility.Criteria)
	if err != nil {
		t.Fatal(err)
	}
	r := Check(p, s, c)
	if r.Verdict != NotEligible {
		t.Fatalf("%s", r)
	}
	if rw := row(t, r, "Stage IIB-III"); rw.Status != NotMet || !strings.Contains(rw.Reason, "outside stage IIB-III") {
		t.Errorf("stage row: %s %q", rw.Status, rw.Reason)
	}
}
