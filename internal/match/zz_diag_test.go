package match
import "testing"
func TestDiag(t *testing.T) {
	m := newDemoMatcher(t, true)
	topics, _ := ReadTopics(openTestdata(t, "trec_2021_queries.jsonl"))
	qrels, _ := ReadQrels(openTestdata(t, "trec_2021_qrels_demo.tsv"))
	tab := map[Verdict][3]int{}
	why := map[string]int{}
	for _, tp := range topics {
		pi, _ := FromTextIndex(m, tp.Text)
		for id, g := range qrels[tp.ID] {
			tr := m.trials[id]; if tr == nil { continue }
			r := pi.check(tr.s, tr.prep, true)
			x := tab[r.Verdict]; x[g]++; tab[r.Verdict] = x
			if r.Verdict == NotEligible && g > 0 { for _, row := range r.Rows { if row.Status == NotMet { why[row.Section+": "+row.Reason]++ } } }
		}
	}
	t.Log(tab)
	for k, v := range why { if v > 1 { t.Log(v, k) } }
}
