// Command trialfinder ingests ClinicalTrials.gov records, serves the
// trial finder, and answers questions about the store from the shell.
// Each subcommand lives in its own cmd_*.go file and registers itself;
// the work is done by the internal packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// command is one subcommand. run gets the flag set's remaining arguments;
// it returns errUsage for bad arguments, which prints the usage.
type command struct {
	name    string
	args    string // synopsis after the name, e.g. "[--db D] PATH..."
	summary string
	flags   func(fs *flag.FlagSet) func(ctx context.Context, args []string) error
}

var commands []command

func register(c command) { commands = append(commands, c) }

var errUsage = errors.New("usage")

// exitError carries a specific exit status out of a subcommand, for
// outcomes that are not failures of the program (an ingest that rejected
// some records still ran).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	slices.SortFunc(commands, func(a, b command) int { return strings.Compare(a.name, b.name) })
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := lookup(args[1]); ok {
				fs := newFlagSet(c, stdout)
				c.flags(fs)
				fs.Usage()
				return 0
			}
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "trialfinder: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	fs := newFlagSet(c, stderr)
	runCmd := c.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	err := runCmd(ctx, fs.Args())
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		fs.Usage()
		return 2
	default:
		fmt.Fprintf(stderr, "trialfinder %s: %v\n", c.name, err)
		return 1
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func newFlagSet(c command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: trialfinder %s %s\n\n%s\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: trialfinder COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'trialfinder help COMMAND' for a command's flags.")
}

// dbFlag adds the --db flag every store-using command takes (see
// store.Open).
func dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("TRIALFINDER_DB")
	if def == "" {
		def = "trialfinder.db"
	}
	return fs.String("db", def, "store: a SQLite file path, or a postgres:// URL (env TRIALFINDER_DB)")
}
