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

// Engine serves searches from the current index and replaces it whole when
// the data changes, so a search never sees a half-built index.
type Engine struct {
	cur      atomic.Pointer[Index]
	src      Source
	synonyms SynonymSource
}

// NewEngine returns an engine over src, expanding condition terms through
// synonyms (nil for none). It has an empty index until Reload.
func NewEngine(src Source, synonyms SynonymSource) *Engine {
	e := &Engine{src: src, synonyms: synonyms}
	e.cur.Store(e.withSynonyms(NewBuilder().Finish()))
	return e
}

// Index returns the current index.
func (e *Engine) Index() *Index { return e.cur.Load() }

// Reload rebuilds the index from the source and swaps it in.
func (e *Engine) Reload(ctx context.Context) error {
	ix, err := Build(ctx, e.src)
	if err != nil {
		return err
	}
	e.cur.Store(e.withSynonyms(ix))
	return nil
}

func (e *Engine) withSynonyms(ix *Index) *Index {
	if e.synonyms == nil {
		return ix
	}
	return ix.WithSynonyms(e.synonyms)
}
