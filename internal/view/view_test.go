package view

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestPin: a request reads the view that was current when it came in,
// however often it reads and though a new one is published meanwhile;
// the next request reads the new one.
func TestPin(t *testing.T) {
	var cur atomic.Pointer[View]
	cur.Store(&View{Generation: 1})
	current := Current(cur.Load)
	var seen []int64
	h := current.Pin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, current.In(r.Context()).Generation)
		cur.Store(&View{Generation: current.In(r.Context()).Generation + 1}) // published mid-request
		seen = append(seen, current.In(r.Context()).Generation)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if want := []int64{1, 1, 2, 2}; len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] || seen[3] != want[3] {
		t.Errorf("generations read %v, want %v", seen, want)
	}
	if got := current.In(t.Context()).Generation; got != 3 {
		t.Errorf("outside a request: generation %d, want the current 3", got)
	}
}
