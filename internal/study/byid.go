package study

import (
	"fmt"
	"iter"
)

// ByID maps NCT IDs to values, for the views' builders that keep
// something of every study. An ID of the usual form, "NCT" and eight
// digits, is kept as its number: a map keyed by the IDs themselves holds
// a string per study, some 600,000 objects at full scale for the garbage
// collector to visit and 32 bytes each. The zero value is empty and
// ready to use.
type ByID[V any] struct {
	numbered map[uint32]V
	other    map[string]V // IDs of any other form
}

// idNumber returns the number of an NCT ID of the usual form.
func idNumber(id string) (uint32, bool) {
	if len(id) != 11 || id[:3] != "NCT" {
		return 0, false
	}
	n := uint32(0)
	for _, c := range []byte(id[3:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint32(c-'0')
	}
	return n, true
}

// Get returns the value kept for id.
func (m *ByID[V]) Get(id string) (V, bool) {
	if n, ok := idNumber(id); ok {
		v, ok := m.numbered[n]
		return v, ok
	}
	v, ok := m.other[id]
	return v, ok
}

// Set keeps v for id.
func (m *ByID[V]) Set(id string, v V) {
	if n, ok := idNumber(id); ok {
		if m.numbered == nil {
			m.numbered = map[uint32]V{}
		}
		m.numbered[n] = v
		return
	}
	if m.other == nil {
		m.other = map[string]V{}
	}
	m.other[id] = v
}

// Delete drops id.
func (m *ByID[V]) Delete(id string) {
	if n, ok := idNumber(id); ok {
		delete(m.numbered, n)
		return
	}
	delete(m.other, id)
}

// Len returns the number of IDs kept.
func (m *ByID[V]) Len() int { return len(m.numbered) + len(m.other) }

// Grow makes room for n more numbered IDs.
func (m *ByID[V]) Grow(n int) {
	if m.numbered == nil {
		m.numbered = make(map[uint32]V, n)
	}
}

// All yields every ID with its value, in no particular order.
func (m *ByID[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for n, v := range m.numbered {
			if !yield(fmt.Sprintf("NCT%08d", n), v) {
				return
			}
		}
		for id, v := range m.other {
			if !yield(id, v) {
				return
			}
		}
	}
}
