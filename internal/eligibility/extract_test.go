package eligibility

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// allConstraints flattens the constraints of every item and sub-item.
func allConstraints(c Criteria) []Constraint {
	var out []Constraint
	var walk func([]Item)
	walk = func(items []Item) {
		for _, it := range items {
			out = append(out, it.Constraints...)
			walk(it.Items)
		}
	}
	walk(c.Inclusion)
	walk(c.Exclusion)
	walk(c.Other)
	return out
}

func measureString(c Constraint) string {
	if c.Op == OpBetween {
		return fmt.Sprintf("%s between %g %g %s", c.Variable, c.Value, c.Value2, c.Unit)
	}
	return fmt.Sprintf("%s %s %g %s", c.Variable, c.Op, c.Value, c.Unit)
}

// checkMeasures asserts that text yields exactly the want measures
// (as "variable op value [value2] unit", values rounded to 4 digits).
func checkMeasures(t *testing.T, text string, want ...string) {
	t.Helper()
	var got []string
	for _, c := range allConstraints(Parse(text)) {
		if c.Kind == KindMeasure {
			got = append(got, strings.TrimSpace(measureString(round(c))))
		}
	}
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("%q\n got %q\nwant %q", text, got, want)
	}
}

func round(c Constraint) Constraint {
	r := func(f float64) float64 {
		s := fmt.Sprintf("%.4g", f)
		var v float64
		fmt.Sscan(s, &v)
		return v
	}
	c.Value, c.Value2 = r(c.Value), r(c.Value2)
	return c
}

// The examples are real criteria text; the NCT id names the record.
func TestExtractAge(t *testing.T) {
	checkMeasures(t, "Age: 18-75 years old;", "age between 18 75 years")                            // NCT05111366
	checkMeasures(t, "Patients Aged between 18 and 40 years old", "age between 18 40 years")        // NCT from labelled set
	checkMeasures(t, "18 years of age or older", "age >= 18 years")                                 // many
	checkMeasures(t, "Age less than 18 and more than 70 years", "age < 18 years", "age > 70 years") // NCT01742962
	checkMeasures(t, "Skeletally mature male or female patient, at least 21 years of age and no more than 80 years of age, inclusive",
		"age >= 21 years", "age <= 80 years")
	checkMeasures(t, "Healthy male volunteer, age 20\\~55 years", "age between 20 55 years")
	checkMeasures(t, "Patients\\<18y and \\>90y", "age < 18 years", "age > 90 years")
	checkMeasures(t, "Effective contraception for women of childbearing age, at least 6 months after injection",
		"window >= 180 days") // "childbearing age" is not an age bound
}

func TestExtractPerformance(t *testing.T) {
	checkMeasures(t, "ECOG PS: 0-1;", "ecog between 0 1 ")
	checkMeasures(t, "Eastern Cooperative Oncology Group (ECOG) performance status of 0, 1 or 2", "ecog between 0 2 ")
	checkMeasures(t, "Has an Eastern Cooperative Oncology Group (ECOG) performance status of 0 or 1", "ecog between 0 1 ")
	checkMeasures(t, "Eastern Cooperative Oncology Group (ECOG) performance status \\< 4", "ecog < 4 ")
	checkMeasures(t, "ECOG performance status score less than 3.", "ecog < 3 ")
	checkMeasures(t, "Karnofsky score of 70-100", "karnofsky between 70 100 %")
	checkMeasures(t, "Karnofsky performance status of at least 70% at study entry,", "karnofsky >= 70 %")
	checkMeasures(t, "Adequate performance status (Lansky or Karnofsky score ≥50)", "lansky >= 50 %", "karnofsky >= 50 %")
	checkMeasures(t, "WHO performance status of 0 or 1;", "who_ps between 0 1 ")
	checkMeasures(t, "Liver function status Child-Pugh grade A(5-6) with no hepatoencephalopathy;", "child_pugh_class = 1 ")
	checkMeasures(t, "history of moderate (Child-Pugh B), or severe (Child-Pugh C) hepatic impairment",
		"child_pugh_class = 2 ", "child_pugh_class = 3 ")
	checkMeasures(t, "congestive heart failure (NYHA Class III and IV, uncontrolled hypertension", "nyha_class between 3 4 ")
	checkMeasures(t, "CHF: NYHA \\> II", "nyha_class > 2 ")
	checkMeasures(t, "Uncontrolled severe illness (heart failure ≤ NYHA II)", "nyha_class <= 2 ")
}

