package query

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	for _, tt := range errorTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T is not a *SyntaxError: %v", q, err, err)
			}
			if se.Pos < 1 || se.Pos > utf8.RuneCountInString(q)+1 {
				t.Fatalf("Parse(%q): column %d is outside the query", q, se.Pos)
			}
			return
		}
		s := n.String()
		back, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse back: %v", q, s, err)
		}
		if !reflect.DeepEqual(n, back) {
			t.Fatalf("Parse(%q) = %s, which parses back as %s", q, s, back)
		}
	})
}
