package search

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// checkMix is every query of the benchmarks' mix and more, each kind of
// filter, sort and facet besides: what must answer the same on an index
// kept up to date with Apply (or read from a snapshot) as on a fresh build.
func checkMix(ix *Index) []Request {
	var reqs []Request
	for _, q := range queryMix(ix) {
		reqs = append(reqs, q.req)
	}
	yes, age := true, 40.0
	cancer := []AreaQuery{{Area: "cond", Query: "cancer"}}
	for _, r := range []Request{
		{Queries: cancer, PageSize: MaxPageSize, Facets: true},
		{Queries: cancer, Offset: 30, PageSize: 7},
		{Queries: []AreaQuery{{Area: "term", Query: "diabetes", Everyday: true}}, Facets: true},
		{Queries: []AreaQuery{{Area: "cond", Query: "heart failure"}, {Area: "intr", Query: "drug"}}},
		{Queries: []AreaQuery{{Area: "titles", Query: "randomized"}}, Sort: []SortKey{{Field: "EnrollmentCount", Desc: true}}},
		{Queries: []AreaQuery{{Area: "locn", Query: "Boston"}}},
		{Queries: []AreaQuery{{Area: "spons", Query: "university"}}, Sort: []SortKey{{Field: "StartDate"}, {Field: "NCTId", Desc: true}}},
		{Filter: Filter{Phases: []string{"PHASE2", "PHASE3"}, StudyTypes: []string{"INTERVENTIONAL"}}, Facets: true, PageSize: 50},
		{Filter: Filter{FunderTypes: []string{"INDUSTRY"}, Sex: "FEMALE", AgeYears: &age}, Sort: []SortKey{{Field: "LastUpdatePostDate", Desc: true}}},
		{Filter: Filter{StdAges: []string{"CHILD"}, HealthyVolunteers: &yes, HasResults: &yes}},
		{Filter: Filter{Dates: []DateRange{{Field: "StartDate", From: "2015", To: "2020-06"}}}, Facets: true},
		{Filter: Filter{Country: "United States", State: "California"}, Facets: true},
		{Filter: Filter{Country: "France"}, PostFilter: Filter{Statuses: []string{"COMPLETED"}}, Facets: true},
		{Filter: Filter{City: "Paris"}},
		{Filter: Filter{Geo: &GeoFilter{Point: Point{Lat: 48.8566, Lon: 2.3522}, RadiusKm: 300, RecruitingOnly: true}}, Sort: []SortKey{{Field: "distance"}}, Facets: true},
		{Queries: cancer, Filter: Filter{Geo: &GeoFilter{Point: Point{Lat: 41.88, Lon: -87.63}, RadiusKm: 500}}, Decay: &Decay{Func: "gauss", ScaleKm: 100, Value: 0.5}},
		{Filter: Filter{NCTIDs: []string{ix.nctAt(0), ix.nctAt(uint32(ix.n - 1)), "NCT00000000"}}},
		{Facets: true},
		{PageSize: MaxPageSize, Sort: []SortKey{{Field: "CompletionDate", Desc: true}}},
	} {
		reqs = append(reqs, r)
	}
	return reqs
}

// suggestions are misspellings the suggester corrects against the data.
var suggestions = []string{"breast cancr", "diabetis", "alzheimers diseese", "leukemia", "asthma copd hypertensoin"}

// sameAnswers fails unless got answers every query of checkMix, every
// suggestion and every lookup as want does.
func sameAnswers(t *testing.T, label string, got, want *Index, ids []string) {
	t.Helper()
	if got.Len() != want.Len() || got.DataTime() != want.DataTime() {
		t.Fatalf("%s: %d studies up to %s, want %d up to %s", label, got.Len(), got.DataTime(), want.Len(), want.DataTime())
	}
	// The mix names studies and pages by the fresh index: page tokens
	// carry a study's place in NCT ID order, which both share.
	wantReqs := checkMix(want)
	for i := range wantReqs {
		g, gerr := got.Search(wantReqs[i])
		w, werr := want.Search(wantReqs[i])
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%s, query %d: error %v, want %v", label, i, gerr, werr)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s, query %d (%+v): %s", label, i, wantReqs[i].Queries, brief(g, w))
		}
	}
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range suggestions {
		g, gok := got.Suggest(s, v.Word)
		w, wok := want.Suggest(s, v.Word)
		if g != w || gok != wok {
			t.Fatalf("%s: Suggest(%q) = %q, %v; want %q, %v", label, s, g, gok, w, wok)
		}
	}
	for _, id := range ids {
		g, gok := got.Lookup(id)
		w, wok := want.Lookup(id)
		if g != w || gok != wok {
			t.Fatalf("%s: Lookup(%s) = %s, %v; want %s, %v", label, id, g, gok, w, wok)
		}
	}
}

