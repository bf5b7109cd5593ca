package record

import (
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/study"
)

// The keys of the meta table, which holds facts about the store as a whole.
const (
	// MetaGeneration counts the transactions that changed studies (see
	// study.Stats.Generation).
	MetaGeneration = "generation"
	// MetaLastIngest is when the last ingest finished, RFC 3339.
	MetaLastIngest = "last_ingest_finished"
	// MetaSyncPrefix starts the keys of the sync state.
	MetaSyncPrefix = "sync_"
)

// The sync state's meta keys.
const (
	metaDataTimestamp   = MetaSyncPrefix + "data_timestamp"
	metaLastSync        = MetaSyncPrefix + "last"
	metaLastFullListing = MetaSyncPrefix + "last_full_listing"
	metaSince           = MetaSyncPrefix + "since"
	metaCheckpoint      = MetaSyncPrefix + "checkpoint"
)

// SyncStateRows returns st as meta rows, a value of "" meaning no row.
func SyncStateRows(st study.SyncState) [][2]string {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return [][2]string{
		{metaDataTimestamp, st.DataTimestamp},
		{metaLastSync, stamp(st.LastSync)},
		{metaLastFullListing, stamp(st.LastFullListing)},
		{metaSince, st.Since},
		{metaCheckpoint, st.Checkpoint},
	}
}

// SetSyncState sets the part of st that the meta row (key, value) holds.
func SetSyncState(st *study.SyncState, key, value string) error {
	var err error
	switch key {
	case metaDataTimestamp:
		st.DataTimestamp = value
	case metaLastSync:
		st.LastSync, err = time.Parse(time.RFC3339, value)
	case metaLastFullListing:
		st.LastFullListing, err = time.Parse(time.RFC3339, value)
	case metaSince:
		st.Since = value
	case metaCheckpoint:
		st.Checkpoint = value
	}
	return err
}

// StatsQueries are the grouped counts of the live studies that make up
// the stats, each with the map it fills and, when a value lists several
// keys, their separator.
func StatsQueries(st *study.Stats) []struct {
	Query string
	Into  map[string]int
	Sep   string
} {
	return []struct {
		Query string
		Into  map[string]int
		Sep   string
	}{
		{`SELECT overall_status, count(*) FROM live GROUP BY 1`, st.ByStatus, ""},
		{`SELECT study_type, count(*) FROM live GROUP BY 1`, st.ByStudyType, ""},
		{`SELECT phases, count(*) FROM live GROUP BY 1`, st.ByPhase, " "},
		{`SELECT countries, count(*) FROM live GROUP BY 1`, st.ByCountry, CountrySep},
	}
}

// NewStats returns empty stats of generation gen, ready to count into.
func NewStats(gen int64) study.Stats {
	return study.Stats{Generation: gen, ByStatus: map[string]int{}, ByPhase: map[string]int{}, ByStudyType: map[string]int{}, ByCountry: map[string]int{}}
}

// AddCount adds n to key's count in into, skipping empty keys; with sep,
// key lists several keys and each gets n.
func AddCount(into map[string]int, key string, n int, sep string) {
	keys := []string{key}
	if sep != "" {
		keys = strings.Split(key, sep)
	}
	for _, k := range keys {
		if k != "" {
			into[k] += n
		}
	}
}

// StatsCache keeps a store's stats for the generation they carry.
// Counting scans every study (seconds at full scale), and a server polls
// the stats to answer /version.
type StatsCache struct {
	mu sync.Mutex
	st *study.Stats
}

// Get returns the stats of generation gen, counting them with count
// unless the cache holds them; lastIngest, not part of what a generation
// covers (an ingest that changed nothing still finished), is set either
// way.
func (c *StatsCache) Get(gen int64, lastIngest string, count func() (study.Stats, error)) (study.Stats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st == nil || c.st.Generation != gen {
		st, err := count()
		if err != nil {
			return study.Stats{}, err
		}
		c.st = &st
	}
	st := *c.st
	// Callers may change the maps.
	st.ByStatus, st.ByPhase = maps.Clone(st.ByStatus), maps.Clone(st.ByPhase)
	st.ByStudyType, st.ByCountry = maps.Clone(st.ByStudyType), maps.Clone(st.ByCountry)
	st.LastIngest = lastIngest
	return st, nil
}
