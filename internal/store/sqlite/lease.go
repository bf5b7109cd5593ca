package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
)

// TakeLease takes or renews the named lease for holder until ttl from now,
// by the database's clock, and returns its token; 0 if another holder has
// it. A lease not renewed within its ttl is free for anyone; a holder
// that did not hold it takes it with the next token.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, error) {
	// One statement: the check and the take cannot interleave with
	// another holder's. The upsert's WHERE leaves a live lease of someone
	// else untouched, and then no row comes back.
	var token int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires, token)
		VALUES (?1, ?2, unixepoch('subsec') + ?3, 1)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires,
			token = leases.token + (leases.holder != excluded.holder)
		WHERE leases.holder = excluded.holder OR leases.expires <= unixepoch('subsec')
		RETURNING token`,
		name, holder, ttl.Seconds()).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("take lease %s: %w", name, err)
	}
	return token, nil
}

// ReleaseLease gives the named lease up if holder holds it. The row stays,
// expired and held by no one, so that the next taker's token follows its.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE leases SET holder = '', expires = unixepoch('subsec')
		WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the named lease, until when by the
// database's clock, and with which token; the zero Holding when no one
// does (never taken, released or expired).
func (s *Store) LeaseHolder(ctx context.Context, name string) (lease.Holding, error) {
	var h lease.Holding
	var expires float64
	err := s.db.QueryRowContext(ctx, `SELECT holder, expires, token FROM leases WHERE name = ? AND expires > unixepoch('subsec')`, name).
		Scan(&h.Holder, &expires, &h.Token)
	if errors.Is(err, sql.ErrNoRows) {
		return lease.Holding{}, nil
	}
	if err != nil {
		return lease.Holding{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	h.Until = unixTime(expires)
	return h, nil
}

func unixTime(sec float64) time.Time {
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

// transact runs fn in a write transaction and commits it. If ctx carries
// a lease's fence (lease.FenceOf), it commits only if that holding of the
// lease is current, checked last in the transaction; else it rolls back
// with a *lease.LostError. The transaction holds SQLite's write lock from
// its start, and taking a lease needs it too, so no one takes the lease
// over between the check and the commit.
func (s *Store) transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := checkFence(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

func checkFence(ctx context.Context, tx *sql.Tx) error {
	f, ok := lease.FenceOf(ctx)
	if !ok {
		return nil
	}
	var now lease.Holding
	var expires float64
	var live bool
	err := tx.QueryRowContext(ctx, `SELECT holder, token, expires, expires > unixepoch('subsec') FROM leases WHERE name = ?`, f.Name).
		Scan(&now.Holder, &now.Token, &expires, &live)
	found := err == nil
	if found {
		now.Until = unixTime(expires)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check lease %s: %w", f.Name, err)
	}
	return f.Check(now, found, live)
}
