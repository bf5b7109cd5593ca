package ctgov

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// blankLinesGzip writes a JSON Lines file of one object and then n blank
// lines, gzipped.
func blankLinesGzip(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blank.jsonl.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	zw.Write([]byte(`{"protocolSection": {}}` + "\n"))
	line := bytes.Repeat([]byte("\n"), 1<<20)
	for range n >> 20 {
		zw.Write(line)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestScanStopsWhenCancelled: an input that goes on and on without a
// record (here 200 MB of blank lines) stops as soon as the scan is
// cancelled, as SIGINT and SIGTERM cancel it.
func TestScanStopsWhenCancelled(t *testing.T) {
	path := blankLinesGzip(t, 200<<20)
	info, _ := os.Stat(path)
	ctx, cancel := context.WithCancel(context.Background())
	var read int64
	sc := Scanner{OnRead: func(n int64) {
		read += n
		cancel()
	}}
	err := sc.Scan(ctx, path, func(e Entry) error { return nil })
	if !errors.Is(err, context.Canceled) || read >= info.Size() {
		t.Errorf("cancelled scan: %v after reading %d of %d bytes", err, read, info.Size())
	}
}

// TestDecompressionRatio: a .tar.gz whose member is 100 MB of zeros (a
// few hundred KB compressed) is cut off past the ratio limit.
func TestDecompressionRatio(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "zeros.bin", Mode: 0o644, Size: 100 << 20})
	zeros := make([]byte, 1<<20)
	for range 100 {
		tw.Write(zeros)
	}
	tw.Close()
	zw.Close()
	f.Close()
	var got []error
	var sc Scanner
	if err := sc.Scan(context.Background(), path, func(e Entry) error {
		if e.Err != nil {
			got = append(got, e.Err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || !errors.Is(got[len(got)-1], ErrRatio) {
		t.Errorf("a compressed 100 MB of zeros gave %v, want %v last", got, ErrRatio)
	}
}

// TestNestedZipNotInMemory: a zip inside a gzip is read through a
// temporary file, so its size does not become the scan's memory.
func TestNestedZipNotInMemory(t *testing.T) {
	rec, err := os.ReadFile("testdata/v2/page_1_study_full_with_totalcount.json")
	if err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "study.json", Method: zip.Store})
	w.Write(rec)
	// A big member of filler, stored, makes the zip 48 MB.
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "filler.bin", Method: zip.Store})
	w.Write(bytes.Repeat([]byte{0x1f, 0x8c, 0x00}, 16<<20))
	zw.Close()
	path := filepath.Join(t.TempDir(), "nested.zip.gz")
	var gbuf bytes.Buffer
	gz := gzip.NewWriter(&gbuf)
	gz.Write(zbuf.Bytes())
	gz.Close()
	if err := os.WriteFile(path, gbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	zipSize := zbuf.Len()
	zbuf, gbuf = bytes.Buffer{}, bytes.Buffer{}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	records := 0
	var sc Scanner
	if err := sc.Scan(context.Background(), path, func(e Entry) error {
		if e.Err == nil {
			records++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if records != 1 {
		t.Errorf("%d records from the nested zip, want 1", records)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(zipSize)/3 {
		t.Errorf("reading a %d MB nested zip allocated %d MB", zipSize>>20, alloc>>20)
	}
}

// TestOddFilesReported: a dangling symbolic link, a link to a directory
// and a named pipe are reported, not skipped; the record beside them is
// read.
func TestOddFilesReported(t *testing.T) {
	dir := t.TempDir()
	rec, err := os.ReadFile("testdata/v2/page_1_study_full_with_totalcount.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.json"), rec, 0o644)
	os.Symlink(filepath.Join(dir, "gone.json"), filepath.Join(dir, "b-dangling.json"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "c-dirlink"))
	if err := syscall.Mkfifo(filepath.Join(dir, "d-pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join(dir, "a.json"), filepath.Join(dir, "e-link.json"))
	var problems []string
	records := 0
	var sc Scanner
	if err := sc.Scan(context.Background(), dir, func(e Entry) error {
		if e.Err != nil {
			problems = append(problems, filepath.Base(e.File)+": "+e.Err.Error())
		} else {
			records++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	if records != 2 || len(problems) != 3 || !strings.Contains(all, "b-dangling.json: dangling") ||
		!strings.Contains(all, "c-dirlink: symbolic link to a directory") || !strings.Contains(all, "d-pipe: not a regular file (a named pipe)") {
		t.Errorf("%d records, problems:\n%s", records, all)
	}
	// A named pipe given by name is reported too, not waited on.
	var top []error
	sc.Scan(context.Background(), filepath.Join(dir, "d-pipe"), func(e Entry) error { top = append(top, e.Err); return nil })
	if len(top) != 1 || top[0] == nil {
		t.Errorf("a named pipe given by name: %v", top)
	}
}
