package store

import (
	"context"
	"errors"

	"github.com/trialfinder/trialfinder/internal/store/record"
)

// Copier is what copying a store to another needs of both.
type Copier interface {
	// ExportStudies returns up to n studies after the NCT ID after,
	// removed or not, in NCT ID order, each with everything the store
	// keeps of it (record, history, aliases, criteria, removal).
	ExportStudies(ctx context.Context, after string, n int) ([]record.Dump, error)
	// ImportStudies writes studies the store does not hold, as they are,
	// without logging changes.
	ImportStudies(ctx context.Context, dumps []record.Dump) error
	// ExportState and ImportState carry the rest: the change log, the
	// generation, the last ingest's time, the sync state, the listing.
	ExportState(ctx context.Context) (record.State, error)
	ImportState(ctx context.Context, st record.State) error
}

// ErrNotEmpty: Copy copies into an empty store only.
var ErrNotEmpty = errors.New("the target store is not empty")

// copyPage is how many studies Copy moves per transaction.
const copyPage = 1000

// Copy copies everything the store from holds into the store to, which
// must be empty: every study, removed or not, with its history, aliases
// and stored criteria, then the change log, generation and sync state, so
// readers and syncs carry on from to as they would have from from. The compressed records
// move as they are. Nothing may write to from meanwhile. progress, if
// set, is called with the studies copied so far after each page.
//
// An interrupted copy leaves to holding part of the studies, and no
// generation: empty it (or make a new one) and copy again.
func Copy(ctx context.Context, from, to Store, progress func(copied int)) (int, error) {
	if page, err := to.ExportStudies(ctx, "", 1); err != nil || len(page) > 0 {
		return 0, errors.Join(err, ErrNotEmpty)
	}
	if gen, err := to.Generation(ctx); err != nil || gen != 0 {
		return 0, errors.Join(err, ErrNotEmpty)
	}
	copied, after := 0, ""
	for {
		page, err := from.ExportStudies(ctx, after, copyPage)
		if err != nil {
			return copied, err
		}
		if len(page) == 0 {
			break
		}
		if err := to.ImportStudies(ctx, page); err != nil {
			return copied, err
		}
		copied += len(page)
		after = page[len(page)-1].ID
		if progress != nil {
			progress(copied)
		}
	}
	st, err := from.ExportState(ctx)
	if err != nil {
		return copied, err
	}
	if err := to.ImportState(ctx, st); err != nil {
		return copied, err
	}
	return copied, nil
}
