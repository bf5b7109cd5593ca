package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

func init() {
	register(command{
		name:    "show",
		args:    "[--db D] [--json] NCTID",
		summary: "print a study's trial page",
		flags: func(fs *flag.FlagSet) func(ctx context.Context, args []string) error {
			db := dbFlag(fs)
			asJSON := fs.Bool("json", false, "print the page as JSON")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return errUsage
				}
				id := strings.ToUpper(strings.TrimSpace(args[0]))
				if !ctgov.ValidNCTID(id) {
					fmt.Fprintf(fs.Output(), "trialfinder show: %q is not an NCT ID (NCT followed by eight digits)\n", args[0])
					return errUsage
				}
				return show(ctx, *db, id, *asJSON)
			}
		},
	})
}

func show(ctx context.Context, dsn, id string, asJSON bool) error {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	notFound := func(err error) error {
		if errors.Is(err, study.ErrNotFound) {
			return fmt.Errorf("no study %s in %s", id, redact(dsn))
		}
		return err
	}
	// An obsolete NCT ID shows the study it was merged into.
	canon, err := st.CanonicalID(ctx, id)
	if err != nil {
		return notFound(err)
	}
	s, err := st.Study(ctx, canon)
	if err != nil {
		return notFound(err)
	}
	c, err := eligibility.Load(ctx, st, s.NCTID, s.Eligibility.Criteria)
	if err != nil {
		return err
	}
	page := trialpage.Build(s, c)
	out := &printableWriter{w: os.Stdout}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(page)
	} else {
		err = trialpage.WriteText(out, page)
	}
	return errors.Join(err, out.Close())
}

// redact hides a password in a postgres:// store URL, which the message
// would otherwise print to the terminal and logs.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
