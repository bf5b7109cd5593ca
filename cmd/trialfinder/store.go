package main

import (
	"flag"
	"os"
)

// dbReadFlag adds --db-read, a streaming replica of a PostgreSQL --db for
// the reads that may lag behind it (records, the scans that build the
// views, stats, history).
func dbReadFlag(fs *flag.FlagSet) *string {
	return fs.String("db-read", os.Getenv("TRIALFINDER_DB_READ"),
		"a read replica of a postgres:// --db, for records, scans and stats (env TRIALFINDER_DB_READ; default: --db)")
}
