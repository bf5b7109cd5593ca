package upstream

import (
	"reflect"
	"testing"

	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

// TestSyncPostgres: the same syncs (bootstrap, edits and a new study, a
// removal and a full listing) leave a PostgreSQL store as they leave a
// SQLite one: the same summaries, records, history and change log.
func TestSyncPostgres(t *testing.T) {
	dsn, _ := pgtest.Database(t)
	pg, err := postgres.Open(t.Context(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	lite := openStore(t, "")
	raws := storetest.Records(t)
	f, srv := upstreamtest.New(t, raws, day1)
	opt := testOptions(srv.URL)
	syncBoth := func(what string) {
		t.Helper()
		want, got := mustSync(t, lite, opt), mustSync(t, pg, opt)
		want.Elapsed, got.Elapsed = 0, 0
		want.Requests, got.Requests = 0, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PostgreSQL %+v, SQLite %+v", what, got, want)
		}
	}
	syncBoth("bootstrap")

	for _, i := range []int{4, 40} {
		edit(t, f, raws[i], "2026-01-11", func(rec map[string]any) {
			storetest.Module(rec, "statusModule")["overallStatus"] = "SUSPENDED"
		})
	}
	added := storetest.Edit(t, raws[7], func(rec map[string]any) {
		storetest.SetNCTID(rec, "NCT09999990")
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2026-01-12"}
	})
	f.Put(added)
	gone, _ := upstreamtest.KeysOf(t, raws[11])
	f.Remove(gone)
	f.SetTimestamp(day2)
	opt.Full = true
	syncBoth("edits, a new study and a removal")

	ids := append(idsOf(t, raws), "NCT09999990")
	sameDump(t, "PostgreSQL against SQLite", dump(t, pg, ids), dump(t, lite, ids))
	want, err := lite.ChangesSince(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pg.ChangesSince(t.Context(), 0)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("change log: PostgreSQL %d entries (%v), SQLite %d", len(got), err, len(want))
	}
	ws, _ := lite.SyncState(t.Context())
	gs, _ := pg.SyncState(t.Context())
	if ws.DataTimestamp != day2 || gs.DataTimestamp != ws.DataTimestamp || gs.Since != ws.Since || gs.Checkpoint != ws.Checkpoint {
		t.Errorf("sync state: PostgreSQL %+v, SQLite %+v", gs, ws)
	}
}
