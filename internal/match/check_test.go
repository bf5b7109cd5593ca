package match

import (
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// NCT02526537 (bundled): adjuvant icotinib in stage IB NSCLC, ages 18-78;
// inclusion "ANC >= 1.75 x 10^9/L, platelet >= 100 x 10^9/L, hemoglobin
// >= 9 g/dL", "ECOG score of 0-1"; exclusion "Woman who are pregnant or
// lactating".
const icotinib = "NCT02526537"

func checkDemo(t *testing.T, id string, p patient.Profile) Result {
	t.Helper()
	s := demoStudy(t, id)
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.Facts(fixedDay)
	if err != nil {
		t.Fatal(err)
	}
	c := eligibility.Parse(s.Eligibility.Criteria)
	return newProfileIndex(f, v).check(s.NCTID, &s.Eligibility, prepare(c), true)
}

// row finds the top-level row whose criterion contains text.
func row(t *testing.T, r Result, text string) Row {
	t.Helper()
	for _, rw := range r.Rows {
		if strings.Contains(rw.Criterion, text) {
			return rw
		}
	}
	t.Fatalf("no row with %q in %s", text, r)
	return Row{}
}

func ptr[T any](v T) *T { return &v }

func TestPlateletsBelowThreshold(t *testing.T) {
	p := patient.Profile{Age: ptr(58.0), Sex: "female", Labs: []patient.Lab{
		{Name: "platelets", Value: 60, Unit: "10^9/L"}, {Name: "anc", Value: 2}, {Name: "hemoglobin", Value: 120, Unit: "g/L"}}}
	r := checkDemo(t, icotinib, p)
	rw := row(t, r, "platelet")
	if rw.Status != NotMet || !strings.Contains(rw.Reason, "60 ×10^9/L is below the required ≥ 100 ×10^9/L") {
		t.Errorf("platelets row = %s %q", rw.Status, rw.Reason)
	}
	if r.Verdict != NotEligible || r.Counts.NotMet == 0 {
		t.Errorf("verdict %s", r)
	}
	p.Labs[0].Value = 160
	r = checkDemo(t, icotinib, p)
	if rw := row(t, r, "platelet"); rw.Status != Met {
		t.Errorf("with 160 platelets, ANC 2 and Hb 120 g/L: %s %q", rw.Status, rw.Reason)
	}
	if r.Verdict == NotEligible {
		t.Errorf("nothing should fail now: %s", r)
	}
}

func TestMissingFactsAreUnknown(t *testing.T) {
	r := checkDemo(t, icotinib, patient.Profile{})
	rw := row(t, r, "platelet")
	if rw.Status != Unknown || !strings.Contains(rw.Reason, "We don't know your") {
		t.Errorf("platelets with no labs: %s %q", rw.Status, rw.Reason)
	}
	if r.Verdict != PossiblyEligible || r.Counts.NotMet != 0 || r.Counts.Met != 0 {
		t.Errorf("an empty profile must meet and fail nothing: %s", r)
	}
	top := 0
	for range r.Rows {
		top++
	}
	if c := r.Counts; c.Met+c.NotMet+c.Unknown+c.FreeText != top {
		t.Errorf("counts %+v do not add up to %d rows", c, top)
	}
}

func TestPerformanceStatusScales(t *testing.T) {
	r := checkDemo(t, icotinib, patient.Profile{ECOG: ptr(2)})
	if rw := row(t, r, "ECOG"); rw.Status != NotMet || !strings.Contains(rw.Reason, "outside the required 0–1") {
		t.Errorf("ECOG 2 against 0-1: %s %q", rw.Status, rw.Reason)
	}
	// Karnofsky 80 is ECOG 1.
	if rw := row(t, checkDemo(t, icotinib, patient.Profile{Karnofsky: ptr(80)}), "ECOG"); rw.Status != Met {
		t.Errorf("Karnofsky 80 against ECOG 0-1: %s %q", rw.Status, rw.Reason)
	}
}

func TestAgeLimits(t *testing.T) {
	if rw := row(t, checkDemo(t, icotinib, patient.Profile{Age: ptr(58.0)}), "Age"); rw.Status != Met || rw.Reason != "Age 58 meets the limit of 18 years to 78 years" {
		t.Errorf("58: %s %q", rw.Status, rw.Reason)
	}
	if rw := row(t, checkDemo(t, icotinib, patient.Profile{Age: ptr(80.0)}), "Age"); rw.Status != NotMet {
		t.Errorf("80: %s %q", rw.Status, rw.Reason)
	}
}

func TestExclusionInverts(t *testing.T) {
	for _, tc := range []struct {
		p    patient.Profile
		want Status
	}{
		{patient.Profile{Sex: "female", Pregnant: ptr(true)}, NotMet},
		{patient.Profile{Sex: "female", Pregnant: ptr(false), Breastfeeding: ptr(false)}, Met},
		{patient.Profile{Sex: "female", Pregnant: ptr(false)}, Unknown}, // breastfeeding not known
		{patient.Profile{Sex: "male"}, Met},
		{patient.Profile{}, Unknown},
	} {
		r := checkDemo(t, icotinib, tc.p)
		if rw := row(t, r, "pregnant or lactating"); rw.Status != tc.want || rw.Section != "exclusion" {
			t.Errorf("%+v: %s %s %q, want %s", tc.p, rw.Section, rw.Status, rw.Reason, tc.want)
		}
	}
}

func TestULNMultiples(t *testing.T) {
	s := demoStudy(t, icotinib)
	c := eligibility.Parse(s.Eligibility.Criteria)
	check := func(l patient.Lab) Row {
		t.Helper()
		f, err := patient.Profile{Labs: []patient.Lab{l, {Name: "alt", Value: 1, Unit: "ULN"}, {Name: "total bilirubin", Value: 0.5, Unit: "ULN"}}}.Facts(fixedDay)
		if err != nil {
			t.Fatal(err)
		}
		return row(t, newProfileIndex(f, nil).check(s.NCTID, &s.Eligibility, prepare(c), true), "Total bilirubin")
	}
	if rw := check(patient.Lab{Name: "ast", Value: 80, Unit: "U/L"}); rw.Status != Unknown || !strings.Contains(rw.Reason, "upper limit of normal") {
		t.Errorf("AST in U/L without ULN: %s %q", rw.Status, rw.Reason)
	}
	// The item's bilirubin ("<= the normal value of 1.5 times the upper
	// limit") is not read: what was checked is met, and the item is not.
	if rw := check(patient.Lab{Name: "ast", Value: 80, Unit: "U/L", ULN: 40}); rw.Status != Unknown || !strings.Contains(rw.Reason, "Your AST 2 × ULN meets the required ≤ 2.5 × ULN") {
		t.Errorf("AST 2 × ULN against ≤ 2.5 × ULN: %s %q", rw.Status, rw.Reason)
	}
	if rw := check(patient.Lab{Name: "ast", Value: 3, Unit: "ULN"}); rw.Status != NotMet {
		t.Errorf("AST 3 × ULN against ≤ 2.5 × ULN: %s %q", rw.Status, rw.Reason)
	}
}

// anyOf builds an "any of" inclusion from two real threshold lines.
func anyOfCriteria() eligibility.Criteria {
	sub := eligibility.Parse("Inclusion Criteria:\n\n* Platelets >= 100 x 10^9/L\n* Hemoglobin >= 9 g/dL\n")
	return eligibility.Criteria{Inclusion: []eligibility.Item{{Text: "Any of the following:", AnyOf: true, Items: sub.Inclusion}}}
}

func TestAnyOfNesting(t *testing.T) {
	c := anyOfCriteria()
	if len(c.Inclusion[0].Items) != 2 {
		t.Fatalf("parse gave %d items", len(c.Inclusion[0].Items))
	}
	for _, tc := range []struct {
		labs []patient.Lab
		want Status
	}{
		{[]patient.Lab{{Name: "platelets", Value: 50}, {Name: "hemoglobin", Value: 10}}, Met},
		{[]patient.Lab{{Name: "platelets", Value: 50}, {Name: "hemoglobin", Value: 8}}, NotMet},
		{[]patient.Lab{{Name: "platelets", Value: 50}}, Unknown},
	} {
		r := Check(patient.Profile{Labs: tc.labs}, demoStudy(t, icotinib), c)
		var got Status
		for _, rw := range r.Rows {
			if rw.AnyOf {
				got = rw.Status
				if len(rw.Rows) != 2 {
					t.Errorf("any-of row has %d sub-rows", len(rw.Rows))
				}
			}
		}
		if got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.labs, got, tc.want)
		}
	}
}

