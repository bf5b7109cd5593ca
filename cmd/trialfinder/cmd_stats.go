package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/study"
)

func init() {
	register(command{
		name:    "stats",
		args:    "[--db D] [--json]",
		summary: "summarise the store: studies by status, phase, type and country",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			asJSON := fs.Bool("json", false, "print one JSON object")
			return func(ctx context.Context, args []string) error {
				if len(args) != 0 {
					return errUsage
				}
				st, err := store.Open(ctx, *db)
				if err != nil {
					return err
				}
				defer st.Close()
				s, err := st.Stats(ctx)
				if err != nil {
					return err
				}
				if *asJSON {
					return json.NewEncoder(os.Stdout).Encode(statsJSON(s))
				}
				return writeStats(os.Stdout, s)
			}
		},
	})
}

// statsJSON is the --json shape: enum keys in API v2 spelling.
func statsJSON(s study.Stats) map[string]any {
	return map[string]any{
		"studies":      s.Studies,
		"byStatus":     s.ByStatus,
		"byPhase":      s.ByPhase,
		"byStudyType":  s.ByStudyType,
		"byCountry":    s.ByCountry,
		"withResults":  s.WithResults,
		"newestUpdate": s.NewestUpdate,
		"lastIngest":   s.LastIngest,
	}
}

// topCountries is how many countries the table lists; --json has all.
const topCountries = 15

func writeStats(out io.Writer, s study.Stats) error {
	var rows [][2]string // label, value; an empty row is a blank line
	add := func(label string, value any) { rows = append(rows, [2]string{label, fmt.Sprint(value)}) }
	add("Studies", s.Studies)
	add("With results", s.WithResults)
	add("Newest update", orNone(s.NewestUpdate))
	add("Last ingest", orNone(s.LastIngest))
	for _, g := range []struct {
		title  string
		counts map[string]int
		label  func(string) string
		limit  int
	}{
		{"Status", s.ByStatus, study.Statuses.Label, 0},
		{"Phase", s.ByPhase, study.Phases.Label, 0},
		{"Study type", s.ByStudyType, study.StudyTypes.Label, 0},
		{"Country", s.ByCountry, func(c string) string { return c }, topCountries},
	} {
		rows = append(rows, [2]string{})
		add(strings.ToUpper(g.title), "STUDIES")
		keys := slices.SortedFunc(maps.Keys(g.counts), func(a, b string) int {
			return cmp.Or(cmp.Compare(g.counts[b], g.counts[a]), cmp.Compare(a, b))
		})
		for i, k := range keys {
			if g.limit > 0 && i == g.limit {
				add(fmt.Sprintf("(%d more; --json lists all)", len(keys)-i), "")
				break
			}
			add(g.label(k), g.counts[k])
		}
	}
	lw, vw := 0, 0
	for _, r := range rows {
		lw, vw = max(lw, len(r[0])), max(vw, len(r[1]))
	}
	b := &strings.Builder{}
	for _, r := range rows {
		if r[0] == "" {
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(b, "%-*s  %*s\n", lw, r[0], vw, r[1])
	}
	_, err := io.WriteString(out, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
