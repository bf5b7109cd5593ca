package patient

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func readNotes(t *testing.T, name string) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var q struct {
			ID   string `json:"_id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		out[q.ID] = q.Text
	}
	return out
}

// TestFromTextBenchmarkNotes checks age, sex and the main condition of
// notes read by hand.
func TestFromTextBenchmarkNotes(t *testing.T) {
	notes := readNotes(t, "trec_2021_queries.jsonl")
	for id, text := range readNotes(t, "sigir_queries.jsonl") {
		notes[id] = text
	}
	for _, tc := range []struct {
		id   string
		age  float64
		sex  string
		cond string
	}{
		{"trec-20211", 45, "male", "anaplastic astrocytoma"},
		{"trec-20212", 48, "male", "aortic stenosis"},
		{"trec-20213", 32, "female", "intraventricular hemorrhage"},
		{"trec-20214", 44, "female", "Burkitt's lymphoma"},
		{"trec-20215", 74, "male", "carotid stenosis"},
		{"trec-20216", 55, "female", "ESRD"},
		{"trec-20217", 60, "male", "cirrhosis"},
		{"trec-20219", 41, "male", "epilepsy"},
		{"trec-202110", 22, "female", "systemic mastocytosis"},
		{"trec-202111", 75, "male", "papillary thyroid cancer"},
		{"trec-202112", 34, "female", "Marfan's syndrome"},
		{"trec-202117", 64, "female", "multiple myeloma"},
	} {
		p, found := FromText(notes[tc.id])
		if p.Age == nil || *p.Age != tc.age {
			t.Errorf("%s: age %v, want %v", tc.id, p.Age, tc.age)
		}
		if p.Sex != tc.sex {
			t.Errorf("%s: sex %q, want %q", tc.id, p.Sex, tc.sex)
		}
		ok := false
		for _, c := range p.Conditions {
			ok = ok || strings.Contains(strings.ToLower(c.Text), strings.ToLower(tc.cond))
		}
		if !ok {
			t.Errorf("%s: no condition %q in %+v", tc.id, tc.cond, p.Conditions)
		}
		for _, f := range found {
			if notes[tc.id][f.Span[0]:f.Span[1]] != f.Text {
				t.Errorf("%s: finding %+v does not point at its text", tc.id, f)
			}
		}
		if _, err := p.Facts(time.Now()); err != nil {
			t.Errorf("%s: FromText made an invalid profile: %v", tc.id, err)
		}
	}
}

func TestFromTextClinicNote(t *testing.T) {
	note := "A 58-year-old woman with HER2-positive breast cancer, ECOG 1, hemoglobin 10.2 g/dL, no history of heart failure, previously treated with trastuzumab."
	p, _ := FromText(note)
	if p.Age == nil || *p.Age != 58 || p.Sex != "female" || p.ECOG == nil || *p.ECOG != 1 {
		t.Errorf("age/sex/ECOG: %+v", p)
	}
	if len(p.Conditions) == 0 || p.Conditions[0].Text != "HER2-positive breast cancer" {
		t.Errorf("conditions %+v", p.Conditions)
	}
	if len(p.NoHistoryOf) != 1 || p.NoHistoryOf[0] != "heart failure" {
		t.Errorf("no history of: %q", p.NoHistoryOf)
	}
	if len(p.Labs) != 1 || p.Labs[0].Value != 10.2 || p.Labs[0].Unit != "g/dL" {
		t.Errorf("labs %+v", p.Labs)
	}
	if len(p.Therapies) != 1 || p.Therapies[0].Name != "trastuzumab" {
		t.Errorf("therapies %+v", p.Therapies)
	}
}

func TestFactsNormalise(t *testing.T) {
	age := 58.0
	kps := 80
	p := Profile{Age: &age, Karnofsky: &kps, Labs: []Lab{{Name: "Hb", Value: 102, Unit: "g/L"}, {Name: "creatinine", Value: 88.4, Unit: "umol/L"}, {Name: "PLT", Value: 160000, Unit: "/uL"}},
		Location: &Location{Place: "Boston"}, MaxDistance: 10, DistanceUnit: "mi"}
	f, err := p.Facts(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
	if m := f.Measures["hemoglobin"]; !near(m.Lo, 10.2) || m.Unit != "g/dL" {
		t.Errorf("hemoglobin %+v", m)
	}
	if m := f.Measures["creatinine"]; !near(m.Lo, 1) {
		t.Errorf("creatinine %+v", m)
	}
	if m := f.Measures["platelets"]; !near(m.Lo, 160) {
		t.Errorf("platelets %+v", m)
	}
	if m := f.Measures["ecog"]; m.Lo != 1 || m.Hi != 1 {
		t.Errorf("Karnofsky 80 gave ECOG %+v", m)
	}
	if !near(f.MaxKm, 16.09344) || f.Place != "Boston" {
		t.Errorf("travel %v km from %q", f.MaxKm, f.Place)
	}
	lo, hi := ECOGToKarnofsky(2)
	if lo != 50 || hi != 60 || KarnofskyToECOG(100) != 0 || KarnofskyToECOG(30) != 3 {
		t.Errorf("scale mapping")
	}
}

func TestValidation(t *testing.T) {
	e := 7
	for _, p := range []Profile{
		{Sex: "robot"},
		{ECOG: &e},
		{Labs: []Lab{{Name: "unobtainium", Value: 1}}},
		{Labs: []Lab{{Name: "platelets", Value: 100, Unit: "furlongs"}}},
		{MaxDistance: 50},
		{BirthDate: "yesterday"},
		{Sex: "male", Pregnant: new(bool)},
	} {
		if p.Sex == "male" {
			*p.Pregnant = true
		}
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
}
