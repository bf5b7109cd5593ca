// Package lease lets one process of many do a job at a time: it takes a
// named lease in the shared store and keeps it by renewing it in the
// background. A holder that dies stops renewing, so its lease frees
// itself after its time to live and another process takes over; a
// holder that can no longer renew stops its work before that happens.
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
	// has it, for ttl from now; true if holder now holds it. A lease not
	// renewed within its ttl is free.
	TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
	// LeaseHolder says who holds the lease and until when, by the
	// store's clock; "" if no one does.
	LeaseHolder(ctx context.Context, name string) (holder string, until time.Time, err error)
}

// ErrHeld: another holder has the lease.
var ErrHeld = errors.New("held by another process")

// HeldError is Take's error when another holder has the lease: who,
// and until when unless renewed (by the store's clock). It wraps ErrHeld.
type HeldError struct {
	Name, Holder string
	Until        time.Time
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
	st           Store
	name, holder string
	ttl          time.Duration
	ctx          context.Context
	cancel       context.CancelCauseFunc
	renewing     sync.WaitGroup
}

// Take takes the lease name for holder, or returns a *HeldError. While held, the lease is renewed every ttl/3. Its Context ends
// when the lease is lost, which Cause says why: another holder has it
// (the store refused a renewal), or no renewal succeeded for 2/3 of the
// ttl, which stops the work a third of the ttl before another process
// may take over. The context also ends with ctx, or on Release.
func Take(ctx context.Context, st Store, name, holder string, ttl time.Duration) (*Lease, error) {
	took, err := st.TakeLease(ctx, name, holder, ttl)
	if err != nil {
		return nil, fmt.Errorf("take lease %q: %w", name, err)
	}
	if !took {
		held := &HeldError{Name: name}
		if held.Holder, held.Until, err = st.LeaseHolder(ctx, name); err != nil {
			return nil, fmt.Errorf("lease %q: %w (and its holder: %w)", name, ErrHeld, err)
		}
		return nil, held
	}
	l := &Lease{st: st, name: name, holder: holder, ttl: ttl}
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	l.renewing.Add(1)
	go l.renew(time.Now())
	return l, nil
}

// Context ends when the lease is lost or released; the work done under
// the lease runs in it.
func (l *Lease) Context() context.Context { return l.ctx }

// Holder is who holds the lease.
func (l *Lease) Holder() string { return l.holder }

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
		held, err := l.st.TakeLease(ctx, l.name, l.holder, l.ttl)
		cancel()
		switch {
		case err == nil && held:
			lastOK = start
		case err == nil:
			l.cancel(fmt.Errorf("lease %q lost: %w", l.name, ErrHeld))
			return
		case l.ctx.Err() != nil:
			return
		case time.Since(lastOK) >= 2*l.ttl/3:
			l.cancel(fmt.Errorf("lease %q lost: not renewed for %s: %w", l.name, time.Since(lastOK).Round(time.Millisecond), err))
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
	if err := l.st.ReleaseLease(ctx, l.name, l.holder); err != nil {
		return fmt.Errorf("release lease %q: %w", l.name, err)
	}
	return nil
}