// NCT06325566 (bundled): chronic low back pain; it excludes "Participants
// with low back pain that is less than moderate in severity", which
// having low back pain does not settle.
func TestGradedExclusionOfTheOwnCondition(t *testing.T) {
	p := patient.Profile{Age: ptr(49.0), Sex: "female", Conditions: []patient.Condition{{Text: "chronic low back pain"}}}
	r := checkDemo(t, "NCT06325566", p)
	if rw := row(t, r, "less than moderate"); rw.Status != Unknown {
		t.Errorf("a graded exclusion of the patient's own condition: %s %q, want unknown", rw.Status, rw.Reason)
	}
	if r.Verdict == NotEligible {
		t.Errorf("verdict %s", r)
	}
}

// TestHistologyVerdicts checks carcinoma histologies, as bundled lung
// cancer trials word them, against a patient whose note names one: a
// histology that excludes the patient's for the same organ is "not met";
// a list of histologies, another organ's, or a mixed one is not.
func TestHistologyVerdicts(t *testing.T) {
	adeno := patient.Profile{Conditions: []patient.Condition{{Text: "stage IVB lung adenocarcinoma"}}}
	squamousLung := patient.Profile{Conditions: []patient.Condition{{Text: "squamous cell carcinoma of the lung"}}}
	for _, tc := range []struct {
		criterion string
		p         patient.Profile
		notMet    bool
	}{
		{"Inclusion Criteria:\n* Histologically or cytologically documented squamous NSCLC.", adeno, true},                            // NCT06692738
		{"Inclusion Criteria:\n* Participants must have diagnosis of Extensive-Stage Small Cell Lung Cancer (ES-SCLC).", adeno, true}, // NCT06646276
		{"Inclusion Criteria:\n* Patients with lung adenocarcinoma", squamousLung, true},
		{"Inclusion Criteria:\n* Histologically confirmed diagnosis of non-squamous NSCLC", adeno, false},
		{"Inclusion Criteria:\n* Patients with squamous or non-squamous NSCLC", adeno, false},
		{"Inclusion Criteria:\n* Patients with NSCLC or SCLC", adeno, false},
		{"Inclusion Criteria:\n* Age 18 or older\n\nExclusion Criteria:\n* Any presence of small cell and mixed small-cell and non-small cell histology.", adeno, false}, // NCT06194448
		{"Inclusion Criteria:\n* Age 18 or older\n\nExclusion Criteria:\n* History of squamous cell carcinoma of the skin", adeno, false},
	} {
		r := Check(tc.p, study.Study{}, eligibility.Parse(tc.criterion))
		rw := r.Rows[len(r.Rows)-1]
		if got := rw.Status == NotMet; got != tc.notMet {
			t.Errorf("%q for %q: %s %q", tc.criterion, tc.p.Conditions[0].Text, rw.Status, rw.Reason)
		}
	}
}

