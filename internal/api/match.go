package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// maxProfileBytes bounds a request body; a profile or a clinic note is a
// few kilobytes.
const maxProfileBytes = 1 << 20

// matchRequest is a profile (see package patient), or a free-text note
// about the patient read as the website's /match page reads one.
type matchRequest struct {
	patient.Profile
	Note string `json:"note,omitempty"`
}

// matchResponse is the ranking, plus the profile read from a note so the
// caller can see what was understood.
type matchResponse struct {
	*match.Ranking
	Profile  *patient.Profile  `json:"profile,omitempty"`
	Findings []patient.Finding `json:"findings,omitempty"`
}

// match serves POST /api/match: a profile or a note in, a Ranking out;
// ?limit=N sets how many hits carry criteria tables (default 20, at most
// 100). Nothing the patient sends is logged or stored.
func (a *API) match(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	limit := 20
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return badRequest("limit must be a whole number from 1 to 100")
		}
		limit = n
	}
	var req matchRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxProfileBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return err
		}
		return badRequest("the body is not a profile or a note as JSON: %v", err)
	}
	var out matchResponse
	p := req.Profile
	if note := strings.TrimSpace(req.Note); note != "" {
		if !reflect.ValueOf(req.Profile).IsZero() {
			return badRequest(`send either {"note": "..."} or a profile, not both`)
		}
		var fs []patient.Finding
		p, fs = patient.FromText(note)
		out.Profile, out.Findings = &p, fs
	}
	v, err := a.view(r.Context())
	if err != nil {
		return err
	}
	res, err := v.Matcher.Rank(r.Context(), p, match.RankOptions{Limit: limit})
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	out.Ranking = res
	writeJSON(w, http.StatusOK, out)
	return nil
}
