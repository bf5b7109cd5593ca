package search

import (
	"errors"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Apply returns an index with the studies in changed added or replaced
// (inserted, updated, restored) and the NCT IDs in removed dropped. ix
// itself is unchanged and stays valid for searches in flight.
func (ix *Index) Apply(changed []study.Study, removed []string) (*Index, error) {
	return nil, errors.New("search: Apply not implemented yet")
}
