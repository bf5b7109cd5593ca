package history

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/trialfinder/trialfinder/internal/api"
	"github.com/trialfinder/trialfinder/internal/ctgov"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Store is what the history needs of a store.
type Store interface {
	CanonicalID(ctx context.Context, id string) (string, error)
	History(ctx context.Context, nctID string) ([]study.Version, error)
}

// Pattern is where Handler serves, beside the API's study record.
const Pattern = "GET " + api.Prefix + "studies/{nctId}/history"

// Of a study, for the API: its versions, oldest first, each with what changed.
type document struct {
	NCTID    string    `json:"nctId"`
	Versions []Version `json:"versions"`
}

// Handler serves a study's history as JSON, at Pattern. A removed study
// keeps its history; an alias answers with the study it names.
func Handler(st Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("nctId")
		if !ctgov.ValidNCTID(id) {
			writeJSON(w, http.StatusBadRequest, api.ErrorBody{Error: api.ErrorInfo{Status: http.StatusBadRequest,
				Message: "nctId must be NCT followed by eight digits"}})
			return
		}
		versions, err := studyHistory(r.Context(), st, id)
		switch {
		case errors.Is(err, study.ErrNotFound):
			writeJSON(w, http.StatusNotFound, api.ErrorBody{Error: api.ErrorInfo{Status: http.StatusNotFound, Message: "no study with this NCT ID"}})
		case err != nil:
			log.Error("study history failed", "nct_id", id, "err", err)
			writeJSON(w, http.StatusInternalServerError, api.ErrorBody{Error: api.ErrorInfo{Status: http.StatusInternalServerError, Message: "internal error"}})
		default:
			writeJSON(w, http.StatusOK, document{NCTID: versions[0].Study.NCTID, Versions: versions})
		}
	})
}

// studyHistory returns the versions of the study id names.
func studyHistory(ctx context.Context, st Store, id string) ([]Version, error) {
	canon, err := st.CanonicalID(ctx, id)
	if err != nil {
		return nil, err
	}
	stored, err := st.History(ctx, canon)
	if err != nil {
		return nil, err
	}
	return Of(stored)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"status":500,"message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
