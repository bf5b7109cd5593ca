package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// The peer is what users of AACT (ClinicalTrials.gov in PostgreSQL) do
// today: SQL over PostgreSQL's own full-text search. Its schema, "peer",
// holds one row per study with two weighted tsvectors, standing for
// ClinicalTrials.gov's BasicSearch area (query.term) and ConditionSearch
// area (query.cond), each under a GIN index; the columns the facets
// count; the verbatim record, returned as our API returns it; and one row
// per geocoded site with its earthdistance point under a GiST index.
//
// Weights in doc: A the NCT ID, acronym, titles and conditions; B the
// interventions (names and other names) and keywords; C the brief
// summary; D the rest of BasicSearch's fields (outcomes, arms, sponsors,
// sites, officials, MeSH terms, phase, ages, type). In cond: A the
// conditions, B the titles, C the condition MeSH terms and ancestors, D
// the keywords. Within a column, values are joined by a stop word, which
// holds a place in the tsvector, so that a phrase cannot match across two
// values (ours matches a phrase within one value of a field). The tsvectors
// and records are compressed with lz4, which PostgreSQL reads back several
// times faster than its default, pglz: ranking reads every match's
// tsvector.
const peerSchemaSQL = `
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;
CREATE TABLE peer.studies (
	nct_id text NOT NULL,
	overall_status text NOT NULL,
	study_type text NOT NULL,
	phases text[] NOT NULL,
	funders text[] NOT NULL,
	sex text NOT NULL,
	std_ages text[] NOT NULL,
	healthy boolean,
	has_results boolean NOT NULL,
	countries text[] NOT NULL,
	titles text NOT NULL,
	conditions text NOT NULL,
	interventions text NOT NULL,
	keywords text NOT NULL,
	summary text NOT NULL,
	condition_mesh text NOT NULL,
	other text NOT NULL,
	raw json COMPRESSION lz4 NOT NULL,
	doc tsvector COMPRESSION lz4 GENERATED ALWAYS AS (
		setweight(to_tsvector('english', titles), 'A') ||
		setweight(to_tsvector('english', conditions), 'A') ||
		setweight(to_tsvector('english', interventions), 'B') ||
		setweight(to_tsvector('english', keywords), 'B') ||
		setweight(to_tsvector('english', summary), 'C') ||
		setweight(to_tsvector('english', condition_mesh), 'D') ||
		setweight(to_tsvector('english', other), 'D')) STORED,
	cond tsvector COMPRESSION lz4 GENERATED ALWAYS AS (
		setweight(to_tsvector('english', conditions), 'A') ||
		setweight(to_tsvector('english', titles), 'B') ||
		setweight(to_tsvector('english', condition_mesh), 'C') ||
		setweight(to_tsvector('english', keywords), 'D')) STORED
);
CREATE UNLOGGED TABLE peer.site_rows (
	nct_id text NOT NULL,
	lat float8 NOT NULL,
	lon float8 NOT NULL
);
CREATE TABLE peer.sites (
	nct_id text NOT NULL,
	lat float8 NOT NULL,
	lon float8 NOT NULL,
	point earth NOT NULL GENERATED ALWAYS AS (ll_to_earth(lat, lon)) STORED
);`

// peerIndexSQL runs after the load: building indexes once is quicker than
// keeping them up to date row by row. The sites are copied from where
// the load put them into their table in order of place (one-degree
// cells), so that a radius search reads a few pages rather than one per
// site, and their earthdistance point is computed once, not per search.
// A study's sites at one point are one row: sites are geocoded to their
// city, and a radius search wants the nearest point per study.
// VACUUM sets the visibility map, which lets counts skip the table where
// the index suffices.
//
// It runs in stages, one after the other; a stage's groups run at once,
// each on a connection of its own, since PostgreSQL builds an index on
// one core (at 600,000 studies each GIN index takes minutes); a group's
// statements run in order.
var peerIndexSQL = [][][]string{
	{
		{`INSERT INTO peer.sites (nct_id, lat, lon) SELECT nct_id, lat, lon FROM (SELECT DISTINCT nct_id, lat, lon FROM peer.site_rows) d
			ORDER BY floor(lat), floor(lon), lat, lon`,
			`DROP TABLE peer.site_rows`},
		{`ALTER TABLE peer.studies ADD PRIMARY KEY (nct_id)`},
	},
	{
		{`CREATE INDEX studies_doc ON peer.studies USING gin (doc)`},
		{`CREATE INDEX studies_cond ON peer.studies USING gin (cond)`},
		{`CREATE INDEX sites_point ON peer.sites USING gist (point)`, `VACUUM ANALYZE peer.sites`},
	},
	{{`VACUUM ANALYZE peer.studies`}},
}

