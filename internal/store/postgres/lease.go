package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TakeLease takes or renews the named lease for holder until ttl from now,
// by the database's clock, and reports whether holder now holds it. A
// lease not renewed within its ttl is free for anyone.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	// One statement: of several takers at once, the upsert's row lock
	// lets one in, and its WHERE then leaves the others' rows unchanged.
	tag, err := s.db.Exec(ctx, `INSERT INTO leases (name, holder, expires)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= now()`,
		name, holder, ttl.Microseconds())
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return tag.RowsAffected() > 0, nil
}

// ReleaseLease gives the named lease up if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the named lease and until when, by the
// database's clock; "" when no one does (never taken, released or
// expired). It reads the primary: a replica may lag a takeover.
func (s *Store) LeaseHolder(ctx context.Context, name string) (string, time.Time, error) {
	var holder string
	var expires time.Time
	err := s.db.QueryRow(ctx, `SELECT holder, expires FROM leases WHERE name = $1 AND expires > now()`, name).
		Scan(&holder, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read lease %s: %w", name, err)
	}
	return holder, expires.UTC(), nil
}
