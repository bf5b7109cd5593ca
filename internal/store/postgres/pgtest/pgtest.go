// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server scripts/pg-cluster.sh starts (scripts/test.sh starts one).
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
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

// SkipMessage is why a test that needs the server skips without one.
const SkipMessage = "PostgreSQL tests need " + EnvPrimary + "; scripts/test.sh starts a server"

// Configured reports whether a test server is configured.
func Configured() bool { return os.Getenv(EnvPrimary) != "" }

// DB is a test database: its DSN on the primary and on the replica ("" when
// no replica is configured).
type DB struct {
	DSN, ReplicaDSN string
	admin, name     string
}

// Database creates a new, empty database on the test server for t, dropped
// when t ends, and returns its DSN and the DSN of the same database on the
// replica ("" when no replica is configured). Replication carries the new
// database to the replica; Database returns once the replica has it. t is
// skipped when no server is configured.
func Database(t testing.TB) (dsn, replicaDSN string) {
	t.Helper()
	if !Configured() {
		t.Skip(SkipMessage)
	}
	db, err := Create(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Drop(); err != nil {
			t.Error(err)
		}
	})
	return db.DSN, db.ReplicaDSN
}

// Create is Database for what outlives one test (a fixture shared by a
// test binary): the caller drops it. A server must be configured.
func Create(ctx context.Context) (*DB, error) {
	admin := os.Getenv(EnvPrimary)
	if admin == "" {
		return nil, fmt.Errorf("create test database: %s", SkipMessage)
	}
	db := &DB{admin: admin, name: "trialfinder_test_" + strings.ToLower(rand.Text()[:12])}
	if err := db.exec(ctx, `CREATE DATABASE "`+db.name+`"`); err != nil {
		return nil, fmt.Errorf("create test database: %w", err)
	}
	var err error
	if db.DSN, err = withDatabase(admin, db.name); err != nil {
		return nil, dropAfter(db, err)
	}
	if replica := os.Getenv(EnvReplica); replica != "" {
		if db.ReplicaDSN, err = withDatabase(replica, db.name); err == nil {
			err = waitFor(ctx, db.ReplicaDSN)
		}
		if err != nil {
			return nil, dropAfter(db, err)
		}
	}
	return db, nil
}

// dropAfter drops db after err made it useless.
func dropAfter(db *DB, err error) error {
	if derr := db.Drop(); derr != nil {
		return fmt.Errorf("%w (and %v)", err, derr)
	}
	return err
}

// Drop removes the database, closing whatever connections remain.
func (db *DB) Drop() error {
	// The context of whoever made it may be done by now.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.exec(ctx, `DROP DATABASE IF EXISTS "`+db.name+`" WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop test database: %w", err)
	}
	return nil
}

func (db *DB) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, db.admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn naming database name instead.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL: %w", dsn, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// waitFor waits until dsn's database accepts connections.
func waitFor(ctx context.Context, dsn string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the replica never had the test database: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
