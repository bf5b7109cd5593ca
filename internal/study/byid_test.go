package study

import (
	"maps"
	"testing"
)

// TestByID: IDs of the usual form and of any other keep their values
// apart and come back as they were given.
func TestByID(t *testing.T) {
	var m ByID[int]
	want := map[string]int{"NCT00000001": 1, "NCT12345678": 2, "NCT99999999": 3, "NCT1234567": 4, "nct00000001": 5, "NCT0000000X": 6, "": 7}
	for id, v := range want {
		m.Set(id, v)
	}
	m.Set("NCT12345678", 20)
	want["NCT12345678"] = 20
	if got := maps.Collect(m.All()); !maps.Equal(got, want) || m.Len() != len(want) {
		t.Fatalf("All gives %v (Len %d), want %v", got, m.Len(), want)
	}
	for id, v := range want {
		if got, ok := m.Get(id); !ok || got != v {
			t.Errorf("Get(%q) = %d, %v; want %d", id, got, ok, v)
		}
	}
	m.Delete("NCT00000001")
	m.Delete("nct00000001")
	if _, ok := m.Get("NCT00000001"); ok || m.Len() != len(want)-2 {
		t.Fatalf("after two deletes: Len %d, want %d", m.Len(), len(want)-2)
	}
	if _, ok := m.Get("NCT00000002"); ok {
		t.Fatal("an ID never set is found")
	}
}
