package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/trialfinder/trialfinder/internal/lease"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/upstream"
)

func init() {
	register(command{
		name:    "migrate",
		args:    "--from D1 --to D2",
		summary: "copy a store into a new one, SQLite or PostgreSQL either way, with history, change log, removals, criteria and sync state",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			from := fs.String("from", "", "the store to copy: a SQLite file path or a postgres:// URL")
			to := fs.String("to", "", "the new store: a SQLite file path that does not exist yet, or an empty PostgreSQL database")
			return func(ctx context.Context, args []string) error {
				if len(args) != 0 || *from == "" || *to == "" {
					return errUsage
				}
				return migrate(ctx, *from, *to)
			}
		},
	})
}

func migrate(ctx context.Context, from, to string) error {
	if !store.IsPostgres(from) {
		// Opening a missing file would make an empty store to copy.
		if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--from: no store at %s", from)
		}
	}
	src, err := store.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	// The target's sync lease, held for the whole copy: a sync node of the
	// target would otherwise write into a store half copied, and the copy
	// would then overwrite its checkpoint. The copy stops if it is lost.
	l, err := lease.Take(ctx, dst, upstream.LeaseName, "migrate-"+lease.Holder(), syncLeaseTTL)
	if errors.Is(err, lease.ErrHeld) {
		return fmt.Errorf("--to: a sync of that store is running (%w): stop its sync node, or migrate into another store", err)
	}
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer l.Release()
	ctx = l.Context()
	start, last := time.Now(), time.Now()
	n, err := store.Copy(ctx, src, dst, func(copied int) {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "%d studies copied\n", copied)
		}
	})
	switch {
	case errors.Is(err, store.ErrNotEmpty):
		return fmt.Errorf("--to: %w; migrate copies into a new store: give a file that does not exist yet or an empty database", err)
	case l.Lost() != nil:
		return fmt.Errorf("after %d studies: %w; the target holds part of the store: empty it and run migrate again", n, l.Lost())
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted after %d studies: the target holds part of the store; empty it and run migrate again", n)
	case err != nil:
		return fmt.Errorf("after %d studies: %w; the target holds part of the store: empty it and run migrate again", n, err)
	}
	elapsed := time.Since(start)
	fmt.Printf("copied %d studies with their history, criteria and removals, then the change log and sync state, in %s (%.0f studies/s)\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	return nil
}
