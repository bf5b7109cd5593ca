package view

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
)

// A snapshot file is a fixed header, then the search index, the
// gazetteer's and the matcher's builder state, each section preceded by
// its length (8 bytes, little-endian) so that the three are read at once.
// The header is the magic string, five little-endian uint64s (this
// layout's version, the search, gazetteer and matcher format versions,
// the store generation the views reflect) and the eligibility parser
// version the matcher's criteria were packed from (its length as a
// uint64, then its bytes). A file of any other
// versions is not read; the views are built afresh and a new one written.
// It is written to a temporary file beside it (its name, ".tmp" and a
// random suffix) and renamed over the old, so a reader sees a whole
// snapshot or none; a failed write removes its temporary file, and
// RemoveStaleTemps the ones a crash left.

// SnapshotVersion is the version of the snapshot file's layout.
const SnapshotVersion = 1

const snapshotMagic = "trialfinder views\n"

// ErrSnapshotVersion says a snapshot was written by another version of
// the formats or of the parser.
var ErrSnapshotVersion = errors.New("views snapshot: other format or parser version")

func versions() [4]uint64 {
	return [4]uint64{SnapshotVersion, search.SnapshotVersion, gazetteer.SnapshotVersion, match.SnapshotVersion}
}

// WriteSnapshot writes the current views to path, atomically. It may run
// beside Update, which waits for it.
func (f *Follower) WriteSnapshot(path string) (err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil {
		return errors.New("write views snapshot: no views built yet")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return fmt.Errorf("write views snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	head := []byte(snapshotMagic)
	for _, v := range versions() {
		head = binary.LittleEndian.AppendUint64(head, v)
	}
	head = binary.LittleEndian.AppendUint64(head, uint64(f.cur.Generation))
	head = binary.LittleEndian.AppendUint64(head, uint64(len(eligibility.ParserVersion)))
	head = append(head, eligibility.ParserVersion...)
	if _, err := tmp.Write(head); err != nil {
		return fmt.Errorf("write views snapshot: %w", err)
	}
	sections := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"search index", f.raw.WriteSnapshot},
		{"gazetteer", f.gb.WriteSnapshot},
		{"matcher", f.mb.WriteSnapshot},
	}
	for _, s := range sections {
		if err := writeSection(tmp, s.write); err != nil {
			return fmt.Errorf("write views snapshot: %s: %w", s.name, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write views snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write views snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write views snapshot: %w", err)
	}
	f.sinceSnapshot = 0
	return nil
}

// tempInfix follows the snapshot's name in its temporary files' names.
const tempInfix = ".tmp"

// StaleTempAge is how long a temporary snapshot file has not been written
// to before RemoveStaleTemps takes it for a crashed writer's: a write in
// progress writes to it continuously, and writes take seconds.
const StaleTempAge = 10 * time.Minute

// RemoveStaleTemps removes the temporary files of snapshots to path that
// a writer which crashed (or was killed) left behind, and returns their
// names. A temporary file written to within StaleTempAge is left alone: it
// may be another process's write in progress.
func RemoveStaleTemps(path string) ([]string, error) {
	dir, prefix := filepath.Dir(path), filepath.Base(path)+tempInfix
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("remove stale views snapshot files: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // renamed or removed since the listing
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if time.Since(info.ModTime()) < StaleTempAge {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("remove stale views snapshot files: %w", err)
	}
	return removed, nil
}

// writeSection writes a length placeholder, the section, then the length.
func writeSection(f *os.File, write func(io.Writer) error) error {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Write(make([]byte, 8)); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(binary.LittleEndian.AppendUint64(nil, uint64(end-start-8)), start)
	return err
}

// ReadSnapshot makes the views from the snapshot at path, with the
// generation it was written at; Update then brings them up to date. A
// snapshot of other versions gives ErrSnapshotVersion, a missing one an
// error wrapping fs.ErrNotExist.
func (f *Follower) ReadSnapshot(ctx context.Context, path string) (*View, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read views snapshot: %w", err)
	}
	defer file.Close()
	head := make([]byte, len(snapshotMagic)+6*8)
	if _, err := io.ReadFull(file, head); err != nil || string(head[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("read views snapshot %s: not a snapshot", path)
	}
	nums := head[len(snapshotMagic):]
	for i, want := range versions() {
		if binary.LittleEndian.Uint64(nums[8*i:]) != want {
			return nil, fmt.Errorf("read views snapshot %s: %w", path, ErrSnapshotVersion)
		}
	}
	gen := int64(binary.LittleEndian.Uint64(nums[32:]))
	parser := make([]byte, min(binary.LittleEndian.Uint64(nums[40:]), 64))
	if _, err := io.ReadFull(file, parser); err != nil || string(parser) != eligibility.ParserVersion {
		return nil, fmt.Errorf("read views snapshot %s: %w", path, ErrSnapshotVersion)
	}
	var sections [3]*io.SectionReader
	off := int64(len(head) + len(parser))
	for i := range sections {
		var n [8]byte
		if _, err := file.ReadAt(n[:], off); err != nil {
			return nil, fmt.Errorf("read views snapshot %s: section %d: %w", path, i, err)
		}
		size := int64(binary.LittleEndian.Uint64(n[:]))
		sections[i] = io.NewSectionReader(file, off+8, size)
		off += 8 + size
	}
	// The three are independent: read them on as many cores.
	var (
		wg   sync.WaitGroup
		ix   *search.Index
		gb   *gazetteer.Builder
		mb   *match.Builder
		errs [3]error
	)
	wg.Go(func() { ix, errs[0] = search.ReadSnapshot(bufio.NewReaderSize(sections[0], 1<<20)) })
	wg.Go(func() { gb, errs[1] = gazetteer.ReadSnapshot(sections[1]) })
	wg.Go(func() { mb, errs[2] = match.ReadSnapshot(sections[2], match.Options{Vocab: f.vocab}) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("read views snapshot %s: %w", path, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raw, f.gb, f.mb = ix, gb, mb
	f.sinceSnapshot = 0
	return f.finish(ctx, gen)
}

// SnapshotDue says whether enough studies changed since the last snapshot
// to write a new one: 1% of the studies, and at least 1,000, so that a
// node starting from it applies a delta of at most that much.
func (f *Follower) SnapshotDue() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur != nil && f.sinceSnapshot >= max(1000, f.cur.Index.Len()/100)
}
