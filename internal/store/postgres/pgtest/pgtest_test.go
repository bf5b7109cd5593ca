package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestDatabase: the database is new and empty, writable on the primary,
// and what is written there reaches the replica.
func TestDatabase(t *testing.T) {
	dsn, replicaDSN := Database(t)
	ctx := t.Context()
	primary, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close(context.Background())
	var tables int
	if err := primary.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("a new database has %d tables (%v)", tables, err)
	}
	if _, err := primary.Exec(ctx, `CREATE TABLE t (v int); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	if replicaDSN == "" {
		t.Skip(EnvReplica + " is not set")
	}
	replica, err := pgx.Connect(ctx, replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	for {
		var v int
		err := replica.QueryRow(ctx, `SELECT v FROM t`).Scan(&v)
		if err == nil && v == 42 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica never saw the primary's row: %d, %v", v, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := replica.Exec(ctx, `INSERT INTO t VALUES (1)`); err == nil {
		t.Error("the replica accepted a write")
	}
}
