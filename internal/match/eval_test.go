package match

import (
	"testing"
)

func TestEvaluateBenchmarks(t *testing.T) {
	m := newDemoMatcher(t, true)
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
			t.Logf("%s judged=%v topics=%d match ndcg@10=%.3f p@10=%.3f mrr=%.3f | bm25 ndcg@10=%.3f p@10=%.3f mrr=%.3f",
				set, judged, ev.Topics, ev.NDCG10, ev.P10, ev.MRR, ev.Baseline.NDCG10, ev.Baseline.P10, ev.Baseline.MRR)
		}
	}
}
