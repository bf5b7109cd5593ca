package record

import (
	"bytes"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Stored is what a store holds of a study a write is about to replace.
type Stored struct {
	LastUpdatePosted string
	Hash             []byte
	Removed          bool
}

// Outcome is what writing a study over its stored version does.
type Outcome struct {
	Change study.Change
	// Replace: the record replaces the stored one, which becomes a
	// version in the study's history; its aliases and parsed criteria go
	// with it.
	Replace bool
	// Restore: the study was removed and is live again.
	Restore bool
}

// Decide says what writing p over stored does: a record whose last update
// is older than the stored one's is Stale and the stored one kept; an
// identical record is Unchanged and nothing is written; anything else
// replaces the stored study. A removed study that comes back is restored
// (Updated, even if its record is the same).
func Decide(p *Prepared, stored Stored) Outcome {
	o := Outcome{Change: study.Updated, Restore: stored.Removed}
	switch {
	case p.Study.Dates.LastUpdatePosted.Sortable() < stored.LastUpdatePosted:
		o.Change = study.Stale
	case bytes.Equal(stored.Hash, p.Hash[:]):
		o.Change = study.Unchanged
	default:
		o.Replace = true
	}
	if o.Restore {
		o.Change = study.Updated
	}
	return o
}

// ChangeLog collects one transaction's changes, the first kind of each
// study winning (a study inserted and then updated in one batch is new).
type ChangeLog struct {
	ids  []string
	kind map[string]study.LogKind
}

// Add logs that the transaction changed id in the way k says.
func (l *ChangeLog) Add(id string, k study.LogKind) {
	if l.kind == nil {
		l.kind = map[string]study.LogKind{}
	}
	if _, ok := l.kind[id]; !ok {
		l.ids = append(l.ids, id)
		l.kind[id] = k
	}
}

// Len returns how many studies the transaction changed.
func (l *ChangeLog) Len() int { return len(l.ids) }

// Each calls fn with each changed study, in the order first logged.
func (l *ChangeLog) Each(fn func(id string, k study.LogKind) error) error {
	for _, id := range l.ids {
		if err := fn(id, l.kind[id]); err != nil {
			return err
		}
	}
	return nil
}
