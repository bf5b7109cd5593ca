package trialpage

import (
	"strings"
	"unicode"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

// Item is one entry of a list, with the entries nested under it.
type Item struct {
	Text     string `json:"text"`
	Children []Item `json:"children,omitempty"`
}

// Criteria is a study's free-text eligibility criteria as the page shows
// them. The items are exactly those of eligibility.Parse, so the
// patient-facing eligibility check reports on the items the page lists;
// only their text is cleaned up for reading.
type Criteria struct {
	// General holds the text before the first inclusion or exclusion
	// header, or all of it when the text has no headers.
	General   []Item `json:"general,omitempty"`
	Inclusion []Item `json:"inclusion,omitempty"`
	Exclusion []Item `json:"exclusion,omitempty"`
}

// criteriaOf lays parsed criteria out for display. A text without headers
// says neither "include" nor "exclude", so the page shows it under the
// general heading rather than as inclusion criteria.
func criteriaOf(c eligibility.Criteria) Criteria {
	if c.NoHeaders {
		return Criteria{General: displayItems(c.Inclusion)}
	}
	return Criteria{
		General:   displayItems(c.Other),
		Inclusion: displayItems(c.Inclusion),
		Exclusion: displayItems(c.Exclusion),
	}
}

// displayItems turns parsed items into display items: the verbatim span,
// which may run over wrapped and indented lines, becomes one line of
// single spaces without Markdown escapes. Sub-items written inside the
// item's own line ("any of the following: a) ... b) ...") are already in
// its text, so only those on lines of their own become children. An item
// without a word (a bare "-" line) is left out but what is nested under
// it is kept.
func displayItems(items []eligibility.Item) []Item {
	var out []Item
	for _, it := range items {
		if eligibility.Joined(it) {
			out = append(out, displayItems(it.Items)...) // the lines as written
			continue
		}
		var kids []Item
		if len(it.Items) > 0 && it.Items[0].Span[0] >= it.Span[1] {
			kids = displayItems(it.Items)
		}
		text := strings.Join(strings.Fields(unescape(it.Text)), " ")
		if !hasWord(text) {
			out = append(out, kids...)
			continue
		}
		out = append(out, Item{Text: text, Children: kids})
	}
	return out
}

func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// unescape removes the Markdown backslash escapes ClinicalTrials.gov puts
// before ASCII punctuation ("\>", "\[", "\~"), which a reader must not see.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}
