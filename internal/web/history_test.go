package web

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
)

// historySite is a site over a store that has seen a day of changes: one
// recruiting study closed to recruitment, given a site in Boston and
// results, and another removed from ClinicalTrials.gov; and a sync.
type historySite struct {
	*testSite
	changed, removed study.Study
}

func newHistorySite(t *testing.T) *historySite {
	t.Helper()
	ctx := t.Context()
	hs := &historySite{}
	var batch []study.Study
	var changedRaw []byte
	for _, raw := range storetest.Records(t) {
		s, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, s)
		if changedRaw == nil && len(s.Locations) > 1 && !s.HasResults && s.OverallStatus == "RECRUITING" {
			hs.changed, changedRaw = s, raw
		}
	}
	hs.removed = batch[len(batch)-1]
	edited, err := ctgov.DecodeV2(storetest.Edit(t, changedRaw, func(rec map[string]any) {
		sm := storetest.Module(rec, "statusModule")
		sm["overallStatus"] = "ACTIVE_NOT_RECRUITING"
		sm["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02", "type": "ACTUAL"}
		cl := storetest.Module(rec, "contactsLocationsModule")
		cl["locations"] = append(cl["locations"].([]any), map[string]any{"facility": "Massachusetts General Hospital",
			"city": "Boston", "state": "Massachusetts", "country": "United States", "status": "RECRUITING"})
		rec["hasResults"] = true
	}))
	if err != nil {
		t.Fatal(err)
	}
	st := demotest.New(t, batch)
	if _, err := st.Upsert(ctx, []study.Study{edited}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Remove(ctx, []string{hs.removed.NCTID}, "2099-01-03", nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSyncState(ctx, study.SyncState{DataTimestamp: "2099-01-03T09:00:05", LastSync: time.Date(2099, 1, 3, 10, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Build(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	vw := &view.View{Index: ix}
	h, err := New(Config{Views: view.Static(vw), Studies: st, History: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs.testSite = &testSite{handler: h, store: st, view: vw}
	return hs
}

func statusChange(s study.Study) string {
	return "Status: " + study.Statuses.Label(s.OverallStatus) + " → Active, not recruiting"
}

func TestTrialPageHistory(t *testing.T) {
	hs := newHistorySite(t)
	d, res := hs.page(t, "/study/"+hs.changed.NCTID, 200)
	checkCommon(t, d, res)
	sec := d.one(`section#history`)
	versions := all(sec, `li.version`)
	if len(versions) != 2 || attr(versions[0], "id") != "v2" {
		t.Fatalf("%d versions shown, the first %q", len(versions), attr(versions[0], "id"))
	}
	changes := texts(all(versions[0], `ul.changes > li`))
	for _, want := range []string{statusChange(hs.changed), "Results posted", "A site opened in Boston, Massachusetts (Massachusetts General Hospital)"} {
		if !strings.Contains(strings.Join(changes, "\n"), want) {
			t.Errorf("newest version's changes %q lack %q", changes, want)
		}
	}
	if !strings.Contains(text(versions[1]), "first version seen here") {
		t.Errorf("first version reads %q", squash(text(versions[1])))
	}
	if len(all(sec, `a[href="/study/`+hs.changed.NCTID+`/feed"]`)) != 1 {
		t.Error("no link to the trial's feed")
	}
	// Feed readers find it from the page's address alone.
	if len(d.all(`head link[rel=alternate][type="application/atom+xml"][href="/study/`+hs.changed.NCTID+`/feed"]`)) != 1 {
		t.Error("the trial page does not announce its feed")
	}
}

func TestRemovedStudyIsGone(t *testing.T) {
	hs := newHistorySite(t)
	d, res := hs.page(t, "/study/"+hs.removed.NCTID, 410)
	checkCommon(t, d, res)
	notice := squash(text(d.one(`.banner`)))
	if !strings.Contains(notice, "no longer on ClinicalTrials.gov") || !strings.Contains(notice, "2099-01-03") {
		t.Errorf("notice %q", notice)
	}
	if len(d.all(`section#history li.version`)) != 1 {
		t.Error("the removed study's history is not shown")
	}
	// Gone from search too.
	if ids := cardIDs(parse(t, body(t, hs.testSite, "/search?q="+hs.removed.NCTID))); len(ids) != 0 {
		t.Errorf("search finds the removed study: %v", ids)
	}
}

func body(t *testing.T, ts *testSite, path string) string {
	t.Helper()
	_, b := ts.get(t, path)
	return b
}

func parseFeed(t *testing.T, ts *testSite, path string) *gofeed.Feed {
	t.Helper()
	res, b := ts.get(t, path)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	f, err := gofeed.NewParser().ParseString(b)
	if err != nil {
		t.Fatalf("%s is not a feed: %v", path, err)
	}
	if f.FeedType != "atom" || f.Title == "" || f.UpdatedParsed == nil {
		t.Fatalf("%s: type %q, title %q, updated %v", path, f.FeedType, f.Title, f.UpdatedParsed)
	}
	for i, e := range f.Items {
		if e.UpdatedParsed == nil || e.GUID == "" || e.Title == "" || e.Link == "" {
			t.Fatalf("%s entry %d lacks a required element: %+v", path, i, e)
		}
		if i > 0 && e.UpdatedParsed.After(*f.Items[i-1].UpdatedParsed) {
			t.Errorf("%s: entries not newest first at %d", path, i)
		}
	}
	return f
}

func TestStudyFeed(t *testing.T) {
	hs := newHistorySite(t)
	f := parseFeed(t, hs.testSite, "/study/"+hs.changed.NCTID+"/feed")
	if len(f.Items) != 2 {
		t.Fatalf("%d entries, want 2", len(f.Items))
	}
	newest := f.Items[0]
	if !strings.Contains(newest.Title, statusChange(hs.changed)) || !strings.Contains(newest.Description, "A site opened in Boston, Massachusetts") ||
		!strings.Contains(newest.Description, "Results posted") {
		t.Errorf("newest entry: %q / %q", newest.Title, newest.Description)
	}
	if time.Since(*newest.UpdatedParsed) > time.Hour {
		t.Errorf("entry dated %v, not when the change reached us", newest.UpdatedParsed)
	}
	gone := parseFeed(t, hs.testSite, "/study/"+hs.removed.NCTID+"/feed")
	if !strings.Contains(gone.Items[0].Title, "no longer on ClinicalTrials.gov") {
		t.Errorf("the removed study's feed starts with %q", gone.Items[0].Title)
	}
}

func TestSearchFeedSaysWhatChanged(t *testing.T) {
	hs := newHistorySite(t)
	f := parseFeed(t, hs.testSite, "/search/feed?q="+hs.changed.NCTID)
	if len(f.Items) != 1 || !strings.Contains(f.Items[0].Title, statusChange(hs.changed)) ||
		!strings.Contains(f.Items[0].Description, "Results posted") {
		t.Fatalf("search feed entries %+v", f.Items)
	}
	all := parseFeed(t, hs.testSite, "/search/feed")
	if len(all.Items) == 0 || !strings.Contains(all.Items[0].Link, hs.changed.NCTID) {
		t.Errorf("the latest change is not the first entry of the unfiltered feed")
	}
}

func TestHomeSaysHowCurrent(t *testing.T) {
	hs := newHistorySite(t)
	d, _ := hs.page(t, "/", 200)
	fresh := squash(text(d.one(`p.fresh`)))
	for _, want := range []string{"Records current to 2099-01-02", "Last synced with ClinicalTrials.gov 3 January 2099, 10:00 UTC", "2099-01-03T09:00:05"} {
		if !strings.Contains(fresh, want) {
			t.Errorf("home page says %q, want %q in it", fresh, want)
		}
	}
	if lede := squash(text(d.one(`p.lede`))); !strings.Contains(lede, "this site holds") {
		t.Errorf("lede %q reads as if it were the whole registry", lede)
	}
}
