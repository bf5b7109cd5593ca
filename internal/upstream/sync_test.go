package upstream

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

const (
	day1 = "2026-01-10T09:00:05" // upstream's data timestamp at the first sync
	day2 = "2026-01-12T09:00:04" // after the edits
)

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "store.db")
	}
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testOptions point a sync at the fake, with timings that keep tests fast.
func testOptions(srv string) Options {
	return Options{API: srv, Rate: 2000, Timeout: 2 * time.Second, Backoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, PageSize: 10}
}

func mustSync(t *testing.T, st Store[*record.Prepared], opt Options) Summary {
	t.Helper()
	sum, err := Sync(t.Context(), st, opt)
	if err != nil {
		t.Fatalf("sync: %v (summary %+v)", err, sum)
	}
	return sum
}

// history is what dump reads of a store.
type history interface {
	History(ctx context.Context, nctID string) ([]study.Version, error)
	Study(ctx context.Context, nctID string) (study.Study, error)
}

// dump is what a store holds of the studies ids names, minus when it
// saw them: whether live or removed, and each version's date and record.
func dump(t *testing.T, st history, ids []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, id := range ids {
		h, err := st.History(t.Context(), id)
		if errors.Is(err, study.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, err = st.Study(t.Context(), id)
		var removed *study.RemovedError
		switch {
		case errors.As(err, &removed):
			b.WriteString("removed ")
		case err != nil:
			t.Fatal(err)
		}
		for _, v := range h {
			fmt.Fprintf(&b, "v%d %s %x; ", v.Version, v.LastUpdatePosted, sha256.Sum256(v.Raw))
		}
		out[id] = b.String()
	}
	return out
}

func idsOf(t *testing.T, raws [][]byte) []string {
	var ids []string
	for _, raw := range raws {
		id, _ := upstreamtest.KeysOf(t, raw)
		ids = append(ids, id)
	}
	return ids
}

func sameDump(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	n := 0
	for id := range maps.Keys(want) {
		if got[id] != want[id] && n < 5 {
			t.Errorf("%s: %s is %q, want %q", what, id, got[id], want[id])
			n++
		}
	}
	t.Fatalf("%s: stores differ (%d and %d studies)", what, len(got), len(want))
}

// zipOf writes the records as a bulk download shaped like
// ctg-studies.json.zip: one NCTxxxxxxxx.json member per study.
func zipOf(t *testing.T, raws [][]byte) string {
	path := filepath.Join(t.TempDir(), "ctg-studies.json.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, raw := range raws {
		id, _ := upstreamtest.KeysOf(t, raw)
		w, err := zw.Create(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFullSyncEqualsBulkIngest: bootstrapping by paging, from the bulk
// download, and ingesting the same records give the same store.
func TestFullSyncEqualsBulkIngest(t *testing.T) {
	raws := storetest.Records(t)
	ids := idsOf(t, raws)
	_, srv := upstreamtest.New(t, raws, day1)

	paged := openStore(t, "")
	sum := mustSync(t, paged, testOptions(srv.URL))
	if sum.New != len(raws) || sum.Updated+sum.Removed+sum.Failed != 0 || sum.DataTimestamp != day1 {
		t.Errorf("bootstrap by paging: %v, data timestamp %q", sum, sum.DataTimestamp)
	}

	ingested := openStore(t, "")
	isum, err := ingest.Run(t.Context(), ingested, []ingest.Source{{Path: zipOf(t, raws)}}, ingest.Options{})
	if err != nil || isum.Inserted != len(raws) {
		t.Fatalf("ingest: %+v, %v", isum, err)
	}
	want := dump(t, ingested, ids)
	sameDump(t, "paged sync against ingest", dump(t, paged, ids), want)

	bulk := openStore(t, "")
	opt := testOptions(srv.URL)
	opt.Bulk = zipOf(t, raws)
	sum = mustSync(t, bulk, opt)
	if sum.New != len(raws) {
		t.Errorf("bootstrap from the bulk file: %v", sum)
	}
	sameDump(t, "bulk sync against ingest", dump(t, bulk, ids), want)

	// The bulk file from a URL, streamed.
	zipped, err := os.ReadFile(opt.Bulk)
	if err != nil {
		t.Fatal(err)
	}
	dl := upstreamtest.File(t, zipped)
	fromURL := openStore(t, "")
	opt.Bulk = dl
	mustSync(t, fromURL, opt)
	sameDump(t, "bulk sync from a URL against ingest", dump(t, fromURL, ids), want)
}

// edit publishes a newer version of raws[i] with fn applied, updated on
// date.
func edit(t *testing.T, f *upstreamtest.Fake, raw []byte, date string, fn func(rec map[string]any)) []byte {
	t.Helper()
	out := storetest.Edit(t, raw, func(rec map[string]any) {
		fn(rec)
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": date, "type": "ACTUAL"}
	})
	f.Put(out)
	return out
}

// synced returns the test records, a fake serving them, and a store
// synced with it on day 1.
func synced(t *testing.T) ([][]byte, *upstreamtest.Fake, *httptest.Server, *sqlite.Store) {
	raws := storetest.Records(t)
	f, srv := upstreamtest.New(t, raws, day1)
	st := openStore(t, "")
	mustSync(t, st, testOptions(srv.URL))
	return raws, f, srv, st
}

// TestIncrementalSync: after upstream edits, a sync applies exactly them;
// when upstream has not moved, a sync is one request.
func TestIncrementalSync(t *testing.T) {
	raws, f, srv, st := synced(t)

	before := f.Requests()
	sum := mustSync(t, st, testOptions(srv.URL))
	if !sum.UpToDate || f.Requests()-before != 1 || sum.Requests != 1 {
		t.Errorf("sync with upstream unchanged: %+v, %d requests", sum, f.Requests()-before)
	}

	gen, err := st.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]study.LogKind{}
	for _, i := range []int{4, 40, 90} {
		id, _ := upstreamtest.KeysOf(t, raws[i])
		edit(t, f, raws[i], "2026-01-11", func(rec map[string]any) {
			storetest.Module(rec, "statusModule")["overallStatus"] = "SUSPENDED"
		})
		want[id] = study.LogUpdated
	}
	added := storetest.Edit(t, raws[7], func(rec map[string]any) {
		storetest.SetNCTID(rec, "NCT09999990")
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2026-01-12"}
	})
	f.Put(added)
	want["NCT09999990"] = study.LogInserted
	f.SetTimestamp(day2)

	sum = mustSync(t, st, testOptions(srv.URL))
	if sum.New != 1 || sum.Updated != 3 || sum.Unchanged != 0 || sum.Removed != 0 || sum.DataTimestamp != day2 {
		t.Errorf("incremental sync: %v, %+v", sum, sum)
	}
	log, err := st.ChangesSince(t.Context(), gen)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]study.LogKind{}
	for _, l := range log {
		got[l.NCTID] = l.Kind
	}
	if !maps.Equal(got, want) {
		t.Errorf("changes logged %v, want %v", got, want)
	}
	state, err := st.SyncState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if state.DataTimestamp != day2 || state.Since != "2026-01-11" || state.Checkpoint != "" || time.Since(state.LastSync) > time.Minute {
		t.Errorf("sync state after the sync: %+v", state)
	}
}

// TestRemovalAndReappearance: a study gone from the listing is marked
// removed; when it comes back it is restored.
func TestRemovalAndReappearance(t *testing.T) {
	raws, f, srv, st := synced(t)
	gone, _ := upstreamtest.KeysOf(t, raws[11])
	f.Remove(gone)
	f.SetTimestamp(day2)
	opt := testOptions(srv.URL)
	opt.Full = true
	sum := mustSync(t, st, opt)
	if sum.Removed != 1 || sum.New+sum.Updated != 0 {
		t.Errorf("sync after a removal: %v", sum)
	}
	var removed *study.RemovedError
	if _, err := st.Study(t.Context(), gone); !errors.As(err, &removed) || removed.On != time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("the removed study reads as %v", err)
	}
	if n, _ := st.Count(t.Context()); n != len(raws)-1 {
		t.Errorf("%d live studies, want %d", n, len(raws)-1)
	}
	state, _ := st.SyncState(t.Context())
	if time.Since(state.LastFullListing) > time.Minute {
		t.Errorf("last full listing %v", state.LastFullListing)
	}

	// It comes back with its old record (not updated, so outside the
	// incremental's range): the listing restores it.
	f.Put(raws[11])
	f.SetTimestamp("2026-01-13T09:00:00")
	sum = mustSync(t, st, opt)
	if sum.Restored != 1 || sum.Removed != 0 {
		t.Errorf("sync after the study came back: %+v", sum)
	}
	if _, err := st.Study(t.Context(), gone); err != nil {
		t.Errorf("the restored study reads as %v", err)
	}

	// A study the store never saw, with an old date, is fetched.
	old := storetest.Edit(t, raws[12], func(rec map[string]any) { storetest.SetNCTID(rec, "NCT09999991") })
	f.Put(old)
	f.SetTimestamp("2026-01-14T09:00:00")
	if sum = mustSync(t, st, opt); sum.New != 1 {
		t.Errorf("sync after an old study appeared: %+v", sum)
	}
}

// TestRemovalGuard: a listing cut short would remove many studies; the
// sync refuses, says why, and marks none, unless forced.
func TestRemovalGuard(t *testing.T) {
	raws, f, srv, st := synced(t)
	f.SetTimestamp(day2)
	f.Inject(upstreamtest.Fault{Kind: "short", Path: "/studies", Listing: true})
	opt := testOptions(srv.URL)
	opt.Full = true
	_, err := Sync(t.Context(), st, opt)
	if !errors.Is(err, ErrTooManyRemoved) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("sync with a listing cut short: %v", err)
	}
	if n, _ := st.Count(t.Context()); n != len(raws) {
		t.Errorf("%d live studies after a refused listing, want %d", n, len(raws))
	}
	state, _ := st.SyncState(t.Context())
	if state.Checkpoint != "" {
		t.Errorf("a refused listing left a checkpoint: %q", state.Checkpoint)
	}
	f.Inject(upstreamtest.Fault{Kind: "short", Path: "/studies", Listing: true})
	opt.Force = true
	sum := mustSync(t, st, opt)
	if sum.Removed != len(raws)-opt.PageSize {
		t.Errorf("forced: %d removed, want %d", sum.Removed, len(raws)-opt.PageSize)
	}
}

