// Package conformance is the suite every Trialfinder store runs: the same
// real records (internal/store/storetest), the same expectations, whatever
// the database.
package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Run runs the suite; open must return a new, empty store each call.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	raws := storetest.Records(t)
	if len(raws) < 100 {
		t.Fatalf("only %d test records", len(raws))
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store, raws [][]byte)
	}{
		{"InsertAndRead", testInsertAndRead},
		{"ReingestChangesNothing", testReingest},
		{"UpdateReplacesChildRows", testUpdate},
		{"OlderRecordIsStale", testStale},
		{"DuplicateInBatch", testDuplicateInBatch},
		{"Aliases", testAliases},
		{"NotFound", testNotFound},
		{"Stats", testStats},
		{"Generation", testGeneration},
		{"Each", testEach},
		{"ConcurrentReadersDuringWrite", testConcurrentReaders},
		{"StoredCriteria", testStoredCriteria},
		{"ReparseInterrupted", testReparseInterrupted},
		{"ChangeLog", testChangeLog},
		{"History", testHistory},
		{"Removed", testRemoved},
		{"SyncState", testSyncState},
		{"Listing", testListing},
		{"Lease", testLease},
		{"LeaseContention", testLeaseContention},
		{"LeaseTokens", testLeaseTokens},
		{"Fence", testFence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t), raws) })
	}
}

func decodeAll(t *testing.T, raws [][]byte) []study.Study {
	t.Helper()
	out := make([]study.Study, len(raws))
	for i, raw := range raws {
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		out[i] = s
	}
	return out
}

func upsert(t *testing.T, st store.Store, studies []study.Study) []study.Change {
	t.Helper()
	changes, err := st.Upsert(t.Context(), studies)
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if len(changes) != len(studies) {
		t.Fatalf("Upsert returned %d changes for %d studies", len(changes), len(studies))
	}
	return changes
}

func load(t *testing.T, st store.Store, raws [][]byte) []study.Study {
	t.Helper()
	studies := decodeAll(t, raws)
	for i, c := range upsert(t, st, studies) {
		if c != study.Inserted {
			t.Fatalf("%s into an empty store: %v, want inserted", studies[i].NCTID, c)
		}
	}
	return studies
}

func wantChanges(t *testing.T, got []study.Change, want ...study.Change) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}

func testInsertAndRead(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	if n, err := st.Count(ctx); err != nil || n != len(raws) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(raws))
	}
	for i, want := range studies {
		got, err := st.Study(ctx, want.NCTID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: stored study differs from the decoded record", want.NCTID)
		}
		raw, err := st.AppendRaw(ctx, nil, want.NCTID)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raws[i]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, compact.Bytes()) {
			t.Errorf("%s: AppendRaw is not the record as given", want.NCTID)
		}
		// Appending keeps what the buffer held: pages read their records
		// one after another into one buffer.
		prefix := []byte("previous record")
		both, err := st.AppendRaw(ctx, prefix, want.NCTID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(both, append(prefix, compact.Bytes()...)) {
			t.Errorf("%s: AppendRaw to a non-empty buffer does not append the record", want.NCTID)
		}
	}
}

func testReingest(t *testing.T, st store.Store, raws [][]byte) {
	load(t, st, raws)
	before, err := st.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range upsert(t, st, decodeAll(t, raws)) {
		if c != study.Unchanged {
			t.Errorf("record %d stored again: %v, want unchanged", i, c)
		}
	}
	after, err := st.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	before.LastIngest, after.LastIngest = "", ""
	if !reflect.DeepEqual(before, after) {
		t.Errorf("stats changed on re-ingest:\nbefore %+v\nafter  %+v", before, after)
	}
}

// testGeneration: the generation servers poll moves with every write that
// changes a study, and only then (testReingest checks unchanged writes).
func testGeneration(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	gen := func() int64 {
		t.Helper()
		g, err := st.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, err := st.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Generation != g {
			t.Fatalf("Stats says generation %d, Generation %d", s.Generation, g)
		}
		return g
	}
	empty := gen()
	load(t, st, raws)
	loaded := gen()
	if loaded <= empty {
		t.Fatalf("generation %d after inserting, %d before", loaded, empty)
	}
	i, _ := withSites(t, raws)
	wantChanges(t, upsert(t, st, []study.Study{moved(t, raws[i], "Atlantis", "2099-01-02")}), study.Updated)
	if g := gen(); g <= loaded {
		t.Errorf("generation %d after an update, %d before", g, loaded)
	}
}

// withSites picks a record with sites in at least one country.
func withSites(t *testing.T, raws [][]byte) (int, study.Study) {
	t.Helper()
	for i, s := range decodeAll(t, raws) {
		if len(s.Locations) > 1 && len(s.Conditions) > 0 {
			return i, s
		}
	}
	t.Fatal("no record with several sites")
	return 0, study.Study{}
}

