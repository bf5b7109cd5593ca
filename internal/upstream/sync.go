// Package upstream keeps a store current with ClinicalTrials.gov through
// its public API v2: a bootstrap from the bulk download or by paging,
// then incremental syncs of what changed since the last one, and a
// periodic listing of every NCT ID that finds the studies removed
// upstream. Every page is applied with its checkpoint in one transaction,
// so a sync killed at any point resumes where it stopped.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// DefaultAPI is ClinicalTrials.gov's API v2.
const DefaultAPI = "https://clinicaltrials.gov/api/v2"

// Store is what a sync needs of a store. Writes that carry a
// study.SyncState record it in the same transaction.
type Store[P any] interface {
	ingest.Store[P]
	WriteSynced(ctx context.Context, batch []P, state *study.SyncState) ([]study.Change, error)
	Remove(ctx context.Context, ids []string, on string, state *study.SyncState) (int, error)
	Restore(ctx context.Context, ids []string, state *study.SyncState) (int, error)
	SyncState(ctx context.Context) (study.SyncState, error)
	SetSyncState(ctx context.Context, state study.SyncState) error
	AddListed(ctx context.Context, ids []string, state study.SyncState) error
	ClearListing(ctx context.Context) error
	ListingDiff(ctx context.Context) (gone, back, unknown []string, err error)
	Stats(ctx context.Context) (study.Stats, error)
}

// Options tune a sync; the zero value syncs politely with ClinicalTrials.gov.
type Options struct {
	API  string // default DefaultAPI
	Bulk string // bootstrap an empty store from this ctg-studies.json.zip, a file or URL
	// Full lists every NCT ID to find removed studies even if the last
	// listing is recent; Force accepts a listing that would remove more
	// than MaxRemovedShare of the store.
	Full, Force bool
	// Rate is requests per second (default 3); Timeout bounds each
	// request (default 60 s); Retries is how many times a failed request
	// is retried (default 8), the first after Backoff (default 1 s),
	// doubling up to MaxBackoff (default 2 min).
	Rate                         float64
	Timeout, Backoff, MaxBackoff time.Duration
	Retries                      int
	PageSize                     int // default 1000, the API's maximum
	// ListingEvery: a full listing runs when the last is older (default
	// 7 days). MaxRemovedShare: a listing that would mark more than this
	// share of the store removed is refused without Force (default 0.01).
	ListingEvery    time.Duration
	MaxRemovedShare float64
	// MaxFetched: studies the listing names that the store has never
	// had are fetched by ID when there are at most this many, or
	// MaxRemovedShare of the store (default 1,000). More mean the store
	// holds part of the registry by design, such as the bundled records.
	MaxFetched int
	// HTTP is the client (default: one with sane transport timeouts).
	HTTP *http.Client
	// Progress, if set, is called after each page.
	Progress func(Progress)
	Log      *slog.Logger
	// Rejects receives a line per record that could not be read.
	Rejects io.Writer
}

// Progress is where a running sync is.
type Progress struct {
	Phase string // "bulk", "all", "updated", "listing", "removals"
	Pages int    // pages of this phase applied
	Done  int    // records (or NCT IDs, when listing) in them
	Total int    // the phase's total when upstream said; 0 if unknown
}

// Summary is what a sync did.
type Summary struct {
	New, Updated, Unchanged, Removed, Restored, Failed int
	// UpToDate: upstream's data had not moved since the last sync, so
	// nothing was fetched.
	UpToDate bool
	// Resumed: the sync carried on from an interrupted one's checkpoint.
	Resumed bool
	// DataTimestamp is upstream's data timestamp the store is now current
	// with.
	DataTimestamp string
	Requests      int
	Elapsed       time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("%d new, %d updated, %d unchanged, %d removed, %d failed", s.New, s.Updated, s.Unchanged, s.Removed, s.Failed)
}

// The phases of a sync, in the order they run.
const (
	phaseBulk     = "bulk"     // bootstrap from the bulk download
	phaseAll      = "all"      // bootstrap by paging through every study
	phaseUpdated  = "updated"  // studies updated since the checkpoint's date
	phaseListing  = "listing"  // every NCT ID
	phaseRemovals = "removals" // compare the listing with the store
)

