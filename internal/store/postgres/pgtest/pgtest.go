// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server scripts/pg-cluster.sh starts (scripts/test.sh starts one).
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The variables naming the test server: the primary's DSN, and its
// streaming replica's.
const (
	EnvPrimary = "TRIALFINDER_TEST_POSTGRES"
	EnvReplica = "TRIALFINDER_TEST_POSTGRES_REPLICA"
)

// Database creates a new, empty database on the test server for t, dropped
// when t ends, and returns its DSN and the DSN of the same database on the
// replica ("" when no replica is configured). Replication carries the new
// database to the replica; Database returns once the replica has it. t is
// skipped when no server is configured.
func Database(t testing.TB) (dsn, replicaDSN string) {
	t.Helper()
	admin := os.Getenv(EnvPrimary)
	if admin == "" {
		t.Skip("PostgreSQL tests need " + EnvPrimary + "; scripts/test.sh starts a server")
	}
	name := "trialfinder_test_" + strings.ToLower(rand.Text()[:12])
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(t.Context(), `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// t's context is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	dsn = withDatabase(t, admin, name)
	if replica := os.Getenv(EnvReplica); replica != "" {
		replicaDSN = withDatabase(t, replica, name)
		waitFor(t, replicaDSN)
	}
	return dsn, replicaDSN
}

// withDatabase returns dsn naming database name instead.
func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", dsn, err)
	}
	u.Path = "/" + name
	return u.String()
}

// waitFor waits until dsn's database accepts connections.
func waitFor(t testing.TB, dsn string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(t.Context(), dsn)
		if err == nil {
			conn.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica never had the test database: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
