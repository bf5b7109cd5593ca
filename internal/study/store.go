package study

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
