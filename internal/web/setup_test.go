package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/store/sqlite"
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

// testSite is the website over a real SQLite store holding the bundled
// demo records and the reference fixture, with a real search index.
type testSite struct {
	handler http.Handler
	store   *sqlite.Store
	engine  *search.Engine
	studies map[string]study.Study // every stored study, for choosing test cases
	gaz     *gazetteer.Gazetteer   // the same places the site resolves
	matcher *match.Matcher         // the same matcher the site ranks with
	loading http.Handler           // the site before the gazetteer and matcher are built
	logs    *lockedBuffer
}

var (
	sharedOnce sync.Once
	shared     *testSite
	sharedErr  error
	sharedDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.store.Close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// site returns the shared test site, building it on first use: loading
// 2,400 records and indexing them takes seconds, too long to repeat per
// test. The directory is made by hand because t.TempDir belongs to one
// test.
func newTestSite(t testing.TB) *testSite {
	t.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "trialfinder-web-*")
		if sharedErr != nil {
			return
		}
		shared, sharedErr = buildSite(filepath.Join(sharedDir, "studies.db"))
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func buildSite(path string) (*testSite, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	all := map[string]study.Study{}
	studies, err := demo.Studies(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range studies {
		all[s.NCTID] = s
	}
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		return nil, err
	}
	fx, err := ctgov.DecodeV2(raw)
	if err != nil {
		return nil, err
	}
	all[fx.NCTID] = fx
	batch := make([]study.Study, 0, len(all))
	for _, s := range all {
		batch = append(batch, s)
	}
	if _, err := st.Upsert(ctx, batch); err != nil {
		return nil, err
	}
	ix, err := search.Build(ctx, st)
	if err != nil {
		return nil, err
	}
	v, err := vocab.Load()
	if err != nil {
		return nil, err
	}
	// Condition synonyms as the server expands them.
	eng := search.NewEngine(func(text string) []search.Synonym {
		var out []search.Synonym
		for _, e := range v.Expand(text) {
			out = append(out, search.Synonym{Text: e.Term, Source: e.Source})
		}
		return out
	})
	eng.Set(ix)
	gaz, err := gazetteer.Build(ctx, st)
	if err != nil {
		return nil, err
	}
	m, err := match.NewMatcher(ctx, st, match.Options{Vocab: v, Geocoder: gaz})
	if err != nil {
		return nil, err
	}
	logs := &lockedBuffer{}
	cfg := Config{Views: view.Static(&view.View{Index: eng.Index(), Places: gaz, Matcher: m}), Studies: st,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), BaseURL: testBaseURL}
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	// The same site while the server still builds the gazetteer and
	// the matcher.
	cfg.Views = view.Static(&view.View{Index: eng.Index()})
	loading, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &testSite{handler: h, loading: loading, store: st, engine: eng, studies: all, gaz: gaz, matcher: m, logs: logs}, nil
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
