// Package view holds what a server answers from besides the store: the
// search index, the gazetteer and the matcher of one store generation,
// published together as one View so that a request reads all three from
// the same data. A Follower builds them in one pass over the store, keeps
// them in step with the store's change log with work proportional to the
// changes, and saves them to and starts them from a snapshot file.
package view

import (
	"context"
	"net/http"

	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
)

// View is the index, gazetteer and matcher of one store generation. It is
// immutable and safe for concurrent use.
type View struct {
	// Generation is the store generation the view reflects.
	Generation int64
	Index      *search.Index
	Places     *gazetteer.Gazetteer
	Matcher    *match.Matcher
}

// Current returns the view being served, nil while there is none.
type Current func() *View

type pinKey struct{}

// Pin makes every read of the view during one request (In) see the view
// that was current when the request came in, however many times and in
// however many handlers it is read.
func (c Current) Pin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Value(pinKey{}).(*View); !ok {
			r = r.WithContext(context.WithValue(r.Context(), pinKey{}, c()))
		}
		next.ServeHTTP(w, r)
	})
}

// In returns the view pinned to the request's context, or the current one
// for a request that came in some other way (a handler under test).
func (c Current) In(ctx context.Context) *View {
	if v, ok := ctx.Value(pinKey{}).(*View); ok {
		return v
	}
	return c()
}

// Static is a Current that always gives v (for tools and tests).
func Static(v *View) Current { return func() *View { return v } }
