package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trialfinder/trialfinder/internal/bench"
)

// BenchmarkMix runs each kind of the load generator's query mix through
// the handler in process, over the demo records in SQLite.
func BenchmarkMix(b *testing.B) {
	f := getFixture(b)
	get := func(_ context.Context, path string) ([]byte, error) {
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.Bytes())
		}
		return rec.Body.Bytes(), nil
	}
	mix, err := bench.Mix(context.Background(), get)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range mix {
		b.Run(q.Kind, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := get(context.Background(), q.Paths[i%len(q.Paths)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
