package view

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// sampleSize keeps the store small enough for -race; the demo records
// are real, with sites, conditions and criteria of every kind.
const sampleSize = 200

var testVocab = demotest.Once(func(t testing.TB) *vocab.Vocab {
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
})

// newStore stores the sample, the last sampleSize bundled studies, in a
// new store.
func newStore(t *testing.T) (demotest.Store, []study.Study) {
	t.Helper()
	all := demotest.Studies(t)
	ss := all[len(all)-min(sampleSize, len(all)):]
	return demotest.New(t, ss), ss
}

func newFollower(t *testing.T, st Store) *Follower {
	t.Helper()
	return NewFollower(st, testVocab(t))
}

func generation(t *testing.T, st Store) int64 {
	t.Helper()
	gen, err := st.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// edited is s as a newer record: its title, status and sites changed in
// the raw record, which is what a store keeps.
func edited(t *testing.T, r *rand.Rand, s study.Study) study.Study {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(s.Raw, &rec); err != nil {
		t.Fatal(err)
	}
	ps := rec["protocolSection"].(map[string]any)
	ps["identificationModule"].(map[string]any)["briefTitle"] = "Zyxwvut edited " + s.BriefTitle
	status := ps["statusModule"].(map[string]any)
	status["overallStatus"] = []string{"RECRUITING", "COMPLETED", "WITHDRAWN"}[r.IntN(3)]
	status["lastUpdatePostDateStruct"] = map[string]any{"date": "2030-01-01", "type": "ACTUAL"}
	if cl, ok := ps["contactsLocationsModule"].(map[string]any); ok {
		if locs, ok := cl["locations"].([]any); ok {
			cl["locations"] = locs[:r.IntN(len(locs)+1)]
		}
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ctgov.DecodeV2(raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changeRandomly edits, removes and restores studies of the store in a
// few transactions, as a sync does.
func changeRandomly(t *testing.T, r *rand.Rand, st demotest.Store, ss []study.Study) {
	t.Helper()
	ctx := t.Context()
	var edits []study.Study
	var gone, back []string
	for range len(ss) / 10 {
		s := ss[r.IntN(len(ss))]
		switch r.IntN(3) {
		case 0:
			edits = append(edits, edited(t, r, s))
		case 1:
			gone = append(gone, s.NCTID)
		default:
			back = append(back, s.NCTID)
		}
	}
	if _, err := st.Upsert(ctx, edits); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Remove(ctx, gone, "2030-01-02", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Restore(ctx, back[:len(back)/2], nil); err != nil {
		t.Fatal(err)
	}
}

// sameViews compares the answers of two views: searches, places and
// rankings.
func sameViews(t *testing.T, got, want *View) {
	t.Helper()
	if got.Generation != want.Generation {
		t.Errorf("generation %d, want %d", got.Generation, want.Generation)
	}
	requests := []search.Request{
		{PageSize: 1000},
		{Queries: []search.AreaQuery{{Area: "cond", Query: "cancer"}}, PageSize: 50},
		{Queries: []search.AreaQuery{{Area: "titles", Query: "zyxwvut"}}, PageSize: 1000},
		{Filter: search.Filter{Statuses: study.RecruitingStatuses}, PageSize: 1000},
	}
	for _, req := range requests {
		g, err := got.Index.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Index.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		if g.Total != w.Total || len(g.Hits) != len(w.Hits) {
			t.Fatalf("%+v: %d hits, want %d", req.Queries, g.Total, w.Total)
		}
		for i := range w.Hits {
			if g.Hits[i].NCTID != w.Hits[i].NCTID {
				t.Fatalf("%+v: hit %d is %s, want %s", req.Queries, i, g.Hits[i].NCTID, w.Hits[i].NCTID)
			}
		}
	}
	if !reflect.DeepEqual(got.Places.Countries(), want.Places.Countries()) {
		t.Error("the gazetteers' countries differ")
	}
	for _, name := range []string{"Boston", "United States", "Texas", "Paris", "Toronto, ON"} {
		if !reflect.DeepEqual(got.Places.Resolve(name), want.Places.Resolve(name)) {
			t.Errorf("Resolve(%q) differs", name)
		}
	}
	if got.Matcher.Len() != want.Matcher.Len() {
		t.Errorf("the matcher checks %d studies, want %d", got.Matcher.Len(), want.Matcher.Len())
	}
	age := 60.0
	profiles := []patient.Profile{{Age: &age, Sex: "female", Conditions: []patient.Condition{{Text: "breast cancer"}}}}
	// A place name, which the matcher resolves with its view's gazetteer.
	for _, c := range want.Places.Countries() {
		if c.HasGeo {
			profiles = append(profiles, patient.Profile{Age: &age, Conditions: []patient.Condition{{Text: "diabetes"}},
				Location: &patient.Location{Place: c.Name()}})
			break
		}
	}
	if len(profiles) < 2 {
		t.Fatalf("no country with coordinates: %+v", want.Places.Countries())
	}
	for _, p := range profiles {
		g, err := got.Matcher.Rank(t.Context(), p, match.RankOptions{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Matcher.Rank(t.Context(), p, match.RankOptions{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%v: rankings differ (%d and %d hits)", p.Conditions, len(g.Hits), len(w.Hits))
		}
	}
}

// TestUpdateEqualsBuild applies the store's changes to the views, through
// a snapshot midway, and compares them with views built afresh.
func TestUpdateEqualsBuild(t *testing.T) {
	st, ss := newStore(t)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(17, 3))
	f := newFollower(t, st)
	v, err := f.Build(ctx, generation(t, st))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "views")
	for round := range 2 {
		changeRandomly(t, r, st, ss)
		gen := generation(t, st)
		if gen == v.Generation {
			t.Fatal("the changes did not move the generation")
		}
		if v, err = f.Update(ctx, gen); err != nil {
			t.Fatal(err)
		}
		fresh, err := newFollower(t, st).Build(ctx, gen)
		if err != nil {
			t.Fatal(err)
		}
		sameViews(t, v, fresh)
		if round == 0 {
			if err := f.WriteSnapshot(path); err != nil {
				t.Fatal(err)
			}
			f = newFollower(t, st)
			if v, err = f.ReadSnapshot(ctx, path); err != nil {
				t.Fatal(err)
			}
			sameViews(t, v, fresh)
		}
	}
}

// TestNothingChanged: storing the same records again leaves the
// generation, so the views stay the very same.
func TestNothingChanged(t *testing.T) {
	st, ss := newStore(t)
	f := newFollower(t, st)
	gen := generation(t, st)
	v, err := f.Build(t.Context(), gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Upsert(t.Context(), ss); err != nil {
		t.Fatal(err)
	}
	if again := generation(t, st); again != gen {
		t.Fatalf("an ingest of the same records moved the generation from %d to %d", gen, again)
	}
	if u, err := f.Update(t.Context(), gen); err != nil || u != v {
		t.Errorf("Update with nothing changed: %v, a new view: %t", err, u != v)
	}
}

// prunedLog is a store whose change log lost its oldest entries.
type prunedLog struct {
	demotest.Store
	from int64
}

func (p prunedLog) ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error) {
	log, err := p.Store.ChangesSince(ctx, gen)
	var kept []study.Logged
	for _, l := range log {
		if l.Generation >= p.from {
			kept = append(kept, l)
		}
	}
	return kept, err
}

// TestLogGap: when the log does not reach back to the views' generation,
// Update says so rather than apply part of the changes.
func TestLogGap(t *testing.T) {
	st, ss := newStore(t)
	r := rand.New(rand.NewPCG(17, 4))
	f := newFollower(t, prunedLog{st, generation(t, st) + 2})
	if _, err := f.Build(t.Context(), generation(t, st)); err != nil {
		t.Fatal(err)
	}
	changeRandomly(t, r, st, ss) // three generations
	if _, err := f.Update(t.Context(), generation(t, st)); !errors.Is(err, ErrLogGap) {
		t.Errorf("Update over a pruned log: %v, want ErrLogGap", err)
	}
}

// TestSnapshotVersions: a snapshot of another format version, or not a
// snapshot at all, is refused with an error and changes nothing.
func TestSnapshotVersions(t *testing.T) {
	st, _ := newStore(t)
	f := newFollower(t, st)
	if _, err := f.Build(t.Context(), generation(t, st)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "views")
	if err := f.WriteSnapshot(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := slices.Clone(data)
	other[len(snapshotMagic)+8]++ // the search index's format version
	if err := os.WriteFile(path, other, 0o644); err != nil {
		t.Fatal(err)
	}
	g := newFollower(t, st)
	if _, err := g.ReadSnapshot(t.Context(), path); !errors.Is(err, ErrSnapshotVersion) {
		t.Errorf("a snapshot of another version: %v", err)
	}
	for _, cut := range []int{10, len(data) / 2, len(data) - 3} {
		if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := g.ReadSnapshot(t.Context(), path); err == nil {
			t.Errorf("a snapshot cut at %d of %d bytes was read", cut, len(data))
		}
	}
	if g.Current() != nil {
		t.Error("a refused snapshot left views behind")
	}
}

// TestSnapshotTemps: a failed write leaves no temporary file, and
// RemoveStaleTemps removes the ones a crashed write left, but not one
// being written nor any other file.
func TestSnapshotTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "views")
	// A directory where the snapshot should go makes the rename fail,
	// after the whole temporary file is written.
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	st, _ := newStore(t)
	f := newFollower(t, st)
	if _, err := f.Build(t.Context(), generation(t, st)); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteSnapshot(path); err == nil {
		t.Fatal("writing a snapshot over a directory succeeded")
	}
	if left, _ := filepath.Glob(path + ".tmp*"); len(left) > 0 {
		t.Errorf("a failed write left %v", left)
	}

	old := time.Now().Add(-StaleTempAge - time.Minute)
	files := map[string]bool{ // name: removed
		"views.tmp123":      true,
		"views.tmp456":      false, // written to just now
		"other.tmp789":      false,
		"views.tmp-but-dir": false,
	}
	for name, stale := range files {
		p := filepath.Join(dir, name)
		if name == "views.tmp-but-dir" {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, []byte("part of a snapshot"), 0o644); err != nil {
			t.Fatal(err)
		}
		if stale || name != "views.tmp456" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	removed, err := RemoveStaleTemps(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "views.tmp123")}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for name, gone := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if now := errors.Is(err, os.ErrNotExist); now != gone {
			t.Errorf("%s: removed %t, want %t", name, now, gone)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the snapshot's own path: %v", err)
	}
}