// checkpoint is where a sync stands; the store keeps it, encoded, in its
// sync state.
type checkpoint struct {
	Version string `json:"version"` // upstream's data timestamp when the sync began
	Phase   string `json:"phase"`
	Since   string `json:"since,omitempty"` // phaseUpdated's first date
	Token   string `json:"token,omitempty"` // the next page's; "" for the first
	Pages   int    `json:"pages"`           // of this phase applied
	Listing bool   `json:"listing,omitempty"`
	Listed  bool   `json:"listed,omitempty"` // the listing ran: record when
}

func (c *checkpoint) encode() string {
	b, _ := json.Marshal(c) // a struct of strings and numbers always encodes
	return string(b)
}

// syncer is one sync's state.
type syncer[P any] struct {
	st    Store[P]
	opt   Options
	c     *client
	log   *slog.Logger
	state study.SyncState
	cp    checkpoint
	sum   Summary
}

// Sync brings st up to date with ClinicalTrials.gov. It returns what it
// did; on error the summary says what was done before, and running Sync
// again resumes from the last page applied. The caller holds the store's
// lease LeaseName and runs Sync in the lease's context, which ends if the
// lease is lost: the sync stops with its page applied whole or not at all.
func Sync[P any](ctx context.Context, st Store[P], opt Options) (Summary, error) {
	start := time.Now()
	s := &syncer[P]{st: st, opt: withDefaults(opt), log: opt.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.c = &client{
		base: s.opt.API, http: s.opt.HTTP, timeout: s.opt.Timeout, retries: s.opt.Retries,
		backoff: s.opt.Backoff, maxWait: s.opt.MaxBackoff, gap: time.Duration(float64(time.Second) / s.opt.Rate),
	}
	err := s.run(ctx)
	s.sum.Requests, s.sum.Elapsed = s.c.requests, time.Since(start)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			// Killed mid-write, the store reports what the cancellation
			// did to it ("statement is closed"): say it was killed.
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		return s.sum, fmt.Errorf("sync with %s: %w", s.opt.API, err)
	}
	return s.sum, nil
}

func withDefaults(o Options) Options {
	if o.API == "" {
		o.API = DefaultAPI
	}
	if o.Rate <= 0 {
		o.Rate = 3
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, time.Minute)
	def(&o.Backoff, time.Second)
	def(&o.MaxBackoff, 2*time.Minute)
	def(&o.ListingEvery, 7*24*time.Hour)
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.MaxFetched <= 0 {
		o.MaxFetched = 1000
	}
	if o.MaxRemovedShare <= 0 {
		o.MaxRemovedShare = 0.01
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 15 * time.Second,
			ResponseHeaderTimeout: o.Timeout, IdleConnTimeout: 90 * time.Second, MaxIdleConnsPerHost: 2,
		}}
	}
	return o
}

type versionInfo struct {
	APIVersion    string `json:"apiVersion"`
	DataTimestamp string `json:"dataTimestamp"`
}

func (v *versionInfo) check() error {
	if v.APIVersion == "" {
		return errors.New("/version has no apiVersion")
	}
	return nil
}

func (s *syncer[P]) run(ctx context.Context) error {
	var err error
	if s.state, err = s.st.SyncState(ctx); err != nil {
		return err
	}
	var v versionInfo
	if err := s.c.getJSON(ctx, "/version", nil, &v); err != nil {
		return err
	}
	if s.state.Checkpoint != "" {
		if err := json.Unmarshal([]byte(s.state.Checkpoint), &s.cp); err != nil {
			return fmt.Errorf("the store's sync checkpoint is unreadable: %w", err)
		}
		s.sum.Resumed = true
		s.log.Info("resuming an interrupted sync", "phase", s.cp.Phase, "pages_done", s.cp.Pages)
	} else {
		upToDate, err := s.plan(ctx, v)
		if err != nil || upToDate {
			s.sum.UpToDate, s.sum.DataTimestamp = upToDate, s.state.DataTimestamp
			return err
		}
		s.state.Checkpoint = s.cp.encode()
		if err := s.st.SetSyncState(ctx, s.state); err != nil {
			return err
		}
	}
	for s.cp.Phase != "" {
		var err error
		switch s.cp.Phase {
		case phaseBulk:
			err = s.bulk(ctx)
		case phaseAll, phaseUpdated:
			err = s.studies(ctx)
		case phaseListing:
			err = s.listing(ctx)
		case phaseRemovals:
			err = s.removals(ctx)
		default:
			err = fmt.Errorf("the store's sync checkpoint names an unknown phase %q", s.cp.Phase)
		}
		if err != nil {
			return err
		}
	}
	return s.finish(ctx)
}

