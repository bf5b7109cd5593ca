package server

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/ingest"
)

// Seedable is a store the demo data can be ingested into.
type Seedable[P any] interface {
	ingest.Store[P]
	SetLastIngest(ctx context.Context, t time.Time) error
}

// SeedDemo returns a Config.Seed that ingests the bundled demo records
// into st, reporting rejected records to rejects.
func SeedDemo[P any](st Seedable[P], rejects io.Writer) func(context.Context) error {
	return func(ctx context.Context) error {
		var sources []ingest.Source
		for _, f := range demo.Files {
			sources = append(sources, ingest.Source{FS: demo.FS, Path: f})
		}
		sum, err := ingest.Run(ctx, st, sources, ingest.Options{Rejects: rejects})
		if err != nil {
			return fmt.Errorf("ingest %s: %w", demo.Describe(), err)
		}
		if sum.Rejected > 0 {
			return fmt.Errorf("ingest %s: %d records rejected", demo.Describe(), sum.Rejected)
		}
		return st.SetLastIngest(ctx, time.Now())
	}
}
