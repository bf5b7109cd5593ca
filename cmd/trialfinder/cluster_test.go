package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

// followTarget is how soon every web node serves a change synced
// upstream (the target).
const followTarget = 30 * time.Second

// TestCluster runs the scaled-out deployment as real processes: two web
// nodes (with PostgreSQL, one reading from the replica) and two sync
// nodes contending for the sync lease, on one store, syncing with a local
// ClinicalTrials.gov serving real records. Changes made upstream reach
// both web nodes; killing the syncing node hands the lease to the other,
// which syncs the next change; killing a web node loses nothing, and it
// serves the same when started again.
func TestCluster(t *testing.T) {
	dsn, replica := clusterStore(t)
	// A few real records rather than the whole demo: the web nodes here
	// rebuild their views on every change, several of them on two
	// cores, and the test is of the nodes working together, not of
	// their speed.
	raws := map[string][]byte{}
	for _, raw := range storetest.Records(t) {
		id, _ := upstreamtest.KeysOf(t, raw)
		raws[id] = raw
	}
	ids := slices.Sorted(maps.Keys(raws))
	// The ones changed upstream: fresh appears, changed is edited, gone
	// disappears, later is edited after the sync node dies.
	fresh, changed, gone, later := ids[10], ids[100], ids[120], ids[130]
	fake, api := upstreamtest.New(t, nil, "2026-01-10T09:00:05")
	for _, id := range ids {
		if id != fresh {
			fake.Put(raws[id])
		}
	}
	live := map[string]bool{} // what every web node must serve
	for _, id := range ids {
		live[id] = id != fresh
	}

	syncArgs := []string{"serve", "--role", "sync", "--db", dsn, "--addr", "127.0.0.1:0",
		"--sync-every", "500ms", "--sync-api", api.URL, "--lease-ttl", "3s"}
	webArgs := []string{"serve", "--role", "web", "--db", dsn, "--addr", "127.0.0.1:0", "--refresh-every", "300ms"}
	syncers := []*node{startNode(t, "sync-1", syncArgs...), startNode(t, "sync-2", syncArgs...)}
	holder := bootstrapped(t, syncers)
	replicaArgs := webArgs
	if replica != "" {
		replicaArgs = append(slices.Clone(webArgs), "--db-read", replica)
	}
	webs := []*node{startNode(t, "web-1", webArgs...), startNode(t, "web-2", replicaArgs...)}
	for _, w := range webs {
		w.waitFor(t, 2*time.Minute, "serves the bootstrapped store", func() error { return w.serves(t, live) })
	}

	// Upstream changes: a study appears, one changes, one disappears.
	fake.Put(storetest.Edit(t, raws[fresh], func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2026-01-11"}
	}))
	fake.Put(retitle(t, raws[changed], "Quokkaplasty first", "2026-01-11"))
	fake.Remove(gone)
	fake.SetTimestamp("2026-01-11T09:00:05")
	live[fresh], live[gone] = true, false
	start := time.Now()
	for _, w := range webs {
		w.waitFor(t, followTarget-time.Since(start), "serves the upstream changes", func() error {
			if err := w.finds(t, "query.term=quokkaplasty", changed); err != nil {
				return err
			}
			if err := w.finds(t, "filter.ids="+fresh, fresh); err != nil {
				return err
			}
			if err := w.finds(t, "filter.ids="+gone, ""); err != nil {
				return err
			}
			return w.pageShows(changed, "Quokkaplasty first")
		})
	}
	t.Logf("both web nodes served the changes %s after they were published upstream", time.Since(start).Round(time.Millisecond))

	// The syncing node dies in the middle of a sync (upstream is slow to
	// answer its page of changes): the other takes the lease over once
	// it expires, resumes the sync from its checkpoint, and the change
	// reaches the web nodes.
	fake.Put(retitle(t, raws[later], "Wombatectomy second", "2026-01-12"))
	fake.Inject(upstreamtest.Fault{Kind: "slow", Path: "/studies", Slow: time.Minute})
	fake.SetTimestamp("2026-01-12T09:00:05")
	holder.waitFor(t, 30*time.Second, "asks for the changes", func() error {
		if fake.PendingFaults() != 0 {
			return errors.New("not yet")
		}
		return nil
	})
	holder.kill(t)
	start = time.Now()
	standby := syncers[0]
	if standby == holder {
		standby = syncers[1]
	}
	standby.waitFor(t, 30*time.Second, "takes over the sync lease", func() error {
		if h := standby.health(); h.SyncLease == nil || !h.SyncLease.Held {
			return fmt.Errorf("lease: %+v", h.SyncLease)
		}
		return nil
	})
	for _, w := range webs {
		w.waitFor(t, followTarget-time.Since(start), "serves the change the new sync node synced", func() error {
			return w.finds(t, "query.term=wombatectomy", later)
		})
	}
	if !strings.Contains(standby.log.String(), "resuming an interrupted sync") {
		t.Errorf("%s did not resume the sync %s was killed in", standby.name, holder.name)
	}

	// A web node dies: the other serves every study; started again, it
	// serves the same.
	webs[0].kill(t)
	if err := webs[1].lists(t, live); err != nil {
		t.Errorf("after web-1 died, web-2: %v", err)
	}
	again := startNode(t, "web-1 again", webArgs...)
	again.waitFor(t, 2*time.Minute, "serves every study", func() error { return again.serves(t, live) })
}