// peerIndexMemory is each index build's maintenance_work_mem.
const peerIndexMemory = `SET maintenance_work_mem = '256MB'`

var (
	peerStudyColumns = []string{"nct_id", "overall_status", "study_type", "phases", "funders", "sex", "std_ages",
		"healthy", "has_results", "countries", "titles", "conditions", "interventions", "keywords", "summary",
		"condition_mesh", "other", "raw"}
	peerSiteColumns = []string{"nct_id", "lat", "lon"}
)

// peerRow is a study's rows, prepared by ingest's parallel workers.
type peerRow struct {
	study []any
	sites [][]any
}

// peerLoader is an ingest.Store that COPYs each batch into the peer
// schema on one of several connections, so that PostgreSQL computes the
// tsvectors on several cores: the tables have no keys or indexes yet, so
// batches may land in any order. Write hands a batch over and returns;
// close waits for the copies and returns the first failure, which Write
// also returns once it has happened.
type peerLoader struct {
	batches chan []peerRow
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	sites   atomic.Int64
}

// startPeerLoader opens n connections to dsn, each copying batches.
func startPeerLoader(ctx context.Context, dsn string, n int) (*peerLoader, error) {
	l := &peerLoader{batches: make(chan []peerRow)}
	for range n {
		conn, err := connectLocal(ctx, dsn)
		if err != nil {
			return nil, errors.Join(err, l.close())
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer conn.Close(context.Background())
			for batch := range l.batches {
				if l.failed() == nil {
					l.fail(l.copy(ctx, conn, batch))
				}
			}
		}()
	}
	return l, nil
}

func (l *peerLoader) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *peerLoader) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// close waits for the batches handed over to be copied.
func (l *peerLoader) close() error {
	close(l.batches)
	l.wg.Wait()
	return l.failed()
}

func (l *peerLoader) Prepare(s study.Study) peerRow {
	var countries, facilities, cities, states, siteStatuses []string
	seen := map[string]bool{}
	var sites [][]any
	for _, l := range s.Locations {
		if c := study.CountryName(l.Country); c != "" && !seen[c] {
			seen[c] = true
			countries = append(countries, c)
		}
		facilities = append(facilities, l.Facility)
		cities = append(cities, l.City)
		states = append(states, l.State)
		siteStatuses = append(siteStatuses, l.Status)
		if l.Geo != nil {
			sites = append(sites, []any{s.NCTID, l.Geo.Lat, l.Geo.Lon})
		}
	}
	var interventions, interventionDetails, interventionTypes []string
	for _, iv := range s.Interventions {
		interventions = append(interventions, iv.Name)
		interventions = append(interventions, iv.OtherNames...)
		interventionDetails = append(interventionDetails, iv.Description)
		interventionTypes = append(interventionTypes, iv.Type)
	}
	var arms, outcomes, officials, collaborators, secondaryIDs []string
	for _, a := range s.Arms {
		arms = append(arms, a.Label, a.Description)
	}
	for _, o := range s.Outcomes {
		if o.Kind != "OTHER" { // BasicSearch has primary and secondary outcomes only
			outcomes = append(outcomes, o.Measure)
		}
	}
	for _, o := range s.OverallOfficials {
		officials = append(officials, o.Name)
	}
	for _, c := range s.Collaborators {
		collaborators = append(collaborators, c.Name)
	}
	for _, id := range s.SecondaryIDs {
		secondaryIDs = append(secondaryIDs, id.ID)
	}
	mesh := func(ts ...[]study.MeSHTerm) []string {
		var out []string
		for _, t := range ts {
			for _, m := range t {
				out = append(out, m.Term)
			}
		}
		return out
	}
	other := [][]string{
		s.Phases, s.Eligibility.StdAges, {s.StudyType}, outcomes, arms, interventionDetails, interventionTypes,
		{s.LeadSponsor.Name, s.OrgStudyID}, collaborators, secondaryIDs, facilities, siteStatuses, cities, states,
		countries, officials, mesh(s.InterventionMeSH),
	}
	var rest []string
	for _, vs := range other {
		rest = append(rest, vs...)
	}
	return peerRow{
		study: []any{s.NCTID, s.OverallStatus, s.StudyType, nonNil(s.Phases), nonNil(s.FunderTypes()),
			s.Eligibility.Sex, nonNil(s.Eligibility.StdAges), s.Eligibility.HealthyVolunteers, s.HasResults, nonNil(countries),
			values(s.NCTID, s.Acronym, s.BriefTitle, s.OfficialTitle), values(s.Conditions...),
			values(interventions...), values(s.Keywords...), values(s.BriefSummary),
			values(mesh(s.ConditionMeSH, s.ConditionAncestors)...), values(rest...), s.Raw},
		sites: sites,
	}
}