// brief shows where two results first differ.
func brief(g, w *Result) string {
	switch {
	case g == nil || w == nil:
		return fmt.Sprintf("got %v, want %v", g, w)
	case g.Total != w.Total:
		return fmt.Sprintf("total %d, want %d", g.Total, w.Total)
	case !reflect.DeepEqual(g.Hits, w.Hits):
		for i := range min(len(g.Hits), len(w.Hits)) {
			if !reflect.DeepEqual(g.Hits[i], w.Hits[i]) {
				return fmt.Sprintf("hit %d: %+v, want %+v", i, g.Hits[i], w.Hits[i])
			}
		}
		return fmt.Sprintf("%d hits, want %d", len(g.Hits), len(w.Hits))
	case g.NextPageToken != w.NextPageToken:
		return fmt.Sprintf("next page %q, want %q", g.NextPageToken, w.NextPageToken)
	case !reflect.DeepEqual(g.Facets, w.Facets):
		return fmt.Sprintf("facets %v, want %v", g.Facets, w.Facets)
	}
	return fmt.Sprintf("details %+v, want %+v", g.Details, w.Details)
}

// build indexes studies, in any order.
func build(t *testing.T, studies map[string]study.Study) *Index {
	t.Helper()
	ids := make([]string, 0, len(studies))
	for id := range studies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := NewBuilder()
	for _, id := range ids {
		s := studies[id]
		if err := b.Add(&s); err != nil {
			t.Fatal(err)
		}
	}
	return b.Finish()
}

// edit returns a copy of s with its title, conditions, status, locations
// or last update changed, taking values from other, another study.
func edit(rng *rand.Rand, s, other study.Study) study.Study {
	switch rng.IntN(5) {
	case 0:
		s.BriefTitle = other.BriefTitle + " " + s.BriefTitle
	case 1:
		s.Conditions = slices.Clone(other.Conditions)
		s.ConditionMeSH = slices.Clone(other.ConditionMeSH)
	case 2:
		s.OverallStatus = study.Statuses.Values[rng.IntN(len(study.Statuses.Values))].Value
	case 3:
		s.Locations = slices.Clone(other.Locations)
	case 4:
		s.Locations = slices.Clone(s.Locations[:len(s.Locations)/2])
	}
	s.Dates.LastUpdatePosted = study.Date{Value: fmt.Sprintf("20%02d-%02d-%02d", 20+rng.IntN(7), 1+rng.IntN(12), 1+rng.IntN(28))}
	return s
}

// TestApplyEqualsFreshBuild applies rounds of random edits, inserts,
// removals and restores to the bundled records' index, in one Apply or in
// several, and after each round compares every answer with a fresh build
// of the same studies.
func TestApplyEqualsFreshBuild(t *testing.T) {
	all, _ := loadDemo(t)
	segmented, merged := 0, 0
	defer func() {
		if !t.Failed() && (segmented == 0 || merged == 0) {
			t.Errorf("%d rounds left segments, %d merged: the test must see both", segmented, merged)
		}
	}()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 17))
			current := map[string]study.Study{}
			var held, removedIDs []string // not in the index: never added, or removed
			removed := map[string]study.Study{}
			var ids []string
			for _, s := range all {
				ids = append(ids, s.NCTID)
				if rng.IntN(10) == 0 {
					held = append(held, s.NCTID)
					removed[s.NCTID] = s
				} else {
					current[s.NCTID] = s
				}
			}
			ix := build(t, current)
			for round := range 6 {
				var changed []study.Study
				var gone []string
				present := make([]string, 0, len(current))
				for id := range current {
					present = append(present, id)
				}
				slices.Sort(present)
				for range 1 + rng.IntN(40) {
					switch op := rng.IntN(4); {
					case op == 0 && len(held) > 0: // insert or restore
						k := rng.IntN(len(held))
						s := removed[held[k]]
						if rng.IntN(2) == 0 {
							s = edit(rng, s, all[rng.IntN(len(all))])
						}
						held = slices.Delete(held, k, k+1)
						delete(removed, s.NCTID)
						current[s.NCTID] = s
						changed = append(changed, s)
						gone = slices.DeleteFunc(gone, func(id string) bool { return id == s.NCTID })
					case op == 1: // remove
						id := present[rng.IntN(len(present))]
						s, ok := current[id]
						if !ok {
							continue
						}
						delete(current, id)
						removed[id] = s
						held = append(held, id)
						removedIDs = append(removedIDs, id)
						gone = append(gone, id)
						changed = slices.DeleteFunc(changed, func(c study.Study) bool { return c.NCTID == id })
					default: // edit, perhaps twice in one round
						id := present[rng.IntN(len(present))]
						s, ok := current[id]
						if !ok {
							continue
						}
						s = edit(rng, s, all[rng.IntN(len(all))])
						current[id] = s
						changed = append(changed, s)
					}
				}
				rng.Shuffle(len(changed), func(i, j int) { changed[i], changed[j] = changed[j], changed[i] })
				var err error
				if round%2 == 0 {
					ix, err = ix.Apply(changed, gone)
				} else { // the same changes in two steps
					half := len(changed) / 2
					if ix, err = ix.Apply(changed[:half], nil); err == nil {
						ix, err = ix.Apply(changed[half:], gone)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				label := fmt.Sprintf("round %d (%d changed, %d removed, segmented %v)", round, len(changed), len(gone), ix.base != nil)
				fresh := build(t, current)
				sameAnswers(t, label, ix, fresh, append(ids, removedIDs...))
				if ix.base != nil {
					segmented++
					sameAnswers(t, label+", merged", ix.Merge(), fresh, ids)
				} else {
					merged++
				}
			}
		})
	}
}

