package conformance

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/study"
)

// testLeaseTokens: a renewal keeps the lease's token; every taking by a
// holder that did not hold it, after a release (the same holder's too)
// or an expiry, gets a greater one; LeaseHolder says the current one.
func testLeaseTokens(t *testing.T, st store.Store, _ [][]byte) {
	const long = time.Hour
	first := take(t, st, "sync", "a", long)
	if first <= 0 {
		t.Fatalf("a took a free lease with token %d", first)
	}
	if tok := take(t, st, "sync", "a", long); tok != first {
		t.Fatalf("a's renewal changed the token from %d to %d", first, tok)
	}
	if h, err := st.LeaseHolder(t.Context(), "sync"); err != nil || h.Token != first {
		t.Fatalf("LeaseHolder: %+v, %v; want token %d", h, err, first)
	}
	last := first
	next := func(holder string, ttl time.Duration) {
		t.Helper()
		tok := take(t, st, "sync", holder, ttl)
		if tok <= last {
			t.Fatalf("%s took the lease with token %d after token %d", holder, tok, last)
		}
		last = tok
	}
	release := func(holder string) {
		t.Helper()
		if err := st.ReleaseLease(t.Context(), "sync", holder); err != nil {
			t.Fatal(err)
		}
	}
	release("a")
	next("b", long)
	release("b")
	next("b", long) // released, then taken again by the same holder
	release("b")
	next("a", 200*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for tok := take(t, st, "sync", "c", long); tok == 0; tok = take(t, st, "sync", "c", long) {
		if time.Now().After(deadline) {
			t.Fatal("c never took the lease a stopped renewing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if h, _ := st.LeaseHolder(t.Context(), "sync"); h.Holder != "c" || h.Token <= last {
		t.Fatalf("after c took over an expired lease: %+v, want c with a token above %d", h, last)
	}
}

// testFence: a write whose context carries a lease's fence commits while
// that holding is current (renewed in time, however long since it was
// taken) and is refused, with a *lease.LostError and nothing written,
// once the lease expired, passed to another holder or was released.
func testFence(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	st.ParseCriteriaWith("fenced", versionedParser("fenced"))
	studies := decodeAll(t, raws[:3])
	if _, err := st.Upsert(ctx, studies[:1]); err != nil {
		t.Fatal(err)
	}
	const ttl = time.Second
	tokA := take(t, st, "sync", "a", ttl)
	a := lease.WithFence(ctx, lease.Fence{Name: "sync", Holder: "a", Token: tokA})
	for i := range 3 {
		time.Sleep(ttl / 2)
		if tok := take(t, st, "sync", "a", ttl); tok != tokA {
			t.Fatalf("renewal %d: token %d, want %d", i, tok, tokA)
		}
		state := study.SyncState{Checkpoint: "renewed"}
		if _, err := st.WriteSynced(a, []*record.Prepared{st.Prepare(studies[0])}, &state); err != nil {
			t.Fatalf("a write under a lease renewed in time (renewal %d): %v", i, err)
		}
	}

	// a stops renewing (paused): once the lease expires by the store's
	// clock, a's writes are refused though no one else took it.
	deadline := time.Now().Add(10 * time.Second)
	for h := holding(t, st); h.Holder != ""; h = holding(t, st) {
		if time.Now().After(deadline) {
			t.Fatal("a's lease never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	refused(t, st, a, "sync", lease.Holding{Holder: "a", Token: tokA}, true, studies)

	// b takes it over: a's writes stay refused, b's commit.
	tokB := take(t, st, "sync", "b", time.Hour)
	if tokB <= tokA {
		t.Fatalf("b took over with token %d after a's %d", tokB, tokA)
	}
	refused(t, st, a, "sync", lease.Holding{Holder: "b", Token: tokB}, false, studies)
	if tok := take(t, st, "sync", "a", ttl); tok != 0 {
		t.Fatalf("a renewed a lease b holds: token %d", tok)
	}
	b := lease.WithFence(ctx, lease.Fence{Name: "sync", Holder: "b", Token: tokB})
	state := study.SyncState{Checkpoint: "b's"}
	if _, err := st.WriteSynced(b, []*record.Prepared{st.Prepare(studies[1])}, &state); err != nil {
		t.Fatalf("the new holder's write: %v", err)
	}
	if s, _ := st.SyncState(ctx); s.Checkpoint != "b's" {
		t.Errorf("checkpoint %q after the new holder's write", s.Checkpoint)
	}

	// Released, the lease fences b out too; a fence of a lease never
	// taken is refused.
	if err := st.ReleaseLease(ctx, "sync", "b"); err != nil {
		t.Fatal(err)
	}
	refused(t, st, b, "sync", lease.Holding{Token: tokB}, true, studies) // the row keeps its token
	never := lease.WithFence(ctx, lease.Fence{Name: "never", Holder: "a", Token: 1})
	refused(t, st, never, "never", lease.Holding{}, false, studies)
}

func holding(t *testing.T, st store.Store) lease.Holding {
	t.Helper()
	h, err := st.LeaseHolder(t.Context(), "sync")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// refused checks that every write a sync does, run in fenced, is refused
// with a *lease.LostError that says what the store holds of the lease
// (now, its Until unchecked; expired), and that the store is as it was.
func refused(t *testing.T, st store.Store, fenced context.Context, name string, now lease.Holding, expired bool, studies []study.Study) {
	t.Helper()
	ctx := t.Context()
	// A study written unfenced whose criteria are stale, so that
	// ReparseCriteria has something to write.
	if _, err := st.Upsert(ctx, studies[2:3]); err != nil {
		t.Fatal(err)
	}
	before := storeState(t, st)
	state := study.SyncState{Checkpoint: "from a lost holder", DataTimestamp: "2099-01-01T00:00:00"}
	edited := studies[0]
	edited.BriefTitle += " (edited by a lost holder)"
	edited.Dates.LastUpdatePosted.Value = "2099-01-01"
	// A new study too: studies[1] is in the store only once b wrote it.
	batch := []*record.Prepared{st.Prepare(edited), st.Prepare(studies[1])}
	writes := []struct {
		what  string
		write func() error
	}{
		{"WriteSynced", func() error { _, err := st.WriteSynced(fenced, batch, &state); return err }},
		{"Write", func() error { _, err := st.Write(fenced, batch); return err }},
		{"Remove", func() error {
			_, err := st.Remove(fenced, []string{studies[0].NCTID}, "2099-01-01", &state)
			return err
		}},
		{"Restore", func() error { _, err := st.Restore(fenced, []string{studies[0].NCTID}, &state); return err }},
		{"SetSyncState", func() error { return st.SetSyncState(fenced, state) }},
		{"AddListed", func() error { return st.AddListed(fenced, []string{"NCT99999999"}, state) }},
		{"ClearListing", func() error { return st.ClearListing(fenced) }},
		{"ReparseCriteria", func() error { _, err := st.ReparseCriteria(fenced); return err }},
		{"SetLastIngest", func() error { return st.SetLastIngest(fenced, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)) }},
		{"ImportState", func() error { return st.ImportState(fenced, record.State{Generation: 99, Sync: state}) }},
	}
	for _, w := range writes {
		err := w.write()
		var lost *lease.LostError
		if !errors.Is(err, store.ErrLeaseLost) || !errors.As(err, &lost) {
			t.Errorf("%s under a lost lease: %v, want a refusal", w.what, err)
			continue
		}
		if lost.Name != name || lost.Now.Holder != now.Holder || lost.Now.Token != now.Token || lost.Expired != expired {
			t.Errorf("%s: refused with %+v, want the lease now %+v, expired %v", w.what, lost, now, expired)
		}
	}
	if after := storeState(t, st); !reflect.DeepEqual(after, before) {
		t.Errorf("refused writes changed the store:\n%+v\nwas\n%+v", after, before)
	}
}

// fencedState is what the writes testFence refuses would change.
type fencedState struct {
	Generation int64
	Sync       study.SyncState
	Stats      study.Stats
	Listing    []string
	Title      string
	Criteria   int
}

func storeState(t *testing.T, st store.Store) fencedState {
	t.Helper()
	ctx := t.Context()
	var s fencedState
	var err error
	s.Generation = generationOf(t, st)
	if s.Sync, err = st.SyncState(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Stats, err = st.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Listing, err = st.Listing(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = st.Each(ctx, func(x study.Study) error {
		ids = append(ids, x.NCTID)
		s.Title += x.BriefTitle + "\n"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CriteriaOf(ctx, "fenced", ids, func(string, []byte) error { s.Criteria++; return nil }); err != nil {
		t.Fatal(err)
	}
	return s
}