// TestFaults: whatever the network and the API do, within the retries,
// the sync ends with the same store as without faults.
func TestFaults(t *testing.T) {
	raws := storetest.Records(t)
	ids := idsOf(t, raws)
	_, clean := upstreamtest.New(t, raws, day1)
	ref := openStore(t, "")
	opt := testOptions(clean.URL)
	opt.Full = true
	mustSync(t, ref, opt)
	want := dump(t, ref, ids)

	for _, tc := range []struct {
		name   string
		faults []upstreamtest.Fault
	}{
		{"500s", []upstreamtest.Fault{{Kind: "500", Path: "/version"}, {Kind: "500", Path: "/studies"}, {Kind: "500", Path: "/studies"}}},
		{"429 with Retry-After", []upstreamtest.Fault{{Kind: "429", Path: "/studies", RetryAfter: "1"}}},
		{"slower than the timeout", []upstreamtest.Fault{{Kind: "slow", Path: "/studies", Slow: time.Minute}}},
		{"connection dropped mid-body", []upstreamtest.Fault{{Kind: "drop", Path: "/studies", Token: true}, {Kind: "drop", Path: "/studies", Listing: true}}},
		{"invalid JSON page", []upstreamtest.Fault{{Kind: "invalid", Path: "/studies", Token: true}, {Kind: "invalid", Path: "/studies", Listing: true}}},
		{"not a page", []upstreamtest.Fault{{Kind: "envelope", Path: "/studies"}}},
		{"expired page token", []upstreamtest.Fault{{Kind: "expire", Path: "/studies", Token: true}, {Kind: "expire", Path: "/studies", Token: true, Listing: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := upstreamtest.New(t, raws, day1)
			f.Inject(tc.faults...)
			st := openStore(t, "")
			opt := testOptions(srv.URL)
			opt.Full = true
			start := time.Now()
			sum := mustSync(t, st, opt)
			if f.PendingFaults() != 0 {
				t.Fatalf("%d faults never injected", f.PendingFaults())
			}
			if sum.New != len(raws) || sum.Failed != 0 {
				t.Errorf("summary %v", sum)
			}
			if tc.faults[0].RetryAfter != "" && time.Since(start) < time.Second {
				t.Errorf("Retry-After: 1 not honoured: the sync took %v", time.Since(start))
			}
			sameDump(t, tc.name, dump(t, st, ids), want)
		})
	}

	t.Run("gives up", func(t *testing.T) {
		f, srv := upstreamtest.New(t, raws, day1)
		opt := testOptions(srv.URL)
		opt.Retries = 2
		for range opt.Retries + 1 {
			f.Inject(upstreamtest.Fault{Kind: "500", Path: "/studies", Token: true})
		}
		st := openStore(t, "")
		sum, err := Sync(t.Context(), st, opt)
		if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("sync against a failing API: %v", err)
		}
		if sum.New != opt.PageSize {
			t.Errorf("the page before the failures was not kept: %v", sum)
		}
		// Once the API recovers, the next sync carries on.
		if sum := mustSync(t, st, opt); !sum.Resumed || sum.New != len(raws)-opt.PageSize {
			t.Errorf("resumed sync: %+v", sum)
		}
		sameDump(t, "resumed after giving up", dump(t, st, ids), want)
	})
}