// noPregnancyInclusions are inclusions written to keep pregnant women
// out: a woman who is not pregnant meets them, and never reads that the
// trial requires a pregnancy.
var noPregnancyInclusions = []string{
	"Negative pregnancy test for women of childbearing potential",
	"Women of childbearing potential must have a negative serum pregnancy test within 7 days prior to treatment",
	"Must not be pregnant or breastfeeding",
	"Non-pregnant, non-lactating women",
	"Female participants must be non-pregnant and willing to use contraception during the study",
	"Not pregnant and willing to use highly effective contraception",
}

// TestNoPregnancyInclusions: a not-pregnant, not-breastfeeding woman is
// never "not met" on such an inclusion (a false exclusion), and a
// pregnant one never "met".
func TestNoPregnancyInclusions(t *testing.T) {
	s := demoStudy(t, icotinib)
	for _, text := range noPregnancyInclusions {
		c := eligibility.Parse("Inclusion Criteria:\n\n* " + text + "\n")
		for _, pregnant := range []bool{false, true} {
			p := patient.Profile{Age: ptr(40.0), Sex: "female", Pregnant: ptr(pregnant), Breastfeeding: ptr(false)}
			r := Check(p, s, c)
			rw := row(t, r, text[:20])
			if !pregnant && rw.Status == NotMet || pregnant && rw.Status == Met {
				t.Errorf("%q, pregnant %v: %s %q", text, pregnant, rw.Status, rw.Reason)
			}
		}
	}
}

