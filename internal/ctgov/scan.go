package ctgov

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Format is the encoding of one record.
type Format int

const (
	FormatV2JSON Format = iota + 1 // an API v2 study object
	FormatXML                      // a legacy <clinical_study> document
)

// String names the format for reports.
func (f Format) String() string {
	switch f {
	case FormatV2JSON:
		return "API v2 JSON"
	case FormatXML:
		return "legacy XML"
	}
	return "unknown format"
}

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

// Where returns the entry's location for reports: "file" or "file: entry".
func (e Entry) Where() string {
	if e.Entry == "" {
		return e.File
	}
	return e.File + ": " + e.Entry
}

// ErrNotRecord is wrapped by the Err of an Entry whose content is neither
// an API v2 study nor a legacy XML study (a README inside a directory, an
// XML file with another root element).
var ErrNotRecord = errors.New("not a ClinicalTrials.gov record")

// MaxRecordSize is the largest single record the scanner accepts. The
// largest real records (hundreds of sites plus results) are a few MB; the
// limit only stops a runaway read of a file that is not a record.
const MaxRecordSize = 64 << 20

// Scanner reads records from files, directories and archives, choosing the
// reader by content rather than by name.
type Scanner struct {
	// OnRead, if set, is called with the number of input bytes (as stored
	// on disk, before decompression) consumed since the last call, so a
	// caller can show progress against TotalSize.
	OnRead func(n int64)
}

// skipName reports whether a directory or archive member is left out
// silently rather than reported as "not a record": hidden files and
// folders (.DS_Store, .git, macOS "._x" resource forks) and the
// __MACOSX folder that macOS's archiver adds to zips. Everything else
// that is not a record is reported, so a wrong input is noticed.
func skipName(name string) bool {
	for _, part := range strings.Split(filepath.ToSlash(name), "/") {
		if part == "__MACOSX" || (strings.HasPrefix(part, ".") && part != "." && part != "..") {
			return true
		}
	}
	return false
}

// TotalSize returns the total on-disk size of paths (walking directories),
// for progress reporting. A path that cannot be read counts as zero; Scan
// reports it.
func TotalSize(paths []string) int64 {
	var total int64
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if name != p && skipName(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					total += info.Size()
				}
			}
			return nil
		})
	}
	return total
}

// Scan calls fn for every record under path, in order: a file, a
// directory tree, a .zip, .tar, .tar.gz/.tgz, .gz, .zst, JSON Lines, a
// JSON array, an API page envelope or a single JSON or XML study. Problems
// with the input are delivered to fn as entries with Err set; Scan itself
// returns only ctx's error or an error returned by fn.
func (s *Scanner) Scan(ctx context.Context, path string, fn func(Entry) error) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fn(Entry{File: path, Err: err})
	}
	name := filepath.Base(abs)
	if name == string(filepath.Separator) {
		name = "."
	}
	fsys := os.DirFS(filepath.Dir(abs))
	return s.scanFS(ctx, fsys, name, func(rel string) string {
		if rel == name {
			return path
		}
		if name != "." {
			rel = strings.TrimPrefix(rel, name+"/")
		}
		return filepath.Join(path, filepath.FromSlash(rel))
	}, fn)
}

// ScanFS is Scan for a file in fsys (e.g. the embedded demo data).
func (s *Scanner) ScanFS(ctx context.Context, fsys fs.FS, name string, fn func(Entry) error) error {
	return s.scanFS(ctx, fsys, name, func(rel string) string { return rel }, fn)
}

// ScanReader is Scan for a stream named name, such as a download, read
// once and in order: a zip in it is read member by member from its local
// headers, so nothing is held whole or unpacked to disk.
func (s *Scanner) ScanReader(ctx context.Context, name string, r io.Reader, fn func(Entry) error) error {
	w := &walker{ctx: ctx, fn: fn, onRead: s.OnRead, streamed: true}
	w.top = &countingReader{r: r, onRead: s.OnRead}
	return w.content(source{file: name, name: path.Base(name)}, w.top, -1, 0)
}

