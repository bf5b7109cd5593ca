package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/lease"
)

// TakeLease takes or renews the named lease for holder until ttl from now,
// by the database's clock, and returns its token; 0 if another holder has
// it. A lease not renewed within its ttl is free for anyone; a holder
// that did not hold it takes it with the next token.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (int64, error) {
	// One statement: of several takers at once, the upsert's row lock
	// lets one in, and its WHERE then leaves the others' rows unchanged.
	// The row lock also waits for a fenced write that has checked the
	// lease (transact) to commit.
	var token int64
	err := s.db.QueryRow(ctx, `INSERT INTO leases (name, holder, expires, token)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond', 1)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires,
			token = leases.token + CASE WHEN leases.holder = excluded.holder THEN 0 ELSE 1 END
		WHERE leases.holder = excluded.holder OR leases.expires <= now()
		RETURNING token`,
		name, holder, ttl.Microseconds()).Scan(&token)
	if errors.Is(err, pgx.ErrNoRows) {
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
	if _, err := s.db.Exec(ctx, `UPDATE leases SET holder = '', expires = now() WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the named lease, until when by the
// database's clock, and with which token; the zero Holding when no one
// does (never taken, released or expired). It reads the primary: a
// replica may lag a takeover.
func (s *Store) LeaseHolder(ctx context.Context, name string) (lease.Holding, error) {
	var h lease.Holding
	err := s.db.QueryRow(ctx, `SELECT holder, expires, token FROM leases WHERE name = $1 AND expires > now()`, name).
		Scan(&h.Holder, &h.Until, &h.Token)
	if errors.Is(err, pgx.ErrNoRows) {
		return lease.Holding{}, nil
	}
	if err != nil {
		return lease.Holding{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	h.Until = h.Until.UTC()
	return h, nil
}

// transact runs fn in a transaction and commits it. If ctx carries a
// lease's fence (lease.FenceOf), it commits only if that holding of the
// lease is current, checked last in the transaction; else it rolls back
// with a *lease.LostError. The check locks the lease's row (FOR SHARE)
// until the commit, so a takeover, whose upsert needs that row, waits
// for it: the old holder's last write commits before the new holder
// holds the lease, or not at all.
func (s *Store) transact(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return checkFence(ctx, tx)
	})
}

func checkFence(ctx context.Context, tx pgx.Tx) error {
	f, ok := lease.FenceOf(ctx)
	if !ok {
		return nil
	}
	var now lease.Holding
	var live bool
	// clock_timestamp, not now(): now() is when the transaction began.
	err := tx.QueryRow(ctx, `SELECT holder, token, expires, expires > clock_timestamp() FROM leases WHERE name = $1 FOR SHARE`, f.Name).
		Scan(&now.Holder, &now.Token, &now.Until, &live)
	found := err == nil
	if found {
		now.Until = now.Until.UTC()
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("check lease %s: %w", f.Name, err)
	}
	return f.Check(now, found, live)
}