// NCT00000625 and NCT00002258 (bundled) list under their inclusion
// criteria "Allowed:" and "Allowed > 2 weeks prior to study entry:"
// medications (G-CSF, chemotherapy, …): a patient who never had them is
// not ruled out by those lists.
func TestAllowedMedicationsRuleNoOneOut(t *testing.T) {
	p := patient.Profile{Age: ptr(40.0), Sex: "male", Conditions: []patient.Condition{{Text: "HIV infection"}},
		NoHistoryOf: []string{"G-CSF", "corticosteroids", "chemotherapy", "growth factor"}}
	for _, id := range []string{"NCT00000625", "NCT00002258"} {
		r := checkDemo(t, id, p)
		if rw := row(t, r, "Allowed"); rw.Status == NotMet {
			t.Errorf("%s allowed medications: %s %q", id, rw.Status, rw.Reason)
		}
		if r.Verdict == NotEligible {
			t.Errorf("verdict %s", r)
		}
	}
}

// TestOwnConditionWithSpread: on NCT05501886's questionnaire (bundled;
// inclusion "Histologically or cytologically confirmed diagnosis of
// metastatic or locally advanced breast cancer Adult females, …") a
// patient who answers that the trial's disease has spread records it
// as the trial's condition, metastatic; the condition and its spread are
// then met, not unknown for the words around the condition's name (the
// item stays unknown for its other sentences, on LHRH agonists, which
// nothing reads). The same words in an exclusion ("metastatic breast
// cancer") still need the spread.
func TestOwnConditionWithSpread(t *testing.T) {
	s := demoStudy(t, "NCT05501886")
	p := patient.Profile{Age: ptr(58.0), Sex: "female",
		Conditions: []patient.Condition{{Text: s.Conditions[0], Metastatic: ptr(true)}}}
	if rw := row(t, checkDemo(t, s.NCTID, p), "metastatic or locally advanced breast cancer"); rw.Status != Unknown ||
		!strings.Contains(rw.Reason, "that part is met: You have "+s.Conditions[0]) || !strings.Contains(rw.Reason, "Your disease has spread") {
		t.Errorf("%s: %s %q, want what was read met", s.Conditions[0], rw.Status, rw.Reason)
	}
	early := patient.Profile{Age: ptr(58.0), Sex: "female",
		Conditions: []patient.Condition{{Text: "breast cancer", Metastatic: ptr(false), Stage: "II"}}}
	c := eligibility.Parse("Exclusion Criteria:\n\n* Metastatic breast cancer\n")
	if rw := row(t, Check(early, s, c), "Metastatic breast"); rw.Status == NotMet {
		t.Errorf("early breast cancer against an exclusion of metastatic breast cancer: %s %q", rw.Status, rw.Reason)
	}
}