// scanFS walks name in fsys; display turns an fsys path into the name
// reported in Entry.File.
func (s *Scanner) scanFS(ctx context.Context, fsys fs.FS, name string, display func(string) string, fn func(Entry) error) error {
	// One walker for all files, so its read buffers are reused.
	w := &walker{ctx: ctx, fn: fn, onRead: s.OnRead}
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return w.emit(Entry{File: display(name), Err: unwrapPathError(err)})
	}
	if !info.IsDir() {
		return w.file(fsys, name, display(name))
	}
	return fs.WalkDir(fsys, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return w.emit(Entry{File: display(p), Err: unwrapPathError(err)})
		}
		if p != name && skipName(path.Base(p)) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// Followed, as the command line follows one; a link to
			// nowhere or to a directory is reported, not skipped.
			info, err := fs.Stat(fsys, p)
			switch {
			case err != nil:
				return w.emit(Entry{File: display(p), Err: fmt.Errorf("dangling symbolic link: %w", unwrapPathError(err))})
			case info.IsDir():
				return w.emit(Entry{File: display(p), Err: errors.New("symbolic link to a directory: not followed")})
			}
		}
		return w.file(fsys, p, display(p))
	})
}

// fileKind names a mode that is not a regular file, for reports.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "mode " + m.String()
}

// unwrapPathError drops the *fs.PathError's path and operation when the
// entry already names the file, so reports do not repeat it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// file reads the records of one file, reported as shown.
func (w *walker) file(fsys fs.FS, name, shown string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	// Stat before opening: opening a named pipe waits for a writer.
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return w.emit(Entry{File: shown, Err: unwrapPathError(err)})
	}
	if !info.Mode().IsRegular() {
		return w.emit(Entry{File: shown, Err: fmt.Errorf("not a regular file (%s): not read", fileKind(info.Mode()))})
	}
	f, err := fsys.Open(name)
	if err != nil {
		return w.emit(Entry{File: shown, Err: unwrapPathError(err)})
	}
	defer f.Close()
	w.top = &countingReader{r: f, onRead: w.onRead}
	w.zipFile = nil
	w.inflated = 0
	if ra, ok := f.(io.ReaderAt); ok {
		w.zipFile = &countingReaderAt{r: ra, onRead: w.onRead, size: info.Size()}
	}
	return w.content(source{file: shown, name: path.Base(name)}, w.top, info.Size(), 0)
}

// Decode turns an entry's bytes into a Study: API v2 JSON directly, legacy
// XML through its v2-shaped JSON, which becomes the Study's Raw record.
// The Study is always what DecodeV2(Study.Raw) returns, so stores may keep
// only Raw.
func Decode(e Entry) (study.Study, error) {
	if e.Err != nil {
		return study.Study{}, e.Err
	}
	switch e.Format {
	case FormatV2JSON:
		return withOffset(DecodeV2(e.Data))
	case FormatXML:
		raw, err := XMLToV2(e.Data)
		if err != nil {
			return study.Study{}, err
		}
		return withOffset(DecodeV2(raw))
	}
	return study.Study{}, errors.New("unknown record format")
}

// withOffset adds where in the record a JSON syntax error is, which the
// json package keeps out of its message.
func withOffset(s study.Study, err error) (study.Study, error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return s, fmt.Errorf("%w (at byte %d of the record)", err, se.Offset)
	}
	return s, err
}

// countingReader reports the bytes read from the underlying file.
type countingReader struct {
	r      io.Reader
	onRead func(int64)
	n      int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && c.onRead != nil {
		c.onRead(int64(n))
	}
	return n, err
}

// countingReaderAt reports the bytes a zip reader fetches from the file.
// Zip reads most bytes once, but skips the names in local headers and
// reads parts of the directory twice, so the count is kept within the
// file's size and topped up to it by finish. The prefix that the
// sequential reader sniffing the file has reported is not reported again.
type countingReaderAt struct {
	r        io.ReaderAt
	onRead   func(int64)
	size     int64
	counted  int64 // the prefix already reported
	reported int64 // reported since
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	fresh := off + int64(n) - max(off, c.counted)
	c.report(min(fresh, c.size-c.counted-c.reported))
	return n, err
}

func (c *countingReaderAt) report(n int64) {
	if n > 0 && c.onRead != nil {
		c.reported += n
		c.onRead(n)
	}
}

// finish reports what is left of the file, so progress ends at its size.
func (c *countingReaderAt) finish() { c.report(c.size - c.counted - c.reported) }
