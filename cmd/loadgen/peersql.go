package main

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/bench"
	"github.com/trialfinder/trialfinder/internal/query"
)

// peerStatement is one request of the mix as SQL over the peer schema:
// the statements its answer needs (a page of records, and the facets or
// the total when asked for), sent together in one round trip with the
// same arguments, and the statement counting its matches.
type peerStatement struct {
	sqls  []string
	count string
	args  []any
}

// apiPageSize is our API's default page size, which the mix uses.
const apiPageSize = 10

// peerSQL turns the API request path of a mix query into SQL. page is
// the page number the path's pageToken stands for (see bench.Query.Page).
// synonyms, when set, gives a condition's synonyms, which query.cond
// searches too, as our server does.
func peerSQL(path string, page int, synonyms func(string) []string) (peerStatement, error) {
	u, err := url.Parse(path)
	if err != nil {
		return peerStatement{}, fmt.Errorf("peer: %q: %w", path, err)
	}
	if id, ok := strings.CutPrefix(u.Path, "/api/v2/studies/"); ok {
		return peerStatement{
			sqls:  []string{`SELECT raw FROM peer.studies WHERE nct_id = $1`},
			count: `SELECT count(*) FROM peer.studies WHERE nct_id = $1`,
			args:  []any{id},
		}, nil
	}
	if u.Path != "/api/v2/studies" {
		return peerStatement{}, fmt.Errorf("peer: no SQL for %s", u.Path)
	}
	var q sqlQuery
	size := apiPageSize
	var facets, countTotal, byDistance, paged bool
	params := u.Query()
	// In order, so that a path always gives the same SQL.
	for _, key := range slices.Sorted(maps.Keys(params)) {
		v := params.Get(key)
		switch key {
		case "query.term":
			err = q.text("doc", v, nil)
		case "query.cond":
			err = q.text("cond", v, synonyms)
		case "filter.overallStatus":
			q.where = append(q.where, "s.overall_status = ANY("+q.arg(strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' }))+"::text[])")
		case "filter.geo":
			err = q.geo(v)
		case "sort":
			if v != "distance" && v != "distance:asc" {
				err = fmt.Errorf("peer: no SQL for sort=%s", v)
			}
			byDistance = true
		case "extensions":
			if v != "facets" {
				err = fmt.Errorf("peer: no SQL for extensions=%s", v)
			}
			facets = true
		case "countTotal":
			countTotal, err = strconv.ParseBool(v)
		case "pageSize":
			size, err = strconv.Atoi(v)
		case "pageToken":
			if page < 2 {
				err = fmt.Errorf("peer: %s has a pageToken but no page number", path)
			}
			paged = true
		default:
			err = fmt.Errorf("peer: no SQL for the parameter %s", key)
		}
		if err != nil {
			return peerStatement{}, err
		}
	}
	if byDistance && q.distance == "" {
		return peerStatement{}, fmt.Errorf("peer: %s sorts by distance without filter.geo", path)
	}
	offset := 0
	if paged {
		offset = (page - 1) * size
	}
	order := "s.nct_id"
	switch {
	case byDistance:
		order = q.distance + ", s.nct_id"
	case len(q.rank) > 0:
		order = strings.Join(q.rank, " + ") + " DESC, s.nct_id"
	}
	with, from := q.withFrom()
	st := peerStatement{
		sqls: []string{fmt.Sprintf("%sSELECT s.raw FROM %s ORDER BY %s LIMIT %d OFFSET %d",
			with, from, order, size, offset)},
		count: with + "SELECT count(*) FROM " + from,
		args:  q.args,
	}
	switch {
	case facets:
		st.sqls = append(st.sqls, facetSQL(q))
	case countTotal:
		st.sqls = append(st.sqls, st.count)
	}
	return st, nil
}

// sqlQuery collects the parts of a search's SQL.
type sqlQuery struct {
	args     []any
	with     []string // common table expressions
	from     []string // after "peer.studies s"
	where    []string
	rank     []string // relevance terms, summed
	distance string   // the nearest site's distance, with filter.geo
}

func (q *sqlQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *sqlQuery) withFrom() (with, from string) {
	if len(q.with) > 0 {
		with = "WITH " + strings.Join(q.with, ", ") + " "
	}
	from = strings.Join(append([]string{"peer.studies s"}, q.from...), ", ")
	if len(q.where) > 0 {
		from += " WHERE " + strings.Join(q.where, " AND ")
	}
	return with, from
}

// text adds a search of our query language in a tsvector column, ranked
// with ts_rank. The tsquery is written out where it is used: the peer's
// connections plan each statement with its arguments (plan_cache_mode
// force_custom_plan), so PostgreSQL folds it into a constant once.
func (q *sqlQuery) text(column, src string, synonyms func(string) []string) error {
	n, err := query.Parse(src)
	if err != nil {
		return fmt.Errorf("peer: %q: %w", src, err)
	}
	tsq, err := q.tsquery(n, synonyms)
	if err != nil {
		return err
	}
	q.where = append(q.where, "s."+column+" @@ "+tsq)
	q.rank = append(q.rank, "ts_rank(s."+column+", "+tsq+")")
	return nil
}

// tsquery writes a query as a tsquery expression: all words of a run
// (plainto_tsquery), a phrase (phraseto_tsquery), AND, OR and NOT; each
// run or phrase OR its synonyms as phrases.
func (q *sqlQuery) tsquery(n query.Node, synonyms func(string) []string) (string, error) {
	var words func(fn, text string) string
	words = func(fn, text string) string {
		alts := []string{fn + "('english', " + q.arg(text) + "::text)"}
		if synonyms != nil {
			for _, s := range synonyms(text) {
				alts = append(alts, "phraseto_tsquery('english', "+q.arg(s)+"::text)")
			}
		}
		return "(" + strings.Join(alts, " || ") + ")"
	}
	join := func(nodes []query.Node, op string) (string, error) {
		parts := make([]string, len(nodes))
		for i, c := range nodes {
			var err error
			if parts[i], err = q.tsquery(c, synonyms); err != nil {
				return "", err
			}
		}
		return "(" + strings.Join(parts, " "+op+" ") + ")", nil
	}
	switch n := n.(type) {
	case *query.Term:
		return words("plainto_tsquery", n.Text), nil
	case *query.Phrase:
		return words("phraseto_tsquery", n.Text), nil
	case *query.And:
		return join(n.Nodes, "&&")
	case *query.Or:
		return join(n.Nodes, "||")
	case *query.Not:
		s, err := q.tsquery(n.Node, synonyms)
		return "(!!" + s + ")", err
	}
	return "", fmt.Errorf("peer: no SQL for %s", n)
}

var geoFilter = regexp.MustCompile(`^distance\(\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)\s*,\s*([0-9.]+)(km|mi)\s*\)$`)

// geo adds filter.geo: studies with a geocoded site within the radius,
// with the nearest one's distance. earthdistance's sphere has a radius
// of earth() metres; the radius is scaled to it from ours (6,371.0088 km,
// the mean radius), so that both keep the same sites.
func (q *sqlQuery) geo(v string) error {
	m := geoFilter.FindStringSubmatch(v)
	if m == nil {
		return fmt.Errorf("peer: no SQL for filter.geo=%s", v)
	}
	var f [3]float64
	for i := range f {
		var err error
		if f[i], err = strconv.ParseFloat(m[i+1], 64); err != nil {
			return fmt.Errorf("peer: filter.geo=%s: %w", v, err)
		}
	}
	km := f[2]
	if m[4] == "mi" {
		km *= 1.609344
	}
	here := "ll_to_earth(" + q.arg(f[0]) + "::float8, " + q.arg(f[1]) + "::float8)"
	radius := "(" + q.arg(km) + "::float8 * earth() / 6371.0088)"
	q.with = append(q.with, "near AS (SELECT nct_id, min(earth_distance("+here+", point)) AS m FROM peer.sites"+
		" WHERE earth_box("+here+", "+radius+") @> point AND earth_distance("+here+", point) <= "+radius+
		" GROUP BY nct_id)")
	q.from = append(q.from, "near")
	q.where = append(q.where, "near.nct_id = s.nct_id")
	q.distance = "near.m"
	return nil
}

// facetSQL counts the facets our API returns (extensions=facets) over the
// matches, one GROUP BY each, and the total: the matches are read once
// into a materialised table.
func facetSQL(q sqlQuery) string {
	with, from := q.withFrom()
	if with == "" {
		with = "WITH "
	} else {
		with += ", "
	}
	return with + `m AS MATERIALIZED (SELECT s.overall_status, s.study_type, s.phases, s.funders, s.sex, s.std_ages,
		s.healthy, s.has_results, s.countries FROM ` + from + `)
	SELECT 'total' AS facet, NULL::text AS value, count(*) AS n FROM m
	UNION ALL SELECT 'OverallStatus', overall_status, count(*) FROM m GROUP BY 2
	UNION ALL SELECT 'StudyType', study_type, count(*) FROM m GROUP BY 2
	UNION ALL SELECT 'Phase', v, count(*) FROM m, unnest(phases) v GROUP BY 2
	UNION ALL SELECT 'FunderType', v, count(*) FROM m, unnest(funders) v GROUP BY 2
	UNION ALL SELECT 'Sex', sex, count(*) FROM m GROUP BY 2
	UNION ALL SELECT 'StdAge', v, count(*) FROM m, unnest(std_ages) v GROUP BY 2
	UNION ALL SELECT 'HealthyVolunteers', healthy::text, count(*) FROM m GROUP BY 2
	UNION ALL SELECT 'HasResults', has_results::text, count(*) FROM m GROUP BY 2
	UNION ALL (SELECT 'Country', v, count(*) FROM m, unnest(countries) v GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT 30)`
}

// peerMix is the mix's requests as SQL, by path.
func peerMix(mix []bench.Query, synonyms func(string) []string) (map[string]peerStatement, error) {
	out := map[string]peerStatement{}
	for _, q := range mix {
		for _, p := range q.Paths {
			st, err := peerSQL(p, max(q.Page, 1), synonyms)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q.Kind, err)
			}
			out[p] = st
		}
	}
	return out, nil
}

