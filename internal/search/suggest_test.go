package search

import (
	"testing"

	"github.com/trialfinder/trialfinder/internal/vocab"
)

func TestSuggest(t *testing.T) {
	_, ix := loadDemo(t)
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in, want string
		changed  bool
	}{
		{"breast cancr", "breast cancer", true},
		{"diabetis", "diabetes", true},
		{"alzheimers diseese", "alzheimers disease", true},
		{`"breast cancr" AND NOT lung`, `"breast cancer" AND NOT lung`, true},
		{"leukemia", "leukemia", false},
		{"leukaemia", "leukaemia", false},
		{"pd-1", "pd-1", false},
		{"qzxv", "qzxv", false},
		{"", "", false},
	} {
		got, changed := ix.Suggest(c.in, v.Word)
		if got != c.want || changed != c.changed {
			t.Errorf("Suggest(%q) = %q, %v; want %q, %v", c.in, got, changed, c.want, c.changed)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"cancr", "cancer", 2, 1}, {"diabetis", "diabete", 2, 2}, {"form", "from", 2, 1},
		{"abc", "abc", 1, 0}, {"kitten", "sitting", 3, 3}, {"kitten", "sitting", 1, 2},
	} {
		if got := editDistance(c.a, []byte(c.b), c.limit); got != c.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}
