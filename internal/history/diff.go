// Package history says what changed between the versions of a study's
// record the store has kept: the things people care about (status, sites,
// dates, enrollment, eligibility criteria, contacts, results), each as
// one readable line, with a line-by-line diff of the criteria text.
package history

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Change is one thing that changed between two versions.
type Change struct {
	// Field is the API v2 piece name of what changed, e.g. OverallStatus,
	// LocationStatus, EligibilityCriteria.
	Field string `json:"field"`
	// Summary is one readable line: "Status: Recruiting → Completed".
	Summary string `json:"summary"`
	// Lines is the text diff of a long text field (EligibilityCriteria).
	Lines []Line `json:"-"`
}

// Line is one line of a text diff.
type Line struct {
	Op   byte // ' ' kept, '+' added, '-' removed
	Text string
}

// Diff lists what changed from old to new, in the order of the trial page.
func Diff(old, new *study.Study) []Change {
	var out []Change
	add := func(field, format string, args ...any) {
		out = append(out, Change{Field: field, Summary: fmt.Sprintf(format, args...)})
	}
	if old.OverallStatus != new.OverallStatus {
		add("OverallStatus", "Status: %s → %s", study.Statuses.Label(old.OverallStatus), study.Statuses.Label(new.OverallStatus))
	}
	if !old.HasResults && new.HasResults {
		add("ResultsFirstPostDate", "Results posted")
	}
	for _, d := range []struct {
		field, label string
		old, new     study.Date
	}{
		{"StartDate", "Start date", old.Dates.Start, new.Dates.Start},
		{"PrimaryCompletionDate", "Primary completion date", old.Dates.PrimaryCompletion, new.Dates.PrimaryCompletion},
		{"CompletionDate", "Completion date", old.Dates.Completion, new.Dates.Completion},
	} {
		if d.old.Value != d.new.Value {
			add(d.field, "%s: %s → %s", d.label, dateText(d.old), dateText(d.new))
		}
	}
	if e, f := old.Enrollment, new.Enrollment; e.Count != f.Count || e.Known != f.Known {
		add("EnrollmentCount", "Enrollment: %s → %s", enrollmentText(e), enrollmentText(f))
	}
	out = append(out, sites(old.Locations, new.Locations)...)
	if old.Eligibility.Criteria != new.Eligibility.Criteria {
		lines := Lines(old.Eligibility.Criteria, new.Eligibility.Criteria)
		added, removed := 0, 0
		for _, l := range lines {
			switch l.Op {
			case '+':
				added++
			case '-':
				removed++
			}
		}
		out = append(out, Change{Field: "EligibilityCriteria", Lines: lines,
			Summary: fmt.Sprintf("Eligibility criteria changed: %s added, %s removed", plural(added, "line"), plural(removed, "line"))})
	}
	out = append(out, contacts(old.CentralContacts, new.CentralContacts)...)
	return out
}

func dateText(d study.Date) string {
	switch {
	case d.IsZero():
		return "none"
	case d.Estimated:
		return d.Value + " (estimated)"
	}
	return d.Value
}

func enrollmentText(e study.Enrollment) string {
	switch {
	case !e.Known:
		return "not stated"
	case e.Estimated:
		return fmt.Sprintf("%d (estimated)", e.Count)
	}
	return fmt.Sprint(e.Count)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// place is where a site is, as people name it: "Boston, Massachusetts".
func place(l study.Location) string {
	var parts []string
	for _, p := range []string{l.City, l.State} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) < 2 && l.Country != "" {
		parts = append(parts, l.Country)
	}
	if len(parts) == 0 {
		return "an unnamed place"
	}
	return strings.Join(parts, ", ")
}

func siteKey(l study.Location) string {
	return strings.ToLower(l.Facility + "|" + l.City + "|" + l.State + "|" + l.Country)
}

// sites compares two versions' sites, matched by facility and place.
func sites(old, new []study.Location) []Change {
	before := map[string]study.Location{}
	for _, l := range old {
		before[siteKey(l)] = l
	}
	after := map[string]bool{}
	var out []Change
	for _, l := range new {
		k := siteKey(l)
		after[k] = true
		was, ok := before[k]
		switch {
		case !ok:
			out = append(out, Change{Field: "LocationFacility", Summary: "A site opened in " + place(l) + facility(l)})
		case was.Status != l.Status:
			out = append(out, Change{Field: "LocationStatus", Summary: fmt.Sprintf("Site in %s%s: %s → %s",
				place(l), facility(l), siteStatus(was.Status), siteStatus(l.Status))})
		}
	}
	for _, l := range old {
		if !after[siteKey(l)] {
			out = append(out, Change{Field: "LocationFacility", Summary: "A site closed in " + place(l) + facility(l)})
		}
	}
	return out
}

func facility(l study.Location) string {
	if l.Facility == "" {
		return ""
	}
	return " (" + l.Facility + ")"
}

func siteStatus(s string) string {
	if s == "" {
		return "no status"
	}
	return study.Statuses.Label(s)
}

// contacts compares the central contacts by name.
func contacts(old, new []study.Contact) []Change {
	names := func(cs []study.Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	was, is := names(old), names(new)
	var out []Change
	for _, n := range is {
		if !slices.Contains(was, n) {
			out = append(out, Change{Field: "CentralContactName", Summary: "Contact added: " + n})
		}
	}
	for _, n := range was {
		if !slices.Contains(is, n) {
			out = append(out, Change{Field: "CentralContactName", Summary: "Contact removed: " + n})
		}
	}
	if len(out) == 0 && !slices.Equal(old, new) {
		out = append(out, Change{Field: "CentralContactPhone", Summary: "Contact details changed"})
	}
	return out
}

// Lines is a line-by-line diff of two texts (a longest common
// subsequence): criteria are tens of lines, so the quadratic table is
// small. Texts beyond maxDiffLines are compared as removed and added.
func Lines(old, new string) []Line {
	a, b := splitLines(old), splitLines(new)
	if len(a)*len(b) > maxDiffLines*maxDiffLines {
		var out []Line
		for _, l := range a {
			out = append(out, Line{'-', l})
		}
		for _, l := range b {
			out = append(out, Line{'+', l})
		}
		return out
	}
	// lcs[i][j]: the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, Line{' ', a[i]})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, Line{'+', b[j]})
			j++
		default:
			out = append(out, Line{'-', a[i]})
			i++
		}
	}
	return out
}

const maxDiffLines = 2000

// splitLines splits text into its non-blank lines, trimmed.
func splitLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
