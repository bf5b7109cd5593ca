// Package lease lets one process of many do a job at a time: it takes a
// named lease in the shared store and keeps it by renewing it in the
// background. A holder that dies stops renewing, so its lease frees
// itself after its time to live and another process takes over; a
// holder that can no longer renew stops its work before that happens.
//
// A holder that cannot tell it stopped (a process paused, or cut off from
// the store, past its lease's expiry) is fenced instead: each taking of a
// lease gets a token greater than every earlier one's, the lease's
// Context carries it (a Fence), and the store commits a write whose
// context carries a fence only if, in the same transaction, that holder
// still holds the lease with that token, unexpired by the store's clock;
// otherwise the write fails with a *LostError and changes nothing.
package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Store keeps leases; both stores implement it.
type Store interface {
	// TakeLease takes the lease name for holder, or renews it if holder
	// has it, for ttl from now, and returns its token; 0 if another
	// holder has it. A lease not renewed within its ttl is free. A
	// renewal keeps the token; a taking by a holder that did not hold it
	// (even one that held it before and released it) gets a token
	// greater than any the lease had.
	TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (token int64, err error)
	// ReleaseLease frees the lease if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
	// LeaseHolder says who holds the lease, until when by the store's
	// clock, and with which token; the zero Holding if no one does.
	LeaseHolder(ctx context.Context, name string) (Holding, error)
}

// Holding is who holds a lease: until when, by the store's clock, and
// with which token.
type Holding struct {
	Holder string
	Until  time.Time
	Token  int64
}

// ErrHeld: another holder has the lease.
var ErrHeld = errors.New("held by another process")

// HeldError is Take's error when another holder has the lease: who,
// and until when unless renewed (by the store's clock). It wraps ErrHeld.
type HeldError struct {
	Name string
	Holding
}

func (e *HeldError) Error() string {
	if e.Holder == "" { // released or expired since the refusal
		return fmt.Sprintf("lease %q: %v", e.Name, ErrHeld)
	}
	return fmt.Sprintf("lease %q: held by %s until %s", e.Name, e.Holder, e.Until.Format(time.RFC3339))
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// errReleased ends a released lease's context.
var errReleased = errors.New("lease released")

// Holder names this process among a lease's contenders: host, process ID
// and a random part, since a restarted process (or a container) may get
// the same process ID again.
func Holder() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
}

// Lease is a lease this process holds.
type Lease struct {
	st       Store
	fence    Fence
	ttl      time.Duration
	ctx      context.Context
	cancel   context.CancelCauseFunc
	renewing sync.WaitGroup
}

// Take takes the lease name for holder, or returns a *HeldError. While held, the lease is renewed every ttl/3. Its Context ends
// when the lease is lost, which Cause says why: another holder has it
// (the store refused a renewal), or no renewal succeeded for 2/3 of the
// ttl, which stops the work a third of the ttl before another process
// may take over. The context also ends with ctx, or on Release.
func Take(ctx context.Context, st Store, name, holder string, ttl time.Duration) (*Lease, error) {
	token, err := st.TakeLease(ctx, name, holder, ttl)
	if err != nil {
		return nil, fmt.Errorf("take lease %q: %w", name, err)
	}
	if token == 0 {
		held := &HeldError{Name: name}
		if held.Holding, err = st.LeaseHolder(ctx, name); err != nil {
			return nil, fmt.Errorf("lease %q: %w (and its holder: %w)", name, ErrHeld, err)
		}
		return nil, held
	}
	l := &Lease{st: st, fence: Fence{Name: name, Holder: holder, Token: token}, ttl: ttl}
	l.ctx, l.cancel = context.WithCancelCause(WithFence(ctx, l.fence))
	l.renewing.Add(1)
	go l.renew(time.Now())
	return l, nil
}

// Context ends when the lease is lost or released; the work done under
// the lease runs in it, and the store's writes in it are fenced by it.
func (l *Lease) Context() context.Context { return l.ctx }

// Holder is who holds the lease.
func (l *Lease) Holder() string { return l.fence.Holder }

// Token is the token this holding of the lease got.
func (l *Lease) Token() int64 { return l.fence.Token }

// Lost reports why the lease ended, nil while it is held or if it was
// released or its parent context ended.
func (l *Lease) Lost() error {
	err := context.Cause(l.ctx)
	if err == nil || errors.Is(err, errReleased) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

func (l *Lease) renew(lastOK time.Time) {
	defer l.renewing.Done()
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
		}
		// Time runs from before the request: the store's ttl ran from
		// some moment after it.
		start := time.Now()
		ctx, cancel := context.WithTimeout(l.ctx, l.ttl/3)
		token, err := l.st.TakeLease(ctx, l.fence.Name, l.fence.Holder, l.ttl)
		cancel()
		switch {
		case err == nil && token == l.fence.Token:
			lastOK = start
		case err == nil && token == 0:
			l.cancel(fmt.Errorf("lease %q lost: %w", l.fence.Name, ErrHeld))
			return
		case err == nil:
			// Freed and taken again: the work's fence is stale.
			l.cancel(fmt.Errorf("lease %q lost: taken again with token %d after token %d ended: %w", l.fence.Name, token, l.fence.Token, ErrLost))
			return
		case l.ctx.Err() != nil:
			return
		case time.Since(lastOK) >= 2*l.ttl/3:
			l.cancel(fmt.Errorf("lease %q lost: not renewed for %s: %w", l.fence.Name, time.Since(lastOK).Round(time.Millisecond), err))
			return
		}
	}
}

// Release stops renewing the lease and frees it, so that another process
// takes over without waiting for it to expire. It is safe to call once
// the lease is lost.
func (l *Lease) Release() error {
	l.cancel(errReleased)
	l.renewing.Wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(l.ctx), 10*time.Second)
	defer cancel()
	if err := l.st.ReleaseLease(ctx, l.fence.Name, l.fence.Holder); err != nil {
		return fmt.Errorf("release lease %q: %w", l.fence.Name, err)
	}
	return nil
}
