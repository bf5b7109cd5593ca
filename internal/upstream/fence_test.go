package upstream

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

// leasedStore is a store two syncers share, with its sync lease.
type leasedStore interface {
	Store[*record.Prepared]
	lease.Store
	history
	Generation(ctx context.Context) (int64, error)
}

// TestPausedSyncerIsFenced: syncer a holds the sync lease and stalls in
// the middle of a sync, holding a page it fetched, past its lease's
// expiry, without learning it lost the lease (as a paused process does:
// here nothing renews it or ends its context). b takes the lease over and
// syncs twice. When a resumes, the store refuses its page and checkpoint:
// a's sync fails with lease.ErrLost and the store is as b left it, its
// checkpoint never moved back.
func TestPausedSyncerIsFenced(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testPausedSyncerIsFenced(t, openStore(t, "")) })
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := pgtest.Database(t)
		st, err := postgres.Open(t.Context(), dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testPausedSyncerIsFenced(t, st)
	})
}

func testPausedSyncerIsFenced(t *testing.T, st leasedStore) {
	raws := storetest.Records(t)
	fake, srv := upstreamtest.New(t, raws, day1)
	opt := testOptions(srv.URL)
	opt.Timeout = time.Minute // a's page is held back longer than the default
	mustSync(t, st, opt)

	const ttl = time.Second
	fenced := func(holder string) context.Context {
		t.Helper()
		token, err := st.TakeLease(t.Context(), LeaseName, holder, ttl)
		if err != nil || token == 0 {
			t.Fatalf("%s could not take the sync lease: %d, %v", holder, token, err)
		}
		return lease.WithFence(t.Context(), lease.Fence{Name: LeaseName, Holder: holder, Token: token})
	}

	// a's sync records its plan, then stalls on its first page.
	edit(t, fake, raws[4], "2026-01-11", func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["overallStatus"] = "SUSPENDED"
	})
	fake.SetTimestamp(day2)
	stalled, resume := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(resume) })
	// Registered after the fake's cleanup, so run before it: closing the
	// fake waits for a's request.
	t.Cleanup(release)
	page := fake.Requests() + 2 // after /version
	fake.OnRequest(func(n int) {
		if n == page {
			close(stalled)
			<-resume
		}
	})
	a := fenced("a")
	done := make(chan error, 1)
	go func() {
		_, err := Sync(a, st, opt)
		done <- err
	}()
	select {
	case <-stalled:
	case err := <-done:
		t.Fatalf("a's sync ended before its first page: %v", err)
	}
	if s, err := st.SyncState(t.Context()); err != nil || s.Checkpoint == "" {
		t.Fatalf("a's sync did not record its plan: %+v, %v", s, err)
	}

	// a's lease expires; b takes it over, resumes a's sync and syncs a
	// later change too.
	deadline := time.Now().Add(10 * time.Second)
	for h, _ := st.LeaseHolder(t.Context(), LeaseName); h.Holder != ""; h, _ = st.LeaseHolder(t.Context(), LeaseName) {
		if time.Now().After(deadline) {
			t.Fatal("a's lease never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b := fenced("b")
	if sum, err := Sync(b, st, opt); err != nil || !sum.Resumed || sum.Updated != 1 {
		t.Fatalf("b's sync: %+v, %v; want a's resumed, 1 updated", sum, err)
	}
	edit(t, fake, raws[40], "2026-01-13", func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["overallStatus"] = "WITHDRAWN"
	})
	fake.SetTimestamp("2026-01-13T09:00:05")
	if sum, err := Sync(b, st, opt); err != nil || sum.Updated != 1 {
		t.Fatalf("b's second sync: %+v, %v; want 1 updated", sum, err)
	}
	ids := idsOf(t, raws)
	want := dump(t, st, ids)
	wantState, err := st.SyncState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantGen, err := st.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	release()
	err = <-done
	var lost *lease.LostError
	if !errors.Is(err, lease.ErrLost) || !errors.As(err, &lost) || lost.Now.Holder != "b" || lost.Holder != "a" {
		t.Fatalf("a's sync after it resumed: %v; want its write refused, b holding the lease", err)
	}
	sameDump(t, "after a resumed", dump(t, st, ids), want)
	if s, err := st.SyncState(t.Context()); err != nil || !reflect.DeepEqual(s, wantState) || s.Checkpoint != "" {
		t.Errorf("sync state after a resumed: %+v, %v; want b's %+v", s, err, wantState)
	}
	if g, err := st.Generation(t.Context()); err != nil || g != wantGen {
		t.Errorf("generation %d (%v) after a resumed, want %d", g, err, wantGen)
	}
}
