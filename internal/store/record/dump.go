package record

import (
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Dump is one study as a store holds it: everything a copy to another
// store carries, the compressed bytes as they are.
type Dump struct {
	ID        string
	Z         []byte // the current record, compressed
	Hash      []byte
	RemovedOn string // "" when live
	Aliases   []string
	// CriteriaVersion and CriteriaZ are the stored parsed criteria; ""
	// and nil when none are stored.
	CriteriaVersion string
	CriteriaZ       []byte
	Versions        []DumpVersion
}

// DumpVersion is one version of a study's history as stored; Z is nil
// for the current version, whose record is the study's.
type DumpVersion struct {
	Version          int
	LastUpdatePosted string
	SeenAt           time.Time
	Z                []byte
}

// Prepared returns the dump's study ready for writing: decoded, for the
// columns, with the stored compressed record and hash kept as they are.
func (d *Dump) Prepared() (*Prepared, error) {
	st, err := Raw{ID: d.ID, Z: d.Z}.Decode()
	if err != nil {
		return nil, err
	}
	p := &Prepared{Study: st, Z: d.Z}
	p.Study.Raw = nil
	copy(p.Hash[:], d.Hash)
	return p, nil
}

// State is what a store holds besides its studies: the change log, the
// generation, the last ingest's time, the sync state and a listing in
// progress.
type State struct {
	Generation int64
	LastIngest string
	Sync       study.SyncState
	Changes    []study.Logged
	Listing    []string
}

// Parallel calls fn(i) for each i below n, on every core.
func Parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// PrepareDumps decodes dumps for writing, on every core (see
// Dump.Prepared).
func PrepareDumps(dumps []Dump) ([]*Prepared, error) {
	out := make([]*Prepared, len(dumps))
	errs := make([]error, len(dumps))
	Parallel(len(dumps), func(i int) { out[i], errs[i] = dumps[i].Prepared() })
	return out, errors.Join(errs...)
}

// Dumps assembles a page of dumps from a store's rows: the studies in
// order, then their aliases and versions, each with its study's NCT ID.
type Dumps struct {
	Page  []Dump
	index map[string]int
}

// Add appends a study.
func (d *Dumps) Add(s Dump) {
	if d.index == nil {
		d.index = map[string]int{}
	}
	d.index[s.ID] = len(d.Page)
	d.Page = append(d.Page, s)
}

// AddAlias adds an alias of study id.
func (d *Dumps) AddAlias(id, alias string) {
	if i, ok := d.index[id]; ok {
		d.Page[i].Aliases = append(d.Page[i].Aliases, alias)
	}
}

// AddVersion adds a version of study id, in order.
func (d *Dumps) AddVersion(id string, v DumpVersion) {
	if i, ok := d.index[id]; ok {
		d.Page[i].Versions = append(d.Page[i].Versions, v)
	}
}
