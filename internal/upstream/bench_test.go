package upstream

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// benchStore opens the store the sync benchmarks change: a scratch copy
// of a full-size store (TRIALFINDER_SYNC_BENCH_DB), since they write to it.
func benchStore(b *testing.B) (*sqlite.Store, string) {
	path := os.Getenv("TRIALFINDER_SYNC_BENCH_DB")
	if path == "" {
		b.Skip("TRIALFINDER_SYNC_BENCH_DB names no scratch store")
	}
	st, err := sqlite.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	return st, path
}

// liveIDs lists the store's studies: against an empty listing, every
// live study is "gone".
func liveIDs(b *testing.B, st *sqlite.Store) []string {
	if err := st.ClearListing(b.Context()); err != nil {
		b.Fatal(err)
	}
	ids, _, _, err := st.ListingDiff(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkApplyDelta applies a day's delta, a page of 1,000 changed
// studies, as a sync does: compact, decode and prepare each record, then
// write the page with its checkpoint in one transaction. Network
// excluded. It also reports how much the store grows per 1,000 new
// versions.
func BenchmarkApplyDelta(b *testing.B) {
	st, path := benchStore(b)
	ids := liveIDs(b, st)
	const delta = 1000
	step := max(len(ids)/delta, 1)
	var raws [][]byte
	for i := 0; i < len(ids) && len(raws) < delta; i += step {
		raw, err := st.AppendRaw(b.Context(), nil, ids[i])
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	before := fileSize(b, path)
	s := &syncer[*record.Prepared]{st: st, opt: withDefaults(Options{})}
	b.ResetTimer()
	for n := range b.N {
		b.StopTimer()
		page := make([]json.RawMessage, len(raws))
		for i, raw := range raws {
			// A new version every time, on the same date so that no
			// later run is stale against an earlier one.
			page[i] = storetest.Edit(b, raw, func(rec map[string]any) {
				sm := storetest.Module(rec, "statusModule")
				sm["overallStatus"] = []string{"ACTIVE_NOT_RECRUITING", "COMPLETED"}[n%2]
				sm["whyStopped"] = fmt.Sprintf("delta %d", time.Now().UnixNano())
				sm["lastUpdatePostDateStruct"] = map[string]any{"date": "2100-01-01"}
			})
		}
		b.StartTimer()
		state := study.SyncState{Checkpoint: fmt.Sprintf(`{"phase":"updated","pages":%d}`, n)}
		changes, err := st.WriteSynced(b.Context(), s.decode(page), &state)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range changes {
			if c != study.Updated {
				b.Fatalf("change %v, want updated", c)
			}
		}
	}
	b.StopTimer()
	if err := st.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}
	b.ReportMetric(float64(fileSize(b, path)-before)/float64(b.N), "bytes/1000-versions")
}

// BenchmarkRemovalCheck runs our side of a full listing: 600 pages of
// 1,000 NCT IDs (the store's own, then new ones), each decoded from the
// API's JSON and written with its checkpoint, then the comparison with
// the store. Network excluded.
func BenchmarkRemovalCheck(b *testing.B) {
	st, _ := benchStore(b)
	defer st.Close()
	ids := liveIDs(b, st)
	const pages, pageSize = 600, 1000
	for i := 0; len(ids) < pages*pageSize; i++ {
		ids = append(ids, fmt.Sprintf("NCT9%07d", i))
	}
	bodies := make([][]byte, pages)
	for p := range pages {
		var body strings.Builder
		body.WriteString(`{"studies":[`)
		for i, id := range ids[p*pageSize : (p+1)*pageSize] {
			if i > 0 {
				body.WriteString(",")
			}
			fmt.Fprintf(&body, `{"protocolSection":{"identificationModule":{"nctId":%q}}}`, id)
		}
		fmt.Fprintf(&body, `],"nextPageToken":"token%d"}`, p)
		bodies[p] = []byte(body.String())
	}
	b.ResetTimer()
	for range b.N {
		if err := st.ClearListing(b.Context()); err != nil {
			b.Fatal(err)
		}
		for p, body := range bodies {
			var pg page
			if err := json.Unmarshal(body, &pg); err != nil {
				b.Fatal(err)
			}
			listed, err := pg.nctIDs()
			if err != nil {
				b.Fatal(err)
			}
			state := study.SyncState{Checkpoint: fmt.Sprintf(`{"phase":"listing","pages":%d}`, p+1)}
			if err := st.AddListed(b.Context(), listed, state); err != nil {
				b.Fatal(err)
			}
		}
		gone, _, _, err := st.ListingDiff(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if len(gone) != 0 {
			b.Fatalf("%d studies gone", len(gone))
		}
	}
}

func fileSize(b *testing.B, path string) int64 {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if info, err := os.Stat(p); err == nil {
			total += info.Size()
		}
	}
	return total
}
