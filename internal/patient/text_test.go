package patient

import (
	"slices"
	"strings"
	"testing"
)

// meshNames returns the MeSH descriptor names of the conditions whose text
// contains part.
func meshNames(t *testing.T, p Profile, part string) []string {
	t.Helper()
	v := loadVocab()
	var out []string
	for _, c := range p.Conditions {
		if !strings.Contains(strings.ToLower(c.Text), strings.ToLower(part)) {
			continue
		}
		for _, id := range c.MeSH {
			if d, ok := v.Descriptor(id); ok {
				out = append(out, d.Name)
			}
		}
	}
	return out
}

func hasCondition(p Profile, text string) bool {
	return slices.ContainsFunc(p.Conditions, func(c Condition) bool { return strings.EqualFold(c.Text, text) })
}

// TestFromTextConditionNames checks the descriptors read for condition
// names in benchmark notes: the broader descriptor of a name's tail, and
// the abbreviations of notes.
func TestFromTextConditionNames(t *testing.T) {
	notes := readNotes(t, "trec_2021_queries.jsonl")
	for _, tc := range []struct {
		id, cond, want string
	}{
		// "1.8 cm infiltrating ductal breast carcinoma": the number and
		// unit are not part of the name; trials register Breast Neoplasms.
		{"trec-202125", "infiltrating ductal breast carcinoma", "Breast Neoplasms"},
		{"trec-202161", "invasive ductal breast carcinoma", "Breast Neoplasms"},
		{"trec-20218", "CLL", "Leukemia, Lymphocytic, Chronic, B-Cell"},
		{"trec-20216", "ESRD", "Kidney Failure, Chronic"},
	} {
		p, _ := FromText(notes[tc.id])
		got := meshNames(t, p, tc.cond)
		if !slices.Contains(got, tc.want) {
			t.Errorf("%s: %q has descriptors %q, want %q among them (conditions %+v)", tc.id, tc.cond, got, tc.want, p.Conditions)
		}
		for _, c := range p.Conditions {
			if strings.Contains(c.Text, tc.cond) && c.Text != tc.cond && strings.ContainsAny(c.Text[:1], "0123456789") {
				t.Errorf("%s: condition %q starts with a number", tc.id, c.Text)
			}
		}
	}
}

func TestFromTextTailAfterNon(t *testing.T) {
	p, _ := FromText("A 61-year-old man with metastatic non-small cell lung cancer.")
	got := meshNames(t, p, "lung cancer")
	if !slices.Contains(got, "Lung Neoplasms") || slices.Contains(got, "Small Cell Lung Carcinoma") {
		t.Errorf("non-small cell lung cancer has descriptors %q: want Lung Neoplasms, not Small Cell Lung Carcinoma", got)
	}
}

// TestFromTextFamilyHistory checks that the family's conditions are
// reported as such, not as the patient's.
func TestFromTextFamilyHistory(t *testing.T) {
	notes := readNotes(t, "trec_2021_queries.jsonl")
	for _, tc := range []struct {
		id, family, own string
	}{
		{"trec-202162", "CAD", "stenosis"},                 // "He has a family history of CAD, but ..."
		{"trec-202121", "type 2 diabetes", "pancreatitis"}, // "positive for type 2 diabetes (his father and sister)"
		{"trec-202140", "hypertension", "paget"},           // "hypertension in his mother and DM type 2 in his father"
	} {
		p, found := FromText(notes[tc.id])
		fam := slices.ContainsFunc(found, func(f Finding) bool {
			return f.Kind == "familyHistory" && strings.EqualFold(f.Text, tc.family)
		})
		if !fam {
			t.Errorf("%s: no familyHistory finding %q in %+v", tc.id, tc.family, found)
		}
		if hasCondition(p, tc.family) {
			t.Errorf("%s: the family's %q is read as the patient's", tc.id, tc.family)
		}
		own := slices.ContainsFunc(p.Conditions, func(c Condition) bool {
			return strings.Contains(strings.ToLower(c.Text), tc.own)
		}) || slices.Contains(p.NoHistoryOf, tc.own)
		if !own {
			t.Errorf("%s: lost the patient's own %q: %+v", tc.id, tc.own, p.Conditions)
		}
	}
}

func TestFromTextAgeWithoutOld(t *testing.T) {
	notes := readNotes(t, "trec_2021_queries.jsonl")
	p, _ := FromText(notes["trec-202148"]) // "Fernandez is a 41 year man"
	if p.Age == nil || *p.Age != 41 || p.Sex != "male" {
		t.Errorf("age %v sex %q, want 41 male", p.Age, p.Sex)
	}
}

// sigir-20141: "She denies smoking, diabetes, hypercholesterolemia, or a
// family history of heart disease": the family's scope starts at its
// cue, so the patient's own negations stand.
func TestFromTextFamilyAfterNegations(t *testing.T) {
	p, found := FromText(readNotes(t, "sigir_queries.jsonl")["sigir-20141"])
	for _, n := range []string{"diabetes", "hypercholesterolemia"} {
		if !slices.Contains(p.NoHistoryOf, n) {
			t.Errorf("lost the negation of %q: %q", n, p.NoHistoryOf)
		}
	}
	if slices.Contains(p.NoHistoryOf, "heart disease") {
		t.Errorf("the family's heart disease is read as the patient's negation: %q", p.NoHistoryOf)
	}
	if !slices.ContainsFunc(found, func(f Finding) bool { return f.Kind == "familyHistory" && f.Text == "heart disease" }) {
		t.Errorf("no familyHistory finding for heart disease: %+v", found)
	}
}

