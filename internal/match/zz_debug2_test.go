package match

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

func TestZZFalseExcl(t *testing.T) {
	b := os.Getenv("BENCH")
	if b == "" {
		t.Skip()
	}
	topics, _ := ReadTopics(openTestdata(t, b+"_queries.jsonl"))
	qrels, _ := ReadQrels(openTestdata(t, b+"_qrels_demo.tsv"))
	v, _ := vocab.Load()
	byID := map[string]int{}
	ss := loadDemo(t)
	for i, s := range ss {
		byID[s.NCTID] = i
	}
	for _, tp := range topics {
		p, _ := patient.FromText(tp.Text)
		f, _ := p.Facts(fixedDay)
		pi := newProfileIndex(f, v)
		for id, g := range qrels[tp.ID] {
			i, ok := byID[id]
			if !ok || g != 2 {
				continue
			}
			s := ss[i]
			r := pi.check(s.NCTID, &s.Eligibility, prepare(eligibility.Parse(s.Eligibility.Criteria)), true)
			if r.Verdict != NotEligible {
				continue
			}
			fmt.Printf("== %s %s\n   NOTE: %.300s\n", tp.ID, id, tp.Text)
			var pr func(rows []Row, d int)
			pr = func(rows []Row, d int) {
				for _, rw := range rows {
					if rw.Status == NotMet {
						fmt.Printf("%s[%s] %.160s\n%s   -> %s\n", strings.Repeat("  ", d), rw.Section, rw.Criterion, strings.Repeat("  ", d), rw.Reason)
						pr(rw.Rows, d+1)
					}
				}
			}
			pr(r.Rows, 0)
		}
	}
}