// plan decides what this sync does; upToDate when nothing.
func (s *syncer[P]) plan(ctx context.Context, v versionInfo) (upToDate bool, err error) {
	stats, err := s.st.Stats(ctx)
	if err != nil {
		return false, err
	}
	bootstrap := stats.Studies == 0 && s.state.DataTimestamp == ""
	s.cp = checkpoint{Version: v.DataTimestamp}
	switch {
	case bootstrap && s.opt.Bulk != "":
		s.cp.Phase = phaseBulk
	case bootstrap:
		s.cp.Phase = phaseAll
	case s.state.DataTimestamp != "" && v.DataTimestamp == s.state.DataTimestamp && !s.opt.Full:
		s.log.Info("up to date: ClinicalTrials.gov's data has not changed since the last sync", "data_timestamp", v.DataTimestamp)
		return true, nil
	default:
		s.cp.Phase, s.cp.Since = phaseUpdated, s.state.Since
		if s.cp.Since == "" {
			// Never synced (loaded by ingest): from the newest record on.
			s.cp.Since = dayBefore(stats.NewestUpdate)
		}
	}
	s.cp.Listing = s.opt.Full || (!bootstrap && time.Since(s.state.LastFullListing) > s.opt.ListingEvery)
	return false, nil
}

// dayBefore is the day before date ("YYYY-MM-DD..."): a margin for
// records posted late on the last day seen. "" stays "".
func dayBefore(date string) string {
	t, err := time.Parse(time.DateOnly, date[:min(len(date), 10)])
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// advance moves the checkpoint to the next phase.
func (s *syncer[P]) advance() {
	next := ""
	switch s.cp.Phase {
	case phaseBulk:
		next = phaseUpdated
	case phaseAll, phaseUpdated:
		if s.cp.Listing {
			next = phaseListing
		}
	case phaseListing:
		next = phaseRemovals
	}
	s.cp.Phase, s.cp.Token, s.cp.Pages = next, "", 0
}

func (s *syncer[P]) progress(p Progress) {
	if s.opt.Progress != nil {
		s.opt.Progress(p)
	}
}

// bulk ingests the bulk download, then hands over to an incremental sync
// from its newest record: the download is hours or days behind the API.
func (s *syncer[P]) bulk(ctx context.Context) error {
	src := ingest.Source{Path: s.opt.Bulk}
	if strings.HasPrefix(s.opt.Bulk, "http://") || strings.HasPrefix(s.opt.Bulk, "https://") {
		body, err := s.download(ctx, s.opt.Bulk)
		if err != nil {
			return err
		}
		defer body.Close()
		src.Reader = body
	}
	s.log.Info("bootstrapping from the bulk download", "from", s.opt.Bulk)
	sum, err := ingest.Run(ctx, s.st, []ingest.Source{src}, ingest.Options{Rejects: s.opt.Rejects,
		Progress: func(p ingest.Progress) { s.progress(Progress{Phase: phaseBulk, Done: int(p.Records)}) }, ProgressEvery: 2 * time.Second})
	s.sum.New += sum.Inserted
	s.sum.Updated += sum.Updated
	s.sum.Unchanged += sum.Unchanged
	s.sum.Failed += sum.Rejected
	if err != nil {
		return fmt.Errorf("bootstrap from %s: %w", s.opt.Bulk, err)
	}
	stats, err := s.st.Stats(ctx)
	if err != nil {
		return err
	}
	s.advance()
	s.cp.Since = dayBefore(stats.NewestUpdate)
	s.state.Checkpoint = s.cp.encode()
	return s.st.SetSyncState(ctx, s.state)
}

// download opens a bulk file's URL; the body streams into the ingest.
func (s *syncer[P]) download(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.opt.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: %s", u, resp.Status)
	}
	return resp.Body, nil
}

// page is one page of /studies.
type page struct {
	Studies       []json.RawMessage `json:"studies"`
	NextPageToken string            `json:"nextPageToken"`
	TotalCount    int               `json:"totalCount"`
	hasStudies    bool
}

func (p *page) UnmarshalJSON(b []byte) error {
	type plain page
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	p.hasStudies = p.Studies != nil
	return nil
}

// check: "studies" is required; an envelope without it is not a page.
func (p *page) check() error {
	if !p.hasStudies {
		return errors.New(`page without "studies"`)
	}
	return nil
}