// upstreamChanges edits, adds and removes studies at the fake, as a day
// of ClinicalTrials.gov would.
func upstreamChanges(t *testing.T, f *upstreamtest.Fake, raws [][]byte) {
	for i := 0; i < len(raws); i += 9 {
		edit(t, f, raws[i], "2026-01-11", func(rec map[string]any) {
			storetest.Module(rec, "statusModule")["overallStatus"] = "COMPLETED"
		})
	}
	for i := range 12 {
		f.Put(storetest.Edit(t, raws[i], func(rec map[string]any) {
			storetest.SetNCTID(rec, fmt.Sprintf("NCT0999%04d", i))
			storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2026-01-12"}
		}))
	}
	for i := 5; i < len(raws); i += 50 {
		id, _ := upstreamtest.KeysOf(t, raws[i])
		f.Remove(id)
	}
	f.SetTimestamp(day2)
}

// TestKilledSyncResumes: a sync killed at random points, then run again,
// ends with exactly the store an uninterrupted sync makes.
func TestKilledSyncResumes(t *testing.T) {
	raws := storetest.Records(t)
	ids := idsOf(t, raws)
	for i := range 12 {
		ids = append(ids, fmt.Sprintf("NCT0999%04d", i))
	}
	// The starting point: a store synced on day 1, closed so its file can
	// be copied.
	f, srv := upstreamtest.New(t, raws, day1)
	base := filepath.Join(t.TempDir(), "base.db")
	st := openStore(t, base)
	mustSync(t, st, testOptions(srv.URL))
	st.Close()
	upstreamChanges(t, f, raws)
	// Bootstrapping too is killed: every other run starts from nothing.
	empty := filepath.Join(t.TempDir(), "empty.db")
	openStore(t, empty).Close()

	opt := testOptions(srv.URL)
	opt.Full = true
	opt.MaxRemovedShare = 0.05 // a small store: 3 removals are 2% of it
	want := map[string]map[string]string{}
	requests := map[string]int{}
	for _, from := range []string{base, empty} {
		ref := openStore(t, copyFile(t, from))
		before := f.Requests()
		mustSync(t, ref, opt)
		requests[from] = f.Requests() - before
		want[from] = dump(t, ref, ids)
	}

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	// Many runs, but bounded in time: the race detector makes each
	// several times slower.
	const minRuns, maxRuns, budget = 6, 30, 20 * time.Second
	start, killed := time.Now(), 0
	for run := 0; run < maxRuns && (run < minRuns || time.Since(start) < budget); run++ {
		from := []string{base, empty}[run%2]
		st := openStore(t, copyFile(t, from))
		kills := 1 + rng.IntN(3)
		for k := range kills {
			ctx, cancel := context.WithCancel(t.Context())
			at := f.Requests() + 1 + rng.IntN(requests[from])
			delay := time.Duration(rng.IntN(3000)) * time.Microsecond
			f.OnRequest(func(n int) {
				if n == at {
					time.AfterFunc(delay, cancel)
				}
			})
			_, err := Sync(ctx, st, opt)
			cancel()
			switch {
			case errors.Is(err, context.Canceled):
				killed++
			case err != nil:
				t.Fatalf("seed %d run %d kill %d: %v", seed, run, k, err)
			}
		}
		f.OnRequest(nil)
		mustSync(t, st, opt)
		sameDump(t, fmt.Sprintf("seed %d run %d (%d kills)", seed, run, kills), dump(t, st, ids), want[from])
		state, err := st.SyncState(t.Context())
		if err != nil || state.Checkpoint != "" || state.DataTimestamp != day2 {
			t.Fatalf("seed %d run %d: state after the last sync %+v, %v", seed, run, state, err)
		}
		st.Close()
	}
	if killed == 0 {
		t.Fatalf("seed %d: no sync was killed", seed)
	}
}

