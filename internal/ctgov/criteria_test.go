package ctgov_test

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/demo/demotest"
)

// TestCriteriaV2 checks that reading the criteria alone gives what the
// whole decode gives, on every bundled real record and on records made to
// mislead a reader that looks for the key's text.
func TestCriteriaV2(t *testing.T) {
	withCriteria := 0
	for _, raw := range demotest.V2(t) {
		st, err := ctgov.DecodeV2(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ctgov.CriteriaV2(raw)
		if err != nil {
			t.Fatalf("%s: %v", st.NCTID, err)
		}
		if got != st.Eligibility.Criteria {
			t.Errorf("%s: CriteriaV2 gave %.60q, DecodeV2 %.60q", st.NCTID, got, st.Eligibility.Criteria)
		}
		if got != "" {
			withCriteria++
		}
	}
	if withCriteria < 1000 {
		t.Fatalf("only %d bundled records have criteria", withCriteria)
	}
	for name, c := range map[string]struct{ raw, want string }{
		"key quoted inside an earlier string": {
			`{"protocolSection":{"descriptionModule":{"briefSummary":"see \"eligibilityCriteria\": \"none\""},"eligibilityModule":{"eligibilityCriteria":"Age 18+"}}}`, "Age 18+"},
		"spaces around the colon": {
			"{\"protocolSection\": {\"eligibilityModule\": {\"eligibilityCriteria\" :\n \"a \\\"b\\\" \\\\ c\\u00e9\"}}}", `a "b" \ cé`},
		"no criteria":   {`{"protocolSection":{"identificationModule":{"nctId":"NCT00000001"}}}`, ""},
		"criteria null": {`{"protocolSection":{"eligibilityModule":{"eligibilityCriteria":null}}}`, ""},
	} {
		got, err := ctgov.CriteriaV2([]byte(c.raw))
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, c.want)
		}
	}
	if _, err := ctgov.CriteriaV2([]byte(`{"protocolSection": `)); err == nil {
		t.Error("a truncated record gave no error")
	}
}

// BenchmarkCriteriaV2 against BenchmarkDecodeV2Whole is what the criteria
// phase of ingest saves per stored record.
func BenchmarkCriteriaV2(b *testing.B) {
	benchRecords(b, func(raw []byte) error { _, err := ctgov.CriteriaV2(raw); return err })
}

func BenchmarkDecodeV2Whole(b *testing.B) {
	benchRecords(b, func(raw []byte) error { _, err := ctgov.DecodeV2(raw); return err })
}

func benchRecords(b *testing.B, read func([]byte) error) {
	records := demotest.V2(b)
	for b.Loop() {
		for _, raw := range records {
			if err := read(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
