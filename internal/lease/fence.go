package lease

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Fence is one holding of a lease: the holder and the token it got. A
// store commits a write whose context carries a fence only while that
// holding is current (see the package documentation).
type Fence struct {
	Name, Holder string
	Token        int64
}

type fenceKey struct{}

// WithFence returns ctx carrying f: the store's writes in it are fenced by
// f. A Lease's Context carries its fence already.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceOf returns the fence ctx carries, if any.
func FenceOf(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// ErrLost: a write was refused because the lease that fenced it is no
// longer held with the fence's token.
var ErrLost = errors.New("lease lost")

// LostError is a store's refusal of a fenced write: the fence, and what
// the store holds of the lease now (by its clock, at the refusal). It
// wraps ErrLost.
type LostError struct {
	Fence
	Now Holding
	// Expired: Now is the lease as it was last held, which ended at
	// Now.Until; no one holds it.
	Expired bool
}

func (e *LostError) Error() string {
	lost := fmt.Sprintf("lease %q lost by %s (token %d): write refused", e.Name, e.Holder, e.Token)
	switch {
	case e.Now.Holder == "":
		return lost + "; no one holds it (it was released)"
	case e.Expired && e.Now.Holder == e.Holder && e.Now.Token == e.Token:
		return fmt.Sprintf("%s; it expired at %s, not renewed in time", lost, e.Now.Until.Format(time.RFC3339Nano))
	case e.Expired:
		return fmt.Sprintf("%s; %s took it over (token %d), which expired at %s", lost, e.Now.Holder, e.Now.Token, e.Now.Until.Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("%s; %s holds it now (token %d) until %s", lost, e.Now.Holder, e.Now.Token, e.Now.Until.Format(time.RFC3339Nano))
}

func (e *LostError) Unwrap() error { return ErrLost }

// Check is the fence check both stores run in each write transaction,
// given the lease's row as the transaction reads it: nil if the fence
// holds, else a *LostError. found is false when the lease has no row (it
// was never taken); live is whether it is unexpired by the store's clock.
func (f Fence) Check(now Holding, found, live bool) error {
	if found && live && now.Holder == f.Holder && now.Token == f.Token {
		return nil
	}
	return &LostError{Fence: f, Now: now, Expired: found && !live}
}