// peerConns is a fixed set of connections to the peer, one per client.
type peerConns chan *pgx.Conn

func openPeerConns(ctx context.Context, dsn string, n int) (peerConns, error) {
	conns := make(peerConns, n)
	for range n {
		c, err := connectLocal(ctx, dsn)
		if err != nil {
			conns.close()
			return nil, err
		}
		conns <- c
	}
	return conns, nil
}

func (p peerConns) close() {
	for {
		select {
		case c := <-p:
			c.Close(context.Background())
		default:
			return
		}
	}
}

// exec runs st and reads every row of its answer, as a client would.
func (p peerConns) exec(ctx context.Context, st peerStatement) error {
	var c *pgx.Conn
	select {
	case c = <-p:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p <- c }()
	var b pgx.Batch
	for _, s := range st.sqls {
		b.Queue(s, st.args...)
	}
	res := c.SendBatch(ctx, &b)
	for range st.sqls {
		rows, err := res.Query()
		if err != nil {
			res.Close()
			return err
		}
		for rows.Next() {
			_ = rows.RawValues()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			res.Close()
			return err
		}
	}
	return res.Close()
}

// count returns how many studies st matches.
func (p peerConns) count(ctx context.Context, st peerStatement) (int, error) {
	c := <-p
	defer func() { p <- c }()
	var n int
	err := c.QueryRow(ctx, st.count, st.args...).Scan(&n)
	return n, err
}

