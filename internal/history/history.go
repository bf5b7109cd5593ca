package history

import (
	"fmt"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Version is one version of a study with what changed from the one
// before; the first has no changes.
type Version struct {
	Version          int       `json:"version"`
	LastUpdatePosted string    `json:"lastUpdatePostDate"`
	SeenAt           time.Time `json:"seenAt"`
	Changes          []Change  `json:"changes"`
	// Study is the version's record, decoded.
	Study study.Study `json:"-"`
}

// Of decodes a study's stored versions, oldest first, and says what
// changed in each.
func Of(versions []study.Version) ([]Version, error) { return of(versions, true) }

// Summaries is Of without the records (each Version's Study is left
// empty), for the trial page: a study seen once, as most are, has nothing
// to compare, so none of its versions is decoded.
func Summaries(versions []study.Version) ([]Version, error) { return of(versions, false) }

func of(versions []study.Version, records bool) ([]Version, error) {
	out := make([]Version, len(versions))
	var prev study.Study
	for i, v := range versions {
		out[i] = Version{Version: v.Version, LastUpdatePosted: v.LastUpdatePosted, SeenAt: v.SeenAt.UTC(), Changes: []Change{}}
		if !records && len(versions) == 1 {
			break
		}
		st, err := ctgov.DecodeV2(v.Raw)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Version, err)
		}
		if i > 0 {
			out[i].Changes = append(out[i].Changes, Diff(&prev, &st)...)
		}
		if records {
			out[i].Study = st
		}
		prev = st
	}
	return out, nil
}