// TestBareConditionItems: NCT05385822 (bundled) lists "Diabetes" alone
// among its exclusions; a man with type 2 diabetes is ruled out by it,
// and one who said he has no diabetes is not. A name among inclusions
// never rules anyone out (it may be one of a lost list of
// alternatives), a name with another word stays free text, and names
// of people are not conditions.
func TestBareConditionItems(t *testing.T) {
	man := func(conds []patient.Condition, none ...string) patient.Profile {
		return patient.Profile{Age: ptr(58.0), Sex: "male", Conditions: conds, NoHistoryOf: none}
	}
	ed := patient.Condition{Text: "erectile dysfunction"}
	diabetic := man([]patient.Condition{ed, {Text: "type 2 diabetes"}})
	r := checkDemo(t, "NCT05385822", diabetic)
	if rw := row(t, r, "Diabetes"); rw.Status != NotMet || !strings.Contains(rw.Reason, "type 2 diabetes") {
		t.Errorf("diabetic against the exclusion of diabetes: %s %q", rw.Status, rw.Reason)
	}
	if r.Verdict != NotEligible {
		t.Errorf("diabetic: verdict %s", r.Verdict)
	}
	if rw := row(t, checkDemo(t, "NCT05385822", man([]patient.Condition{ed}, "diabetes")), "Diabetes"); rw.Status != Met {
		t.Errorf("no diabetes against the exclusion of diabetes: %s %q", rw.Status, rw.Reason)
	}
	s := demoStudy(t, "NCT05385822")
	for _, tc := range []struct {
		criteria, row string
		want          Status
	}{
		{"Inclusion Criteria:\n\n* Type 2 diabetes mellitus\n", "Type 2", Met},
		{"Inclusion Criteria:\n\n* Squamous cell carcinoma\n", "Squamous", Unknown},
		{"Exclusion Criteria:\n\n* Uncontrolled diabetes\n", "Uncontrolled", Unknown},
		{"Exclusion Criteria:\n\n* Smokers\n", "Smokers", Unknown},
	} {
		p := diabetic
		if tc.row == "Squamous" {
			p = man([]patient.Condition{{Text: "prostate adenocarcinoma"}}, "squamous cell carcinoma")
		}
		if rw := row(t, Check(p, s, eligibility.Parse(tc.criteria)), tc.row); rw.Status != tc.want {
			t.Errorf("%q: %s %q, want %s", tc.criteria, rw.Status, rw.Reason, tc.want)
		}
	}
}

// TestConditionAlternatives: NCT04012996 (bundled) requires "radiculopathy
// or myelopathy with radiculopathy of the cervical spine"; a patient with
// cervical radiculopathy and no myelopathy meets the conditions, and was
// told she did not ("you said: myelopathy"); the rest of the item (pain,
// paresthesias or paralysis in a nerve root) nothing reads. Alternatives share their final noun: an
// exclusion of "breast or ovarian cancer" does not rule out a lung
// cancer, and rules out an ovarian one.
func TestConditionAlternatives(t *testing.T) {
	p := patient.Profile{Age: ptr(45.0), Sex: "female", Conditions: []patient.Condition{{Text: "cervical radiculopathy"}},
		NoHistoryOf: []string{"myelopathy"}}
	if rw := row(t, checkDemo(t, "NCT04012996", p), "Diagnosis of radiculopathy or myelopathy"); rw.Status != Unknown ||
		!strings.Contains(rw.Reason, "that part is met: You have cervical radiculopathy") {
		t.Errorf("radiculopathy without myelopathy: %s %q", rw.Status, rw.Reason)
	}
	p.Conditions = nil
	p.NoHistoryOf = []string{"myelopathy", "radiculopathy"}
	if rw := row(t, checkDemo(t, "NCT04012996", p), "Diagnosis of radiculopathy or myelopathy"); rw.Status != NotMet {
		t.Errorf("neither radiculopathy nor myelopathy: %s %q", rw.Status, rw.Reason)
	}
	s := demoStudy(t, "NCT04012996")
	c := eligibility.Parse("Exclusion Criteria:\n\n* Patients with breast or ovarian cancer\n")
	lung := patient.Profile{Age: ptr(60.0), Sex: "female", Conditions: []patient.Condition{{Text: "lung adenocarcinoma"}}}
	if rw := row(t, Check(lung, s, c), "Patients with breast"); rw.Status == NotMet {
		t.Errorf("lung cancer against an exclusion of breast or ovarian cancer: %s %q", rw.Status, rw.Reason)
	}
	lung.Conditions = append(lung.Conditions, patient.Condition{Text: "ovarian cancer"})
	if rw := row(t, Check(lung, s, c), "Patients with breast"); rw.Status != NotMet {
		t.Errorf("ovarian cancer against an exclusion of breast or ovarian cancer: %s %q", rw.Status, rw.Reason)
	}
}