// TestApplyEdges: an ID both changed and removed is removed, the last of
// two versions in one call wins, removing an unknown ID is no error, and
// the index Apply was called on keeps answering as before.
func TestApplyEdges(t *testing.T) {
	all, ix := loadDemo(t)
	before, err := ix.Search(Request{Queries: []AreaQuery{{Area: "term", Query: "cancer"}}})
	if err != nil {
		t.Fatal(err)
	}
	first, second := all[10], all[10]
	first.BriefTitle = "Zyxwv first version"
	second.BriefTitle = "Qwertz second version"
	both := all[20]
	got, err := ix.Apply([]study.Study{first, both, second}, []string{both.NCTID, "NCT99999999"})
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]study.Study{}
	for _, s := range all {
		current[s.NCTID] = s
	}
	current[second.NCTID] = second
	delete(current, both.NCTID)
	sameAnswers(t, "edges", got, build(t, current), []string{first.NCTID, both.NCTID, "NCT99999999"})
	for word, want := range map[string]int{"zyxwv": 0, "qwertz": 1} {
		res, err := got.Search(Request{Queries: []AreaQuery{{Area: "titles", Query: word}}})
		if err != nil || res.Total != want {
			t.Fatalf("%q: %v studies (%v), want %d", word, res, err, want)
		}
	}
	after, err := ix.Search(Request{Queries: []AreaQuery{{Area: "term", Query: "cancer"}}})
	if err != nil || !reflect.DeepEqual(before, after) {
		t.Fatalf("the index Apply was called on changed its answers")
	}
}

// TestApplyAliasTakenOver: when the study an alias leads to goes, the
// next study claiming it takes it over, as in a fresh build, whether
// Apply leaves segments or merges, and through a snapshot.
func TestApplyAliasTakenOver(t *testing.T) {
	all, _ := loadDemo(t)
	const alias = "NCT00000042"
	current := map[string]study.Study{}
	for i, s := range all {
		if i == 5 || i == 9 || i == 2000 {
			s.Aliases = append(slices.Clone(s.Aliases), alias)
		}
		current[s.NCTID] = s
	}
	ix := build(t, current)
	first, second, third := all[5].NCTID, all[9].NCTID, all[2000].NCTID
	ids := []string{alias, first, second, third}
	for _, step := range []struct {
		remove string
		want   string
	}{{first, second}, {second, third}} {
		delete(current, step.remove)
		var err error
		if ix, err = ix.Apply(nil, []string{step.remove}); err != nil {
			t.Fatal(err)
		}
		if ix.base == nil {
			t.Fatal("one removal merged the index")
		}
		read, err := ReadSnapshot(bytes.NewReader(snapshot(t, ix)))
		if err != nil {
			t.Fatal(err)
		}
		fresh := build(t, current)
		for name, got := range map[string]*Index{"segments": ix, "merged": ix.Merge(), "snapshot": read} {
			if id, _ := got.Lookup(alias); id != step.want {
				t.Fatalf("%s: without %s, %s leads to %s, want %s", name, step.remove, alias, id, step.want)
			}
			sameAnswers(t, name, got, fresh, ids)
		}
	}
}

