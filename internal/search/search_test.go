package search

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// demoIndex indexes the bundled real records (API v2 and legacy XML).
var demoIndex = demotest.Once(func(t testing.TB) *Index {
	ss := demotest.Studies(t)
	b := NewBuilder()
	for i := range ss {
		if err := b.Add(&ss[i]); err != nil {
			t.Fatal(err)
		}
	}
	return b.Finish()
})

// loadDemo returns the bundled studies and their index.
func loadDemo(t testing.TB) ([]study.Study, *Index) {
	t.Helper()
	return demotest.Studies(t), demoIndex(t)
}

// searchAll pages through every hit of req and returns the NCT IDs in order.
func searchAll(t *testing.T, ix *Index, req Request) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		res, err := ix.Search(req)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.NCTID)
		}
		if res.NextPageToken == "" {
			if len(ids) != res.Total {
				t.Fatalf("paged through %d hits, total says %d", len(ids), res.Total)
			}
			return ids
		}
		if page > 10000 {
			t.Fatal("paging does not end")
		}
		req.PageToken = res.NextPageToken
	}
}

// expect returns the NCT IDs of the studies for which keep is true.
func expect(studies []study.Study, keep func(s *study.Study) bool) []string {
	var out []string
	for i := range studies {
		if keep(&studies[i]) {
			out = append(out, studies[i].NCTID)
		}
	}
	return out
}

func sorted(ids []string) []string {
	c := slices.Clone(ids)
	slices.Sort(c)
	return c
}

func ptr[T any](v T) *T { return &v }

func TestFilters(t *testing.T) {
	studies, ix := loadDemo(t)
	ageOK := func(s *study.Study, years float64) bool {
		e := s.Eligibility
		if e.MinimumAge.IsSet() && e.MinimumAge.Years() > years {
			return false
		}
		if e.MaximumAge.IsSet() && e.MaximumAge.Years() < years {
			return false
		}
		return true
	}
	cases := []struct {
		name   string
		filter Filter
		keep   func(s *study.Study) bool
	}{
		{"recruiting", Filter{Statuses: []string{"RECRUITING", "NOT_YET_RECRUITING"}},
			func(s *study.Study) bool { return study.IsRecruiting(s.OverallStatus) }},
		{"phase 2 or 3", Filter{Phases: []string{"PHASE2", "PHASE3"}},
			func(s *study.Study) bool {
				return slices.Contains(s.Phases, "PHASE2") || slices.Contains(s.Phases, "PHASE3")
			}},
		{"observational", Filter{StudyTypes: []string{"OBSERVATIONAL"}},
			func(s *study.Study) bool { return s.StudyType == "OBSERVATIONAL" }},
		{"industry funded", Filter{FunderTypes: []string{"INDUSTRY"}},
			func(s *study.Study) bool { return slices.Contains(s.FunderTypes(), "INDUSTRY") }},
		{"open to women", Filter{Sex: "FEMALE"},
			func(s *study.Study) bool { return s.Eligibility.Sex == "FEMALE" || s.Eligibility.Sex == "ALL" }},
		{"age 70, open-ended limits kept", Filter{AgeYears: ptr(70.0)},
			func(s *study.Study) bool { return ageOK(s, 70) }},
		{"age 10", Filter{AgeYears: ptr(10.0)},
			func(s *study.Study) bool { return ageOK(s, 10) }},
		{"children", Filter{StdAges: []string{"CHILD"}},
			func(s *study.Study) bool { return slices.Contains(s.Eligibility.StdAges, "CHILD") }},
		{"healthy volunteers", Filter{HealthyVolunteers: ptr(true)},
			func(s *study.Study) bool { hv := s.Eligibility.HealthyVolunteers; return hv != nil && *hv }},
		{"with results", Filter{HasResults: ptr(true)},
			func(s *study.Study) bool { return s.HasResults }},
		{"started in 2020", Filter{Dates: []DateRange{{Field: "StartDate", From: "2020", To: "2020"}}},
			func(s *study.Study) bool { return strings.HasPrefix(s.Dates.Start.Value, "2020") }},
		{"updated since 2024-06", Filter{Dates: []DateRange{{Field: "LastUpdatePostDate", From: "2024-06"}}},
			func(s *study.Study) bool { return s.Dates.LastUpdatePosted.Sortable() >= "2024-06-01" }},
		{"NCT IDs", Filter{NCTIDs: []string{studies[3].NCTID, studies[100].NCTID, "NCT99999999"}},
			func(s *study.Study) bool { return s.NCTID == studies[3].NCTID || s.NCTID == studies[100].NCTID }},
		{"in France", Filter{Country: "France"},
			func(s *study.Study) bool {
				return slices.ContainsFunc(s.Locations, func(l study.Location) bool { return l.Country == "France" })
			}},
		{"in Boston, any state", Filter{Country: "United States", City: "boston"},
			func(s *study.Study) bool {
				return slices.ContainsFunc(s.Locations, func(l study.Location) bool {
					return l.Country == "United States" && l.City == "Boston"
				})
			}},
		{"in Texas", Filter{Country: "United States", State: "Texas"},
			func(s *study.Study) bool {
				return slices.ContainsFunc(s.Locations, func(l study.Location) bool {
					return l.Country == "United States" && l.State == "Texas"
				})
			}},
		{"recruiting phase 3 in Germany", Filter{Statuses: []string{"RECRUITING"}, Phases: []string{"PHASE3"}, Country: "germany"},
			func(s *study.Study) bool {
				return s.OverallStatus == "RECRUITING" && slices.Contains(s.Phases, "PHASE3") &&
					slices.ContainsFunc(s.Locations, func(l study.Location) bool { return l.Country == "Germany" })
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := expect(studies, c.keep)
			if len(want) == 0 {
				t.Fatal("the test data has no study for this case; pick another value")
			}
			got := searchAll(t, ix, Request{Filter: c.filter, PageSize: 97})
			if !slices.Equal(got, sorted(want)) {
				t.Errorf("got %d studies, want %d", len(got), len(want))
			}
		})
	}
}

