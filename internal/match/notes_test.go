package match

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// noteFits is the labeller's rule for a trial that fits a note (see
// testdata/match_notes.json, written before the matcher ran on a note).
type noteFits struct {
	TopicTerms       []string `json:"topicTerms"`
	ContradictTerms  []string `json:"contradictTerms"`
	Age              float64  `json:"age"`
	Sex              string   `json:"sex"`
	HealthyVolunteer bool     `json:"healthyVolunteer"`
}

// TestMatchNotes ranks the recruiting bundled trials for ten realistic
// clinic notes, end to end (note → profile → ranking), and counts how
// many of each top ten fit the patient by the labeller's rule: at least
// eight, or all the fitting trials there are when fewer exist: each note
// reaches that or is listed in shortOf with what it reaches and why.
func TestMatchNotes(t *testing.T) {
	got, attainable := rankNotes(t, "match_notes.json", func(id string, fit, target int) {
		floor, short := shortOf[id]
		switch {
		case !short && fit < target:
			t.Errorf("%s: %d of the top 10 fit, below the target of %d (8, or every fitting trial where fewer exist)", id, fit, target)
		case short && fit < floor:
			t.Errorf("%s: %d of the top 10 fit, below the %d reached before", id, fit, floor)
		case short && fit >= target:
			t.Errorf("%s: %d of the top 10 fit, the target of %d: take it off shortOf", id, fit, target)
		}
	})
	t.Logf("%d fitting trials in the ten top tens; the target is %d", got, attainable)
	if got < minFitting {
		t.Errorf("%d fitting trials in the ten top tens, below the %d reached before", got, minFitting)
	}
}

// TestMatchHeldOutNotes measures the same on five notes held out from
// the ranking's development (testdata/match_notes_heldout.json, labelled
// before the matcher first ran on them): how far the ranking carries
// over, not a target it was tuned to.
func TestMatchHeldOutNotes(t *testing.T) {
	got, attainable := rankNotes(t, "match_notes_heldout.json", func(string, int, int) {})
	t.Logf("held out: %d fitting trials in the five top tens; the target is %d", got, attainable)
	if got < minHeldOutFitting {
		t.Errorf("held out: %d fitting trials in the five top tens, below the %d first measured", got, minHeldOutFitting)
	}
}

// rankNotes ranks the bundled trials for each note of the file and
// passes judge how many of its top ten fit and its target; it returns
// the fitting trials of all the top tens and the sum of the targets.
func rankNotes(t *testing.T, name string, judge func(id string, fit, target int)) (total, attainable int) {
	t.Helper()
	var file struct {
		OpenStatuses []string `json:"openStatuses"`
		Notes        []struct {
			ID   string   `json:"id"`
			Note string   `json:"note"`
			Fits noteFits `json:"fits"`
		} `json:"notes"`
	}
	if err := json.NewDecoder(openTestdata(t, name)).Decode(&file); err != nil {
		t.Fatal(err)
	}
	ss := loadDemo(t)
	gaz, err := gazetteer.Build(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vocab.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(context.Background(), ss, Options{Vocab: v, Geocoder: gaz, Now: func() time.Time { return labelDay }})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]study.Study{}
	for _, s := range ss {
		byID[s.NCTID] = s
	}
	for _, n := range file.Notes {
		fits := func(s study.Study) bool { return n.Fits.fit(s, file.OpenStatuses) }
		exist := 0
		for _, s := range ss {
			if fits(s) {
				exist++
			}
		}
		p, _ := patient.FromText(n.Note)
		r, err := m.Rank(context.Background(), p, RankOptions{Limit: 10})
		if pe := (*ProfileError)(nil); errors.As(err, &pe) && p.Location != nil {
			// As a person does on the page when the place is unknown:
			// clear it and search again.
			t.Logf("%s: %v; searching without the place", n.ID, err)
			p.Location = nil
			r, err = m.Rank(context.Background(), p, RankOptions{Limit: 10})
		}
		if err != nil {
			t.Errorf("%s: %v", n.ID, err)
			continue
		}
		got := 0
		var misfits []string
		for _, h := range r.Hits {
			if fits(byID[h.NCTID]) {
				got++
			} else {
				misfits = append(misfits, h.NCTID+" "+h.Title)
			}
		}
		total += got
		target := min(8, exist)
		attainable += target
		t.Logf("%s: %d of the top %d fit (%d fitting trials exist); not fitting: %s", n.ID, got, len(r.Hits), exist, strings.Join(misfits, " | "))
		judge(n.ID, got, target)
	}
	return total, attainable
}