func TestExtractLabs(t *testing.T) {
	// Units converted to the canonical unit of each analyte.
	checkMeasures(t, "Hemoglobin ≥ 5.5 mmol/l", "hemoglobin >= 8.861 g/dL")
	checkMeasures(t, "HB≥90g/L；", "hemoglobin >= 9 g/dL")
	checkMeasures(t, "Absolute neutrophil count (ANC) ≥1.5 x 109 /L (1500/mm3)", "anc >= 1.5 10^9/L")
	checkMeasures(t, "Platelet count ≥100 x 109/L (100,000/mm3)", "platelets >= 100 10^9/L")
	checkMeasures(t, "WBC ≥ 2000/μL", "wbc >= 2 10^9/L")
	checkMeasures(t, "WBC count \\>50,000/µL (uncontrollable with cytoreductive therapy).", "wbc > 50 10^9/L")
	checkMeasures(t, "abnormal platelet count (\\<100,000/microliter)", "platelets < 100 10^9/L")
	checkMeasures(t, "Renal insufficient with a serum creatinine level \\> 200 μmol/L", "creatinine > 2.262 mg/dL")
	checkMeasures(t, "hepatic function defined by ALT/AST\\<5 x ULN and bilirubin≤34.2μmol/L;",
		"alt < 5 ULN", "ast < 5 ULN", "total_bilirubin <= 2 mg/dL")
	checkMeasures(t, "Fasting blood glucose ≥ 7.0 mmol/L（126 mg/dl）", "glucose >= 126.1 mg/dL")
	checkMeasures(t, "Creatinine clearance rate (CCr) ≥ 60ml/min", "creatinine_clearance >= 60 mL/min")
	checkMeasures(t, "Estimated glomerular filtration rate (eGFR) \\<45 ml/min/1.73 m2, calculated by the CKD-EPI equation",
		"egfr < 45 mL/min/1.73m2")
	checkMeasures(t, "HbA1c of 8.0% or higher", "hba1c >= 8 %")
	checkMeasures(t, "Left ventricular ejection fraction (LVEF) ≥ 50%", "lvef >= 50 %")
	checkMeasures(t, "Mean resting QTcF interval \\> 480 ms at screening", "qtc > 480 ms")
	checkMeasures(t, "Systolic blood pressure (SBP) \\>160 mmHg or diastolic blood pressure (DBP) \\>95 mmHg",
		"systolic_bp > 160 mmHg", "diastolic_bp > 95 mmHg")
	checkMeasures(t, "uncontrolled hypertension (blood pressure ≥ 160/100 mmHg)", "systolic_bp >= 160 mmHg", "diastolic_bp >= 100 mmHg")
	checkMeasures(t, "Patients with BMI \\> 40 Kg/m2 or BMI \\< 18.5 Kg/m2.", "bmi > 40 kg/m2", "bmi < 18.5 kg/m2")
	checkMeasures(t, "Serum PSA \\</=20ng/ml", "psa <= 20 ng/mL")
	// Birth weights, in grams written or implied.
	checkMeasures(t, "Birth weight less than 800 grams", "weight < 0.8 kg")
	checkMeasures(t, "Infants with birth weight >= 1500 g", "weight >= 1.5 kg")
	checkMeasures(t, "Birth weight below 1000", "weight < 1 kg")
	checkMeasures(t, "Testosterone level \\<300 or \\>1000 ng/dL within 1 month prior to enrollment.",
		"testosterone < 300 ng/dL", "testosterone > 1000 ng/dL", "window <= 30 days")
	checkMeasures(t, "Patients with chronic active HBV or HCV, HBV-DNA>1000IU/ml, HCV-RNA>1000 copy/ml;",
		"hbv_dna > 1000 IU/mL", "hcv_rna > 1000 copies/mL")
	// A percentage of a limit is not a creatinine value.
	checkMeasures(t, "Patients with hepatic or renal dysfunction as per the following: AST, ALT\\>2\\*ULN, serum creatinine exceeds 20% of the upper limit of normal value",
		"ast > 2 ULN", "alt > 2 ULN")
}

