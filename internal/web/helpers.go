package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/study"
)

// helpers are the template functions besides asset.
var helpers = map[string]any{
	"statusLabel": func(v string) string {
		if v == "" {
			return "Status not given"
		}
		return study.Statuses.Label(v)
	},
	"statusClass": statusClass,
	"statusIcon":  statusIcon,
	// term returns the glossary anchor of a label, "" when it has none.
	"term":     func(label string) string { return glossaryIDs[label] },
	"glossify": glossify,
	"miles":    func(mi float64) string { return distanceText(mi) },
	"join":     strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return commas(n) + " " + many
	},
	"commas":          commas,
	"coord":           func(f float64) string { return fmt.Sprintf("%.5f", f) },
	"inc":             func(i int) int { return i + 1 },
	"minus":           func(a, b int) int { return a - b },
	"add":             func(a, b int) int { return a + b },
	"deref":           func(f *float64) float64 { return *f },
	"lower":           strings.ToLower,
	"nonEmpty":        nonEmptyStrings,
	"distanceOptions": distanceOptions,
	"anySelected": func(os []option) bool {
		for _, o := range os {
			if o.Selected {
				return true
			}
		}
		return false
	},
	// filterValues are the filter panel's parameters of a search, for
	// forms that change something else and must keep them.
	"filterValues": func(p params) url.Values {
		v := p.firstPage().values()
		for _, k := range []string{"q", "cond", "loc", "lat", "lon", "sort"} {
			v.Del(k)
		}
		return v
	},
	// clearFilters is the search without its filter panel's choices.
	"clearFilters": func(p params) string {
		q := params{Q: p.Q, Cond: p.Cond, Loc: p.Loc, Lat: p.Lat, Lon: p.Lon, Distance: p.Distance, Sort: p.Sort}
		return q.url("/search")
	},
	"verdictClass": verdictClass,
	"verdictIcon": func(v match.Verdict) string {
		return map[string]string{"likely": "✓", "possibly": "?", "not": "✗"}[verdictClass(v)]
	},
	"verdictLabel": func(v match.Verdict) string { return sentence(string(v)) },
	"outcomeClass": outcomeClass,
	"outcomeIcon": func(r match.Row) string {
		return map[string]string{"met": "✓", "notmet": "✗", "unknown": "?", "ask": "?"}[outcomeClass(r)]
	},
	"outcomeLabel": outcomeLabel,
	"whyText":      whyText,
	"clip":         clip,
	"enrollment":   enrollment,
	// The fixed answers of the questionnaire and the profile form; ""
	// is "not sure", which leaves the fact unknown.
	"options":    options,
	"sexChoices": func() []option { return options("female", "Female", "male", "Male", "", "Not sure / rather not say") },
	"ynChoices":  func() []option { return options("yes", "Yes", "no", "No", "", "Not sure") },
	"txChoices": func() []option {
		return options("no", "No", "past", "Yes, in the past", "current", "Yes, I'm having it now", "", "Not sure")
	},
	// dict passes several values to a template: dict "Key" value ...
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// options makes choices from value, label pairs.
func options(pairs ...string) []option {
	var out []option
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{Value: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// verdictClass names a verdict's badge style.
func verdictClass(v match.Verdict) string {
	switch v {
	case match.LikelyEligible:
		return "likely"
	case match.PossiblyEligible:
		return "possibly"
	}
	return "not"
}

// outcomeLabel says a criterion's outcome in words. An exclusion
// criterion "met" is one that does not apply to the patient, which
// people read the other way round: its labels say what it means for
// them.
func outcomeLabel(r match.Row) string {
	c := outcomeClass(r)
	if r.Section == "exclusion" {
		switch c {
		case "met":
			return "Doesn't rule you out"
		case "notmet":
			return "Rules you out"
		}
	}
	return map[string]string{"met": "Met", "notmet": "Not met", "unknown": "Unknown", "ask": "Unknown — ask the study team"}[c]
}

// clip shortens a text to at most n bytes, at a word boundary, with an
// ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut <= 0 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

// whyPrefixes are the openings of a question's reasons (match.Question's
// Why, in the criteria's terms), in plain words.
var whyPrefixes = [][2]string{{"Inclusion: ", "The trial requires: "}, {"Exclusion: ", "The trial excludes: "}}

// whyText says why a question is asked: the requirements, then the
// exclusions, each kind one sentence.
func whyText(why []string) string {
	groups := make([][]string, len(whyPrefixes)+1)
	for _, w := range why {
		kind := len(whyPrefixes)
		for i, p := range whyPrefixes {
			if rest, ok := strings.CutPrefix(w, p[0]); ok {
				kind, w = i, rest
				break
			}
		}
		groups[kind] = append(groups[kind], w)
	}
	var out []string
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		s := strings.Join(g, "; ")
		if i < len(whyPrefixes) {
			s = whyPrefixes[i][1] + s
		}
		out = append(out, strings.TrimRight(s, ".")+".")
	}
	return strings.Join(out, " ")
}

// enrollment says whether a reader can join a trial of that status:
// "open" (recruiting), "soon" (not yet recruiting), "invitation"
// (enrolling by invitation only) or "closed" (completed, terminated,
// withdrawn, active but not recruiting, suspended, unknown...). Only an
// open or soon trial offers the eligibility check as something to act
// on.
func enrollment(status string) string {
	switch status {
	case "RECRUITING", "AVAILABLE":
		return "open"
	case "NOT_YET_RECRUITING":
		return "soon"
	case "ENROLLING_BY_INVITATION":
		return "invitation"
	}
	return "closed"
}

// outcomeClass names a criterion's outcome style; a free-text criterion
// is one to ask the study team about.
func outcomeClass(r match.Row) string {
	switch {
	case r.Status == match.Met:
		return "met"
	case r.Status == match.NotMet:
		return "notmet"
	case r.FreeText:
		return "ask"
	}
	return "unknown"
}

// statusClass groups statuses into the badge colours: open (can join),
// soon, running, done and stopped. The badge also always says the status
// in words and carries a shape, so colour is never the only cue.
func statusClass(v string) string {
	switch v {
	case "RECRUITING", "AVAILABLE":
		return "open"
	case "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "TEMPORARILY_NOT_AVAILABLE":
		return "soon"
	case "ACTIVE_NOT_RECRUITING", "APPROVED_FOR_MARKETING":
		return "running"
	case "SUSPENDED", "TERMINATED", "WITHDRAWN", "NO_LONGER_AVAILABLE", "WITHHELD":
		return "stopped"
	}
	return "done"
}

// statusIcon is a text symbol shown before the status label.
func statusIcon(v string) string {
	if v == "UNKNOWN" || v == "" {
		return "?"
	}
	switch statusClass(v) {
	case "open":
		return "●"
	case "soon":
		return "◐"
	case "running":
		return "○"
	case "stopped":
		return "■"
	}
	// A finished trial or site: not "✓", which the eligibility check
	// uses for a criterion met.
	return "⚑"
}

func distanceText(mi float64) string {
	km := mi * 1.609344
	if mi < 1 {
		return "under 1 mile (1.6 km)"
	}
	if mi < 10 {
		return fmt.Sprintf("%.1f miles (%.1f km)", mi, km)
	}
	return fmt.Sprintf("%s miles (%s km)", commas(int(mi+0.5)), commas(int(km+0.5)))
}

// commas writes a count with thousands separators: 12,345.
func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// homePage is the data of the home page.
type homePage struct {
	Studies   int
	DataTime  string
	Distances []option
	Fresh     freshness
}

func (s *site) home(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r.Context())
	if err != nil {
		return err
	}
	ix := v.Index
	page := homePage{Studies: ix.Len(), DataTime: ix.DataTime(), Distances: distanceOptions(defaultDistance), Fresh: s.freshness(r.Context())}
	return s.render(w, r, http.StatusOK, "home", "Find a clinical trial", page)
}
