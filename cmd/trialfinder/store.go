package main

import (
	"context"
	"errors"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// openStore opens the store dsn names: a postgres:// URL or, otherwise, a
// SQLite file path (created if missing). The store parses the criteria of
// the studies it stores, so matching never waits for the parser.
func openStore(ctx context.Context, dsn string) (*sqlite.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, errors.New("PostgreSQL support is not built yet: give --db a SQLite file path")
	}
	st, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	st.ParseCriteriaWith(eligibility.ParserVersion, eligibility.ParseStored)
	return st, nil
}
