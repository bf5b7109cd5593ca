package record

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
)

// criteriaTable is a store's criteria table held in memory, with
// Reparse's stale and write over it, and the faults a test injects.
type criteriaTable struct {
	records []Raw // in NCT ID order
	mu      sync.Mutex
	stored  map[string]string // NCT ID → version + " " + parsed
	reads   int
	writes  int
	failAt  struct{ read, write int } // the read and write that fail, counting from 1; 0 for none
	closed  atomic.Bool               // set once Reparse has returned
	t       *testing.T
}

var errInjected = errors.New("injected fault")

func (c *criteriaTable) stale(_ context.Context, after, version string) ([]Raw, error) {
	if c.closed.Load() {
		c.t.Error("stale read after Reparse returned")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reads++; c.reads == c.failAt.read {
		return nil, errInjected
	}
	var page []Raw
	for _, r := range c.records {
		if v, _, _ := strings.Cut(c.stored[r.ID], " "); r.ID > after && v != version && len(page) < PageSize {
			page = append(page, r)
		}
	}
	return page, nil
}

func (c *criteriaTable) write(_ context.Context, version string, rows []Parsed) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writes++; c.writes == c.failAt.write {
		return errInjected
	}
	page := map[string]string{} // a page is written whole or not at all
	for _, r := range rows {
		if r.Err != nil {
			return r.Err
		}
		parsed, err := Decompress(r.Z)
		if err != nil {
			return err
		}
		page[r.ID] = version + " " + string(parsed)
	}
	maps.Copy(c.stored, page)
	return nil
}

// reparse runs one Reparse over the table with fresh fault counters.
func (c *criteriaTable) reparse(t *testing.T, b *Base, failRead, failWrite int) (int, error) {
	c.t, c.reads, c.writes = t, 0, 0
	c.failAt.read, c.failAt.write = failRead, failWrite
	c.closed.Store(false)
	n, err := b.Reparse(t.Context(), c.stale, c.write)
	c.closed.Store(true)
	return n, err
}

// TestReparseStopsAndResumes runs the pipelined re-derivation over more
// than three pages of real records: a fault in reading or writing a page
// stops it with that error, keeps exactly the pages written before, and
// the next run writes the rest, ending where one run without faults ends.
func TestReparseStopsAndResumes(t *testing.T) {
	raws := storetest.Records(t)
	n := 3*PageSize + 17
	want := map[string]string{}
	table := &criteriaTable{stored: map[string]string{}}
	parse := func(text string) []byte { return []byte(fmt.Sprintf("%d|%s", len(text), text)) }
	for i := range n {
		raw := raws[i%len(raws)]
		text, err := ctgov.CriteriaV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("NCT%08d", i)
		table.records = append(table.records, Raw{ID: id, Z: Compress(raw)})
		want[id] = "v1 " + string(parse(text))
	}
	var b Base
	b.ParseCriteriaWith("v1", parse)

	for _, tc := range []struct {
		name                string
		failRead, failWrite int
	}{
		{"write fails", 0, 3},
		{"read fails", 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clear(table.stored)
			got, err := table.reparse(t, &b, tc.failRead, tc.failWrite)
			if !errors.Is(err, errInjected) {
				t.Fatalf("Reparse with a fault: %v, want the injected fault", err)
			}
			if got != 2*PageSize || len(table.stored) != 2*PageSize {
				t.Fatalf("stopped after writing %d (%d stored), want the first two pages (%d)", got, len(table.stored), 2*PageSize)
			}
			for _, r := range table.records[:2*PageSize] {
				if table.stored[r.ID] != want[r.ID] {
					t.Fatalf("%s: stored %.40q, want %.40q", r.ID, table.stored[r.ID], want[r.ID])
				}
			}
			if got, err := table.reparse(t, &b, 0, 0); err != nil || got != n-2*PageSize {
				t.Fatalf("the rerun wrote %d (err %v), want the remaining %d", got, err, n-2*PageSize)
			}
			if !maps.Equal(table.stored, want) {
				t.Fatal("after the rerun the stored criteria differ from one run's")
			}
			if got, err := table.reparse(t, &b, 0, 0); err != nil || got != 0 {
				t.Fatalf("a run with nothing stale wrote %d (err %v)", got, err)
			}
		})
	}
}
