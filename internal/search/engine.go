package search

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Source lists every stored study in increasing NCT ID order; the stores
// implement it.
type Source interface {
	Each(ctx context.Context, fn func(study.Study) error) error
}

// Build indexes every study of src.
func Build(ctx context.Context, src Source) (*Index, error) {
	b := NewBuilder()
	err := src.Each(ctx, func(s study.Study) error { return b.Add(&s) })
	if err != nil {
		return nil, fmt.Errorf("build search index: %w", err)
	}
	return b.Finish(), nil
}

// Engine serves searches from the current index; the owner replaces the
// index whole when the data changes, so a search never sees a half-built
// one.
type Engine struct {
	cur      atomic.Pointer[Index]
	synonyms SynonymSource
}

// NewEngine returns an engine with an empty index that expands condition
// terms through synonyms (nil for none).
func NewEngine(synonyms SynonymSource) *Engine {
	e := &Engine{synonyms: synonyms}
	e.Set(NewBuilder().Finish())
	return e
}

// Index returns the current index.
func (e *Engine) Index() *Index { return e.cur.Load() }

// Set makes ix the current index.
func (e *Engine) Set(ix *Index) {
	if e.synonyms != nil {
		ix = ix.WithSynonyms(e.synonyms)
	}
	e.cur.Store(ix)
}
