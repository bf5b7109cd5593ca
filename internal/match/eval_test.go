package match

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/textproc"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

func TestEvaluateBenchmarks(t *testing.T) {
	m := newDemoMatcher(t)
	for _, set := range []string{"trec_2021", "sigir"} {
		topics, err := ReadTopics(openTestdata(t, set+"_queries.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		qrels, err := ReadQrels(openTestdata(t, set+"_qrels_demo.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		for _, judged := range []bool{true, false} {
			ev, err := m.Evaluate(topics, qrels, judged)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Topics == 0 || ev.Topics > len(qrels) {
				t.Errorf("%s: %d topics evaluated of %d judged", set, ev.Topics, len(qrels))
			}
			for _, x := range []float64{ev.NDCG10, ev.P10, ev.MRR, ev.Baseline.NDCG10, ev.Baseline.P10, ev.Baseline.MRR} {
				if x < 0 || x > 1 {
					t.Errorf("%s: metric %v outside [0, 1]", set, x)
				}
			}
			for _, m := range []Metrics{ev.Metrics, ev.Baseline} {
				if m.NDCG10 > ev.Ideal.NDCG10 || m.P10 > ev.Ideal.P10 || m.MRR > ev.Ideal.MRR {
					t.Errorf("%s judged=%v: %+v beats the ideal ranking's %+v", set, judged, m, ev.Ideal)
				}
			}
			if ev.Ideal.NDCG10 <= ev.NDCG10 {
				t.Errorf("%s judged=%v: the ideal NDCG@10 %.3f does not exceed matching's %.3f", set, judged, ev.Ideal.NDCG10, ev.NDCG10)
			}
			// Within judged pools, where every study is about something in
			// the note, checking the criteria must add to word matching.
			if judged && ev.NDCG10 < ev.Baseline.NDCG10 {
				t.Errorf("%s: matching NDCG@10 %.3f is below the BM25 baseline's %.3f", set, ev.NDCG10, ev.Baseline.NDCG10)
			}
			if v := ev.Verdicts.Eligible; v.total() == 0 || ev.Verdicts.Excluded.total() == 0 {
				t.Errorf("%s: verdicts counted on no judged pair: %+v", set, ev.Verdicts)
			}
			// The target: at most 5% of the assessors' eligible
			// pairs told "not eligible". SIGIR's 16 eligible pairs include
			// four that break the trial's registered sex or age limit,
			// which no honest check can pass: see TestFalseExclusionsAreRegisteredLimits.
			if set == "trec_2021" && ev.FalseExclusionRate > 0.05 {
				t.Errorf("%s: false-exclusion rate %.3f above 0.05 (%+v)", set, ev.FalseExclusionRate, ev.Verdicts.Eligible)
			}
			if ev.ExclusionRecall < 0.05 {
				t.Errorf("%s: exclusion recall %.3f: the check catches almost no excluded pair", set, ev.ExclusionRecall)
			}
			t.Logf("%s judged=%v verdicts %+v false-exclusion %.3f exclusion recall %.3f gap closed %.3f",
				set, judged, ev.Verdicts, ev.FalseExclusionRate, ev.ExclusionRecall, ev.GapClosed)
			t.Logf("%s judged=%v topics=%d match ndcg@10=%.3f p@10=%.3f mrr=%.3f | bm25 ndcg@10=%.3f p@10=%.3f mrr=%.3f | ideal ndcg@10=%.3f",
				set, judged, ev.Topics, ev.NDCG10, ev.P10, ev.MRR, ev.Baseline.NDCG10, ev.Baseline.P10, ev.Baseline.MRR, ev.Ideal.NDCG10)
		}
	}
}

// TestFalseExclusionsAreRegisteredLimits checks every SIGIR pair the
// assessors judged eligible and the check calls not eligible: each must
// be ruled out by the trial's registered sex or age limit alone, which
// contradicts the note itself, never by a parsed criterion.
func TestFalseExclusionsAreRegisteredLimits(t *testing.T) {
	topics, err := ReadTopics(openTestdata(t, "sigir_queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	qrels, err := ReadQrels(openTestdata(t, "sigir_qrels_demo.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tp := range topics {
		p, _ := patient.FromText(tp.Text)
		f, err := p.Facts(fixedDay)
		if err != nil {
			t.Fatal(err)
		}
		pi := newProfileIndex(f, v)
		for id, g := range qrels[tp.ID] {
			if g != relevantGrade {
				continue
			}
			s, ok := findDemo(t, id)
			if !ok {
				continue
			}
			seen++
			r := pi.check(id, &s.Eligibility, prepare(eligibility.Parse(s.Eligibility.Criteria)), true)
			for _, row := range r.Rows {
				if row.Status == NotMet && row.Section != "study" {
					t.Errorf("%s %s: eligible pair ruled out by %q: %s", tp.ID, id, row.Criterion, row.Reason)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no eligible SIGIR pair among the bundled records")
	}
}

func TestReadFormats(t *testing.T) {
	topics, err := ReadTopics(strings.NewReader(`<topics task="2021 TREC Clinical Trials">
<topic number="7">A 60 yo M with cirrhosis.</topic>
<topic number="8">A 57-year-old gentleman with CLL.</topic>
</topics>`))
	if err != nil || len(topics) != 2 || topics[0].ID != "trec-20217" || topics[1].Text != "A 57-year-old gentleman with CLL." {
		t.Errorf("XML topics: %+v %v", topics, err)
	}
	q, err := ReadQrels(strings.NewReader("query-id\tcorpus-id\tscore\ntrec-20217\tNCT00000102\t2\n7 0 NCT00000104 1\n"))
	if err != nil || q["trec-20217"]["NCT00000102"] != 2 || q["trec-20217"]["NCT00000104"] != 1 {
		t.Errorf("qrels: %v %v", q, err)
	}
	for _, bad := range []string{"trec-1\tNCT1\n", "trec-1\tNCT1\tmany\n"} {
		if _, err := ReadQrels(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := ReadTopics(strings.NewReader(`{"text": "no id"}`)); err == nil {
		t.Error("a topic without _id was accepted")
	}
}

// TestCheckingOrdersTheRelevantTrials gives the ranking the one thing it
// cannot know from words, which trials the assessors judged to be about
// the patient at all (grade > 0), and measures how the two methods order
// those: the criteria check must put the eligible (grade 2) above the
// excluded (grade 1) better than BM25 does. This is the part of the
// TREC target that checking owns; see the README for the figures.
func TestCheckingOrdersTheRelevantTrials(t *testing.T) {
	m := newDemoMatcher(t)
	topics, err := ReadTopics(openTestdata(t, "trec_2021_queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	qrels, err := ReadQrels(openTestdata(t, "trec_2021_qrels_demo.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var matched, base float64
	n := 0
	for _, tp := range topics {
		grades := qrels[tp.ID]
		pool := m.judged(grades)
		if len(pool) == 0 {
			continue
		}
		relevantFirst := func(ids []string) []string {
			slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(boolInt(grades[a] == 0), boolInt(grades[b] == 0)) })
			return ids
		}
		ranked, err := m.rankTopic(tp.Text, pool)
		if err != nil {
			t.Fatal(err)
		}
		scores, err := m.search("term", distinct(textproc.Tokenize(tp.Text)), pool)
		if err != nil {
			t.Fatal(err)
		}
		matched += NDCG(relevantFirst(ranked), grades, 10)
		base += NDCG(relevantFirst(rankedIDs(scores, pool)), grades, 10)
		n++
	}
	matched, base = matched/float64(n), base/float64(n)
	t.Logf("relevance given: matching NDCG@10 %.3f, BM25 %.3f over %d topics", matched, base, n)
	// Ordering by score alone, without the verdicts, is level with BM25
	// here (0.788 against 0.787). The verdicts added 0.008 when "likely
	// eligible" came before "possibly"; now that only "not eligible"
	// moves a trial down (issue 13: within fit, by relevance), 0.004.
	if matched < base+0.002 {
		t.Errorf("with relevance given, matching NDCG@10 %.3f is not above BM25's %.3f", matched, base)
	}
}
