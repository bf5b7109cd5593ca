package search

import "sort"

// strtab holds many strings in two pointer-free arrays, which the garbage
// collector neither scans nor counts one by one: a full-size index's NCT
// IDs and vocabulary are millions of strings, and as Go strings in slices
// and maps they made every collection walk them.
type strtab struct {
	data []byte
	end  []uint32 // string i is data[end[i-1]:end[i]]
}

func (t *strtab) add(s string) {
	t.data = append(t.data, s...)
	t.end = append(t.end, uint32(len(t.data)))
}

func (t *strtab) len() int { return len(t.end) }

func (t *strtab) bytes(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return t.data[start:t.end[i]]
}

func (t *strtab) at(i int) string { return string(t.bytes(i)) }

// search finds s in t, whose strings must be in increasing order.
func (t *strtab) search(s string) (int, bool) {
	i := sort.Search(t.len(), func(i int) bool { return string(t.bytes(i)) >= s })
	return i, i < t.len() && string(t.bytes(i)) == s
}
