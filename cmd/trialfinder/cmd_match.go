package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

func init() {
	register(command{
		name:    "match",
		args:    "[--db D] [--json] [--limit N] PROFILE.json|- | --text NOTE",
		summary: "rank recruiting trials for a patient, with a per-criterion table for each",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			asJSON := fs.Bool("json", false, "print the ranking as JSON")
			text := fs.String("text", "", "a clinic-note description of the patient, read instead of a profile")
			limit := fs.Int("limit", 10, "trials to print")
			return func(ctx context.Context, args []string) error {
				var p patient.Profile
				switch {
				case *text != "" && len(args) == 0:
					var found []patient.Finding
					p, found = patient.FromText(*text)
					if !*asJSON {
						for _, f := range found {
							fmt.Printf("understood %s: %q → %s\n", f.Kind, f.Text, f.Value)
						}
					}
				case *text == "" && len(args) == 1:
					b, err := readInput(args[0])
					if err != nil {
						return err
					}
					dec := json.NewDecoder(strings.NewReader(b))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&p); err != nil {
						return fmt.Errorf("profile %s: %w", args[0], err)
					}
				default:
					return errUsage
				}
				m, err := openMatcher(ctx, *db, false)
				if err != nil {
					return err
				}
				res, err := m.Rank(ctx, p, match.RankOptions{Limit: *limit})
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(res)
				}
				fmt.Printf("%d of %d recruiting trials are candidates (query %s)\n", res.Candidates, m.Len(), res.Query)
				for i, h := range res.Hits {
					fmt.Printf("\n%d. %s — %s\n", i+1, h.Result, h.Title)
					if h.DistanceKm != nil {
						fmt.Printf("   nearest site %.0f km: %s\n", *h.DistanceKm, h.Site)
					}
					printRows(h.Rows, "   ")
				}
				return nil
			}
		},
	})
}

func printRows(rows []match.Row, indent string) {
	for _, r := range rows {
		fmt.Printf("%s[%s] %s: %s\n%s    → %s\n", indent, r.Status, r.Section, clip(r.Criterion, 100), indent, r.Reason)
		printRows(r.Rows, indent+"    ")
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// openMatcher loads every study of the store into a matcher; all keeps
// closed studies too.
func openMatcher(ctx context.Context, dsn string, all bool) (*match.Matcher, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	return match.NewMatcher(ctx, st, match.Options{Vocab: v, All: all})
}