func copyFile(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "copy.db")
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return to
}

// TestPartialStoreIsNotFilledByID: a store that holds part of the
// registry (loaded by ingest) is not completed one study at a time by
// the listing, unless only a few are missing.
func TestPartialStoreIsNotFilledByID(t *testing.T) {
	raws := storetest.Records(t)
	_, srv := upstreamtest.New(t, raws, day1)
	// The newest records, so the incremental's range brings in few.
	newest := slices.Clone(raws)
	slices.SortFunc(newest, func(a, b []byte) int {
		_, da := upstreamtest.KeysOf(t, a)
		_, db := upstreamtest.KeysOf(t, b)
		return strings.Compare(db, da)
	})
	st := openStore(t, "")
	if _, err := ingest.Run(t.Context(), st, []ingest.Source{{Path: zipOf(t, newest[:20])}}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	opt := testOptions(srv.URL)
	opt.Full, opt.MaxFetched = true, 50
	mustSync(t, st, opt)
	n, err := st.Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n >= len(raws)-50 {
		t.Fatalf("%d of %d studies after the sync: the listing fetched the missing ones", n, len(raws))
	}
	opt.MaxFetched = len(raws)
	if sum := mustSync(t, st, opt); sum.New != len(raws)-n {
		t.Errorf("with a higher limit: %v, want %d new", sum, len(raws)-n)
	}
}
