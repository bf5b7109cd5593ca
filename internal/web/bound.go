package web

import (
	"strings"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/trialpage"
)

// A trial page shows at most this much of a record, so that a huge or
// hostile one (megabytes of description, a hundred thousand sites) cannot
// make a page the server takes long to render and a phone cannot load.
// Within them a page stays under MaxPageBytes; what is cut is one link
// away in the full record (the API's JSON). Real records stay well inside
// them: the longest descriptions are some 30,000 characters, the most
// sites some 2,000.
const (
	maxProseChars = 40000 // per section of prose (summary, description)
	maxValueChars = 4000  // per value, field, criterion or group description
	maxItems      = 400   // criteria per list, counting nested ones
	maxSites      = 2500
	maxGroups     = 200
	maxContacts   = 20
	// MaxPageBytes is the largest trial page the bounds allow, measured
	// by TestHugeRecordPageIsBounded on a record past every bound.
	MaxPageBytes = 3 << 20
)

// bound cuts page's long parts to the bounds, and reports whether it cut
// anything.
func bound(p *trialpage.Page) bool {
	cut := false
	clip := func(s *string, n int) {
		if len(*s) > n {
			*s, cut = clipText(*s, n)+" …", true
		}
	}
	for i := range p.Sections {
		sec := &p.Sections[i]
		total := 0
		for j := range sec.Paragraphs {
			if total+len(sec.Paragraphs[j]) > maxProseChars {
				sec.Paragraphs[j] = clipText(sec.Paragraphs[j], max(maxProseChars-total, 0)) + " …"
				sec.Paragraphs, cut = sec.Paragraphs[:j+1], true
				break
			}
			total += len(sec.Paragraphs[j])
		}
		if len(sec.Values) > maxItems {
			sec.Values, cut = sec.Values[:maxItems], true
		}
		for j := range sec.Values {
			clip(&sec.Values[j], maxValueChars)
		}
		for j := range sec.Fields {
			clip(&sec.Fields[j].Value, maxValueChars)
		}
		budget := maxItems
		sec.Items = boundItems(sec.Items, &budget, &cut)
		if len(sec.Groups) > maxGroups {
			sec.Groups, cut = sec.Groups[:maxGroups], true
		}
		for j := range sec.Groups {
			clip(&sec.Groups[j].Description, maxValueChars)
		}
		if len(sec.Sites) > maxSites {
			sec.Sites, cut = sec.Sites[:maxSites], true
		}
		if len(sec.Contacts) > maxContacts {
			sec.Contacts, cut = sec.Contacts[:maxContacts], true
		}
		for j := range sec.Sites {
			if len(sec.Sites[j].Contacts) > maxContacts {
				sec.Sites[j].Contacts, cut = sec.Sites[j].Contacts[:maxContacts], true
			}
			clip(&sec.Sites[j].Facility, maxValueChars)
		}
	}
	return cut
}

// boundItems keeps at most *budget items of a criteria tree, each clipped.
func boundItems(items []trialpage.Item, budget *int, cut *bool) []trialpage.Item {
	for i := range items {
		if *budget <= 0 {
			*cut = true
			return items[:i]
		}
		*budget--
		if len(items[i].Text) > maxValueChars {
			items[i].Text, *cut = clipText(items[i].Text, maxValueChars)+" …", true
		}
		items[i].Children = boundItems(items[i].Children, budget, cut)
	}
	return items
}

// clipText cuts s to at most n bytes, at a space if one is near, never
// inside a character.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Cutting a valid string leaves at most one broken character, at the end.
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	if sp := strings.LastIndexAny(s, " \n"); sp > n*9/10 {
		s = s[:sp]
	}
	return s
}