// clusterStore is the store the nodes share, and the DSN of its replica:
// a PostgreSQL database when the test server is configured, otherwise a
// SQLite file (then the nodes share a machine, and there is no replica).
func clusterStore(t *testing.T) (dsn, replica string) {
	if os.Getenv(pgtest.EnvPrimary) != "" {
		return pgtest.Database(t)
	}
	return filepath.Join(t.TempDir(), "cluster.db"), ""
}

// retitle returns a record with a new brief title and last-update date.
func retitle(t *testing.T, raw []byte, title, updated string) []byte {
	return storetest.Edit(t, raw, func(rec map[string]any) {
		storetest.Module(rec, "identificationModule")["briefTitle"] = title
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": updated}
	})
}

// node is a `trialfinder serve` process.
type node struct {
	name string
	cmd  *exec.Cmd
	log  *lockedBuffer
	base string
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

func startNode(t *testing.T, name string, args ...string) *node {
	t.Helper()
	n := &node{name: name, log: &lockedBuffer{}}
	n.cmd = commandOf(t, io.Discard, n.log, args...)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			n.cmd.Process.Kill()
			n.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", n.name, n.log)
		}
	})
	n.waitFor(t, time.Minute, "listens", func() error {
		m := listening.FindStringSubmatch(n.log.String())
		if m == nil {
			return fmt.Errorf("not yet")
		}
		n.base = "http://" + m[1]
		return nil
	})
	return n
}

// kill kills the node with SIGKILL: nothing it does on shutdown runs.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
}

