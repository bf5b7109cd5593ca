package main

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/upstream/upstreamtest"
)

// TestClusterFencing: the syncing node is paused (SIGSTOP) in the middle
// of a sync, waiting on a page of changes, past its lease's expiry. The
// other sync node takes the lease over with a greater epoch, resumes the
// sync and syncs a later change. Resumed (SIGCONT) with that page in
// hand, the old node writes nothing: the store's checkpoint, generation
// and records stay as the new holder left them, the old node says it
// lost the lease and stands by, and the new holder goes on syncing.
func TestClusterFencing(t *testing.T) {
	dsn, _ := clusterStore(t)
	raws := map[string][]byte{}
	for _, raw := range storetest.Records(t)[:30] {
		id, _ := upstreamtest.KeysOf(t, raw)
		raws[id] = raw
	}
	ids := slices.Sorted(maps.Keys(raws))
	fake, api := upstreamtest.New(t, nil, "2026-01-10T09:00:05")
	for _, id := range ids {
		fake.Put(raws[id])
	}
	const ttl = 3 * time.Second
	args := []string{"serve", "--role", "sync", "--db", dsn, "--addr", "127.0.0.1:0",
		"--sync-every", "500ms", "--sync-api", api.URL, "--lease-ttl", ttl.String()}
	syncers := []*node{startNode(t, "sync-1", args...), startNode(t, "sync-2", args...)}
	old := bootstrapped(t, syncers)
	standby := syncers[0]
	if standby == old {
		standby = syncers[1]
	}
	oldEpoch := old.health().SyncLease.Epoch

	// The holder asks for a change and stalls on the answer, which comes
	// while it is paused, past its lease's expiry.
	x, y := ids[3], ids[17]
	fake.Put(retitle(t, raws[x], "Paused first", "2026-01-11"))
	fake.Inject(upstreamtest.Fault{Kind: "slow", Path: "/studies", Slow: ttl})
	fake.SetTimestamp("2026-01-11T09:00:05")
	old.waitFor(t, 30*time.Second, "asks for the change", func() error {
		if fake.PendingFaults() != 0 {
			return errors.New("not yet")
		}
		return nil
	})
	if err := old.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	// The standby takes over, resumes the sync, and syncs a later change.
	synced := func(ts string) func() error {
		return func() error {
			h := standby.health()
			if h.SyncLease == nil || !h.SyncLease.Held || h.UpstreamDataTimestamp != ts {
				return fmt.Errorf("%+v, lease %+v", h, h.SyncLease)
			}
			return nil
		}
	}
	standby.waitFor(t, time.Minute, "takes over and syncs the change", synced("2026-01-11T09:00:05"))
	h := standby.health().SyncLease
	if h.HeldBy != h.Holder || h.Epoch <= oldEpoch {
		t.Errorf("the new holding: %+v; want the standby's, with an epoch above %d", h, oldEpoch)
	}
	fake.Put(retitle(t, raws[x], "Paused second", "2026-01-12"))
	fake.SetTimestamp("2026-01-12T09:00:05")
	standby.waitFor(t, time.Minute, "syncs the later change", synced("2026-01-12T09:00:05"))
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := clusterState(t, st, ids)
	if before.Titles[x] != "Paused second" || before.Sync.Checkpoint != "" {
		t.Fatalf("before the old holder resumed: %s titled %q, checkpoint %q", x, before.Titles[x], before.Sync.Checkpoint)
	}

	// The old holder resumes with its page: it writes nothing.
	logged := len(old.log.String())
	if err := old.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	old.waitFor(t, 30*time.Second, "says it lost the lease", func() error {
		if !strings.Contains(old.log.String()[logged:], "lost the sync lease") {
			return errors.New("not yet")
		}
		return nil
	})
	resumed := old.log.String()[logged:]
	t.Logf("the old holder, resumed:\n%s", resumed)
	if strings.Contains(resumed, "sync with ClinicalTrials.gov finished") {
		t.Error("the old holder finished a sync after it lost the lease")
	}
	if after := clusterState(t, st, ids); !reflect.DeepEqual(after, before) {
		t.Errorf("the old holder wrote after it lost the lease:\n%+v\nwas\n%+v", after, before)
	}
	if leaseHolder(t, syncers) != standby {
		t.Errorf("the lease left %s", standby.name)
	}

	// Nothing is lost: the new holder syncs the next change, and the
	// checkpoint and generation only moved forward.
	fake.Put(retitle(t, raws[y], "Paused third", "2026-01-13"))
	fake.SetTimestamp("2026-01-13T09:00:05")
	standby.waitFor(t, time.Minute, "syncs the change after", synced("2026-01-13T09:00:05"))
	after := clusterState(t, st, ids)
	if after.Titles[y] != "Paused third" || after.Titles[x] != "Paused second" || after.Sync.Checkpoint != "" ||
		after.Generation <= before.Generation || len(after.Titles) != len(ids) {
		t.Errorf("after the next change: %d studies, %s %q, %s %q, checkpoint %q, generation %d (was %d)", len(after.Titles),
			x, after.Titles[x], y, after.Titles[y], after.Sync.Checkpoint, after.Generation, before.Generation)
	}
}

// clusterSnapshot is what a sync writes to the store.
type clusterSnapshot struct {
	Generation int64
	Sync       study.SyncState
	Titles     map[string]string // live studies' brief titles
	Versions   int               // of the studies, in all
}

func clusterState(t *testing.T, st store.Store, ids []string) clusterSnapshot {
	t.Helper()
	ctx := t.Context()
	s := clusterSnapshot{Titles: map[string]string{}}
	var err error
	if s.Generation, err = st.Generation(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Sync, err = st.SyncState(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		x, err := st.Study(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s.Titles[id] = x.BriefTitle
		h, err := st.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.Versions += len(h)
	}
	return s
}