// query is the /studies query of the checkpoint's phase.
func (s *syncer[P]) query() url.Values {
	q := url.Values{"pageSize": {strconv.Itoa(s.opt.PageSize)}}
	switch s.cp.Phase {
	case phaseUpdated:
		q.Set("filter.advanced", "AREA[LastUpdatePostDate]RANGE["+s.cp.Since+",MAX]")
	case phaseListing:
		q.Set("fields", "NCTId")
	}
	if s.cp.Token != "" {
		q.Set("pageToken", s.cp.Token)
	} else {
		q.Set("countTotal", "true")
	}
	return q
}

// fetch gets the checkpoint's next page. An expired page token restarts
// the phase's query from its first page: pages already applied apply
// again as unchanged, so nothing is missed and nothing doubled.
func (s *syncer[P]) fetch(ctx context.Context) (page, error) {
	var p page
	err := s.c.getJSON(ctx, "/studies", s.query(), &p)
	if errors.Is(err, errExpiredToken) {
		s.log.Warn("the page token expired: restarting this phase's listing from its first page", "phase", s.cp.Phase, "pages_done", s.cp.Pages)
		s.cp.Token = ""
		p = page{}
		err = s.c.getJSON(ctx, "/studies", s.query(), &p)
	}
	return p, err
}

// studies applies the phase's pages of full records.
func (s *syncer[P]) studies(ctx context.Context) error {
	return s.eachPage(ctx, func(p *page) (int, error) {
		changes, err := s.st.WriteSynced(ctx, s.decode(p.Studies), &s.state)
		s.count(changes)
		return len(p.Studies), err
	})
}

// eachPage fetches the phase's pages from the checkpoint on, and has
// apply write each with the checkpoint that follows it (s.state), which
// moves to the next phase after the last page.
func (s *syncer[P]) eachPage(ctx context.Context, apply func(p *page) (int, error)) error {
	total, done := 0, 0
	for {
		p, err := s.fetch(ctx)
		if err != nil {
			return err
		}
		total = max(total, p.TotalCount)
		phase, pages := s.cp.Phase, s.cp.Pages+1
		s.cp.Token, s.cp.Pages = p.NextPageToken, pages
		if p.NextPageToken == "" {
			s.cp.Listed = s.cp.Listed || phase == phaseListing
			s.advance()
		}
		s.state.Checkpoint = s.cp.encode()
		n, err := apply(&p)
		if err != nil {
			return err
		}
		done += n
		s.progress(Progress{Phase: phase, Pages: pages, Done: done, Total: total})
		if p.NextPageToken == "" {
			return nil
		}
	}
}

// decode turns a page's records into prepared studies, reporting those
// that cannot be read.
func (s *syncer[P]) decode(raws []json.RawMessage) []P {
	batch := make([]P, 0, len(raws))
	var buf bytes.Buffer
	for i, raw := range raws {
		// Stored records are compact, as ingest stores them, so the same
		// record from either way is unchanged.
		buf.Reset()
		err := json.Compact(&buf, raw)
		var st study.Study
		if err == nil {
			st, err = ctgov.DecodeV2(bytes.Clone(buf.Bytes()))
		}
		if err != nil {
			s.sum.Failed++
			if s.opt.Rejects != nil {
				fmt.Fprintf(s.opt.Rejects, "rejected record %d of a page from %s: %v\n", i, s.opt.API, err)
			}
			continue
		}
		batch = append(batch, s.st.Prepare(st))
	}
	return batch
}

func (s *syncer[P]) count(changes []study.Change) {
	for _, c := range changes {
		switch c {
		case study.Inserted:
			s.sum.New++
		case study.Updated:
			s.sum.Updated++
		default:
			s.sum.Unchanged++
		}
	}
}

// listedStudy is a record of a fields=NCTId listing.
type listedStudy struct {
	ProtocolSection struct {
		IdentificationModule struct {
			NCTID string `json:"nctId"`
		} `json:"identificationModule"`
	} `json:"protocolSection"`
}

// listing gathers every NCT ID upstream has, page by page, into the
// store's listing.
func (s *syncer[P]) listing(ctx context.Context) error {
	if s.cp.Pages == 0 && s.cp.Token == "" {
		if err := s.st.ClearListing(ctx); err != nil {
			return err
		}
	}
	return s.eachPage(ctx, func(p *page) (int, error) {
		ids, err := p.nctIDs()
		if err != nil {
			return 0, err
		}
		return len(ids), s.st.AddListed(ctx, ids, s.state)
	})
}

