package ctgov

import (
	"context"
	"errors"
	"io/fs"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Format is the encoding of one record.
type Format int

const (
	FormatV2JSON Format = iota + 1 // an API v2 study object
	FormatXML                      // a legacy <clinical_study> document
)

// Entry is one record's bytes and where they came from, or a problem that
// stopped a file from being read further.
type Entry struct {
	File   string // the input file (for archives, the archive's path)
	Entry  string // where in File: zip/tar member, "line 12", "studies[3]"; "" for a one-record file
	Format Format
	Data   []byte
	// Err is set when this entry, or the rest of File from here on, could
	// not be read (truncated archive, invalid JSON, not a study). Data is
	// then nil; scanning goes on with the next entry or file.
	Err error
}

// Scanner reads records from files, directories and archives, choosing the
// reader by content rather than by name.
type Scanner struct {
	// OnRead, if set, is called with the number of input bytes (as stored
	// on disk, before decompression) consumed since the last call, so a
	// caller can show progress against TotalSize.
	OnRead func(n int64)
}

// TotalSize returns the total on-disk size of paths (walking directories),
// for progress reporting. A path that cannot be read counts as zero; Scan
// reports it.
func TotalSize(paths []string) int64 { panic("not implemented yet") }

// Scan calls fn for every record under path, in order: a file, a
// directory tree, a .zip, .tar, .tar.gz/.tgz, .gz, JSON Lines, a JSON
// array, an API page envelope or a single JSON or XML study. Problems with
// the input are delivered to fn as entries with Err set; Scan itself
// returns only ctx's error or an error returned by fn.
func (s *Scanner) Scan(ctx context.Context, path string, fn func(Entry) error) error {
	return errors.New("not implemented yet")
}

// ScanFS is Scan for a file in fsys (e.g. the embedded demo data).
func (s *Scanner) ScanFS(ctx context.Context, fsys fs.FS, name string, fn func(Entry) error) error {
	return errors.New("not implemented yet")
}

// Decode turns an entry's bytes into a Study: API v2 JSON directly, legacy
// XML through its v2-shaped JSON, which becomes the Study's Raw record.
// The Study is always what DecodeV2(Study.Raw) returns, so stores may keep
// only Raw.
func Decode(e Entry) (study.Study, error) {
	switch e.Format {
	case FormatV2JSON:
		return DecodeV2(e.Data)
	case FormatXML:
		raw, err := XMLToV2(e.Data)
		if err != nil {
			return study.Study{}, err
		}
		return DecodeV2(raw)
	}
	return study.Study{}, errors.New("unknown record format")
}

// XMLToV2 converts one legacy <clinical_study> document into an API v2
// study object.
func XMLToV2(data []byte) ([]byte, error) { return nil, errors.New("not implemented yet") }
