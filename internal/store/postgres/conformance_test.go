package postgres_test

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/conformance"
	"github.com/trialfinder/trialfinder/internal/store/postgres"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
)

// The suite runs from outside the package: it imports internal/store,
// which imports this package.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		dsn, _ := pgtest.Database(t)
		s, err := postgres.Open(t.Context(), dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