// nctIDs returns the NCT IDs of a fields=NCTId page.
func (p *page) nctIDs() ([]string, error) {
	ids := make([]string, 0, len(p.Studies))
	for _, raw := range p.Studies {
		var l listedStudy
		if err := json.Unmarshal(raw, &l); err != nil || !ctgov.ValidNCTID(l.ProtocolSection.IdentificationModule.NCTID) {
			// One bad entry would make its study look removed: the page
			// is not trustworthy, so the listing fails.
			return nil, fmt.Errorf("a listing page has an entry without a valid NCT ID: %.100s", raw)
		}
		ids = append(ids, l.ProtocolSection.IdentificationModule.NCTID)
	}
	return ids, nil
}

// ErrTooManyRemoved: the listing lacks more of the store than a sync
// removes without Force.
var ErrTooManyRemoved = errors.New("too many studies missing from the listing")

// removals compares the finished listing with the store: studies it
// lacks are marked removed (within the guard), removed studies it has are
// restored, and studies the store has never seen are fetched.
func (s *syncer[P]) removals(ctx context.Context) error {
	gone, back, unknown, err := s.st.ListingDiff(ctx)
	if err != nil {
		return err
	}
	stats, err := s.st.Stats(ctx)
	if err != nil {
		return err
	}
	if limit := s.opt.MaxRemovedShare * float64(stats.Studies); float64(len(gone)) > limit && !s.opt.Force {
		// The listing was probably cut short. Nothing is marked; the next
		// sync lists again.
		s.cp = checkpoint{}
		s.state.Checkpoint = ""
		if err := s.st.SetSyncState(ctx, s.state); err != nil {
			return err
		}
		return fmt.Errorf("%w: %d of the %d stored studies are missing from ClinicalTrials.gov's listing, more than %.3g%%; "+
			"the listing may have been cut short, so none was marked removed (run again with --full --force to remove them)",
			ErrTooManyRemoved, len(gone), stats.Studies, 100*s.opt.MaxRemovedShare)
	}
	// A few unknown studies are gaps (made public with an old date, or
	// missed): fetch them. Many mean the store holds a part of the
	// registry by design: fetching the rest a hundred at a time would be
	// a slow bootstrap.
	if limit := max(s.opt.MaxFetched, int(s.opt.MaxRemovedShare*float64(stats.Studies))); len(unknown) > limit {
		s.log.Warn("ClinicalTrials.gov lists studies this store has never had; not fetching so many one by one "+
			"(bootstrap a new store with sync --bulk for the whole registry)", "missing", len(unknown))
		unknown = nil
	}
	if err := s.fetchIDs(ctx, unknown); err != nil {
		return err
	}
	n, err := s.st.Restore(ctx, back, nil)
	if err != nil {
		return err
	}
	s.sum.Restored += n
	s.advance()
	s.state.Checkpoint = s.cp.encode()
	n, err = s.st.Remove(ctx, gone, time.Now().UTC().Format(time.DateOnly), &s.state)
	if err != nil {
		return err
	}
	s.sum.Removed += n
	s.progress(Progress{Phase: phaseRemovals, Done: n, Total: len(gone)})
	return nil
}

// fetchIDs fetches, a hundred at a time, studies the listing named that
// the store lacks: posted, or made public, after the incremental's window.
func (s *syncer[P]) fetchIDs(ctx context.Context, ids []string) error {
	const chunk = 100
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		q := url.Values{"filter.ids": {strings.Join(ids[:n], ",")}, "pageSize": {strconv.Itoa(chunk)}}
		var p page
		if err := s.c.getJSON(ctx, "/studies", q, &p); err != nil {
			return err
		}
		changes, err := s.st.WriteSynced(ctx, s.decode(p.Studies), nil)
		if err != nil {
			return err
		}
		s.count(changes)
		ids = ids[n:]
	}
	return nil
}

// finish records the completed sync.
func (s *syncer[P]) finish(ctx context.Context) error {
	now := time.Now().UTC()
	s.state.DataTimestamp = s.cp.Version
	s.state.LastSync = now
	if s.cp.Listed {
		s.state.LastFullListing = now
	}
	if since := dayBefore(s.cp.Version); since != "" {
		s.state.Since = since
	}
	s.state.Checkpoint = ""
	if err := s.st.SetSyncState(ctx, s.state); err != nil {
		return err
	}
	s.sum.DataTimestamp = s.state.DataTimestamp
	if _, err := s.st.ReparseCriteria(ctx); err != nil {
		return err
	}
	return nil
}
