package lease_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// store is a connection to a store, as one process of several has.
type store interface {
	lease.Store
	Close() error
}

// eachStore runs test on a new store of each kind (PostgreSQL when the
// test server is configured), giving it a function that opens another
// connection to that store.
func eachStore(t *testing.T, test func(t *testing.T, open func() store)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "store.db")
		test(t, func() store {
			st, err := sqlite.Open(t.Context(), path)
			return opened(t, st, err)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := pgtest.Database(t)
		test(t, func() store {
			st, err := postgres.Open(t.Context(), dsn, "")
			return opened(t, st, err)
		})
	})
}

func opened(t *testing.T, st store, err error) store {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

const ttl = 200 * time.Millisecond

// TestHeldAndRenewed: a lease taken is refused to others for as long as
// it is renewed, well past its ttl, and free at once when released.
func TestHeldAndRenewed(t *testing.T) { eachStore(t, testHeldAndRenewed) }

func testHeldAndRenewed(t *testing.T, open func() store) {
	a, b := open(), open()
	l, err := lease.Take(t.Context(), a, "sync", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lease.Take(t.Context(), b, "sync", "b", ttl)
	var held *lease.HeldError
	if !errors.Is(err, lease.ErrHeld) || !errors.As(err, &held) {
		t.Fatalf("a held lease taken by another: %v", err)
	}
	if held.Holder != "a" || held.Until.Before(time.Now().Add(-time.Minute)) || !strings.Contains(err.Error(), "held by a until") {
		t.Errorf("the refusal names %q until %v: %v", held.Holder, held.Until, err)
	}
	time.Sleep(3 * ttl)
	if _, err := lease.Take(t.Context(), b, "sync", "b", ttl); !errors.Is(err, lease.ErrHeld) {
		t.Errorf("a renewed lease taken by another after 3 ttl: %v", err)
	}
	if l.Context().Err() != nil || l.Lost() != nil {
		t.Errorf("a renewed lease ended: %v", l.Lost())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if l.Context().Err() == nil || l.Lost() != nil {
		t.Errorf("released: context %v, lost %v", l.Context().Err(), l.Lost())
	}
	lb, err := lease.Take(t.Context(), b, "sync", "b", ttl)
	if err != nil {
		t.Fatalf("a released lease: %v", err)
	}
	lb.Release()
}

// TestHolderDies: a holder that stops renewing (its process died) loses
// the lease after its ttl, not before.
func TestHolderDies(t *testing.T) { eachStore(t, testHolderDies) }

func testHolderDies(t *testing.T, open func() store) {
	a, b := open(), open()
	ctx, die := context.WithCancel(t.Context())
	if _, err := lease.Take(ctx, a, "sync", "a", ttl); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	die() // stops renewing, releases nothing
	for {
		l, err := lease.Take(t.Context(), b, "sync", "b", ttl)
		if err == nil {
			if waited := time.Since(died); waited < ttl/2 {
				t.Errorf("taken %s after the holder died, before the ttl", waited)
			}
			l.Release()
			return
		}
		if !errors.Is(err, lease.ErrHeld) || time.Since(died) > 10*ttl {
			t.Fatalf("%s after the holder died: %v", time.Since(died), err)
		}
		time.Sleep(ttl / 10)
	}
}

// TestLost: a holder whose lease another took (here, an operator freed
// it) learns it at its next renewal; one that cannot reach the store
// gives up within 2/3 of the ttl, before anyone else can take it.
func TestLost(t *testing.T) { eachStore(t, testLost) }

func testLost(t *testing.T, open func() store) {
	a, b := open(), open()
	l, err := lease.Take(t.Context(), a, "sync", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ReleaseLease(t.Context(), "sync", "a"); err != nil {
		t.Fatal(err)
	}
	lb, err := lease.Take(t.Context(), b, "sync", "b", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ends(t, l, lease.ErrHeld, "another took its lease")
	l.Release() // must not free b's lease
	if _, err := lease.Take(t.Context(), a, "sync", "a", ttl); !errors.Is(err, lease.ErrHeld) {
		t.Errorf("the loser's release freed the new holder's lease: %v", err)
	}
	lb.Release()

	l, err = lease.Take(t.Context(), a, "sync", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	a.Close()
	<-l.Context().Done()
	if took := time.Since(cut); took > ttl {
		t.Errorf("gave up %s after the store went, past the ttl", took)
	}
	if err := l.Lost(); err == nil || !strings.Contains(err.Error(), "not renewed") {
		t.Errorf("lost because %v", err)
	}
}

func TestHolderIsUnique(t *testing.T) {
	if a, b := lease.Holder(), lease.Holder(); a == b || !strings.Contains(a, "-") {
		t.Errorf("holders %q and %q", a, b)
	}
}

// TestFenceOfTheLease: a lease's Context carries its fence; a holder
// whose lease was freed (by an operator) and that then takes it again at
// its next renewal gets a new token, so its work under the old one ends.
func TestFenceOfTheLease(t *testing.T) { eachStore(t, testFenceOfTheLease) }

func testFenceOfTheLease(t *testing.T, open func() store) {
	a, b := open(), open()
	l, err := lease.Take(t.Context(), a, "sync", "a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if f, ok := lease.FenceOf(l.Context()); !ok || f != (lease.Fence{Name: "sync", Holder: "a", Token: l.Token()}) || l.Token() <= 0 {
		t.Fatalf("the lease's context carries %+v, %t; its token is %d", f, ok, l.Token())
	}
	if err := b.ReleaseLease(t.Context(), "sync", "a"); err != nil {
		t.Fatal(err)
	}
	ends(t, l, lease.ErrLost, "its lease was freed and taken again")
	if h, err := b.LeaseHolder(t.Context(), "sync"); err != nil || h.Holder != "a" || h.Token <= l.Token() {
		t.Errorf("the lease after its holder took it again: %+v, %v; want a with a token above %d", h, err, l.Token())
	}
}

// ends checks that l's context ends within two ttls, lost for why: the
// holder learnt what happened.
func ends(t *testing.T, l *lease.Lease, why error, what string) {
	t.Helper()
	select {
	case <-l.Context().Done():
	case <-time.After(2 * ttl):
		t.Fatalf("the holder did not learn %s", what)
	}
	if err := l.Lost(); !errors.Is(err, why) {
		t.Errorf("lost because %v", err)
	}
}