// TestFromTextRolesAreNoConditions: a role or habit under a negation
// ("no medical conditions, volunteer") is neither a condition nor one
// never had.
func TestFromTextRolesAreNoConditions(t *testing.T) {
	for _, note := range []string{
		"Healthy 30-year-old man, non-smoker, no medical conditions, volunteer, lives near Chicago",
		"45-year-old woman, no known illnesses, healthy volunteer, never smoked",
	} {
		p, _ := FromText(note)
		for _, n := range p.NoHistoryOf {
			if lifestyleRe.MatchString(n) {
				t.Errorf("%q: never had %q", note, n)
			}
		}
		for _, c := range p.Conditions {
			if lifestyleRe.MatchString(c.Text) {
				t.Errorf("%q: condition %q", note, c.Text)
			}
		}
		if p.HealthyVolunteer == nil || !*p.HealthyVolunteer {
			t.Errorf("%q: not read as a healthy volunteer", note)
		}
	}
}

// TestFromTextPriorLines reads how many lines of treatment a note says
// the patient has had: none when it says so, the line they progressed
// on, a count; nothing when it does not say.
func TestFromTextPriorLines(t *testing.T) {
	for _, tc := range []struct {
		note string
		want int // -1: not read
	}{
		{"64 yo man, newly diagnosed stage IVB lung adenocarcinoma. No treatment yet. ECOG 1.", 0},
		{"Treatment-naive metastatic colorectal cancer.", 0},
		{"Previously untreated follicular lymphoma.", 0},
		{"Progressed on first-line trastuzumab, pertuzumab and docetaxel.", 1},
		{"Metastatic breast cancer after two prior lines of chemotherapy.", 2},
		{"Progressed after second-line docetaxel.", 2},
		{"Newly diagnosed AML.", -1},
		{"Breast cancer treated with surgery.", -1},
	} {
		p, found := FromText(tc.note)
		got := -1
		if p.PriorLines != nil {
			got = *p.PriorLines
		}
		if got != tc.want {
			t.Errorf("%q: prior lines %d, want %d", tc.note, got, tc.want)
		}
		if read := slices.ContainsFunc(found, func(f Finding) bool { return f.Kind == "priorLines" }); read != (tc.want >= 0) {
			t.Errorf("%q: priorLines finding %v, want %v", tc.note, read, tc.want >= 0)
		}
	}
}

// TestFromTextAdjacentMarkers: a note's "ER-positive HER2-negative
// breast cancer" gives both statuses and the condition as written from
// its first whole word, and a list of treatments ends before the score
// it runs into ("letrozole and palbociclib, ECOG 1").
func TestFromTextAdjacentMarkers(t *testing.T) {
	p, _ := FromText("62-year-old woman with metastatic ER-positive HER2-negative breast cancer with bone metastases, previously treated with letrozole and palbociclib, ECOG 1. Lives in Chicago.")
	want := []Biomarker{{Name: "ER", Status: "positive"}, {Name: "HER2", Status: "negative"}}
	if !slices.Equal(p.Biomarkers, want) {
		t.Errorf("biomarkers %+v, want %+v", p.Biomarkers, want)
	}
	if !hasCondition(p, "HER2-negative breast cancer") {
		t.Errorf("conditions %+v, want HER2-negative breast cancer", p.Conditions)
	}
	var names []string
	for _, th := range p.Therapies {
		names = append(names, th.Name)
	}
	if !slices.Equal(names, []string{"letrozole", "palbociclib"}) {
		t.Errorf("therapies %q, want letrozole and palbociclib", names)
	}
}

// TestFromTextOnMedication: "on" before drugs, as notes write what the
// patient takes ("type 2 diabetes on metformin and insulin glargine",
// doses and all), reads them as medications; "on" before anything else
// ("on day 3", "on MRI", "on examination") reads nothing.
func TestFromTextOnMedication(t *testing.T) {
	for note, want := range map[string][]string{
		"55-year-old man with type 2 diabetes on metformin and insulin glargine, HbA1c 8.2%.":                                         {"metformin", "insulin glargine"},
		"67-year-old woman, hypertension uncontrolled on amlodipine 10 mg, losartan 100 mg and hydrochlorothiazide 25 mg; BP 158/92.": {"amlodipine", "losartan", "hydrochlorothiazide"},
		"34-year-old woman, 28 weeks pregnant, with gestational diabetes on insulin.":                                                 {"insulin"},
		"70-year-old man with COPD on tiotropium, ex-smoker.":                                                                         {"tiotropium"},
		"Mass seen on MRI; on examination, tender. Admitted on day 3.":                                                                nil,
		"Depression, on sertraline 100 mg daily for a year.":                                                                          {"sertraline"},
	} {
		p, _ := FromText(note)
		if !slices.Equal(p.Medications, want) {
			t.Errorf("%q: medications %q, want %q", note, p.Medications, want)
		}
	}
}