// TestApplyLeavesWholeIndexWork: what depends on every study's statistics
// (the base lists' live document frequencies, the broad terms' scores) is
// not made by Apply, whose work then follows the changes, but by the
// first search that reads it, and only for what that search reads.
func TestApplyLeavesWholeIndexWork(t *testing.T) {
	all, ix := loadDemo(t)
	s := all[7]
	s.BriefTitle = "Zyxwv " + s.BriefTitle
	got, err := ix.Apply([]study.Study{s}, []string{all[8].NCTID})
	if err != nil {
		t.Fatal(err)
	}
	if got.base == nil || len(got.lazy.broad) == 0 {
		t.Fatalf("want a segmented index with broad terms; segmented %v", got.base != nil)
	}
	computed := func() (lists, broad int) {
		got.lazy.liveDF.Range(func(any, any) bool { lists++; return true })
		for _, lb := range got.lazy.broad {
			if lb.data != nil {
				broad++
			}
		}
		return lists, broad
	}
	if lists, broad := computed(); lists != 0 || broad != 0 {
		t.Fatalf("Apply counted %d lists and scored %d broad terms; want none", lists, broad)
	}
	// Searches in parallel, as a server's are, make them once and agree.
	var wg sync.WaitGroup
	results := make([]*Result, 4)
	for i := range results {
		wg.Go(func() {
			res, err := got.Search(Request{Queries: []AreaQuery{{Area: "term", Query: "cancer"}}})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	for _, res := range results[1:] {
		if !reflect.DeepEqual(res, results[0]) {
			t.Fatal("parallel searches of an applied index disagree")
		}
	}
	lists, broad := computed()
	if lists == 0 || lists > len(basicFields) || broad != 1 {
		t.Fatalf("one search of a broad term counted %d lists and scored %d broad terms; want 1 to %d and 1",
			lists, broad, len(basicFields))
	}
}

// TestApplySharesBaseArrays: an applied index's base reads its
// per-study arrays and country lists in the applied index's, so that the
// index Apply was called on takes its copies with it when it goes, and
// the applied index's own are not touched for the studies it replaced;
// the applied index's vocabulary is the base's and the new tokens.
func TestApplySharesBaseArrays(t *testing.T) {
	all, ix := loadDemo(t)
	s := all[3]
	s.BriefTitle = "Qwzx " + s.BriefTitle
	first, err := ix.Apply([]study.Study{s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := first.Apply([]study.Study{all[5]}, []string{all[9].NCTID})
	if err != nil {
		t.Fatal(err)
	}
	for label, x := range map[string]*Index{"first Apply": first, "second Apply": got} {
		if x.base == nil {
			t.Fatalf("%s: want a segmented index", label)
		}
		var own, base arrayRefs
		x.perDocArrays(&own)
		x.base.perDocArrays(&base)
		for i := range own {
			o, b := reflect.ValueOf(own[i]).Elem(), reflect.ValueOf(base[i]).Elem()
			if b.Len() != x.base.n || o.Len() != x.n || b.Pointer() != o.Pointer() {
				t.Fatalf("%s: per-study array %d: base's %d at %#x, the index's %d at %#x; want the base's in the index's",
					label, i, b.Len(), b.Pointer(), o.Len(), o.Pointer())
			}
		}
		bp, op := &x.base.places, &x.places
		if &bp.countryFirst[0] != &op.countryFirst[0] || (len(bp.countryIDs) > 0 && &bp.countryIDs[0] != &op.countryIDs[0]) {
			t.Fatalf("%s: the base's country lists are not the index's", label)
		}
		if &x.tokens.data[0] != &x.base.tokens.data[0] || x.tokens.len() != x.base.tokens.len() {
			t.Fatalf("%s: the vocabulary was copied", label)
		}
	}
	if _, ok := got.tokenID("qwzx"); !ok || got.newTokens.len() == 0 {
		t.Fatal("the applied index lacks the new token")
	}
	// The dead studies' arrays keep their values: the index Apply was
	// called on reads them.
	d, _ := ix.docOf(all[9].NCTID)
	if got.fieldLen[fBriefTitle][d] == 0 || got.fieldLen[fBriefTitle][d] != ix.fieldLen[fBriefTitle][d] {
		t.Fatalf("a removed study's title length is %d in the applied index, %d in the original", got.fieldLen[fBriefTitle][d], ix.fieldLen[fBriefTitle][d])
	}
}
