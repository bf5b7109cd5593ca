package query

import "testing"

func TestSmoke(t *testing.T) {
	for _, q := range []string{"heart attack", "a OR b c AND NOT d", "AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX]", "(a", "a AND", `"abc`, "AREA[Foo]x", "AREA[Phase](PHASE2 OR phase3)", "AREA[Phase]foo", `\AND x\(y`, "AREA[StartDate]RANGE[2021,2020]"} {
		n, err := Parse(q)
		if err != nil {
			t.Logf("%q: %v", q, err)
			continue
		}
		t.Logf("%q: %s %#v", q, n, n)
	}
}