// moved is a newer version of raw with a new title, every site moved to
// country, and conditions replaced.
func moved(t *testing.T, raw []byte, country, date string) study.Study {
	t.Helper()
	edited := storetest.Edit(t, raw, func(rec map[string]any) {
		storetest.Module(rec, "identificationModule")["briefTitle"] = "Moved to " + country
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": date, "type": "ACTUAL"}
		storetest.Module(rec, "conditionsModule")["conditions"] = []any{"Condition in " + country}
		for _, l := range storetest.Module(rec, "contactsLocationsModule")["locations"].([]any) {
			l.(map[string]any)["country"] = country
		}
	})
	s, err := ctgov.DecodeV2(edited)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testUpdate(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	load(t, st, raws)
	i, orig := withSites(t, raws)
	before, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	upd := moved(t, raws[i], "Atlantis", "2099-01-02")
	wantChanges(t, upsert(t, st, []study.Study{upd}), study.Updated)
	got, err := st.Study(ctx, orig.NCTID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, upd) {
		t.Fatalf("after update, stored study is not the new version (title %q)", got.BriefTitle)
	}
	after, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Studies != before.Studies || after.ByCountry["Atlantis"] != 1 || after.NewestUpdate != "2099-01-02" {
		t.Errorf("after update: %d studies (want %d), Atlantis %d (want 1), newest %q",
			after.Studies, before.Studies, after.ByCountry["Atlantis"], after.NewestUpdate)
	}
	// The old sites must be gone: every country the study was in loses it.
	for c := range distinctCountries(orig) {
		if after.ByCountry[c] != before.ByCountry[c]-1 {
			t.Errorf("%s: %d studies after the update, want %d", c, after.ByCountry[c], before.ByCountry[c]-1)
		}
	}
}

func distinctCountries(s study.Study) map[string]bool {
	out := map[string]bool{}
	for _, l := range s.Locations {
		if l.Country != "" {
			out[l.Country] = true
		}
	}
	return out
}

func testStale(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	load(t, st, raws)
	i, orig := withSites(t, raws)
	newer := moved(t, raws[i], "Atlantis", "2099-01-02")
	wantChanges(t, upsert(t, st, []study.Study{newer}), study.Updated)
	wantChanges(t, upsert(t, st, []study.Study{orig}), study.Stale)
	got, err := st.Study(ctx, orig.NCTID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BriefTitle != newer.BriefTitle {
		t.Errorf("an older record replaced a newer one: title %q", got.BriefTitle)
	}
	// Same date, different content: a correction, not stale.
	same := moved(t, raws[i], "Lemuria", "2099-01-02")
	wantChanges(t, upsert(t, st, []study.Study{same}), study.Updated)
}

func testDuplicateInBatch(t *testing.T, st store.Store, raws [][]byte) {
	s := decodeAll(t, raws[:1])[0]
	wantChanges(t, upsert(t, st, []study.Study{s, s}), study.Inserted, study.Unchanged)
	if n, err := st.Count(t.Context()); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v; want 1", n, err)
	}
}

func testAliases(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	var aliased []int
	for i, s := range studies {
		if len(s.Aliases) > 0 {
			aliased = append(aliased, i)
		}
		if id, err := st.CanonicalID(ctx, s.NCTID); err != nil || id != s.NCTID {
			t.Errorf("CanonicalID(%s) = %q, %v", s.NCTID, id, err)
		}
	}
	if len(aliased) == 0 {
		t.Fatal("no test record has aliases")
	}
	for _, i := range aliased {
		for _, a := range studies[i].Aliases {
			if id, err := st.CanonicalID(ctx, a); err != nil || id != studies[i].NCTID {
				t.Errorf("CanonicalID(%s) = %q, %v; want %s", a, id, err, studies[i].NCTID)
			}
		}
	}
	// An update that drops the aliases drops them from the store too.
	i := aliased[0]
	edited := storetest.Edit(t, raws[i], func(rec map[string]any) {
		delete(storetest.Module(rec, "identificationModule"), "nctIdAliases")
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-01"}
	})
	s, err := ctgov.DecodeV2(edited)
	if err != nil {
		t.Fatal(err)
	}
	wantChanges(t, upsert(t, st, []study.Study{s}), study.Updated)
	alias := studies[i].Aliases[0]
	if id, err := st.CanonicalID(ctx, alias); !errors.Is(err, study.ErrNotFound) {
		t.Errorf("CanonicalID(%s) after the alias was dropped = %q, %v; want ErrNotFound", alias, id, err)
	}
}

func testNotFound(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	load(t, st, raws[:3])
	const absent = "NCT99999999"
	if _, err := st.Study(ctx, absent); !errors.Is(err, study.ErrNotFound) {
		t.Errorf("Study(absent) error %v, want ErrNotFound", err)
	}
	if _, err := st.AppendRaw(ctx, nil, absent); !errors.Is(err, study.ErrNotFound) {
		t.Errorf("Raw(absent) error %v, want ErrNotFound", err)
	}
	if _, err := st.CanonicalID(ctx, absent); !errors.Is(err, study.ErrNotFound) {
		t.Errorf("CanonicalID(absent) error %v, want ErrNotFound", err)
	}
}

// expectedStats computes the stats straight from the JSON records, without
// the decoder the stores rely on.
func expectedStats(t *testing.T, raws [][]byte) study.Stats {
	t.Helper()
	want := study.Stats{Studies: len(raws), ByStatus: map[string]int{}, ByPhase: map[string]int{}, ByStudyType: map[string]int{}, ByCountry: map[string]int{}}
	for _, raw := range raws {
		var rec struct {
			ProtocolSection struct {
				StatusModule struct {
					OverallStatus string
					LastUpdate    struct{ Date string } `json:"lastUpdatePostDateStruct"`
				}
				DesignModule struct {
					StudyType string
					Phases    []string
				}
				ContactsLocationsModule struct {
					Locations []struct{ Country string }
				}
			}
			HasResults bool
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		p := rec.ProtocolSection
		want.ByStatus[p.StatusModule.OverallStatus]++
		if p.DesignModule.StudyType != "" {
			want.ByStudyType[p.DesignModule.StudyType]++
		}
		for _, ph := range p.DesignModule.Phases {
			want.ByPhase[ph]++
		}
		seen := map[string]bool{}
		for _, l := range p.ContactsLocationsModule.Locations {
			if l.Country != "" && !seen[l.Country] {
				seen[l.Country] = true
				want.ByCountry[l.Country]++
			}
		}
		if rec.HasResults {
			want.WithResults++
		}
		d := p.StatusModule.LastUpdate.Date
		if len(d) == 7 {
			d += "-01"
		}
		want.NewestUpdate = max(want.NewestUpdate, d)
	}
	return want
}

func testStats(t *testing.T, st store.Store, raws [][]byte) {
	empty, err := st.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if empty.Studies != 0 || len(empty.ByStatus) != 0 || empty.NewestUpdate != "" {
		t.Errorf("empty store stats: %+v", empty)
	}
	load(t, st, raws)
	got, err := st.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := expectedStats(t, raws)
	got.LastIngest = ""
	for _, m := range []struct {
		name      string
		got, want map[string]int
	}{{"ByStatus", got.ByStatus, want.ByStatus}, {"ByPhase", got.ByPhase, want.ByPhase},
		{"ByStudyType", got.ByStudyType, want.ByStudyType}, {"ByCountry", got.ByCountry, want.ByCountry}} {
		if !maps.Equal(m.got, m.want) {
			t.Errorf("%s:\n got  %v\n want %v", m.name, m.got, m.want)
		}
	}
	if got.Studies != want.Studies || got.WithResults != want.WithResults || got.NewestUpdate != want.NewestUpdate {
		t.Errorf("got %d studies, %d with results, newest %q; want %d, %d, %q",
			got.Studies, got.WithResults, got.NewestUpdate, want.Studies, want.WithResults, want.NewestUpdate)
	}
}

func testEach(t *testing.T, st store.Store, raws [][]byte) {
	studies := load(t, st, raws)
	byID := map[string]study.Study{}
	for _, s := range studies {
		byID[s.NCTID] = s
	}
	var seen []string
	err := st.Each(t.Context(), func(s study.Study) error {
		if !reflect.DeepEqual(s, byID[s.NCTID]) {
			t.Errorf("Each gave %s differing from the stored record", s.NCTID)
		}
		seen = append(seen, s.NCTID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(seen) || len(seen) != len(studies) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
		t.Errorf("Each visited %d studies (want %d), sorted %v", len(seen), len(studies), slices.IsSorted(seen))
	}
	stop := errors.New("stop")
	calls := 0
	err = st.Each(t.Context(), func(study.Study) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Each after fn failed: %d calls, error %v", calls, err)
	}
}

// testConcurrentReaders writes a batch of new studies while readers count
// and read: readers must never fail and must see the batch all or nothing.
func testConcurrentReaders(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	studies := load(t, st, raws)
	n := len(studies)
	var batch []study.Study
	for i, raw := range raws {
		edited := storetest.Edit(t, raw, func(rec map[string]any) { storetest.SetNCTID(rec, fmt.Sprintf("NCT9%07d", i)) })
		s, err := ctgov.DecodeV2(edited)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, s)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for r := range 2 {
		wg.Go(func() {
			for i := 0; !done.Load() || i < 3; i++ {
				c, err := st.Count(ctx)
				if err == nil && c != n && c != n+len(batch) {
					err = fmt.Errorf("reader saw %d studies, want %d or %d", c, n, n+len(batch))
				}
				if err == nil {
					_, err = st.Study(ctx, studies[(r*31+i)%n].NCTID)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	changes := upsert(t, st, batch)
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, c := range changes {
		if c != study.Inserted {
			t.Fatalf("batch study %d: %v", i, c)
		}
	}
}
