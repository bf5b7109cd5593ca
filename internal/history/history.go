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
func Of(versions []study.Version) ([]Version, error) {
	out := make([]Version, len(versions))
	for i, v := range versions {
		st, err := ctgov.DecodeV2(v.Raw)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Version, err)
		}
		out[i] = Version{Version: v.Version, LastUpdatePosted: v.LastUpdatePosted, SeenAt: v.SeenAt.UTC(), Study: st, Changes: []Change{}}
		if i > 0 {
			out[i].Changes = append(out[i].Changes, Diff(&out[i-1].Study, &st)...)
		}
	}
	return out, nil
}
