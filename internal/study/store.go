package study

import "time"

// Change is what a store did with one study it was asked to store. It lives
// here, not in a store package, so that the ingest pipeline and every store
// implementation share it without importing each other.
type Change uint8

const (
	// Inserted: the store had no study with this NCT ID.
	Inserted Change = iota + 1
	// Updated: the record differed from the stored one and was not older.
	Updated
	// Unchanged: the record was identical to the stored one.
	Unchanged
	// Stale: the record's last update is older than the stored one's, so
	// the stored record was kept.
	Stale
)

func (c Change) String() string {
	switch c {
	case Inserted:
		return "inserted"
	case Updated:
		return "updated"
	case Unchanged:
		return "unchanged"
	case Stale:
		return "stale"
	}
	return "unknown"
}

// Stats summarises a store's contents. Keys are API v2 enum values
// (RECRUITING, PHASE2, INTERVENTIONAL) and country names as registered.
type Stats struct {
	Studies     int
	ByStatus    map[string]int
	ByPhase     map[string]int // a study counts once under each of its phases
	ByStudyType map[string]int
	ByCountry   map[string]int // studies with at least one site in the country
	WithResults int
	// NewestUpdate is the latest last-update-posted date, "YYYY-MM-DD"; it
	// says how current the data is.
	NewestUpdate string
	// LastIngest is when the last ingest finished, RFC 3339; "" if never.
	LastIngest string
	// Generation counts the writes that changed the store: equal
	// generations mean equal contents, so it is what to poll for changes.
	Generation int64
}

// SyncState is where keeping a store current with ClinicalTrials.gov
// stands. Stores keep it; the sync decides what it means.
type SyncState struct {
	// DataTimestamp is upstream's data timestamp (its /version) when the
	// last successful sync began; "" if none has succeeded.
	DataTimestamp string
	// LastSync and LastFullListing are when the last successful sync and
	// the last complete listing of every NCT ID finished; zero if never.
	LastSync, LastFullListing time.Time
	// Since is the last-update-posted date, "YYYY-MM-DD", from which the
	// next incremental sync asks for changes; "" if unknown.
	Since string
	// Checkpoint is an unfinished sync's position, opaque to stores; ""
	// when no sync is under way. Stores write it in the same transaction
	// as the page it follows.
	Checkpoint string
}

// Version is one version of a study's record as the store first saw it.
type Version struct {
	Version          int // 1 for the first seen
	LastUpdatePosted string
	SeenAt           time.Time
	Raw              []byte // the verbatim API v2 record
}

// Logged is one entry of a store's change log: the study changed at that
// generation, in the way Kind says.
type Logged struct {
	Generation int64
	NCTID      string
	Kind       LogKind
}

// LogKind is what a change-log entry did to its study.
type LogKind string

const (
	LogInserted LogKind = "inserted"
	LogUpdated  LogKind = "updated"
	LogRemoved  LogKind = "removed"
	LogRestored LogKind = "restored"
)
