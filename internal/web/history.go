package web

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/history"
	"github.com/trialfinder/trialfinder/internal/study"
)

// HistorySource gives the versions of a study's record the store has
// seen, and how current the store is with ClinicalTrials.gov.
type HistorySource interface {
	History(ctx context.Context, nctID string) ([]study.Version, error)
	SyncState(ctx context.Context) (study.SyncState, error)
}

// historyView is a trial's "History of changes", newest version first.
type historyView struct {
	NCTID    string
	Versions []versionView
}

type versionView struct {
	Version          int
	LastUpdatePosted string
	SeenAt, SeenISO  string // "3 December 2026", RFC 3339
	Changes          []changeView
}

type changeView struct {
	Summary string
	Lines   []lineView // the criteria's text diff
}

type lineView struct {
	Class string // diff-add, diff-del, diff-same
	Sign  string
	Text  string
}

// studyHistory returns the versions of id, oldest first, as of reads
// them (history.Of, or history.Summaries where the records are not
// shown); none when the site has no history source.
func (s *site) studyHistory(ctx context.Context, id string, of func([]study.Version) ([]history.Version, error)) ([]history.Version, error) {
	if s.cfg.History == nil {
		return nil, nil
	}
	stored, err := s.cfg.History.History(ctx, id)
	if errors.Is(err, study.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return of(stored)
}

func newHistoryView(id string, versions []history.Version) *historyView {
	if len(versions) == 0 {
		return nil
	}
	v := &historyView{NCTID: id}
	for _, ver := range slices.Backward(versions) {
		vv := versionView{Version: ver.Version, LastUpdatePosted: ver.LastUpdatePosted,
			SeenAt: ver.SeenAt.Format("2 January 2006"), SeenISO: ver.SeenAt.Format(time.RFC3339)}
		for _, c := range ver.Changes {
			cv := changeView{Summary: c.Summary}
			for _, l := range c.Lines {
				lv := lineView{Class: "diff-same", Sign: " ", Text: l.Text}
				switch l.Op {
				case '+':
					lv.Class, lv.Sign = "diff-add", "+"
				case '-':
					lv.Class, lv.Sign = "diff-del", "−"
				}
				cv.Lines = append(cv.Lines, lv)
			}
			vv.Changes = append(vv.Changes, cv)
		}
		v.Versions = append(v.Versions, vv)
	}
	return v
}

// removedPage is the page of a study no longer on ClinicalTrials.gov.
type removedPage struct {
	NCTID, Title, RemovedOn string
	History                 *historyView
}

// removedStudy answers 410 Gone for a study ClinicalTrials.gov no longer
// lists, with a notice and the versions we saw.
func (s *site) removedStudy(w http.ResponseWriter, r *http.Request, removed *study.RemovedError) error {
	versions, err := s.studyHistory(r.Context(), removed.NCTID, history.Of)
	if err != nil {
		return err
	}
	page := removedPage{NCTID: removed.NCTID, Title: removed.NCTID, RemovedOn: removed.On, History: newHistoryView(removed.NCTID, versions)}
	if len(versions) > 0 {
		page.Title = displayTitle(versions[len(versions)-1].Study)
	}
	return s.render(w, r, http.StatusGone, "removed", page.Title, page)
}

// studyFeed is a trial's Atom feed: an entry per version seen, newest
// first, saying what changed, dated by when the change reached us.
func (s *site) studyFeed(w http.ResponseWriter, r *http.Request) error {
	_, err := s.studyFor(r, "/feed")
	var removed *study.RemovedError
	if err != nil && !errors.As(err, &removed) {
		return err
	}
	id := r.PathValue("id")
	versions, err := s.studyHistory(r.Context(), id, history.Of)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return errNotFound
	}
	base := s.cfg.BaseURL
	latest := versions[len(versions)-1]
	f := atomFeed{
		Title:   "Changes to " + id + ": " + displayTitle(latest.Study),
		ID:      base + "/study/" + id + "/feed",
		Updated: latest.SeenAt.Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/study/" + id + "/feed"},
			{Rel: "alternate", Type: "text/html", Href: base + "/study/" + id},
		},
		Author: atomAuthor{Name: "Trialfinder"},
	}
	if removed != nil {
		f.Entries = append(f.Entries, atomEntry{
			Title: id + " is no longer on ClinicalTrials.gov", ID: base + "/study/" + id + "#removed",
			Updated: atomTime(removed.On), Link: atomLink{Rel: "alternate", Type: "text/html", Href: base + "/study/" + id},
			Summary: removed.Error(),
		})
		f.Updated = max(f.Updated, atomTime(removed.On))
	}
	for _, v := range slices.Backward(versions) {
		f.Entries = append(f.Entries, versionEntry(base, v))
	}
	return writeFeed(w, f)
}

