package main

import (
	"context"
	"errors"
	"strings"

	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// openStore opens the store dsn names: a postgres:// URL or, otherwise, a
// SQLite file path (created if missing).
func openStore(ctx context.Context, dsn string) (*sqlite.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, errors.New("PostgreSQL support is not built yet: give --db a SQLite file path")
	}
	return sqlite.Open(ctx, dsn)
}
