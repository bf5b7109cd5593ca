package store_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

func open(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// source is a SQLite store holding everything a store keeps: studies,
// new versions of some, a removed one, parsed criteria, aliases, the sync
// state, a listing in progress.
func source(t *testing.T) store.Store {
	ctx := t.Context()
	st := open(t, filepath.Join(t.TempDir(), "source.db"))
	raws := storetest.Records(t)
	var studies []study.Study
	for _, raw := range raws {
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		studies = append(studies, s)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.Upsert(ctx, studies)
	must(err)
	for i := range 3 {
		edited := storetest.Edit(t, raws[i], func(rec map[string]any) {
			storetest.Module(rec, "statusModule")["overallStatus"] = "COMPLETED"
			storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02"}
		})
		s, err := ctgov.DecodeV2(edited)
		must(err)
		_, err = st.Upsert(ctx, []study.Study{s})
		must(err)
	}
	_, err = st.ReparseCriteria(ctx)
	must(err)
	_, err = st.Remove(ctx, []string{studies[5].NCTID}, "2026-12-01", nil)
	must(err)
	must(st.SetSyncState(ctx, study.SyncState{DataTimestamp: "2026-12-02T09:00:05", Since: "2026-12-01",
		LastSync: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Checkpoint: `{"page":3}`}))
	must(st.AddListed(ctx, []string{studies[0].NCTID, studies[1].NCTID}, study.SyncState{Checkpoint: `{"listing":1}`}))
	must(st.SetLastIngest(ctx, time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)))
	return st
}

// TestCopyRoundTrip copies SQLite to PostgreSQL and back, and compares
// each copy with the original through the store's own reads.
func TestCopyRoundTrip(t *testing.T) {
	pg, _ := pgtest.Database(t)
	ctx := t.Context()
	src := source(t)
	mid := open(t, pg)
	back := open(t, filepath.Join(t.TempDir(), "back.db"))
	var pages []int
	n, err := store.Copy(ctx, src, mid, func(copied int) { pages = append(pages, copied) })
	if err != nil {
		t.Fatal(err)
	}
	want := len(storetest.Records(t))
	if n != want || len(pages) == 0 || pages[len(pages)-1] != want {
		t.Fatalf("copied %d studies (progress %v), want %d", n, pages, want)
	}
	if _, err := store.Copy(ctx, mid, back, nil); err != nil {
		t.Fatal(err)
	}
	same(t, src, mid)
	same(t, src, back)

	// A non-empty target is refused, and left as it was.
	if _, err := store.Copy(ctx, src, back, nil); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("copy into a full store: %v, want ErrNotEmpty", err)
	}
	same(t, src, back)

	// The copy carries on where the original was: the next change is the
	// next generation.
	gen, _ := src.Generation(ctx)
	s, err := src.Study(ctx, dumps(t, src)[10].ID)
	if err != nil {
		t.Fatal(err)
	}
	s = withTitle(t, s, "Changed after the copy")
	if _, err := mid.Upsert(ctx, []study.Study{s}); err != nil {
		t.Fatal(err)
	}
	if l, err := mid.ChangesSince(ctx, gen); err != nil || !reflect.DeepEqual(l, []study.Logged{{Generation: gen + 1, NCTID: s.NCTID, Kind: study.LogUpdated}}) {
		t.Errorf("the copy's change log after a write: %v, %v", l, err)
	}
}

func withTitle(t *testing.T, s study.Study, title string) study.Study {
	edited := storetest.Edit(t, s.Raw, func(rec map[string]any) {
		storetest.Module(rec, "identificationModule")["briefTitle"] = title
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-03-04"}
	})
	s, err := ctgov.DecodeV2(edited)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dumps(t *testing.T, st store.Store) []record.Dump {
	t.Helper()
	var all []record.Dump
	for after := ""; ; {
		page, err := st.ExportStudies(t.Context(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
}

// same compares two stores: stats, every record and its history, aliases,
// criteria, removals, the change log and the sync state.
func same(t *testing.T, want, got store.Store) {
	t.Helper()
	ctx := t.Context()
	ws, err := want.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := got.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ws, gs) {
		t.Errorf("stats differ:\n want %+v\n got  %+v", ws, gs)
	}
	wd, gd := dumps(t, want), dumps(t, got)
	if len(wd) != len(gd) {
		t.Fatalf("%d studies, want %d", len(gd), len(wd))
	}
	var removed, versions, aliases, criteria int
	for i, w := range wd {
		if !reflect.DeepEqual(w, gd[i]) {
			t.Errorf("%s: stored differently in the copy", w.ID)
		}
		wr, werr := want.AppendRaw(ctx, nil, w.ID)
		gr, gerr := got.AppendRaw(ctx, nil, w.ID)
		var wrem, grem *study.RemovedError
		if errors.As(werr, &wrem) {
			removed++
			if !errors.As(gerr, &grem) || *grem != *wrem {
				t.Errorf("%s: removed %v in the original, %v in the copy", w.ID, werr, gerr)
			}
		} else if werr != nil || gerr != nil || !slices.Equal(wr, gr) {
			t.Errorf("%s: record differs (%v, %v)", w.ID, werr, gerr)
		}
		wh, err := want.History(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		gh, err := got.History(ctx, w.ID)
		if err != nil || !reflect.DeepEqual(wh, gh) {
			t.Errorf("%s: history differs (%d versions, want %d; %v)", w.ID, len(gh), len(wh), err)
		}
		versions += len(wh)
		for _, a := range w.Aliases {
			aliases++
			if id, err := got.CanonicalID(ctx, a); err != nil || id != w.ID {
				t.Errorf("alias %s: %q, %v; want %s", a, id, err, w.ID)
			}
		}
		if w.CriteriaZ != nil {
			criteria++
			var wc, gc []byte
			want.CriteriaOf(ctx, w.CriteriaVersion, []string{w.ID}, func(_ string, p []byte) error { wc = p; return nil })
			got.CriteriaOf(ctx, w.CriteriaVersion, []string{w.ID}, func(_ string, p []byte) error { gc = p; return nil })
			if wc == nil || !slices.Equal(wc, gc) {
				t.Errorf("%s: criteria differ", w.ID)
			}
		}
	}
	// The comparison compared something of each kind.
	if removed != 1 || versions <= len(wd) || aliases == 0 || criteria != len(wd) {
		t.Errorf("compared %d removed, %d versions, %d aliases, %d criteria of %d studies", removed, versions, aliases, criteria, len(wd))
	}
	for _, read := range []func(store.Store) (any, error){
		func(st store.Store) (any, error) { return st.ChangesSince(ctx, 0) },
		func(st store.Store) (any, error) { return st.SyncState(ctx) },
		func(st store.Store) (any, error) { return st.ExportState(ctx) },
	} {
		w, werr := read(want)
		g, gerr := read(got)
		if werr != nil || gerr != nil || !reflect.DeepEqual(w, g) {
			t.Errorf("differ:\n want %+v (%v)\n got  %+v (%v)", w, werr, g, gerr)
		}
	}
}
