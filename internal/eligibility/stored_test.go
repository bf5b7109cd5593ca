package eligibility

import (
	"reflect"
	"testing"
)

// The store keeps ParseStored's bytes and the matcher reads them back:
// nothing a parse produced may be lost on the way.
func TestStoredRoundTrip(t *testing.T) {
	for i, text := range realCriteria(t) {
		got, err := FromStored(ParseStored(text))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want := Parse(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d: criteria differ after a round trip through storage", i)
		}
	}
	if _, err := FromStored([]byte(`{"inclusion": 3}`)); err == nil {
		t.Error("a malformed stored value decoded without error")
	}
}