// TestQualifiedSexInAnExclusion: NCT01660152 (bundled, men only)
// excludes "Men with sickle cell anemia" and "Men with insufficient
// manual dexterity to operate vacuum device": some men, not men. A man
// who said nothing of either is not ruled out; "Men actively smoking …"
// still rules out a smoker by its other rule.
func TestQualifiedSexInAnExclusion(t *testing.T) {
	p := patient.Profile{Age: ptr(61.0), Sex: "male", Conditions: []patient.Condition{{Text: "prostate cancer"}}}
	r := checkDemo(t, "NCT01660152", p)
	for _, text := range []string{"Men with sickle cell anemia", "Men with insufficient manual dexterity"} {
		if rw := row(t, r, text); rw.Status == NotMet {
			t.Errorf("%q rules out any man: %q", text, rw.Reason)
		}
	}
	if r.Verdict == NotEligible {
		t.Errorf("verdict %s", r)
	}
}

// TestKindOfInsulin: NCT05266625 (bundled) excludes "Current use of
// outpatient prandial insulin"; basal insulin is another kind, so a
// patient on glargine alone is not ruled out, and one on prandial
// insulin is.
func TestKindOfInsulin(t *testing.T) {
	p := patient.Profile{Age: ptr(58.0), Sex: "female", Conditions: []patient.Condition{{Text: "type 2 diabetes"}},
		Therapies: []patient.Therapy{{Name: "insulin glargine", Start: "2024-01", Current: true}}}
	if rw := row(t, checkDemo(t, "NCT05266625", p), "prandial insulin"); rw.Status == NotMet {
		t.Errorf("basal insulin against prandial insulin: %s %q", rw.Status, rw.Reason)
	}
	p.Therapies = append(p.Therapies, patient.Therapy{Name: "prandial insulin", Class: "insulin aspart", Start: "2024-01", Current: true})
	if rw := row(t, checkDemo(t, "NCT05266625", p), "prandial insulin"); rw.Status != NotMet {
		t.Errorf("prandial insulin against prandial insulin: %s %q, want not met", rw.Status, rw.Reason)
	}
}

// TestCountedLesionsInAnExclusion: NCT05278052 (bundled, oligometastatic
// NSCLC) excludes "Patients with more than three metastatic lesion in one
// organ"; a patient's metastatic disease does not say how many.
func TestCountedLesionsInAnExclusion(t *testing.T) {
	p := patient.Profile{Age: ptr(63.0), Sex: "male", ECOG: ptr(1),
		Conditions: []patient.Condition{{Text: "non-small cell lung cancer", Metastatic: ptr(true)}}}
	if rw := row(t, checkDemo(t, "NCT05278052", p), "more than three metastatic lesion"); rw.Status == NotMet {
		t.Errorf("a count of lesions decided by metastatic disease: %q", rw.Reason)
	}
}

// TestSiteAndClassOfPriorTherapy: bundled exclusions of a prior therapy
// named by its site or class rule out the patient who had it, and not
// one who had another: NCT04544683 "History of prior cervical spine
// surgery." (a cervical fusion, against knee surgery); NCT05631795
// "prior treatment with any PI3K inhibitors and / or mTOR inhibitor".
func TestSiteAndClassOfPriorTherapy(t *testing.T) {
	for _, tc := range []struct {
		id, text string
		had      patient.Therapy
		want     Status
	}{
		{"NCT04544683", "cervical spine surgery", patient.Therapy{Name: "anterior cervical discectomy and fusion", Class: "cervical spine surgery", Start: "2019-03"}, NotMet},
		{"NCT04544683", "cervical spine surgery", patient.Therapy{Name: "knee surgery", Class: "surgery", Start: "2019-03"}, Unknown},
		{"NCT05631795", "PI3K inhibitors", patient.Therapy{Name: "alpelisib", Class: "PI3K inhibitor", Start: "2024-01", End: "2024-09"}, NotMet},
	} {
		p := patient.Profile{Age: ptr(55.0), Sex: "female", Therapies: []patient.Therapy{tc.had}}
		if rw := row(t, checkDemo(t, tc.id, p), tc.text); rw.Status != tc.want {
			t.Errorf("%s %q after %s: %s %q, want %s", tc.id, tc.text, tc.had.Name, rw.Status, rw.Reason, tc.want)
		}
	}
}
