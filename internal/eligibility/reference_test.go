package eligibility

import (
	"os"
	"strings"
	"testing"
)

// pageItems reads the bulleted items of one section of the reference
// fixture line by line, the way the trial page shows them.
func pageItems(t *testing.T, text, header string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(text, header)
	if !ok {
		t.Fatalf("no %q in fixture", header)
	}
	var out []string
	for _, line := range strings.Split(rest, "\n") {
		if strings.HasSuffix(line, "Criteria:") {
			break
		}
		if item, ok := strings.CutPrefix(line, "* "); ok {
			out = append(out, item)
		}
	}
	return out
}

// TestReferenceNCT05111366 checks the first fixture: the criteria shown
// on the ClinicalTrials.Veeva page of NCT05111366.
func TestReferenceNCT05111366(t *testing.T) {
	b, err := os.ReadFile("testdata/NCT05111366.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	c := Parse(text)
	if c.NoHeaders || len(c.Other) != 0 {
		t.Errorf("NoHeaders %v, other %q", c.NoHeaders, texts(c.Other))
	}
	inc := pageItems(t, text, "Inclusion Criteria:")
	exc := pageItems(t, text, "Exclusion Criteria:")
	if len(inc) != 7 || len(exc) != 21 {
		t.Fatalf("fixture has %d/%d items, the page 7/21", len(inc), len(exc))
	}
	sameTexts(t, "inclusion", c.Inclusion, inc...)
	sameTexts(t, "exclusion", c.Exclusion, exc...)
	for _, list := range [][]Item{c.Inclusion, c.Exclusion} {
		for _, it := range list {
			if text[it.Span[0]:it.Span[1]] != it.Text {
				t.Errorf("span %v does not give %q", it.Span, it.Text)
			}
		}
	}

	// Inclusion 4 carries inline "a)... b)... c)" alternatives.
	if len(c.Inclusion) > 3 {
		it := c.Inclusion[3]
		if !it.AnyOf || len(it.Items) != 3 {
			t.Fatalf("inclusion 4: anyOf %v, %d sub-items %q", it.AnyOf, len(it.Items), texts(it.Items))
		}
		for i, prefix := range []string{"Multiple tumor nodules( ≥4 nodules)", "Portal vein tumor thrombosis (PVTT)", "Portal vein tumor thrombus (PVTT)"} {
			if !strings.HasPrefix(it.Items[i].Text, prefix) {
				t.Errorf("sub-item %c: %q", 'a'+i, it.Items[i].Text)
			}
		}
	}

	want := map[int][]string{
		0: {"age between 18 75 years", "ecog between 0 1", "life_expectancy > 90 days"},
		1: {"window between 28 56 days"},
		4: {"hemoglobin >= 9 g/dL", "anc >= 1.5 10^9/L", "platelets >= 75 10^9/L", "wbc >= 3 10^9/L",
			"total_bilirubin <= 2 ULN", "ast <= 5 ULN", "alt <= 5 ULN", "creatinine <= 1.5 ULN",
			"creatinine_clearance >= 60 mL/min", "inr <= 1.5", "tsh <= 1 ULN"},
		5: {"child_pugh_class = 1"},
	}
	for i, w := range want {
		if i < len(c.Inclusion) {
			hasMeasures(t, c.Inclusion[i], w)
		}
	}
	if len(c.Exclusion) > 11 {
		hasMeasures(t, c.Exclusion[6], []string{"hbv_dna > 1000 IU/mL", "hcv_rna > 1000 copies/mL"})
		hasMeasures(t, c.Exclusion[11], []string{"inr > 1.5", "aptt > 1.5 ULN"})
	}
}

// hasMeasures checks that every wanted measure is among the item's.
func hasMeasures(t *testing.T, it Item, want []string) {
	t.Helper()
	have := map[string]bool{}
	for _, c := range it.Constraints {
		if c.Kind == KindMeasure {
			have[strings.TrimSpace(measureString(round(c)))] = true
		}
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("%q: no %s (have %v)", it.Text, w, have)
		}
	}
}
