package conformance

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store"
)

// take takes or renews the lease and returns its token, 0 if refused.
func take(t *testing.T, st store.Store, name, holder string, ttl time.Duration) int64 {
	t.Helper()
	token, err := st.TakeLease(t.Context(), name, holder, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// holds checks who LeaseHolder says holds the lease, and that it holds it
// until about ttl from now ("" for no one).
func holds(t *testing.T, st store.Store, name, want string, ttl time.Duration) {
	t.Helper()
	h, err := st.LeaseHolder(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	holder, until := h.Holder, h.Until
	if holder != want {
		t.Fatalf("lease %s: held by %q, want %q", name, holder, want)
	}
	if (want == "") != (h.Token == 0) {
		t.Errorf("lease %s held by %q with token %d", name, holder, h.Token)
	}
	// Clocks differ between the database and the test by less than this.
	const skew = time.Minute
	if want != "" && (until.Before(time.Now().Add(ttl-skew)) || until.After(time.Now().Add(ttl+skew))) {
		t.Errorf("lease %s: held until %v, want about %v from now", name, until, ttl)
	}
	if want == "" && !until.IsZero() {
		t.Errorf("lease %s: held by no one until %v", name, until)
	}
}

// testLease: one holder at a time, renewals keep it, an expired lease
// passes to the next taker and a released one at once; LeaseHolder names
// the holder throughout.
func testLease(t *testing.T, st store.Store, _ [][]byte) {
	const long = time.Hour
	holds(t, st, "sync", "", 0)
	if take(t, st, "sync", "a", long) == 0 {
		t.Fatal("a could not take a free lease")
	}
	holds(t, st, "sync", "a", long)
	if take(t, st, "sync", "a", long) == 0 {
		t.Fatal("a could not renew its own lease")
	}
	if take(t, st, "sync", "b", long) != 0 {
		t.Fatal("b took a lease a holds")
	}
	holds(t, st, "sync", "a", long)
	if take(t, st, "other", "b", long) == 0 {
		t.Fatal("b could not take a lease of another name")
	}
	// Releasing a lease one does not hold changes nothing.
	if err := st.ReleaseLease(t.Context(), "sync", "b"); err != nil {
		t.Fatal(err)
	}
	if take(t, st, "sync", "b", long) != 0 {
		t.Fatal("b took the lease after releasing one it did not hold")
	}
	if err := st.ReleaseLease(t.Context(), "sync", "a"); err != nil {
		t.Fatal(err)
	}
	holds(t, st, "sync", "", 0)
	if take(t, st, "sync", "b", long) == 0 {
		t.Fatal("b could not take the lease a released")
	}

	// Expiry: c holds briefly and stops renewing; d gets it only after.
	const short = 300 * time.Millisecond
	if take(t, st, "expiring", "c", short) == 0 {
		t.Fatal("c could not take a free lease")
	}
	taken := time.Now()
	if take(t, st, "expiring", "d", long) != 0 {
		t.Fatal("d took a lease c holds before it expired")
	}
	holds(t, st, "expiring", "c", short)
	deadline := time.Now().Add(10 * time.Second)
	for take(t, st, "expiring", "d", long) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("d never took the lease c stopped renewing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Clocks differ between the database and the test by less than this.
	if waited := time.Since(taken); waited < short/2 {
		t.Errorf("d took c's lease %v after c took it, before its ttl of %v", waited, short)
	}
	if take(t, st, "expiring", "c", short) != 0 {
		t.Error("c renewed a lease that passed to d")
	}
	holds(t, st, "expiring", "d", long)
}

// testLeaseContention: of many takers at once, exactly one gets it.
func testLeaseContention(t *testing.T, st store.Store, _ [][]byte) {
	var won atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			token, err := st.TakeLease(t.Context(), "contended", fmt.Sprint("node-", i), time.Hour)
			if err != nil {
				errs <- err
			}
			if token != 0 {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := won.Load(); n != 1 {
		t.Fatalf("%d of 8 concurrent takers hold the lease, want 1", n)
	}
}
