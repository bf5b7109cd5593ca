package view

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// Store is what following a store needs; the stores implement it.
type Store interface {
	search.Source
	match.Store
	// Generation changes with every write that changes the studies.
	Generation(ctx context.Context) (int64, error)
	// ChangesSince lists the change log after a generation, oldest first.
	// Every generation logs at least one study: a generation missing from
	// it means the log does not reach back that far.
	ChangesSince(ctx context.Context, gen int64) ([]study.Logged, error)
}

// Follower builds a store's views and keeps them in step with it. Its
// methods are for one goroutine at a time (a server's refresh loop),
// except WriteSnapshot, which may run beside them.
type Follower struct {
	st       Store
	vocab    *vocab.Vocab
	synonyms search.SynonymSource
	// mu guards the builders' state against a snapshot being written.
	mu sync.Mutex
	// raw is the index without synonyms, what Apply extends; gb and mb
	// hold what the gazetteer and matcher were made from.
	raw *search.Index
	gb  *gazetteer.Builder
	mb  *match.Builder
	cur *View
	// sinceSnapshot counts the studies changed since the last snapshot
	// was written or read (see SnapshotDue).
	sinceSnapshot int
}

// NewFollower follows st; condition terms are expanded through v (nil for
// none).
func NewFollower(st Store, v *vocab.Vocab) *Follower {
	f := &Follower{st: st, vocab: v}
	if v != nil {
		f.synonyms = func(text string) []search.Synonym {
			exp := v.Expand(text)
			out := make([]search.Synonym, len(exp))
			for i, e := range exp {
				out[i] = search.Synonym{Text: e.Term, Source: e.Source}
			}
			return out
		}
	}
	return f
}

// Current returns the last view built, nil before the first.
func (f *Follower) Current() *View { return f.cur }

// Build makes the views afresh in one pass over the store, which is at
// generation gen.
func (f *Follower) Build(ctx context.Context, gen int64) (*View, error) {
	ib, gb := search.NewBuilder(), gazetteer.NewBuilder()
	mb := match.NewBuilder(match.Options{Vocab: f.vocab})
	err := f.st.Each(ctx, func(s study.Study) error {
		gb.Add(&s)
		mb.Add(&s)
		return ib.Add(&s)
	})
	if err != nil {
		return nil, fmt.Errorf("build views: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raw, f.gb, f.mb = ib.Finish(), gb, mb
	f.sinceSnapshot = 0
	return f.finish(ctx, gen)
}

// finish makes the view of the builders' state, at generation gen.
func (f *Follower) finish(ctx context.Context, gen int64) (*View, error) {
	ix := f.raw
	if f.synonyms != nil {
		ix = ix.WithSynonyms(f.synonyms)
	}
	g := f.gb.Finish()
	f.mb.SetGeocoder(g)
	m, err := f.mb.Finish(ctx, ix, f.st)
	if err != nil {
		return nil, fmt.Errorf("build views: %w", err)
	}
	f.cur = &View{Generation: gen, Index: ix, Places: g, Matcher: m}
	return f.cur, nil
}

// ErrLogGap is Update's error when the change log does not reach back to
// the generation the views hold: they must be built afresh.
var ErrLogGap = errors.New("the change log does not reach back to the views' generation")

// Update applies to the views the studies changed since their generation,
// up to the store's generation gen: each changed study is read from the
// store and replaces its old version; a removed one is dropped. The work
// is in proportion to the changes. It returns the new view, or the
// current one if nothing changed; ErrLogGap says a fresh Build is needed.
func (f *Follower) Update(ctx context.Context, gen int64) (*View, error) {
	if f.cur == nil {
		return nil, ErrLogGap // nothing to apply the changes to
	}
	held := f.cur.Generation
	if gen == held {
		return f.cur, nil
	}
	log, err := f.st.ChangesSince(ctx, held)
	if err != nil {
		return nil, fmt.Errorf("update views: %w", err)
	}
	// The log must hold every generation since the held one; reading it
	// after the generation, it may hold later ones too.
	next, last := held+1, held
	for _, l := range log {
		switch l.Generation {
		case last:
		case next:
			last, next = next, next+1
		default:
			return nil, ErrLogGap
		}
	}
	if last < gen {
		return nil, ErrLogGap
	}
	var ids []string
	seen := map[string]bool{}
	for _, l := range log {
		if !seen[l.NCTID] {
			seen[l.NCTID] = true
			ids = append(ids, l.NCTID)
		}
	}
	// What a study is now decides, not the log's kind: a study inserted and
	// then removed since is gone.
	var changed []study.Study
	var removed []string
	for _, id := range ids {
		s, err := f.st.Study(ctx, id)
		switch {
		case errors.Is(err, study.ErrNotFound):
			removed = append(removed, id)
		case err != nil:
			return nil, fmt.Errorf("update views: %w", err)
		default:
			// The views read the decoded study only: the verbatim record
			// (some 20 KB) would only add to the memory an update holds.
			s.Raw = nil
			changed = append(changed, s)
		}
	}
	ix, err := f.raw.Apply(changed, removed)
	if err != nil {
		return nil, fmt.Errorf("update views: search index: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raw = ix
	for _, id := range removed {
		f.gb.Remove(id)
		f.mb.Remove(id)
	}
	for i := range changed {
		f.gb.Add(&changed[i])
		f.mb.Add(&changed[i])
	}
	f.sinceSnapshot += len(ids)
	return f.finish(ctx, last)
}