// versionEntry is a feed entry for one version of a study.
func versionEntry(base string, v history.Version) atomEntry {
	id := v.Study.NCTID
	title, summary := id+": "+changeTitle(v), describe(v)
	return atomEntry{
		Title: title, ID: fmt.Sprintf("%s/study/%s#v%d", base, id, v.Version),
		Updated: v.SeenAt.Format(time.RFC3339),
		Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + "/study/" + id + "#history"},
		Summary: summary,
	}
}

// changeTitle names a version's change in a few words: its first change,
// or that the study is new here.
func changeTitle(v history.Version) string {
	switch {
	case v.Version == 1:
		return "New: " + displayTitle(v.Study)
	case len(v.Changes) == 0:
		return "Record updated"
	case len(v.Changes) == 1:
		return v.Changes[0].Summary
	}
	return fmt.Sprintf("%s (and %d more changes)", v.Changes[0].Summary, len(v.Changes)-1)
}

// describe says in full what a version changed.
func describe(v history.Version) string {
	if v.Version == 1 {
		return fmt.Sprintf("First seen here. %s. %s.", study.Statuses.Label(v.Study.OverallStatus), displayTitle(v.Study))
	}
	if len(v.Changes) == 0 {
		return "The record was updated on ClinicalTrials.gov (" + v.LastUpdatePosted + ") in fields this site does not summarise."
	}
	var b strings.Builder
	for i, c := range v.Changes {
		if i > 0 {
			b.WriteString(". ")
		}
		b.WriteString(c.Summary)
	}
	b.WriteString(".")
	return b.String()
}

// latestChange fills a search feed's entry for st with what changed last
// and when it reached us, when the store keeps its history.
func (s *site) latestChange(ctx context.Context, e *atomEntry, base string, nctID string) error {
	versions, err := s.studyHistory(ctx, nctID, history.Of)
	if err != nil || len(versions) == 0 {
		return err
	}
	v := versions[len(versions)-1]
	entry := versionEntry(base, v)
	e.Title, e.ID, e.Updated, e.Summary = displayTitle(v.Study)+" — "+changeTitle(v), entry.ID, entry.Updated, entry.Summary
	return nil
}

func writeFeed(w http.ResponseWriter, f atomFeed) error {
	body, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write([]byte(xml.Header))
	w.Write(body)
	return nil
}

// freshness is what the home page says of how current the data is.
type freshness struct {
	LastSync, LastSyncISO string // "" if never synced
	Upstream              string // ClinicalTrials.gov's data timestamp synced to
}

func (s *site) freshness(ctx context.Context) freshness {
	if s.cfg.History == nil {
		return freshness{}
	}
	st, err := s.cfg.History.SyncState(ctx)
	if err != nil {
		s.log.Warn("reading the sync state", "err", err)
		return freshness{}
	}
	f := freshness{Upstream: st.DataTimestamp}
	if !st.LastSync.IsZero() {
		f.LastSync, f.LastSyncISO = st.LastSync.UTC().Format("2 January 2006, 15:04 UTC"), st.LastSync.UTC().Format(time.RFC3339)
	}
	return f
}
