package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

func generationOf(t *testing.T, st store.Store) int64 {
	t.Helper()
	g, err := st.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func changesSince(t *testing.T, st store.Store, gen int64) []study.Logged {
	t.Helper()
	l, err := st.ChangesSince(t.Context(), gen)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testChangeLog: every changing write logs its studies under the
// generation it moved to, in the same transaction; writes that change
// nothing log nothing and leave the generation alone.
func testChangeLog(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	loaded := generationOf(t, st)
	log := changesSince(t, st, 0)
	if len(log) != len(studies) {
		t.Fatalf("%d change-log entries after loading %d studies", len(log), len(studies))
	}
	for _, l := range log {
		if l.Generation != loaded || l.Kind != study.LogInserted {
			t.Fatalf("entry %+v, want inserted at generation %d", l, loaded)
		}
	}
	// Nothing changes: neither a re-ingest nor the ingest's finishing time
	// moves the generation.
	upsert(t, st, studies)
	if err := st.SetLastIngest(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if g := generationOf(t, st); g != loaded {
		t.Fatalf("generation %d after writes that changed nothing, %d before", g, loaded)
	}
	if l := changesSince(t, st, loaded); len(l) != 0 {
		t.Fatalf("writes that changed nothing logged %v", l)
	}
	i, s := withSites(t, raws)
	wantChanges(t, upsert(t, st, []study.Study{moved(t, raws[i], "Atlantis", "2099-01-02"), studies[(i+1)%len(studies)]}),
		study.Updated, study.Unchanged)
	want := []study.Logged{{Generation: loaded + 1, NCTID: s.NCTID, Kind: study.LogUpdated}}
	if l := changesSince(t, st, loaded); !reflect.DeepEqual(l, want) {
		t.Fatalf("after one update: %v, want %v", l, want)
	}
}

func compact(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testHistory: each distinct version is kept, in order, with its record;
// stale and identical records add none.
func testHistory(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	load(t, st, raws)
	i, orig := withSites(t, raws)
	v2 := storetest.Edit(t, raws[i], func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["overallStatus"] = "ACTIVE_NOT_RECRUITING"
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02", "type": "ACTUAL"}
	})
	v3 := storetest.Edit(t, v2, func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["overallStatus"] = "COMPLETED"
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-02-03", "type": "ACTUAL"}
	})
	for _, raw := range [][]byte{v2, v3, v3, v2} { // the repeat is unchanged, then v2 is stale
		upsert(t, st, decodeAll(t, [][]byte{raw}))
	}
	got, err := st.History(ctx, orig.NCTID)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := [][]byte{compact(t, raws[i]), compact(t, v2), compact(t, v3)}
	wantDates := []string{orig.Dates.LastUpdatePosted.Sortable(), "2099-01-02", "2099-02-03"}
	if len(got) != len(wantRaw) {
		t.Fatalf("%d versions, want %d", len(got), len(wantRaw))
	}
	for k, v := range got {
		if v.Version != k+1 || v.LastUpdatePosted != wantDates[k] || !bytes.Equal(v.Raw, wantRaw[k]) {
			t.Errorf("version %d: number %d, date %q, record matches %v; want %d, %q",
				k, v.Version, v.LastUpdatePosted, bytes.Equal(v.Raw, wantRaw[k]), k+1, wantDates[k])
		}
		if v.SeenAt.Before(before) || v.SeenAt.After(time.Now().Add(time.Second)) || (k > 0 && v.SeenAt.Before(got[k-1].SeenAt)) {
			t.Errorf("version %d seen at %v", k+1, v.SeenAt)
		}
	}
	if _, err := st.History(ctx, "NCT99999999"); !errors.Is(err, study.ErrNotFound) {
		t.Errorf("History of an absent study: %v, want ErrNotFound", err)
	}
}

// testRemoved: a removed study leaves every listing and count but keeps
// its record's history; writing it again, or restoring it, brings it back.
func testRemoved(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	full, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gone := studies[3]
	n, err := st.Remove(ctx, []string{gone.NCTID, "NCT99999999"}, "2026-12-01", nil)
	if err != nil || n != 1 {
		t.Fatalf("Remove = %d, %v; want 1", n, err)
	}
	gen := generationOf(t, st)
	if n, _ := st.Remove(ctx, []string{gone.NCTID}, "2026-12-02", nil); n != 0 || generationOf(t, st) != gen {
		t.Errorf("removing a removed study again: %d marked, generation moved %v", n, generationOf(t, st) != gen)
	}
	if l := changesSince(t, st, gen-1); len(l) != 1 || l[0].Kind != study.LogRemoved || l[0].NCTID != gone.NCTID {
		t.Errorf("change log after the removal: %v", l)
	}
	if c, err := st.Count(ctx); err != nil || c != len(studies)-1 {
		t.Errorf("Count = %d, %v; want %d", c, err, len(studies)-1)
	}
	if s, err := st.Stats(ctx); err != nil || s.Studies != full.Studies-1 || s.ByStatus[gone.OverallStatus] != full.ByStatus[gone.OverallStatus]-1 {
		t.Errorf("Stats after a removal: %d studies, %d %s; want %d, %d", s.Studies, s.ByStatus[gone.OverallStatus],
			gone.OverallStatus, full.Studies-1, full.ByStatus[gone.OverallStatus]-1)
	}
	err = st.Each(ctx, func(s study.Study) error {
		if s.NCTID == gone.NCTID {
			t.Errorf("Each visits the removed %s", s.NCTID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var removed *study.RemovedError
	if _, err := st.Study(ctx, gone.NCTID); !errors.As(err, &removed) || removed.On != "2026-12-01" || !errors.Is(err, study.ErrNotFound) {
		t.Errorf("Study(removed) error %v, want a RemovedError of 2026-12-01", err)
	}
	if _, err := st.AppendRaw(ctx, nil, gone.NCTID); !errors.As(err, &removed) {
		t.Errorf("AppendRaw(removed) error %v, want a RemovedError", err)
	}
	if h, err := st.History(ctx, gone.NCTID); err != nil || len(h) != 1 {
		t.Errorf("History(removed) = %d versions, %v", len(h), err)
	}
	// It reappears upstream unchanged: the write restores it.
	wantChanges(t, upsert(t, st, []study.Study{gone}), study.Updated)
	if c, _ := st.Count(ctx); c != len(studies) {
		t.Errorf("Count after the study came back = %d, want %d", c, len(studies))
	}
	if l := changesSince(t, st, generationOf(t, st)-1); len(l) != 1 || l[0].Kind != study.LogRestored {
		t.Errorf("change log after the study came back: %v", l)
	}
	if h, _ := st.History(ctx, gone.NCTID); len(h) != 1 {
		t.Errorf("an unchanged record that came back added a version: %d", len(h))
	}
	// Restore brings back a study the listing names again.
	if _, err := st.Remove(ctx, []string{gone.NCTID}, "2026-12-03", nil); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Restore(ctx, []string{gone.NCTID, studies[0].NCTID}, nil); err != nil || n != 1 {
		t.Errorf("Restore = %d, %v; want 1", n, err)
	}
	if _, err := st.Study(ctx, gone.NCTID); err != nil {
		t.Errorf("Study after Restore: %v", err)
	}
}

// testSyncState: the state round-trips, and writes that carry it record
// it with what they change.
func testSyncState(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	if s, err := st.SyncState(ctx); err != nil || !reflect.DeepEqual(s, study.SyncState{}) {
		t.Fatalf("new store's sync state %+v, %v", s, err)
	}
	want := study.SyncState{
		DataTimestamp: "2026-12-02T09:00:05", Since: "2026-12-01", Checkpoint: `{"page":3}`,
		LastSync: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), LastFullListing: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC),
	}
	gen := generationOf(t, st)
	if err := st.SetSyncState(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := st.SyncState(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("sync state %+v, %v; want %+v", got, err, want)
	}
	if g := generationOf(t, st); g != gen {
		t.Errorf("recording the sync state moved the generation from %d to %d", gen, g)
	}
	studies := load(t, st, raws[:5])
	want.Checkpoint = ""
	if _, err := st.Remove(ctx, []string{studies[0].NCTID}, "2026-12-02", &want); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.SyncState(ctx); got.Checkpoint != "" {
		t.Errorf("Remove did not record the state it was given: checkpoint %q", got.Checkpoint)
	}
}

// testListing: a listing gathered page by page is compared with the store.
func testListing(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	var ids []string
	for _, s := range studies {
		ids = append(ids, s.NCTID)
	}
	slices.Sort(ids)
	// A stale listing from an earlier, abandoned run must not count.
	if err := st.AddListed(ctx, []string{"NCT99999998"}, study.SyncState{}); err != nil {
		t.Fatal(err)
	}
	if err := st.ClearListing(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Remove(ctx, ids[5:6], "2026-12-01", nil); err != nil {
		t.Fatal(err)
	}
	listed := append(slices.Clone(ids[3:]), "NCT99999999")
	for page := range slices.Chunk(listed, 40) {
		if err := st.AddListed(ctx, page, study.SyncState{Checkpoint: page[len(page)-1]}); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := st.SyncState(ctx); s.Checkpoint != "NCT99999999" {
		t.Errorf("checkpoint after the listing %q", s.Checkpoint)
	}
	gone, back, unknown, err := st.ListingDiff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone, ids[:3]) || !slices.Equal(back, ids[5:6]) || !slices.Equal(unknown, []string{"NCT99999999"}) {
		t.Errorf("ListingDiff: gone %v, back %v, unknown %v; want %v, %v, [NCT99999999]", gone, back, unknown, ids[:3], ids[5:6])
	}
}
