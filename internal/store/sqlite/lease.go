package sqlite

import (
	"context"
	"fmt"
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
