package vocab

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"testing"
)

func mustLoad(t testing.TB) *Vocab {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// has reports whether syns contain term, or a spelling of it that
// normalises alike ("Tumors" for "Tumor"), from source.
func has(syns []Synonym, term, source string) bool {
	for _, s := range syns {
		if key(s.Term) == key(term) && s.Source == source {
			return true
		}
	}
	return false
}

// descriptorsOf returns the MeSH IDs an expansion draws on.
func descriptorsOf(syns []Synonym) map[string]bool {
	ids := make(map[string]bool)
	for _, s := range syns {
		if id, ok := strings.CutPrefix(s.Source, "mesh:"); ok {
			id, _, _ = strings.Cut(id, " ")
			ids[id] = true
		}
	}
	return ids
}

func TestLoad(t *testing.T) {
	v := mustLoad(t)
	if len(v.descriptors) != 6505 {
		t.Errorf("%d descriptors, want the 6,505 of data/SOURCES.md", len(v.descriptors))
	}
	terms := 0
	for _, d := range v.descriptors {
		terms += 1 + len(d.EntryTerms)
	}
	if terms != 69580 {
		t.Errorf("%d names and entry terms, want the 69,580 of data/SOURCES.md", terms)
	}
	if len(v.lay) != 16 {
		t.Errorf("%d lay groups, want 16", len(v.lay))
	}
	if again := mustLoad(t); again != v {
		t.Error("Load read the data twice")
	}
}

func TestDescriptor(t *testing.T) {
	v := mustLoad(t)
	d, ok := v.Descriptor("D006973")
	if !ok || d.Name != "Hypertension" {
		t.Fatalf("Descriptor(D006973) = %+v, %v", d, ok)
	}
	for _, e := range d.EntryTerms {
		if e == d.Name {
			t.Errorf("entry terms repeat the name %q", e)
		}
	}
	if _, ok := v.Descriptor("D000000"); ok {
		t.Error("Descriptor(D000000) found")
	}
}

func TestExpand(t *testing.T) {
	v := mustLoad(t)
	tests := []struct {
		term      string
		want      [][2]string // term, source
		onlyMeSH  []string    // exactly these descriptors, when set
		forbidden []string    // terms that must not appear
	}{
		{term: "Hepatocellular Carcinoma",
			want:     [][2]string{{"Carcinoma, Hepatocellular", "mesh:D006528 name"}, {"Liver Cell Carcinoma", "mesh:D006528 entry term"}},
			onlyMeSH: []string{"D006528"}},
		{term: "carcinoma, hepatocellular",
			want: [][2]string{{"Hepatocellular Carcinoma", "mesh:D006528 entry term"}}},
		{term: "Carcinomas (Hepatocellular)", // plural and punctuation
			want: [][2]string{{"Carcinoma, Hepatocellular", "mesh:D006528 name"}}},
		{term: "heart attack",
			want:     [][2]string{{"Myocardial Infarction", "mesh:D009203 name"}},
			onlyMeSH: []string{"D009203"}},
		{term: "type 2 diabetes",
			want:      [][2]string{{"Diabetes Mellitus, Type 2", "mesh:D003924 name"}, {"NIDDM", "mesh:D003924 entry term"}},
			onlyMeSH:  []string{"D003924"},
			forbidden: []string{"t1dm", "type 1 diabetes", "Diabetes Mellitus, Type 1"}},
		{term: "T2DM",
			want:      [][2]string{{"t2dm", "lay"}, {"diabetes", "lay"}, {"Diabetes Mellitus", "mesh:D003920 name"}},
			onlyMeSH:  []string{"D003920"},
			forbidden: []string{"t1dm", "type 1 diabetes"}},
		{term: "diabetes",
			want: [][2]string{{"Diabetes Mellitus", "mesh:D003920 name"}, {"t2dm", "lay"}, {"type 1 diabetes", "lay"}}},
		{term: "HTN",
			want:      [][2]string{{"Hypertension", "mesh:D006973 name"}, {"htn", "lay"}},
			forbidden: []string{"elevated blood pressure"}},
		{term: "hypertension",
			want: [][2]string{{"Hypertension", "mesh:D006973 name"}, {"High Blood Pressure", "mesh:D006973 entry term"}, {"htn", "lay"}, {"elevated blood pressure", "lay"}}},
		{term: "cancer",
			want:     [][2]string{{"Neoplasms", "mesh:D009369 name"}, {"Tumor", "mesh:D009369 entry term"}},
			onlyMeSH: []string{"D009369"}},
		{term: "Cancer, Breast", // inverted word order
			want: [][2]string{{"Breast Neoplasms", "mesh:D001943 name"}}},
		{term: "breast cancer",
			want:     [][2]string{{"Breast Neoplasms", "mesh:D001943 name"}, {"Mammary Cancer", "mesh:D001943 entry term"}},
			onlyMeSH: []string{"D001943"}},
		{term: "Alzheimer's Disease",
			want:      [][2]string{{"Alzheimer Disease", "mesh:D000544 name"}},
			forbidden: []string{"dementia", "ad"}},
		{term: "PD",
			want:      [][2]string{{"pd", "lay"}, {"parkinson", "lay"}, {"Parkinson Disease", "mesh:D010300 name"}},
			forbidden: []string{"parkinsonian"}},
		{term: "COVID-19",
			want: [][2]string{{"COVID-19", "mesh:D000086382 name"}, {"sars-cov-2", "lay"}}},
	}
	for _, tt := range tests {
		got := v.Expand(tt.term)
		for _, w := range tt.want {
			if !has(got, w[0], w[1]) {
				t.Errorf("Expand(%q) lacks %q from %s; got %v", tt.term, w[0], w[1], got)
			}
		}
		if tt.onlyMeSH != nil {
			ids := descriptorsOf(got)
			if len(ids) != len(tt.onlyMeSH) {
				t.Errorf("Expand(%q) draws on descriptors %v, want only %v", tt.term, ids, tt.onlyMeSH)
			}
			for _, id := range tt.onlyMeSH {
				if !ids[id] {
					t.Errorf("Expand(%q) lacks descriptor %s", tt.term, id)
				}
			}
		}
		for _, f := range tt.forbidden {
			for _, s := range got {
				if strings.EqualFold(s.Term, f) {
					t.Errorf("Expand(%q) over-expands to %q (%s)", tt.term, s.Term, s.Source)
				}
			}
		}
		seen := make(map[string]bool)
		for _, s := range got {
			if seen[key(s.Term)] {
				t.Errorf("Expand(%q) repeats %q", tt.term, s.Term)
			}
			seen[key(s.Term)] = true
		}
	}
	for _, unknown := range []string{"", "  ", "the", "xyzzy plugh", "Adjuvant Therapy"} {
		if got := v.Expand(unknown); got != nil {
			t.Errorf("Expand(%q) = %v, want nil", unknown, got)
		}
	}
}

// readConditions returns the condition strings of the real records.
func readConditions(t testing.TB) []string {
	f, err := os.Open("testdata/conditions.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every condition of the real records that is a MeSH name or entry term,
// ignoring case only, expands to that descriptor; the normalised matching
// finds more than that plain comparison does; and no condition expands to
// more than one descriptor.
func TestExpandRealConditions(t *testing.T) {
	v := mustLoad(t)
	plain := make(map[string]string)
	for _, d := range v.descriptors {
		plain[strings.ToLower(d.Name)] = d.ID
		for _, e := range d.EntryTerms {
			plain[strings.ToLower(e)] = d.ID
		}
	}
	conds := readConditions(t)
	exact, found := 0, 0
	for _, c := range conds {
		got := v.Expand(c)
		switch ids := descriptorsOf(got); {
		case len(ids) > 1:
			t.Errorf("Expand(%q) over-expands to descriptors %v", c, ids)
		case len(ids) == 1:
			found++
		}
		id, ok := plain[strings.ToLower(c)]
		if !ok {
			continue
		}
		exact++
		if !descriptorsOf(got)[id] {
			t.Errorf("Expand(%q) lacks %s, whose entry term it is", c, id)
		}
	}
	t.Logf("%d real conditions: %d match MeSH ignoring case, %d after normalising", len(conds), exact, found)
	if found <= exact {
		t.Errorf("normalised matching found %d conditions, no more than the %d of plain matching", found, exact)
	}
}

// BenchmarkLoad measures reading the embedded data and reports the heap
// a loaded Vocab keeps.
func BenchmarkLoad(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v, err := load()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	for b.Loop() {
		if _, err := load(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-retained")
}

func BenchmarkExpand(b *testing.B) {
	v := mustLoad(b)
	conds := readConditions(b)
	i := 0
	for b.Loop() {
		v.Expand(conds[i%len(conds)])
		i++
	}
}