func TestExtractULN(t *testing.T) {
	checkMeasures(t, "Total bilirubin (TBIL) ≤ 2.0 × normal upper limit (ULN)", "total_bilirubin <= 2 ULN")
	checkMeasures(t, "ALT \\>=3 times upper limit normal (ULN).", "alt >= 3 ULN")
	checkMeasures(t, "Creatinine \\>1.5 times ULN concurrent with creatinine clearance \\<50 mL/min",
		"creatinine > 1.5 ULN", "creatinine_clearance < 50 mL/min")
	checkMeasures(t, "Thyroid-stimulating hormone (TSH) ≤ULN", "tsh <= 1 ULN")
	checkMeasures(t, "AST (SGOT) ≤ 3 x ULN (≤ 5 × ULN if known liver metastases)", "ast <= 3 ULN")
	checkMeasures(t, "Either ALT or AST is greater than 2 times the upper limit of the normal value",
		"alt > 2 ULN", "ast > 2 ULN")
	checkMeasures(t, "Total bilirubin ≤1.5 x upper limit of normal (ULN) or ≤3 x ULN for patients with Gilbert's disease",
		"total_bilirubin <= 1.5 ULN")
	c := allConstraints(Parse("Serum creatinine (Cr) ≤ 1.5× ULN"))
	if len(c) != 1 || !c[0].ULNMultiple || c[0].Original == nil || c[0].Original.Unit != "× ULN" {
		t.Errorf("ULN multiple: %+v", c)
	}
}

func TestExtractWindows(t *testing.T) {
	checkMeasures(t, "HCC patients underwent R0 liver resection 4~8 weeks before enrolled;", "window between 28 56 days")
	checkMeasures(t, "Participation in another clinical trial (currently or within the last 30 days)", "window <= 30 days")
	checkMeasures(t, "Has taken or has been prescribed nitrate medication in any form in the last 6 months", "window <= 180 days")
	checkMeasures(t, "Received shockwave treatment at least 6 months before enrollment", "window >= 180 days")
	checkMeasures(t, "More than 6 months since prior androgen suppression", "window > 180 days")
	checkMeasures(t, "Any clinically significant hemoptysis or Tumour haemorrhage of any cause within one month before the first use of the study drug.",
		"window <= 30 days")
	checkMeasures(t, "between 3 months and 3 years before initiation of the study.", "window between 90 1095 days")
	// A duration, not a window.
	checkMeasures(t, "Erectile dysfunction for at least 6 months")
	checkMeasures(t, "Male, aged 19 to 70, suffering from erectile dysfunction for at least the past six months.",
		"age between 19 70 years")
	checkMeasures(t, "Patients with life expectancy of at least 6 months.", "life_expectancy >= 180 days")
	checkMeasures(t, "Life expectancy \\> 12 months.", "life_expectancy > 360 days")
}

