package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/view"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// fixturePath is the reconstructed reference study, kept at the
// repository root and shared with other packages' tests.
const fixturePath = "../../testdata/NCT05111366.json"

// testBaseURL is the test site's configured public address: absolute
// links start with it, whatever Host a request names.
const testBaseURL = "https://trials.example.org"

// testSite is the website over the shared demo store (demotest) holding
// the bundled records and the reference fixture, with the views a server
// builds of it.
type testSite struct {
	handler http.Handler
	store   demotest.Store
	view    *view.View
	studies map[string]study.Study // every stored study, for choosing test cases
	gaz     *gazetteer.Gazetteer   // the same places the site resolves
	matcher *match.Matcher         // the same matcher the site ranks with
	loading http.Handler           // the site before the gazetteer and matcher are built
	logs    *lockedBuffer
}

func TestMain(m *testing.M) { demotest.Main(m) }

// newTestSite returns the site, built once per test binary: indexing the
// store takes seconds, too long to repeat per test.
var newTestSite = demotest.Once(func(t testing.TB) *testSite {
	ts, err := buildSite(demotest.Shared(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
})

// buildSite adds the reference fixture to the shared store (this
// package's tests are its only users) and builds the site over it.
func buildSite(st demotest.Store) (*testSite, error) {
	ctx := context.Background()
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		return nil, err
	}
	fx, err := ctgov.DecodeV2(raw)
	if err != nil {
		return nil, err
	}
	if _, err := st.Upsert(ctx, []study.Study{fx}); err != nil {
		return nil, err
	}
	all := map[string]study.Study{}
	if err := st.Each(ctx, func(s study.Study) error { all[s.NCTID] = s; return nil }); err != nil {
		return nil, err
	}
	gen, err := st.Generation(ctx)
	if err != nil {
		return nil, err
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	// The views as the server builds them, condition synonyms included.
	vw, err := view.NewFollower(st, v).Build(ctx, gen)
	if err != nil {
		return nil, err
	}
	logs := &lockedBuffer{}
	cfg := Config{Views: view.Static(vw), Studies: st,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), BaseURL: testBaseURL}
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	// The same site while the server still builds the gazetteer and
	// the matcher.
	cfg.Views = view.Static(&view.View{Generation: gen, Index: vw.Index})
	loading, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &testSite{handler: h, loading: loading, store: st, view: vw, studies: all, gaz: vw.Places, matcher: vw.Matcher, logs: logs}, nil
}

// get requests path from the site and returns the response and its body.
func (ts *testSite) get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// lockedBuffer collects the site's log; the browser tests' requests log
// from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
