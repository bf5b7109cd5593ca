package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store/postgres/pgtest"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// TestConcurrentOpens: nodes starting at once on a new database each open
// it, and the schema is made exactly once.
func TestConcurrentOpens(t *testing.T) {
	dsn, _ := pgtest.Database(t)
	ctx := t.Context()
	const nodes = 6
	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	for range nodes {
		wg.Go(func() {
			s, err := Open(ctx, dsn, "")
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s, err := Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var applied int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations recorded, want %d", applied, len(files))
	}
	if n, err := s.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count of the new store = %d, %v", n, err)
	}
}

// TestReplicaReads: reads go to the replica once it has what this store
// has seen, and to the primary while it lags, so a node never reads an
// older generation than one it has seen or written.
func TestReplicaReads(t *testing.T) {
	dsn, replicaDSN := pgtest.Database(t)
	if replicaDSN == "" {
		t.Skip(pgtest.EnvReplica + " is not set")
	}
	ctx := t.Context()
	other, err := Open(ctx, dsn, "") // another node, writing
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s, err := Open(ctx, dsn, replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var studies []study.Study
	for _, raw := range storetest.Records(t)[:20] {
		st, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		studies = append(studies, st)
	}
	if _, err := other.Upsert(ctx, studies); err != nil {
		t.Fatal(err)
	}
	gen, err := s.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitReplica(t, s, gen)
	if s.reader(ctx) != s.replica {
		t.Fatal("reads do not go to a replica that has caught up")
	}

	// Replay stops: what the primary writes now, the replica lacks.
	pauseReplay(t, replicaDSN)
	titled := func(i int, title string) study.Study {
		edited := storetest.Edit(t, studies[i].Raw, func(rec map[string]any) {
			storetest.Module(rec, "identificationModule")["briefTitle"] = title
			storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02"}
		})
		st, err := ctgov.DecodeV2(edited)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	title := func(id string) string {
		t.Helper()
		st, err := s.Study(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.BriefTitle
	}
	if _, err := other.Upsert(ctx, []study.Study{titled(0, "Written by another node")}); err != nil {
		t.Fatal(err)
	}
	if got := title(studies[0].NCTID); got != studies[0].BriefTitle {
		t.Fatalf("before this store saw the new generation, it read %q, not the replica's %q", got, studies[0].BriefTitle)
	}
	if _, err := s.Generation(ctx); err != nil {
		t.Fatal(err)
	}
	if got := title(studies[0].NCTID); got != "Written by another node" {
		t.Errorf("after seeing the new generation, the lagging replica served %q", got)
	}
	// Read your writes.
	if _, err := s.Upsert(ctx, []study.Study{titled(1, "Written here")}); err != nil {
		t.Fatal(err)
	}
	if got := title(studies[1].NCTID); got != "Written here" {
		t.Errorf("after writing, the lagging replica served %q", got)
	}
	if h, err := s.History(ctx, studies[1].NCTID); err != nil || len(h) != 2 {
		t.Errorf("history after writing: %d versions, %v; want 2", len(h), err)
	}

	resumeReplay(t, replicaDSN)
	gen, err = s.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitReplica(t, s, gen)
	if s.reader(ctx) != s.replica {
		t.Error("reads do not go back to the replica once it caught up")
	}
	if got := title(studies[1].NCTID); got != "Written here" {
		t.Errorf("the replica, caught up, served %q", got)
	}
}

// waitReplica waits until the replica has replayed generation gen.
func waitReplica(t *testing.T, s *Store, gen int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		g, err := generation(t.Context(), s.replica)
		if err == nil && g >= gen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica never reached generation %d: at %d, %v", gen, g, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pauseReplay(t *testing.T, replicaDSN string) {
	t.Helper()
	// Resumed however the test ends: the replica serves other tests too.
	t.Cleanup(func() { resumeReplay(t, replicaDSN) })
	conn, err := pgx.Connect(t.Context(), replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		if err := conn.QueryRow(t.Context(), `SELECT pg_get_wal_replay_pause_state()`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state == "paused" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replay never paused: %s", state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func resumeReplay(t *testing.T, replicaDSN string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, replicaDSN)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Error(err)
	}
}
