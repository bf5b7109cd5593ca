package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/conformance"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
)

// The suite runs from outside the package: it imports internal/store,
// which imports this package.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "store.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
