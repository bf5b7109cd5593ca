package web

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/store/sqlite/sqlitetest"
	"github.com/trialfinder/trialfinder/internal/view"
)

// BenchmarkTrialPageAtScale serves the trial pages of 1,000 random studies
// of the store TRIALFINDER_BENCH_DB names (a full-size generated corpus)
// and reports the server time's p50 and p95. A trial page reads one record,
// its stored criteria and its versions from the store and renders them;
// the search index is not involved, so the benchmark serves with an empty
// one rather than spend minutes building it.
//
// "parsed" picks studies whose criteria the store holds for this parser
// version, as it does for all once an ingest has finished; "any" picks
// from all, so on a store whose criteria an older parser wrote (or an
// interrupted ingest left unparsed) most of its pages parse their criteria
// on request, as a server does until the next ingest re-derives them.
func BenchmarkTrialPageAtScale(b *testing.B) {
	st, path := sqlitetest.BenchStore(b)
	empty := &view.View{Index: search.NewBuilder().Finish(), Places: gazetteer.NewBuilder().Finish()}
	h, err := New(Config{Views: view.Static(empty), Studies: st, History: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, where string }{
		{"parsed", `WHERE nct_id IN (SELECT nct_id FROM criteria WHERE parser_version = '` + eligibility.ParserVersion + `')`},
		{"any", ""},
	} {
		b.Run(c.name, func(b *testing.B) { benchPages(b, h, randomIDs(b, path, c.where, 1000)) })
	}
}

func benchPages(b *testing.B, h http.Handler, ids []string) {
	var took []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/study/"+ids[i%len(ids)], nil))
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("/study/%s: %d", ids[i%len(ids)], rec.Code)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}

// randomIDs picks n stored NCT IDs at random, straight from the table,
// among the rows where (a WHERE clause, or empty) admits.
func randomIDs(b *testing.B, path, where string, n int) []string {
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT nct_id FROM studies `+where+` ORDER BY random() LIMIT ?`, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) == 0 {
		b.Fatalf("%d random IDs: %v", len(ids), err)
	}
	return ids
}
