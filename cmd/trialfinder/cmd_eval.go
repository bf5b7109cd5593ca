package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/trialfinder/trialfinder/internal/match"
)

func init() {
	register(command{
		name:    "eval",
		args:    "--topics F --qrels F [--pool judged|all] [--db D] [--json]",
		summary: "measure patient matching against a BM25 baseline on judged patient-trial pairs",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			topicsPath := fs.String("topics", "", "patient descriptions: TrialGPT queries.jsonl or TREC topics XML")
			qrelsPath := fs.String("qrels", "", "judgments: query-id corpus-id score (TSV)")
			pool := fs.String("pool", "judged", "judged: rank each topic's judged trials in the store; all: the whole store")
			asJSON := fs.Bool("json", false, "print the figures as JSON")
			return func(ctx context.Context, args []string) error {
				if len(args) != 0 || *topicsPath == "" || *qrelsPath == "" || *pool != "judged" && *pool != "all" {
					return errUsage
				}
				tf, err := os.Open(*topicsPath)
				if err != nil {
					return err
				}
				defer tf.Close()
				topics, err := match.ReadTopics(tf)
				if err != nil {
					return err
				}
				qf, err := os.Open(*qrelsPath)
				if err != nil {
					return err
				}
				defer qf.Close()
				qrels, err := match.ReadQrels(qf)
				if err != nil {
					return err
				}
				m, err := openMatcher(ctx, *db, true)
				if err != nil {
					return err
				}
				ev, err := m.Evaluate(topics, qrels, *pool == "judged")
				if err != nil {
					return err
				}
				if *asJSON {
					return json.NewEncoder(os.Stdout).Encode(ev)
				}
				fmt.Printf("topics %d (pool %s)\n", ev.Topics, *pool)
				fmt.Printf("%-9s %8s %8s %8s\n", "", "NDCG@10", "P@10", "MRR")
				fmt.Printf("%-9s %8.3f %8.3f %8.3f\n", "matching", ev.NDCG10, ev.P10, ev.MRR)
				fmt.Printf("%-9s %8.3f %8.3f %8.3f\n", "BM25", ev.Baseline.NDCG10, ev.Baseline.P10, ev.Baseline.MRR)
				fmt.Printf("%-9s %8.3f %8.3f %8.3f  (the judged trials by grade: the most any ranking can score here)\n", "ideal", ev.Ideal.NDCG10, ev.Ideal.P10, ev.Ideal.MRR)
				fmt.Printf("gap closed %.3f of the way from BM25 to the ideal\n", ev.GapClosed)
				fmt.Printf("verdicts on judged pairs  %8s %8s %8s\n", "likely", "possibly", "not")
				v := ev.Verdicts
				for _, r := range []struct {
					name string
					c    match.VerdictCount
				}{{"eligible (2)", v.Eligible}, {"excluded (1)", v.Excluded}, {"not relevant (0)", v.NotRelevant}} {
					fmt.Printf("  %-22s %8d %8d %8d\n", r.name, r.c.Likely, r.c.Possibly, r.c.Not)
				}
				fmt.Printf("false-exclusion rate %.3f (eligible called not eligible), exclusion recall %.3f\n", ev.FalseExclusionRate, ev.ExclusionRecall)
				return nil
			}
		},
	})
}