// minHeldOutFitting is what the held-out notes reach (13 of the
// attainable 18). They first measured 11: the cervical radiculopathy
// note's top ten held lumbar trials (now set aside by the region of the
// spine), and a trial for "radiculopathy or myelopathy" called her not
// eligible because she has no myelopathy (alternatives are now read as
// such). What stays short, by the labeller's rule: cervical trials that
// also take myelopathy (the rule ruled out every trial naming it), and a
// trial for castration-sensitive prostate cancer and two of erectile
// function after prostate surgery for a man whose cancer is
// castration-resistant and has spread, which no fact the checker types
// contradicts.
const minHeldOutFitting = 13

// minFitting is the number of fitting trials the ten top tens held when
// last measured (74 of the attainable 76).
const minFitting = 74

// shortOf are the notes whose top ten falls short of the target, with
// what they reach, and why:
//   - resistant-htn: of the 9 fitting trials, 2 enrol by invitation
//     (never offered: only recruiting and not-yet-recruiting studies
//     are) and one is about heat and housing, not found by the
//     condition; the 6 others are all in the top ten, beside 3 trials of
//     hypertension with obesity that a patient who gave no weight cannot
//     be ruled out of. Pulmonary, ocular and portal hypertension trials
//     now rank after them.
//   - lumbar-ddd: the top ten hold trials of an intervention the
//     labeller ruled out (spinal fusion) or that list other forms of the
//     condition beside the patient's own (stenosis, herniation beside
//     degenerative disc disease). No fact of the patient's contradicts an
//     intervention named in a title, and a trial that lists the
//     patient's form among others takes them.
var shortOf = map[string]int{"resistant-htn": 6, "lumbar-ddd": 7}

func (nf noteFits) fit(s study.Study, open []string) bool {
	if !slices.Contains(open, s.OverallStatus) {
		return false
	}
	topic := append(append([]string{s.BriefTitle, s.OfficialTitle}, s.Conditions...), s.Keywords...)
	if len(nf.TopicTerms) > 0 && !slices.ContainsFunc(nf.TopicTerms, func(term string) bool { return occursIn(term, topic) }) {
		return false
	}
	about := append([]string{s.BriefTitle, s.OfficialTitle, s.BriefSummary}, s.Conditions...)
	if slices.ContainsFunc(nf.ContradictTerms, func(term string) bool { return occursIn(term, about) }) {
		return false
	}
	e := s.Eligibility
	if e.MinimumAge.IsSet() && nf.Age < e.MinimumAge.Years() || e.MaximumAge.IsSet() && nf.Age > e.MaximumAge.Years()+1 {
		return false
	}
	if e.Sex != "" && e.Sex != "ALL" && !strings.EqualFold(e.Sex, nf.Sex) {
		return false
	}
	return !nf.HealthyVolunteer || e.HealthyVolunteers != nil && *e.HealthyVolunteers
}

// occursIn reports a case-insensitive occurrence of term in one of the
// texts not preceded by a letter, digit or hyphen.
func occursIn(term string, texts []string) bool {
	term = strings.ToLower(term)
	for _, text := range texts {
		text = strings.ToLower(text)
		for i := 0; ; {
			j := strings.Index(text[i:], term)
			if j < 0 {
				break
			}
			at := i + j
			if at == 0 || !(unicode.IsLetter(rune(text[at-1])) || unicode.IsDigit(rune(text[at-1])) || text[at-1] == '-') {
				return true
			}
			i = at + 1
		}
	}
	return false
}
