package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// TakeLease takes or renews the named lease for holder until ttl from now,
// by the database's clock, and reports whether holder now holds it. A
// lease not renewed within its ttl is free for anyone.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	// One statement: the check and the take cannot interleave with
	// another holder's. The upsert's WHERE leaves a live lease of someone
	// else untouched, and then no row changes.
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, holder, expires)
		VALUES (?1, ?2, unixepoch('subsec') + ?3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= unixepoch('subsec')`,
		name, holder, ttl.Seconds())
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return n > 0, nil
}

// ReleaseLease gives the named lease up if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the named lease and until when, by the
// database's clock; "" when no one does (never taken, released or
// expired).
func (s *Store) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var expires float64
	err := s.db.QueryRowContext(ctx, `SELECT holder, expires FROM leases WHERE name = ? AND expires > unixepoch('subsec')`, name).
		Scan(&holder, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	sec, frac := math.Modf(expires)
	return holder, time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
