package match

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/trialfinder/trialfinder/internal/patient"
)

// maxProfileBytes bounds a request body; a profile is a few kilobytes.
const maxProfileBytes = 1 << 20

// NewHandler serves POST /api/match: a profile (see package patient) in,
// a Ranking out; ?limit=N sets how many hits carry criteria tables
// (default 20, at most 100). matcher returns the current matcher, so the
// server can swap it after a reload. A bad profile is answered 400 with
// {"error": "..."}. Nothing the patient sends is logged or stored.
func NewHandler(matcher func() *Matcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, errorBody("use POST with a profile as JSON"))
			return
		}
		limit := 20
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 100 {
				writeJSON(w, http.StatusBadRequest, errorBody("limit must be a whole number from 1 to 100"))
				return
			}
			limit = n
		}
		var p patient.Profile
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxProfileBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody(fmt.Sprintf("profile is not valid JSON: %v", err)))
			return
		}
		m := matcher()
		if m == nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody("the trial data is still loading; try again shortly"))
			return
		}
		res, err := m.Rank(r.Context(), p, RankOptions{Limit: limit})
		var pe *ProfileError
		switch {
		case errors.As(err, &pe):
			writeJSON(w, http.StatusBadRequest, errorBody(pe.Error()))
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, errorBody("matching failed"))
		default:
			writeJSON(w, http.StatusOK, res)
		}
	})
}

func errorBody(msg string) map[string]string { return map[string]string{"error": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
