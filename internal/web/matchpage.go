package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// matchPage is the data of "Find trials for a patient": the note, what
// was read from it, the profile form, and the ranked trials.
type matchPage struct {
	Note     string
	Marks    []notePart // the note with what was read marked
	Findings []finding
	Read     bool // the note was just read into the form
	Form     *form
	// Numbered rows of the profile form, as field name prefixes.
	LabRows, CondRows, TherapyRows, MarkerRows []string
	LabNames                                   []option
	Ranking                                    *rankingView
}

type notePart struct {
	Text, Kind string
	Mark       bool
}

type finding struct {
	Kind, Text, Value string
}

type rankingView struct {
	Candidates int
	Hits       []hitView
	// NoneFit says that every trial found rules the patient out.
	NoneFit bool
}

type hitView struct {
	NCTID, Title, Status string
	Distance, Site       string
	Result               *resultView
	// RuledOut are the first criteria that rule the patient out, shown
	// without opening the table.
	RuledOut []match.Row
}

// ruledOutShown is how many of a trial's criteria that rule the patient
// out its card shows.
const ruledOutShown = 3

// rankLimit is how many trials the page lists, each with its table.
const rankLimit = 20

// findingKinds names the kinds of patient.Finding for readers.
var findingKinds = map[string]string{"age": "Age", "sex": "Sex", "pregnancy": "Pregnant", "breastfeeding": "Breastfeeding",
	"condition": "Condition", "noHistoryOf": "Never had", "ecog": "ECOG performance status", "karnofsky": "Karnofsky score",
	"lab": "Lab value", "therapy": "Treatment", "medication": "Current medication", "stage": "Stage", "metastatic": "Spread",
	"biomarker": "Tumour marker", "location": "Place", "smoking": "Smoking", "healthyVolunteer": "Healthy volunteer",
	"diseaseStatus": "Course", "priorLines": "Lines of treatment so far"}

// labNames are the measures a reader can give, as choices.
var labNames = func() []option {
	var out []option
	for _, v := range eligibility.Variables {
		switch v.Name {
		case "age", "window", "life_expectancy", "ecog", "who_ps", "karnofsky", "blood_pressure":
			continue
		}
		out = append(out, option{Value: v.Name, Label: sentence(shortMeaning(v))})
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}()

func (s *site) matchForm(w http.ResponseWriter, r *http.Request) error {
	page := newMatchPage(&form{v: url.Values{}})
	return s.render(w, r, http.StatusOK, "match", "Find trials for a patient", page)
}

func newMatchPage(f *form) *matchPage {
	page := &matchPage{Form: f, Note: f.Get("note")}
	page.LabRows = rowPrefixes(f, "lab", 2, "name", "value")
	page.CondRows = rowPrefixes(f, "cond", 1, "text", "stage")
	page.TherapyRows = rowPrefixes(f, "therapy", 1, "name", "end")
	page.MarkerRows = rowPrefixes(f, "bm", 1, "marker", "status")
	page.LabNames = labNames
	return page
}

// rowPrefixes numbers a form's rows of one kind: those filled in, and
// blank ones to add more.
func rowPrefixes(f *form, kind string, blank int, parts ...string) []string {
	used := 0
	for i := range maxRows {
		for _, p := range parts {
			if f.Get(kind+"-"+strconv.Itoa(i)+"-"+p) != "" {
				used = i + 1
			}
		}
	}
	var out []string
	for i := range min(used+blank, maxRows) {
		out = append(out, kind+"-"+strconv.Itoa(i)+"-")
	}
	return out
}

func (s *site) matchPost(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	// The page holds what was typed about a patient: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	switch f.Get("step") {
	case "read":
		return s.readNote(w, r, f)
	case "find":
		return s.findTrials(w, r, f)
	}
	return &pageError{Code: http.StatusBadRequest, Title: "We could not read the form", Message: "The form was not sent by its buttons. Go back and try again."}
}

// readNote turns a free-text description into the profile form.
func (s *site) readNote(w http.ResponseWriter, r *http.Request, f *form) error {
	note := strings.TrimSpace(f.Get("note"))
	if note == "" {
		f.fail("note", "Write a description of the patient first, or fill in the details below.")
		return s.render(w, r, http.StatusBadRequest, "match", "Find trials for a patient", newMatchPage(f))
	}
	p, fs := patient.FromText(note)
	pf := profileForm(p)
	pf.v.Set("note", note)
	page := newMatchPage(pf)
	page.Read = true
	for _, x := range fs {
		page.Findings = append(page.Findings, finding{Kind: cmp.Or(findingKinds[x.Kind], x.Kind), Text: strings.TrimSpace(x.Text), Value: x.Value})
	}
	page.Marks = marks(note, fs)
	return s.render(w, r, http.StatusOK, "match", "Check the patient's details", page)
}

// marks splits the note into its parts, marking those a finding came
// from; a finding overlapping an earlier one is not marked again.
func marks(note string, fs []patient.Finding) []notePart {
	var out []notePart
	at := 0
	for _, x := range fs {
		a, b := x.Span[0], x.Span[1]
		if a < at || b > len(note) || a >= b {
			continue
		}
		if a > at {
			out = append(out, notePart{Text: note[at:a]})
		}
		out = append(out, notePart{Text: note[a:b], Kind: cmp.Or(findingKinds[x.Kind], x.Kind), Mark: true})
		at = b
	}
	if at < len(note) {
		out = append(out, notePart{Text: note[at:]})
	}
	return out
}

// findTrials ranks recruiting trials for the profile the form describes.
func (s *site) findTrials(w http.ResponseWriter, r *http.Request, f *form) error {
	p := f.profile()
	page := newMatchPage(f)
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusBadRequest, "match", "Find trials for a patient", page)
	}
	m, err := s.matcher(r.Context())
	if err != nil {
		return err
	}
	rk, err := m.Rank(r.Context(), p, match.RankOptions{Limit: rankLimit})
	var pe *match.ProfileError
	switch {
	case errors.As(err, &pe):
		field := ""
		if strings.HasPrefix(pe.Err.Error(), "location") {
			field = "place"
		}
		f.fail(field, "%s", sentence(strings.TrimPrefix(pe.Err.Error(), "location: ")))
		return s.render(w, r, http.StatusBadRequest, "match", "Find trials for a patient", page)
	case err != nil:
		// The error may quote the patient's conditions: log only that
		// ranking failed.
		s.log.Error("web: ranking failed", "type", fmt.Sprintf("%T", err))
		return &pageError{Code: http.StatusInternalServerError, Title: "Something went wrong",
			Message: "The trials could not be ranked. Please try again in a moment."}
	}
	page.Ranking = &rankingView{Candidates: rk.Candidates, NoneFit: len(rk.Hits) > 0}
	for _, h := range rk.Hits {
		hv := hitView{NCTID: h.NCTID, Title: h.Title, Status: h.Status, Site: h.Site, Result: resultOf(h.Result)}
		if h.DistanceKm != nil {
			hv.Distance = distanceText(kmToMiles(*h.DistanceKm))
		}
		for _, row := range h.Result.Rows {
			if row.Status == match.NotMet && len(hv.RuledOut) < ruledOutShown {
				hv.RuledOut = append(hv.RuledOut, row)
			}
		}
		if h.Result.Verdict != match.NotEligible {
			page.Ranking.NoneFit = false
		}
		page.Ranking.Hits = append(page.Ranking.Hits, hv)
	}
	return s.render(w, r, http.StatusOK, "match", "Trials for the patient", page)
}