// values joins a field's values with a stop word between them (see
// peerSchemaSQL).
func values(vs ...string) string {
	var b strings.Builder
	for _, v := range vs {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" the ")
		}
		b.WriteString(v)
	}
	return b.String()
}

// nonNil makes an absent list an empty array rather than NULL.
func nonNil(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}

func (l *peerLoader) Write(ctx context.Context, batch []peerRow) ([]study.Change, error) {
	if err := l.failed(); err != nil {
		return nil, err
	}
	select {
	case l.batches <- slices.Clone(batch): // ingest reuses batch once Write returns
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	changes := make([]study.Change, len(batch))
	for i := range changes {
		changes[i] = study.Inserted
	}
	return changes, nil
}

// copy COPYs one batch's studies and sites in one transaction.
func (l *peerLoader) copy(ctx context.Context, conn *pgx.Conn, batch []peerRow) error {
	studies := make([][]any, len(batch))
	var sites [][]any
	for i, r := range batch {
		studies[i] = r.study
		sites = append(sites, r.sites...)
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"peer", "studies"}, peerStudyColumns, pgx.CopyFromRows(studies)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"peer", "site_rows"}, peerSiteColumns, pgx.CopyFromRows(sites))
		return err
	})
	if err != nil {
		return fmt.Errorf("peer: copy a batch: %w", err)
	}
	l.sites.Add(int64(len(sites)))
	return nil
}

// ReparseCriteria is nothing to do: the peer searches no criteria.
func (l *peerLoader) ReparseCriteria(context.Context) (int, error) { return 0, nil }

// loadPeer (re)creates the peer schema in the database at dsn and loads
// sources into it, decoding with the same pipeline as ingest and copying
// on as many connections as there are cores, then builds the indexes; it
// prints how long each step took and what it holds to out, and progress
// and rejected records to log.
func loadPeer(ctx context.Context, dsn string, sources []ingest.Source, log, out io.Writer) error {
	conn, err := connectLocal(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	start := time.Now()
	if _, err := conn.Exec(ctx, peerSchemaSQL); err != nil {
		return fmt.Errorf("peer: create the schema: %w", err)
	}
	l, err := startPeerLoader(ctx, dsn, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	sum, err := ingest.Run(ctx, l, sources, ingest.Options{Rejects: log, ProgressEvery: 10 * time.Second,
		Progress: func(p ingest.Progress) {
			if !p.Done {
				fmt.Fprintf(log, "%d records in %s\n", p.Records, p.Elapsed.Round(time.Second))
			}
		}})
	if err = errors.Join(err, l.close()); err != nil {
		return fmt.Errorf("peer: load: %w", err)
	}
	copied := time.Since(start)
	fmt.Fprintf(out, "copied %d studies and %d geocoded sites in %s (%.0f studies/s, tsvectors included), %d rejected\n",
		sum.Inserted, l.sites.Load(), copied.Round(time.Millisecond), float64(sum.Inserted)/copied.Seconds(), sum.Rejected)
	for _, stage := range peerIndexSQL {
		if err := runGroups(ctx, dsn, stage); err != nil {
			return err
		}
	}
	var size int64
	if err := conn.QueryRow(ctx, `SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'peer' AND c.relkind = 'r'`).Scan(&size); err != nil {
		return fmt.Errorf("peer: size: %w", err)
	}
	total := time.Since(start)
	_, err = fmt.Fprintf(out, "indexes and statistics in %s; peer loaded in %s; schema peer holds %d MB\n",
		(total - copied).Round(time.Millisecond), total.Round(time.Millisecond), size>>20)
	return err
}

// runGroups runs each group of statements on a connection of its own, at
// once, and waits for all of them.
func runGroups(ctx context.Context, dsn string, groups [][]string) error {
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, group := range groups {
		wg.Go(func() {
			conn, err := connectLocal(ctx, dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(context.Background())
			for _, q := range append([]string{peerIndexMemory}, group...) {
				if _, err := conn.Exec(ctx, q); err != nil {
					errs[i] = fmt.Errorf("peer: %s: %w", q, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