// sender runs the mix's requests as their SQL, for bench.Run.
func (p peerConns) sender(stmts map[string]peerStatement) bench.Sender {
	return func(ctx context.Context, _, path, _ string) (int, error) {
		st, ok := stmts[path]
		if !ok {
			return 0, fmt.Errorf("peer: no SQL for %s", path)
		}
		if err := p.exec(ctx, st); err != nil {
			return 0, err
		}
		return 200, nil
	}
}

// connectLocal connects to a PostgreSQL on this machine (a loopback
// address or a Unix socket), planning every statement with its arguments
// as a client sending literal SQL would have it planned.
func connectLocal(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL DSN: %w", err)
	}
	if !strings.HasPrefix(cfg.Host, "/") {
		if err := loopbackHost(cfg.Host); err != nil {
			return nil, err
		}
	}
	cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return c, nil
}

// postmasterPID returns the process ID of the PostgreSQL server at dsn,
// the parent of a backend, to read its CPU from /proc.
func postmasterPID(ctx context.Context, dsn string) (int, error) {
	c, err := connectLocal(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer c.Close(context.Background())
	var backend int
	if err := c.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0, err
	}
	st, err := readProcStat(backend)
	if err != nil {
		return 0, fmt.Errorf("PostgreSQL's processes are not visible here (%w); is it on this machine?", err)
	}
	return st.ppid, nil
}