func TestFacetsCountTheFilteredSet(t *testing.T) {
	studies, ix := loadDemo(t)
	filter := Filter{StudyTypes: []string{"INTERVENTIONAL"}}
	res, err := ix.Search(Request{Filter: filter, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[string]int{}
	wantPhase := map[string]int{}
	wantCountry := map[string]int{}
	for _, s := range studies {
		if s.StudyType != "INTERVENTIONAL" {
			continue
		}
		wantStatus[s.OverallStatus]++
		for _, p := range s.Phases {
			wantPhase[p]++
		}
		seen := map[string]bool{}
		for _, l := range s.Locations {
			// One country under all its names (study.CountryName).
			if c := study.CountryName(l.Country); c != "" && !seen[c] {
				seen[c] = true
				wantCountry[c]++
			}
		}
	}
	facet := func(name string) map[string]int {
		for _, f := range res.Facets {
			if f.Field == name {
				m := map[string]int{}
				for _, v := range f.Values {
					m[v.Value] = v.Count
				}
				return m
			}
		}
		t.Fatalf("no facet %s", name)
		return nil
	}
	if got := facet("OverallStatus"); !mapsEqual(got, wantStatus) {
		t.Errorf("status facet %v, want %v", got, wantStatus)
	}
	if got := facet("Phase"); !mapsEqual(got, wantPhase) {
		t.Errorf("phase facet %v, want %v", got, wantPhase)
	}
	for country, n := range facet("LocationCountry") {
		if wantCountry[country] != n {
			t.Errorf("country %s: facet %d, want %d", country, n, wantCountry[country])
		}
	}
	if got := facet("StudyType"); len(got) != 1 || got["INTERVENTIONAL"] != res.Total {
		t.Errorf("study type facet %v, want only INTERVENTIONAL = %d", got, res.Total)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPostFilterLeavesFacetsAlone(t *testing.T) {
	_, ix := loadDemo(t)
	all, err := ix.Search(Request{Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	post, err := ix.Search(Request{Facets: true, PostFilter: Filter{Statuses: []string{"COMPLETED"}}})
	if err != nil {
		t.Fatal(err)
	}
	if post.Total >= all.Total || post.Total == 0 {
		t.Fatalf("post-filtered total %d, unfiltered %d", post.Total, all.Total)
	}
	if !slices.EqualFunc(all.Facets, post.Facets, func(a, b Facet) bool { return slices.Equal(a.Values, b.Values) }) {
		t.Error("postFilter changed the facet counts")
	}
}

func TestGeoRadius(t *testing.T) {
	studies, ix := loadDemo(t)
	// Around the first geocoded recruiting site in the data: real coordinates.
	var center Point
	for _, s := range studies {
		for _, l := range s.Locations {
			if l.Geo != nil && l.Status == "RECRUITING" && center == (Point{}) {
				center = Point{l.Geo.Lat, l.Geo.Lon}
			}
		}
	}
	for _, radius := range []float64{25, 100, 500} {
		for _, openOnly := range []bool{false, true} {
			wantDist := map[string]float64{}
			for _, s := range studies {
				for _, l := range s.Locations {
					if l.Geo == nil {
						continue
					}
					st := l.Status
					if st == "" {
						st = s.OverallStatus
					}
					if openOnly && !study.IsRecruiting(st) {
						continue
					}
					d := haversineForTest(center.Lat, center.Lon, l.Geo.Lat, l.Geo.Lon)
					if d <= radius {
						if old, ok := wantDist[s.NCTID]; !ok || d < old {
							wantDist[s.NCTID] = d
						}
					}
				}
			}
			req := Request{
				Filter:   Filter{Geo: &GeoFilter{Point: center, RadiusKm: radius, RecruitingOnly: openOnly}},
				Sort:     []SortKey{{Field: "distance"}},
				PageSize: 1000,
			}
			res, err := ix.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != len(wantDist) {
				t.Errorf("radius %g km (recruiting only %v): %d studies, want %d", radius, openOnly, res.Total, len(wantDist))
			}
			last := -1.0
			for _, h := range res.Hits {
				want, ok := wantDist[h.NCTID]
				if !ok {
					t.Errorf("%s is not within %g km", h.NCTID, radius)
					continue
				}
				if h.Nearest == nil {
					t.Errorf("%s has no nearest site", h.NCTID)
					continue
				}
				if !openOnly && math.Abs(h.Nearest.DistanceKm-want) > 0.01 && !h.Nearest.Recruiting {
					t.Errorf("%s nearest site %.2f km, want %.2f", h.NCTID, h.Nearest.DistanceKm, want)
				}
				if want < last-1e-3 {
					t.Errorf("distance order broken at %s: %.2f after %.2f", h.NCTID, want, last)
				}
				last = want
			}
		}
	}
}

func haversineForTest(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}

func TestPagingCoversEveryHitOnce(t *testing.T) {
	studies, ix := loadDemo(t)
	for _, sort := range [][]SortKey{
		nil,
		{{Field: "StartDate", Desc: true}},
		{{Field: "EnrollmentCount"}, {Field: "LastUpdatePostDate", Desc: true}},
	} {
		ids := searchAll(t, ix, Request{Sort: sort, PageSize: 33})
		if len(ids) != len(studies) {
			t.Errorf("sort %v: paged %d studies, want %d", sort, len(ids), len(studies))
		}
		if len(slices.Compact(sorted(ids))) != len(ids) {
			t.Errorf("sort %v: a study came twice", sort)
		}
	}
}

// TestOffsetPagesMatchTokenPages checks numbered pages against the
// token pages: the same studies in the same order.
func TestOffsetPagesMatchTokenPages(t *testing.T) {
	_, ix := loadDemo(t)
	req := Request{Queries: []AreaQuery{{Area: "term", Query: "cancer"}}, PageSize: 10}
	all := searchAll(t, ix, req)
	for _, off := range []int{0, 10, 20, len(all) - 5, len(all), len(all) + 10} {
		req.Offset = off
		res, err := ix.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.NCTID)
		}
		want := all[min(off, len(all)):min(off+10, len(all))]
		if !slices.Equal(got, want) || res.Total != len(all) {
			t.Errorf("offset %d: %v (of %d), want %v (of %d)", off, got, res.Total, want, len(all))
		}
	}
	for _, bad := range []Request{{Offset: -1}, {Offset: MaxOffset + 1}, {Offset: 10, PageToken: "x"}} {
		if _, err := ix.Search(bad); err == nil {
			t.Errorf("offset %d with token %q: no error", bad.Offset, bad.PageToken)
		}
	}
}

func TestSortMissingLast(t *testing.T) {
	studies, ix := loadDemo(t)
	for _, desc := range []bool{false, true} {
		ids := searchAll(t, ix, Request{Sort: []SortKey{{Field: "CompletionDate", Desc: desc}}, PageSize: 500})
		byID := map[string]*study.Study{}
		for i := range studies {
			byID[studies[i].NCTID] = &studies[i]
		}
		seenMissing := false
		prev := ""
		for _, id := range ids {
			d := byID[id].Dates.Completion.Sortable()
			if d == "" {
				seenMissing = true
				continue
			}
			if seenMissing {
				t.Fatalf("desc=%v: %s has a completion date but comes after studies without one", desc, id)
			}
			if prev != "" && ((!desc && d < prev) || (desc && d > prev)) {
				t.Fatalf("desc=%v: %s (%s) out of order after %s", desc, id, d, prev)
			}
			prev = d
		}
	}
}

func TestInvalidRequests(t *testing.T) {
	_, ix := loadDemo(t)
	other, err := ix.Search(Request{Sort: []SortKey{{Field: "StartDate"}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]Request{
		"unknown status":        {Filter: Filter{Statuses: []string{"OPEN"}}},
		"unknown phase":         {Filter: Filter{Phases: []string{"PHASE5"}}},
		"page size":             {PageSize: 1001},
		"negative page size":    {PageSize: -1},
		"three sort keys":       {Sort: []SortKey{{Field: "StartDate"}, {Field: "NCTId"}, {Field: "relevance"}}},
		"unknown sort":          {Sort: []SortKey{{Field: "Color"}}},
		"distance without geo":  {Sort: []SortKey{{Field: "distance"}}},
		"bad date":              {Filter: Filter{Dates: []DateRange{{Field: "StartDate", From: "June 2020"}}}},
		"bad date field":        {Filter: Filter{Dates: []DateRange{{Field: "Birthday", From: "2020"}}}},
		"bad coordinate":        {Filter: Filter{Geo: &GeoFilter{Point: Point{Lat: 95}, RadiusKm: 10}}},
		"zero radius":           {Filter: Filter{Geo: &GeoFilter{RadiusKm: 0}}},
		"garbage token":         {PageToken: "!!!"},
		"token of other search": {PageToken: other.NextPageToken},
		"state without country": {Filter: Filter{State: "California"}},
		"bad age":               {Filter: Filter{AgeYears: ptr(-3.0)}},
	} {
		_, err := ix.Search(req)
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("%s: got %v, want an InvalidError", name, err)
		}
	}
}

func TestLookup(t *testing.T) {
	studies, ix := loadDemo(t)
	aliases := 0
	for _, s := range studies {
		for _, id := range []string{s.NCTID, strings.ToLower(s.NCTID)} {
			if got, ok := ix.Lookup(id); !ok || got != s.NCTID {
				t.Errorf("Lookup(%s) = %q, %v; want %s", id, got, ok, s.NCTID)
			}
		}
		for _, a := range s.Aliases {
			aliases++
			if got, ok := ix.Lookup(a); !ok || got != s.NCTID {
				t.Errorf("Lookup(alias %s) = %q, %v; want %s", a, got, ok, s.NCTID)
			}
		}
	}
	if aliases == 0 {
		t.Error("the test data has no study with an alias; add one")
	}
	if got, ok := ix.Lookup("NCT00000000"); ok {
		t.Errorf("Lookup of an unknown ID found %s", got)
	}
}

// TestSearchIndependentOfEarlierSearches runs searches of every kind once,
// then again in reverse order and from several goroutines at once: each
// search works in pooled memory that the previous ones must leave clean,
// or a later search would see their hits or scores.
func TestSearchIndependentOfEarlierSearches(t *testing.T) {
	studies, ix := loadDemo(t)
	var center Point
	for _, s := range studies {
		for _, l := range s.Locations {
			if l.Geo != nil && center == (Point{}) {
				center = Point{l.Geo.Lat, l.Geo.Lon}
			}
		}
	}
	q := func(area, text string) []AreaQuery { return []AreaQuery{{Area: area, Query: text}} }
	open := []string{"RECRUITING", "NOT_YET_RECRUITING"}
	reqs := []Request{
		{Queries: q("cond", "cancer"), Facets: true, PageSize: 50},
		{Queries: q("term", "(asthma OR copd) AND NOT pediatric"), PageSize: 50},
		{Queries: q("term", `"breast cancer"`), Filter: Filter{Statuses: open}},
		{Queries: q("term", "prostate cancer"), Sort: []SortKey{{Field: "StartDate"}, {Field: "relevance", Desc: true}}},
		{Queries: q("term", "NOT cancer"), Sort: []SortKey{{Field: "EnrollmentCount", Desc: true}}, PageSize: 50},
		{Queries: q("term", "AREA[Phase]PHASE3 OR diabetes"), PostFilter: Filter{Statuses: open}, Facets: true},
		{Filter: Filter{Geo: &GeoFilter{Point: center, RadiusKm: 500}}, Sort: []SortKey{{Field: "distance"}}, PageSize: 50},
		{Filter: Filter{Statuses: open}, Facets: true, PageSize: 50},
	}
	want := make([]*Result, len(reqs))
	for i, r := range reqs {
		res, err := ix.Search(r)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if res.Total == 0 {
			t.Fatalf("request %d matches nothing: the test needs hits", i)
		}
		want[i] = res
	}
	check := func(i int) error {
		got, err := ix.Search(reqs[i])
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want[i]) {
			return fmt.Errorf("request %d: %d hits, total %d; first time %d hits, total %d", i, len(got.Hits), got.Total, len(want[i].Hits), want[i].Total)
		}
		return nil
	}
	for i := len(reqs) - 1; i >= 0; i-- {
		if err := check(i); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for g := range cap(errs) {
		wg.Go(func() {
			for k := range 3 * len(reqs) {
				if err := check((g + k) % len(reqs)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