// waitFor polls ok until it returns nil, for at most d.
func (n *node) waitFor(t *testing.T, d time.Duration, what string, ok func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := ok()
		if err == nil {
			return
		}
		if n.cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("%s never %s: %v", n.name, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (n *node) get(path string, into any) error {
	res, err := http.Get(n.base + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %.200s", path, res.Status, body)
	}
	if into == nil {
		return nil
	}
	if b, ok := into.(*[]byte); ok {
		*b = body
		return nil
	}
	return json.Unmarshal(body, into)
}

// nodeHealth is what the test reads of /healthz.
type nodeHealth struct {
	Status                string `json:"status"`
	Role                  string `json:"role"`
	LastSync              string `json:"lastSync"`
	UpstreamDataTimestamp string `json:"upstreamDataTimestamp"`
	SyncLease             *struct {
		Holder string `json:"holder"`
		Held   bool   `json:"held"`
		HeldBy string `json:"heldBy"`
		Epoch  int64  `json:"epoch"`
	} `json:"syncLease"`
	Views *struct {
		Generation     int64 `json:"generation"`
		LagGenerations int64 `json:"lagGenerations"`
	} `json:"views"`
}

func (n *node) health() nodeHealth {
	var h nodeHealth
	n.get("/healthz", &h)
	return h
}

// search returns the NCT IDs of a page of search results and the next
// page's token.
func (n *node) search(t *testing.T, query url.Values) (ids []string, next string, err error) {
	query.Set("fields", "NCTId")
	var p struct {
		Studies       []json.RawMessage `json:"studies"`
		NextPageToken string            `json:"nextPageToken"`
	}
	if err := n.get("/api/v2/studies?"+query.Encode(), &p); err != nil {
		return nil, "", err
	}
	for _, s := range p.Studies {
		id, _ := upstreamtest.KeysOf(t, s)
		ids = append(ids, id)
	}
	return ids, p.NextPageToken, nil
}

// finds checks that a search finds exactly the study id ("": none).
func (n *node) finds(t *testing.T, query, id string) error {
	q, err := url.ParseQuery(query)
	if err != nil {
		return err
	}
	got, _, err := n.search(t, q)
	if err != nil {
		return err
	}
	if want := []string{id}; id == "" && len(got) != 0 || id != "" && !slices.Equal(got, want) {
		return fmt.Errorf("%s finds %v, want %q", query, got, id)
	}
	return nil
}

// pageShows checks that the trial page of id shows text.
func (n *node) pageShows(id, text string) error {
	var body []byte
	if err := n.get("/study/"+id, &body); err != nil {
		return err
	}
	if !bytes.Contains(body, []byte(text)) {
		return fmt.Errorf("the page of %s does not show %q", id, text)
	}
	return nil
}

// serves checks that the node's views hold the store's generation and
// that it lists exactly the live studies.
func (n *node) serves(t *testing.T, live map[string]bool) error {
	if h := n.health(); h.Status != "ok" || h.Views == nil || h.Views.LagGenerations != 0 {
		return fmt.Errorf("not current: %+v", h)
	}
	return n.lists(t, live)
}

// lists checks that the node lists exactly the live studies.
func (n *node) lists(t *testing.T, live map[string]bool) error {
	var got []string
	q := url.Values{"pageSize": {"1000"}}
	for {
		ids, next, err := n.search(t, q)
		if err != nil {
			return err
		}
		got = append(got, ids...)
		if next == "" {
			break
		}
		q.Set("pageToken", next)
	}
	var want []string
	for id, ok := range live {
		if ok {
			want = append(want, id)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("lists %d studies, want %d", len(got), len(want))
	}
	return nil
}

// bootstrapped waits until one of the sync nodes has synced the store
// for the first time, and returns it: the lease holder.
func bootstrapped(t *testing.T, syncers []*node) *node {
	t.Helper()
	var holder *node
	syncers[0].waitFor(t, time.Minute, "sees the store bootstrapped", func() error {
		if holder = leaseHolder(t, syncers); holder.health().LastSync == "" {
			return errors.New("not synced yet")
		}
		return nil
	})
	return holder
}

// leaseHolder returns the one sync node that holds the sync lease,
// checking that the others know they do not.
func leaseHolder(t *testing.T, syncers []*node) *node {
	t.Helper()
	var holder *node
	for _, n := range syncers {
		h := n.health()
		if h.Role != "sync" || h.SyncLease == nil || h.Views != nil {
			t.Fatalf("%s's /healthz: %+v", n.name, h)
		}
		if h.SyncLease.Held {
			if holder != nil {
				t.Fatalf("%s and %s both hold the sync lease", holder.name, n.name)
			}
			holder = n
		}
	}
	if holder == nil {
		t.Fatal("no sync node holds the sync lease")
	}
	return holder
}

// lockedBuffer is a process's output, read while it writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
