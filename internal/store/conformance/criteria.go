package conformance

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/store"
	"github.com/trialfinder/trialfinder/internal/store/record"
	"github.com/trialfinder/trialfinder/internal/store/storetest"
	"github.com/trialfinder/trialfinder/internal/study"
)

// versionedParser stands in for the eligibility parser: the store only
// keeps its output, so any deterministic function of the text tells
// whether the right version of the right text was stored.
func versionedParser(version string) func(string) []byte {
	return func(text string) []byte {
		h := fnv.New64a()
		h.Write([]byte(text))
		return fmt.Appendf(nil, "%s:%x:%d", version, h.Sum64(), len(text))
	}
}

// storedCriteria reads every stored criteria row of version for studies.
func storedCriteria(t *testing.T, st store.Store, version string, studies []study.Study) map[string]string {
	t.Helper()
	ids := make([]string, len(studies))
	for i, s := range studies {
		ids[i] = s.NCTID
	}
	got := map[string]string{}
	err := st.CriteriaOf(t.Context(), version, ids, func(id string, parsed []byte) error {
		if _, dup := got[id]; dup {
			return fmt.Errorf("%s returned twice", id)
		}
		got[id] = string(parsed)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wantCriteria checks that every study's stored criteria are version's
// parse of its current text.
func wantCriteria(t *testing.T, st store.Store, version string, studies []study.Study) {
	t.Helper()
	parse := versionedParser(version)
	got := storedCriteria(t, st, version, studies)
	if len(got) != len(studies) {
		t.Fatalf("%d stored criteria of version %s, want %d", len(got), version, len(studies))
	}
	for _, s := range studies {
		if want := string(parse(s.Eligibility.Criteria)); got[s.NCTID] != want {
			t.Fatalf("%s: stored criteria %q, want %q", s.NCTID, got[s.NCTID], want)
		}
	}
}

func testStoredCriteria(t *testing.T, st store.Store, raws [][]byte) {
	ctx := t.Context()
	st.ParseCriteriaWith("v1", versionedParser("v1"))
	studies := load(t, st, raws)
	if got := storedCriteria(t, st, "v1", studies); len(got) != 0 {
		t.Fatalf("%d criteria parsed before ReparseCriteria", len(got))
	}
	if n, err := st.ReparseCriteria(ctx); err != nil || n != len(studies) {
		t.Fatalf("deriving the new studies' criteria wrote %d (err %v), want %d", n, err, len(studies))
	}
	wantCriteria(t, st, "v1", studies)
	if got := storedCriteria(t, st, "v2", studies); len(got) != 0 {
		t.Fatalf("%d criteria rows of a version never written", len(got))
	}
	if n, err := st.ReparseCriteria(ctx); err != nil || n != 0 {
		t.Fatalf("re-deriving current criteria wrote %d (err %v), want 0", n, err)
	}

	// A new parser version makes every row stale until re-derived.
	st.ParseCriteriaWith("v2", versionedParser("v2"))
	if n, err := st.ReparseCriteria(ctx); err != nil || n != len(studies) {
		t.Fatalf("re-deriving after a parser change wrote %d (err %v), want %d", n, err, len(studies))
	}
	wantCriteria(t, st, "v2", studies)
	if n, err := st.ReparseCriteria(ctx); err != nil || n != 0 {
		t.Fatalf("second re-derive wrote %d (err %v), want 0", n, err)
	}

	// An updated record's criteria are dropped, then follow its new text.
	const i = 0
	upd, err := ctgov.DecodeV2(storetest.Edit(t, raws[i], func(rec map[string]any) {
		storetest.Module(rec, "statusModule")["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-02", "type": "ACTUAL"}
		m := storetest.Module(rec, "eligibilityModule")
		m["eligibilityCriteria"] = fmt.Sprint(m["eligibilityCriteria"]) + "\n* Must live in Atlantis"
	}))
	if err != nil {
		t.Fatal(err)
	}
	wantChanges(t, upsert(t, st, []study.Study{upd}), study.Updated)
	if got := storedCriteria(t, st, "v2", []study.Study{upd}); len(got) != 0 {
		t.Fatalf("the old record's criteria outlived its update: %q", got)
	}
	if n, err := st.ReparseCriteria(ctx); err != nil || n != 1 {
		t.Fatalf("re-derive after an update wrote %d (err %v), want 1", n, err)
	}
	studies[i] = upd
	wantCriteria(t, st, "v2", studies)
}

// testReparseInterrupted stops a re-derivation over several pages part-way,
// as a killed ingest would: what it wrote are whole pages of the right
// criteria, counted as written, and the next run derives exactly the rest.
func testReparseInterrupted(t *testing.T, st store.Store, raws [][]byte) {
	// The last page's studies say so in their criteria, so the parser
	// can hold them whichever worker parses them and in whatever order
	// (counting calls held a first page too when another worker ran
	// ahead, and nothing was ever stored).
	const lastPage = "held until the re-derivation is stopped"
	var studies []study.Study
	for i := 0; len(studies) < 2*record.PageSize+len(raws)/2; i++ {
		edited := storetest.Edit(t, raws[i%len(raws)], func(rec map[string]any) {
			storetest.SetNCTID(rec, fmt.Sprintf("NCT8%07d", i))
			if i >= 2*record.PageSize {
				em := storetest.Module(rec, "eligibilityModule")
				em["eligibilityCriteria"] = fmt.Sprint(em["eligibilityCriteria"], "\n\n* ", lastPage)
			}
		})
		s, err := ctgov.DecodeV2(edited)
		if err != nil {
			t.Fatal(err)
		}
		studies = append(studies, s)
	}
	upsert(t, st, studies)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	parse := versionedParser("v1")
	ids := make([]string, len(studies))
	for i, s := range studies {
		ids[i] = s.NCTID
	}
	// Once the first page is stored, stop: so some, but not all, is
	// written.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer cancel()
		for ctx.Err() == nil {
			stored := 0
			err := st.CriteriaOf(ctx, "v1", ids, func(string, []byte) error { stored++; return nil })
			if err != nil || stored >= record.PageSize {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	st.ParseCriteriaWith("v1", func(text string) []byte {
		if strings.Contains(text, lastPage) {
			<-stopped
		}
		return parse(text)
	})
	n, err := st.ReparseCriteria(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted re-derivation: %v, want context.Canceled", err)
	}
	got := storedCriteria(t, st, "v1", studies)
	if len(got) != n || n%record.PageSize != 0 || n == 0 || n >= len(studies) {
		t.Fatalf("interrupted re-derivation said %d written, stored %d: want the same number of whole pages, some but not all", n, len(got))
	}
	t.Logf("interrupted after writing %d of %d", n, len(studies))
	for id, row := range got {
		if want := string(parse(studyByID(studies, id).Eligibility.Criteria)); row != want {
			t.Fatalf("%s: stored criteria %q, want %q", id, row, want)
		}
	}
	if rest, err := st.ReparseCriteria(t.Context()); err != nil || rest != len(studies)-n {
		t.Fatalf("the rerun wrote %d (err %v), want the remaining %d", rest, err, len(studies)-n)
	}
	wantCriteria(t, st, "v1", studies)
}

func studyByID(studies []study.Study, id string) study.Study {
	i := slices.IndexFunc(studies, func(s study.Study) bool { return s.NCTID == id })
	return studies[i]
}
