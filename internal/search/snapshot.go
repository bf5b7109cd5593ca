package search

import (
	"errors"
	"io"
)

// SnapshotVersion is the format version of WriteSnapshot's output. Bump it
// on any change to the format or to what the index derives from a study.
const SnapshotVersion = 1

// ErrSnapshotVersion is the error ReadSnapshot returns for a snapshot of
// another format version: the caller builds afresh.
var ErrSnapshotVersion = errors.New("search snapshot: other format version")

// WriteSnapshot writes the index in a versioned binary format.
func (ix *Index) WriteSnapshot(w io.Writer) error {
	return errors.New("search: WriteSnapshot not implemented yet")
}

// ReadSnapshot reads an index WriteSnapshot wrote.
func ReadSnapshot(r io.Reader) (*Index, error) {
	return nil, errors.New("search: ReadSnapshot not implemented yet")
}
