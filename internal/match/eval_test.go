package match

import (
	"strings"
	"testing"
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
			// Within judged pools, where every study is about something in
			// the note, checking the criteria must add to word matching.
			if judged && ev.NDCG10 < ev.Baseline.NDCG10 {
				t.Errorf("%s: matching NDCG@10 %.3f is below the BM25 baseline's %.3f", set, ev.NDCG10, ev.Baseline.NDCG10)
			}
			t.Logf("%s judged=%v topics=%d match ndcg@10=%.3f p@10=%.3f mrr=%.3f | bm25 ndcg@10=%.3f p@10=%.3f mrr=%.3f",
				set, judged, ev.Topics, ev.NDCG10, ev.P10, ev.MRR, ev.Baseline.NDCG10, ev.Baseline.P10, ev.Baseline.MRR)
		}
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