func findKind(cs []Constraint, kind string) []Constraint {
	var out []Constraint
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

func TestExtractTerms(t *testing.T) {
	cs := allConstraints(Parse("Preoperative treatment with VEGF (R) inhibitors (Anlotinib, sorafenib, Lenvatinib, and so on) or immunomodulator such as anti PD-1, PD-L1, anti CTLA-4;"))
	th := findKind(cs, KindTherapy)
	if len(th) < 2 || th[0].Term != "VEGF (R) inhibitors" || strings.Join(th[0].Examples, ",") != "Anlotinib,sorafenib,Lenvatinib" {
		t.Errorf("VEGF therapy: %+v", th)
	}
	found := false
	for _, c := range th {
		found = found || strings.HasPrefix(c.Term, "anti PD-1")
	}
	if !found {
		t.Errorf("anti PD-1 class not found: %+v", th)
	}

	cs = allConstraints(Parse("History of another malignancy tumor within 5 years or for now (except for local cancer already cured)."))
	ex := findKind(cs, KindException)
	if len(ex) != 1 || ex[0].Term != "local cancer already cured" {
		t.Errorf("exception: %+v", ex)
	}
	cond := findKind(cs, KindCondition)
	if len(cond) != 1 || cond[0].Term != "another malignancy tumor" || cond[0].Window == nil || cond[0].Window.Value != 1825 {
		t.Errorf("condition with window: %+v", cond)
	}

	cs = allConstraints(Parse("No history of myocardial infarction; known hepatitis B"))
	cond = findKind(cs, KindCondition)
	if len(cond) != 2 || !cond[0].Negated || cond[0].Term != "myocardial infarction" || cond[1].Negated || cond[1].Term != "hepatitis B" {
		t.Errorf("negation: %+v", cond)
	}

	cs = allConstraints(Parse("Women who are pregnant or lactating or plan to become pregnant."))
	if p := findKind(cs, KindPregnancy); len(p) < 2 || p[0].Term != "pregnancy" || p[1].Term != "lactation" || p[0].Negated {
		t.Errorf("pregnancy: %+v", p)
	}
	cs = allConstraints(Parse("who are not in the lactation period"))
	if p := findKind(cs, KindPregnancy); len(p) != 1 || !p[0].Negated {
		t.Errorf("negated lactation: %+v", p)
	}
	cs = allConstraints(Parse("The man patients who must agree to take contraceptive methods during the research"))
	if c := findKind(cs, KindContraception); len(c) != 1 {
		t.Errorf("contraception: %+v", c)
	}
	if s := findKind(allConstraints(Parse("Males 45-75 years of age")), KindSex); len(s) != 1 || s[0].Term != "male" {
		t.Errorf("sex: %+v", s)
	}
	if s := findKind(allConstraints(Parse("Male or female, 18 years of age or older")), KindSex); len(s) != 0 {
		t.Errorf("both sexes gave %+v", s)
	}
	if s := findKind(allConstraints(Parse("Clinical stage IIIb or IV non-small cell lung cancer")), KindStage); len(s) != 1 || s[0].Term != "stage IIIB, IV" {
		t.Errorf("stage: %+v", s)
	}
	m := findKind(allConstraints(Parse("the imaging examination confirmed no recurrence and metastasis")), KindMetastasis)
	if len(m) != 1 || !m[0].Negated {
		t.Errorf("metastasis: %+v", m)
	}
}

func TestUnstructuredKept(t *testing.T) {
	c := Parse("Inclusion Criteria:\n\n* Signed informed consent\n* Age ≥ 18 years")
	if len(c.Inclusion) != 2 {
		t.Fatalf("items %q", texts(c.Inclusion))
	}
	if c.Inclusion[0].Structured || c.Inclusion[0].Constraints == nil || len(c.Inclusion[0].Constraints) != 0 {
		t.Errorf("free-text item: %+v", c.Inclusion[0])
	}
	if !c.Inclusion[1].Structured {
		t.Errorf("age item not structured: %+v", c.Inclusion[1])
	}
}

// TestTherapyNamedNotReceived: a therapy that names a disease, a
// marker's response, or what the patient could have ("insulin-dependent
// diabetes", "EGFR-TKI sensitivity", "not suitable for radiotherapy")
// is no therapy received; one received is still read.
func TestTherapyNamedNotReceived(t *testing.T) {
	for _, text := range []string{
		"Have a history of 20 years or longer of insulin-dependent diabetes.",
		"History of insulin dependent diabetes mellitus",
		"Documented EGFR mutations known to be associated with EGFR-TKI sensitivity, including Ex19del or L858R.",
		"EGFR TKI-sensitizing mutation",
		"Platinum-resistant ovarian cancer",
		"Steroid-refractory acute graft-versus-host disease",
		"Chemotherapy-naive patients",
		"Hormone-sensitive prostate cancer",
		"Locally advanced or metastatic NSCLC, who is not suitable for radical surgery or radiotherapy.",
		"Patients who are candidates for chemotherapy",
		"Scheduled for elective surgery under general anesthesia",
		"Refused or not eligible for chemotherapy",
		"Will receive single agent anti-PD-1/PD-L1 therapy",
		"Patients to be treated with PD-1 / PD-L1 inhibitors",
		"To receive external beam radiation therapy and/or brachytherapy",
		"Patients who are candidates for a therapy with a checkpoint inhibitor",
	} {
		if th := findKind(allConstraints(Parse(text)), KindTherapy); len(th) != 0 {
			t.Errorf("%q: therapies %+v", text, th)
		}
	}
	for text, want := range map[string]string{
		"Prior treatment with insulin within 3 months":                     "insulin",
		"Has received radiotherapy within 28 days prior to the first dose": "radiotherapy",
		"Failed in or were intolerant to 1-2 lines of chemotherapy":        "chemotherapy",
		"Progressed on a prior EGFR-TKI":                                   "TKI",
	} {
		th := findKind(allConstraints(Parse(text)), KindTherapy)
		if len(th) != 1 || th[0].Term != want {
			t.Errorf("%q: therapies %+v, want %q", text, th, want)
		}
	}
}

// TestAllowedHeading: the old registry's "Allowed:" heading over a list
// of medications lets them in and requires none of them; "Excluded:"
// and "Not allowed:" lists stay rules.
func TestAllowedHeading(t *testing.T) {
	c := Parse("Inclusion Criteria:\n\nConcurrent Medication:\n\nAllowed:\n\n  * PCP prophylaxis, antibiotics, rEPO and G-CSF.\n  * Topical steroids.\n\nNot allowed:\n\n  * Systemic corticosteroids.\n")
	var walk func([]Item, bool)
	seen := 0
	walk = func(items []Item, under bool) {
		for _, it := range items {
			heading := strings.HasPrefix(it.Text, "Allowed")
			if want := heading || under; it.Allowance != want {
				t.Errorf("%q: allowance %v, want %v", it.Text, it.Allowance, want)
			}
			if under {
				seen++
			}
			walk(it.Items, heading || under)
		}
	}
	walk(c.Inclusion, false)
	if seen != 2 {
		t.Errorf("%d items under the heading, want 2: %+v", seen, c.Inclusion)
	}
}

// TestNotAnExclusionIsAnAllowance: "Pregnancy will not be considered as
// exclusion criteria." (a bundled record's inclusion) lets pregnant
// women in and asks no one to be pregnant; "pregnancy is an exclusion
// criterion" is no allowance, nor is "Only participants … will be
// included", which names the only ones let in.
func TestNotAnExclusionIsAnAllowance(t *testing.T) {
	for text, want := range map[string]bool{
		"Inclusion Criteria:\n\n* Pregnancy will not be considered as exclusion criteria.\n":                             true,
		"Inclusion Criteria:\n\n* Smoking is not regarded as an exclusion criterion.\n":                                  true,
		"Inclusion Criteria:\n\n* Pregnancy is an exclusion criterion.\n":                                                false,
		"Inclusion Criteria:\n\n* Only participants cognitively able and willing to provide consent will be included.\n": false,
	} {
		if got := Parse(text).Inclusion[0].Allowance; got != want {
			t.Errorf("%q: allowance %v, want %v", text, got, want)
		}
	}
}

// TestKindOfTherapy: a kind or a site named before a therapy
// ("intermediate-acting insulin", "isophane insulin", "cervical spine
// surgery", bundled records' words) is part of its term, so a patient's
// other kind does not match it.
func TestKindOfTherapy(t *testing.T) {
	for text, want := range map[string][]string{
		"Injection of isophane insulin (NPH) or any intermediate-acting insulin": {"isophane insulin", "intermediate-acting insulin"},
		"Current use of outpatient prandial insulin":                             {"prandial insulin"},
		"History of prior cervical spine surgery.":                               {"cervical spine surgery"},
		"Prior Brain Radiotherapy":                                               {"Brain Radiotherapy"},
		"Participant has received prior treatment with any PI3K inhibitors":      {"PI3K inhibitors"},
		"Prior treatment with insulin within 3 months":                           {"insulin"},
	} {
		var got []string
		for _, c := range findKind(allConstraints(Parse(text)), KindTherapy) {
			got = append(got, c.Term)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: therapies %q, want %q", text, got, want)
		}
	}
}
