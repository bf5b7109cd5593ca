package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/bench"
	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/ingest"
	"github.com/trialfinder/trialfinder/internal/server"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestPeerSQLRefuses checks that a request the peer has no SQL for is an
// error rather than a different search measured under the same name.
func TestPeerSQLRefuses(t *testing.T) {
	for _, path := range []string{
		"/api/v2/studies?filter.advanced=AREA%5BPhase%5DPHASE3",
		"/api/v2/studies?query.term=cancer&sort=LastUpdatePostDate",
		"/api/v2/studies?sort=distance",
		"/api/v2/studies?query.term=cancer&pageToken=abc",
		"/api/v2/studies?query.term=AREA%5BStartDate%5DRANGE%5B2020,MAX%5D",
		"/api/v2/studies?filter.geo=near(NYC)",
		"/api/v2/stats/size",
	} {
		if _, err := peerSQL(path, 1, nil); err == nil {
			t.Errorf("%s: no error", path)
		}
	}
}

// TestPeerSQLPages checks that a page token stands for its page's offset,
// whatever order the parameters come in.
func TestPeerSQLPages(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v2/studies?query.term=cancer":                            "LIMIT 10 OFFSET 0",
		"/api/v2/studies?query.term=cancer&pageToken=x":                "LIMIT 10 OFFSET 190",
		"/api/v2/studies?pageToken=x&query.term=cancer&pageSize=5":     "LIMIT 5 OFFSET 95",
		"/api/v2/studies?pageSize=5&query.term=cancer&countTotal=true": "LIMIT 5 OFFSET 0",
	} {
		st, err := peerSQL(path, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(st.sqls[0], want) {
			t.Errorf("%s: %s, want it to end in %s", path, st.sqls[0], want)
		}
	}
}

// TestPeer loads the bundled records into the peer schema of a real
// PostgreSQL and runs our server on the same records: searches by
// filters alone find the same studies in both, the radius search's
// first page is the same studies in the same order, text searches find
// studies in both, and the whole mix runs as SQL without an error.
func TestPeer(t *testing.T) {
	dsn := peerDatabase(t)
	ctx := t.Context()
	studies, err := demo.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sources []ingest.Source
	for _, f := range demo.Files {
		sources = append(sources, ingest.Source{FS: demo.FS, Path: f})
	}
	var out bytes.Buffer
	if err := loadPeer(ctx, dsn, sources, &out, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	conns, err := openPeerConns(ctx, dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer conns.close()
	if loaded, err := conns.count(ctx, peerStatement{count: "SELECT count(*) FROM peer.studies"}); err != nil || loaded != len(studies) {
		t.Fatalf("the peer holds %d studies (%v), want %d", loaded, err, len(studies))
	}

	h, err := newHTTP(startServer(t, studies), 2)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := bench.Mix(ctx, h.get)
	if err != nil {
		t.Fatal(err)
	}
	syn, err := conditionSynonyms()
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	counts, err := checkCounts(ctx, &table, h.get, conns, mix, syn)
	if err != nil {
		t.Fatalf("%v\n%s", err, table.String())
	}
	t.Logf("counts:\n%s", table.String())
	for _, c := range counts {
		if c.ours == 0 {
			t.Errorf("%s: ours finds nothing in the demo records; the check checks nothing", c.kind)
		}
		if c.peer == 0 {
			t.Errorf("%s: the peer finds nothing where ours finds %d", c.kind, c.ours)
		}
	}

	// The radius search sorts by distance: its first page is the same
	// studies in the same order.
	var geo string
	for _, q := range mix {
		if q.Kind == "geo" {
			geo = q.Paths[0]
		}
	}
	ourPage, err := h.get(ctx, geo)
	if err != nil {
		t.Fatal(err)
	}
	st, err := peerSQL(geo, 1, syn)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := peerPageIDs(t, dsn, st), pageIDs(t, ourPage); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("geo: the peer's first page is %v, ours %v", got, want)
	}

	stmts, err := peerMix(mix, syn)
	if err != nil {
		t.Fatal(err)
	}
	rep := bench.Run(ctx, conns.sender(stmts), mix, bench.Options{Clients: 2, Duration: time.Minute, MaxRequests: int64(3 * len(mix))})
	if rep.Overall.Errors > 0 || rep.Overall.Requests != 3*len(mix) {
		var b strings.Builder
		rep.Write(&b)
		t.Errorf("the mix as SQL:\n%s", b.String())
	}
}

// peerDatabase creates a database of its own for the test on the server
// TRIALFINDER_TEST_POSTGRES names, dropped when the test ends.
func peerDatabase(t *testing.T) string {
	admin := os.Getenv("TRIALFINDER_TEST_POSTGRES")
	if admin == "" {
		t.Skip("the peer's tests need a PostgreSQL: set TRIALFINDER_TEST_POSTGRES to its DSN (scripts/test.sh starts one)")
	}
	name := "loadgen_peer_" + strings.ToLower(rand.Text()[:12])
	exec := func(ctx context.Context, sql string) {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(t.Context(), `CREATE DATABASE "`+name+`"`)
	t.Cleanup(func() { exec(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// startServer runs our server on studies in a new SQLite store and
// returns its address once its index is built. The studies are stored
// as they are, without ingest's criteria parsing, which the peer does not
// need and which is slow under the race detector.
func startServer(t *testing.T, studies []study.Study) string {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	seed := func(ctx context.Context) error {
		_, err := st.Upsert(ctx, studies)
		return err
	}
	srv, err := server.New(server.Config{Store: st, Seed: seed,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		st.Close()
	})
	base := "http://" + ln.Addr().String()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server was not ready within 5 minutes: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pageIDs returns the NCT IDs of a page of our API's answer.
func pageIDs(t *testing.T, body []byte) []string {
	var page struct {
		Studies []json.RawMessage `json:"studies"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range page.Studies {
		ids = append(ids, recordID(t, s))
	}
	return ids
}

// peerPageIDs runs a statement's page and returns its studies' NCT IDs.
func peerPageIDs(t *testing.T, dsn string, st peerStatement) []string {
	c, err := connectLocal(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	rows, err := c.Query(t.Context(), st.sqls[0], st.args...)
	if err != nil {
		t.Fatal(err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range raws {
		ids = append(ids, recordID(t, r))
	}
	return ids
}

func recordID(t *testing.T, record []byte) string {
	s, err := ctgov.DecodeV2(record)
	if err != nil {
		t.Fatal(err)
	}
	return s.NCTID
}

// TestTreeCPU checks the CPU readings on this process, which has used
// some by the time the test runs.
func TestTreeCPU(t *testing.T) {
	own, err := processCPU(os.Getpid())
	if err != nil || own <= 0 {
		t.Fatalf("own CPU %v s, %v", own, err)
	}
	tree, err := treeCPU(os.Getpid())
	if err != nil || tree < own {
		t.Fatalf("tree CPU %v s (%v) is less than the process's own, %v s", tree, err, own)
	}
}
