package match

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/trialfinder/trialfinder/internal/textproc"
)

func TestZZTok(t *testing.T) {
	out := os.Getenv("ZZDUMP")
	if out == "" {
		t.Skip()
	}
	m := newDemoMatcher(t)
	f, _ := os.Create(out)
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, set := range []string{"trec_2021", "sigir"} {
		topics, _ := ReadTopics(openTestdata(t, set+"_queries.jsonl"))
		qrels, _ := ReadQrels(openTestdata(t, set+"_qrels_demo.tsv"))
		for _, tp := range topics {
			grades := qrels[tp.ID]
			var pool []string
			for id := range grades {
				if m.trials[id] != nil {
					pool = append(pool, id)
				}
			}
			if len(pool) == 0 {
				continue
			}
			slices.Sort(pool)
			toks := textproc.Tokenize(tp.Text)
			qtf := map[string]int{}
			for _, w := range toks {
				qtf[w]++
			}
			per := map[string]map[string]float64{}
			for w := range qtf {
				for _, area := range []string{"term", "cond"} {
					s, err := m.search(area, []string{w}, pool)
					if err != nil {
						t.Fatal(err)
					}
					per[area+":"+w] = s
				}
			}
			enc.Encode(map[string]any{"set": set, "topic": tp.ID, "qtf": qtf, "toks": toks, "per": per, "grades": grades, "pool": pool})
		}
	}
}
