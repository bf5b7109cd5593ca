package match

import (
	"context"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/store/sqlite/sqlitetest"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

var breastProfile = patient.Profile{Age: ptr(58.0), Sex: "female",
	Conditions: []patient.Condition{{Text: "breast cancer"}}, ECOG: ptr(1)}

func TestRankOrder(t *testing.T) {
	m := newDemoMatcher(t)
	res, err := m.Rank(context.Background(), breastProfile, RankOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) < 3 {
		t.Fatalf("only %d hits for breast cancer", len(res.Hits))
	}
	floor := res.Hits[0].Relevance * relevanceFloor
	for _, h := range res.Hits {
		floor = max(floor, h.Relevance*relevanceFloor)
	}
	// Studies about another condition that shares the patient's words
	// come last (see offConcept).
	concepts := m.concepts(breastProfile.Conditions)
	key := func(h Hit) []float64 {
		below, off := 0.0, 0.0
		if h.Relevance < floor {
			below = 1
		}
		if offConcept(concepts, demoStudy(t, h.NCTID).Conditions) {
			off = 1
		}
		return []float64{off, below, float64(h.Verdict.rank()), -h.Relevance}
	}
	for i, h := range res.Hits {
		if !study.IsRecruiting(h.Status) {
			t.Errorf("%s is %s", h.NCTID, h.Status)
		}
		if i == 0 {
			continue
		}
		prev := res.Hits[i-1]
		if slices.Compare(key(h), key(prev)) < 0 {
			t.Errorf("hit %d (%s %s %.2f) ranks after (%s %s %.2f)", i, h.NCTID, h.Verdict, h.Relevance, prev.NCTID, prev.Verdict, prev.Relevance)
		}
	}
	t.Logf("%d candidates; first %s", res.Candidates, res.Hits[0].Result)
}

func TestRankWithinDistance(t *testing.T) {
	m := newDemoMatcher(t)
	p := breastProfile
	p.Conditions = nil
	p.Location = &patient.Location{Lat: ptr(40.71), Lon: ptr(-74.01)} // New York
	p.MaxDistance = 100
	p.DistanceUnit = "mi"
	res, err := m.Rank(context.Background(), p, RankOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("no recruiting study within 100 miles of New York")
	}
	for _, h := range res.Hits {
		if h.DistanceKm == nil || *h.DistanceKm > 160.94 {
			t.Errorf("%s at %v km", h.NCTID, h.DistanceKm)
		}
		// The site named is one of the study's, in New York's reach.
		var names []string
		for _, l := range demoStudy(t, h.NCTID).Locations {
			if l.Geo != nil && math.Abs(l.Geo.Lat-40.71) < 2 && math.Abs(l.Geo.Lon+74.01) < 3 {
				names = append(names, strings.Join(nonEmpty(l.Facility, l.City, l.State, l.Country), ", "))
			}
		}
		if !slices.Contains(names, h.Site) {
			t.Errorf("%s: site %q is none of its sites near New York %q", h.NCTID, h.Site, names)
		}
	}
}

func TestMetrics(t *testing.T) {
	grades := map[string]int{"a": 2, "b": 2, "c": 1, "d": 0, "e": 0}
	ideal := []string{"a", "b", "c", "d", "e"}
	reversed := slices.Clone(ideal)
	slices.Reverse(reversed)
	if got := NDCG(ideal, grades, 10); got < 0.999999 || got > 1.000001 {
		t.Errorf("ideal NDCG = %v", got)
	}
	if got := NDCG(reversed, grades, 10); got >= 1 || got <= 0 {
		t.Errorf("reversed NDCG = %v", got)
	}
	if got := Precision(ideal, grades, 10); got != 0.2 {
		t.Errorf("P@10 = %v, want 0.2 (2 eligible in 10 ranks)", got)
	}
	if got := ReciprocalRank(reversed, grades); got != 0.25 {
		t.Errorf("RR = %v, want 1/4", got)
	}
	if got := NDCG([]string{"x"}, map[string]int{"x": 0}, 10); got != 0 {
		t.Errorf("NDCG with no gain = %v", got)
	}
}

// BenchmarkCheckAll checks one profile against every study the demo
// matcher holds (all statuses, to have more of them), on every core as
// Rank does: ms per 1,000 studies is reported.
func BenchmarkCheckAll(b *testing.B) { benchCheck(b, newDemoMatcher(b)) }

// BenchmarkCheckRecruitingAtScale checks one profile against every
// recruiting study of the store TRIALFINDER_BENCH_DB names (a full-size
// generated corpus: some 65,000 recruiting of 600,000), criteria read as
// stored at ingest or parsed where missing.
func BenchmarkCheckRecruitingAtScale(b *testing.B) {
	st, _ := sqlitetest.BenchStore(b)
	ctx := context.Background()
	start := time.Now()
	v, err := vocab.Load()
	if err != nil {
		b.Fatal(err)
	}
	mb := NewBuilder(Options{Vocab: v})
	if err := st.Each(ctx, func(s study.Study) error { mb.Add(&s); return nil }); err != nil {
		b.Fatal(err)
	}
	m, err := mb.Finish(ctx, search.NewBuilder().Finish(), st)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("matcher over %d recruiting studies built in %s", m.Len(), time.Since(start).Round(time.Second))
	// The heap now holds the matcher and little else (its search index is
	// empty): what the matcher adds to a server's memory.
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	benchCheck(b, m)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
}

func benchCheck(b *testing.B, m *Matcher) {
	p := breastProfile
	p.Labs = []patient.Lab{{Name: "platelets", Value: 160}, {Name: "hemoglobin", Value: 11}, {Name: "ast", Value: 1, Unit: "ULN"}}
	p.NoHistoryOf = []string{"heart failure"}
	f, err := p.Facts(fixedDay)
	if err != nil {
		b.Fatal(err)
	}
	pi := newProfileIndex(f, m.opt.Vocab)
	cands := make([]candidate, 0, len(m.trials))
	for _, t := range m.trials {
		cands = append(cands, candidate{t: t})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.judge(pi, cands)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(len(cands))*1000, "ms/1000trials")
}

// BenchmarkRank is one whole ranking: search, check every candidate,
// explain the top 20.
func BenchmarkRank(b *testing.B) {
	m := newDemoMatcher(b)
	for b.Loop() {
		if _, err := m.Rank(context.Background(), breastProfile, RankOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOffConcept tells studies about another condition that shares the
// patient's words (condition names as bundled records write them) from
// studies about the patient's condition, and takes no record without
// such evidence for one.
func TestOffConcept(t *testing.T) {
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		diagnosis string
		conds     []string
		want      bool
	}{
		{"hypertension", []string{"Pulmonary Arterial Hypertension"}, true},
		{"hypertension", []string{"Open Angle Glaucoma", "Ocular Hypertension"}, true},
		{"hypertension", []string{"Portal Hypertension", "Budd-Chiari Syndrome", "Non-Cirrhotic Portal Hypertension"}, true},
		{"hypertension", []string{"Uncontrolled Hypertension", "Resistant Hypertension"}, false},
		{"hypertension", []string{"Chronic Kidney Disease and Hypertension"}, false},
		{"hypertension", []string{"Scleroderma, Diffuse", "Autoimmune Diseases"}, false},
		{"breast cancer", []string{"Triple Negative Breast Neoplasms"}, true},
		{"breast cancer", []string{"HER2-positive Breast Cancer", "Metastatic Breast Cancer"}, false},
		{"lung adenocarcinoma", []string{"Non-small Cell Lung Cancer"}, false},
	} {
		m := &Matcher{opt: Options{Vocab: v}}
		if got := offConcept(m.concepts([]patient.Condition{{Text: tc.diagnosis}}), tc.conds); got != tc.want {
			t.Errorf("%s against %q: off concept %v, want %v", tc.diagnosis, tc.conds, got, tc.want)
		}
	}
}

// TestHealthyVolunteerRanking ranks the bundled studies for a healthy
// volunteer: only studies that take healthy volunteers, and no study
// that treats a disease among the first ten while studies of other
// purposes (observational, basic science, diagnostic, prevention) are
// there to fill them.
func TestHealthyVolunteerRanking(t *testing.T) {
	m := newDemoMatcher(t)
	p := patient.Profile{Age: ptr(29.0), Sex: "female", HealthyVolunteer: ptr(true),
		Location: &patient.Location{Lat: ptr(39.29), Lon: ptr(-76.61)}} // Baltimore: the nearest are surgical studies
	res, err := m.Rank(context.Background(), p, RankOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Candidates < 20 || len(res.Hits) != 10 {
		t.Fatalf("%d candidates, %d hits", res.Candidates, len(res.Hits))
	}
	for _, h := range res.Hits {
		s := demoStudy(t, h.NCTID)
		if s.Eligibility.HealthyVolunteers == nil || !*s.Eligibility.HealthyVolunteers {
			t.Errorf("%s does not take healthy volunteers", h.NCTID)
		}
		healthy := slices.ContainsFunc(s.Conditions, func(c string) bool { return strings.Contains(strings.ToLower(c), "healthy") })
		if s.Design.PrimaryPurpose == "TREATMENT" && !healthy {
			t.Errorf("%s (%s) treats %v", h.NCTID, s.BriefTitle, s.Conditions)
		}
		// Enough studies say whom of the healthy they take for those
		// that do not to stay out of the top ten.
		about := strings.Join(append(append([]string{s.BriefTitle, s.OfficialTitle, s.Eligibility.Criteria}, s.Conditions...), s.Keywords...), " ")
		if !regexp.MustCompile(`(?i)healthy|volunteer|control`).MatchString(about) {
			t.Errorf("%s (%s): neither its criteria nor its description speak of healthy people", h.NCTID, s.BriefTitle)
		}
	}
}

// TestTitleAndDriverRankOnly: for an untreated EGFR-mutated lung
// adenocarcinoma, a trial asking for another driver (NCT06140836, ROS1)
// and one whose title is for patients treated before (NCT06305754,
// "… Who Have Progressed on Prior EGFR TKIs") rank after a trial for
// EGFR-mutated NSCLC registered only as "NSCLC" (NCT06062823), which the
// search finds through the genus of the patient's cancer. Neither their
// title nor the other driver changes their verdict.
func TestTitleAndDriverRankOnly(t *testing.T) {
	p, _ := patient.FromText("64 yo never-smoker man, newly diagnosed stage IVB lung adenocarcinoma (bone, adrenal), EGFR exon 19 deletion, ALK negative. No treatment yet. ECOG 1.")
	res, err := newDemoMatcher(t).Rank(context.Background(), p, RankOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, h := range res.Hits {
		at[h.NCTID] = i + 1
		if (h.NCTID == "NCT06140836" || h.NCTID == "NCT06305754") && h.Verdict == NotEligible {
			t.Errorf("%s: %s, but only its title or driver is against the patient", h.NCTID, h.Result)
		}
	}
	fit := at["NCT06062823"]
	if fit == 0 {
		t.Fatalf("NCT06062823 (EGFR-mutated NSCLC, registered as \"NSCLC\") not found; query %s", res.Query)
	}
	for _, id := range []string{"NCT06140836", "NCT06305754"} {
		if at[id] == 0 || at[id] < fit {
			t.Errorf("%s ranks %d, before NCT06062823 at %d", id, at[id], fit)
		}
	}
}
