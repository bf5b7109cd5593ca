package eligibility

import (
	"strings"
	"testing"
	"unicode"
)

// checkInvariants asserts what must hold for any input: every item's
// text is its span of the input and its constraints lie inside it.
// Sub-items lie inside their item when written inline, after it when on
// their own lines: either way inside the input.
func checkInvariants(t *testing.T, text string, c Criteria) {
	t.Helper()
	var walk func(items []Item, lo, hi int)
	walk = func(items []Item, lo, hi int) {
		for _, it := range items {
			s, e := it.Span[0], it.Span[1]
			if s < lo || e > hi || s > e {
				t.Fatalf("item span %v outside [%d,%d] of %q", it.Span, lo, hi, text)
			}
			if text[s:e] != it.Text {
				t.Fatalf("item text %q is not its span %q", it.Text, text[s:e])
			}
			if !strings.Contains(text, it.Text) {
				t.Fatalf("item text %q not in the input", it.Text)
			}
			for _, k := range it.Constraints {
				if k.Span[0] < s || k.Span[1] > e || k.Span[0] > k.Span[1] {
					t.Fatalf("constraint span %v outside item %v in %q", k.Span, it.Span, text)
				}
			}
			if it.Structured != (len(it.Constraints) > 0) {
				t.Fatalf("structured %v with %d constraints", it.Structured, len(it.Constraints))
			}
			walk(it.Items, 0, len(text))
		}
	}
	walk(c.Inclusion, 0, len(text))
	walk(c.Exclusion, 0, len(text))
	walk(c.Other, 0, len(text))
}

// TestRealRecords parses real criteria texts and checks the invariants
// and that no text is lost: every line with a letter or digit is a
// header or lies inside an item.
func TestRealRecords(t *testing.T) {
	for _, text := range realCriteria(t) {
		c := Parse(text)
		checkInvariants(t, text, c)
		var spans [][2]int
		var walk func([]Item)
		walk = func(items []Item) {
			for _, it := range items {
				spans = append(spans, it.Span)
				walk(it.Items)
			}
		}
		walk(c.Inclusion)
		walk(c.Exclusion)
		walk(c.Other)
		for off := 0; off < len(text); {
			end := strings.IndexByte(text[off:], '\n')
			if end < 0 {
				end = len(text)
			} else {
				end += off
			}
			line := text[off:end]
			_, header := lineHeader(strings.TrimSpace(line))
			last := strings.LastIndexFunc(line, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
			if last >= 0 && !header && !headerRe.MatchString(line) {
				p := off + last
				covered := false
				for _, s := range spans {
					covered = covered || s[0] <= p && p < s[1]
				}
				if !covered {
					t.Errorf("line %q lost", line)
				}
			}
			off = end + 1
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Inclusion Criteria:\n\n* Age ≥ 18 years\n* ECOG 0-1\n\nExclusion Criteria:\n\n* HBV-DNA>1000IU/ml",
		"any of the following: a)Multiple tumor nodules( ≥4 nodules); b) PVTT; c) vv2",
		"1\\. Consent 2. Age 18-70 3. ANC ≥ 1.5×10^9/L",
		"Hemoglobin (Hb) ≥ 90 g/L, TBIL ≤ 2.0 × ULN, within 4~8 weeks before",
		"5. Laboratory values:\na) ANC ≥ 1500/mm³\n   * nested\n\tb) PLT ≥ 100 x 10³/µL",
		"Critères d'inclusion :\n- âge ≥ 18 ans\n\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, text, Parse(text))
	})
}
