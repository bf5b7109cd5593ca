// Package trialpage lays a study out as the sections of its trial page,
// in the order and wording of a ClinicalTrials.Veeva trial page. The Page
// is plain data (headings, values, label/value pairs, nested lists), so
// the terminal (WriteText) and the website's templates render the same
// content.
package trialpage

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/study"
)

// Page is a study's trial page.
type Page struct {
	NCTID string `json:"nctId"`
	// Title is the brief title, with the acronym in parentheses.
	Title string `json:"title"`
	// Byline names who runs the study, each with their role: the overall
	// officials ("Study director: Xianhai Mao"), or the lead sponsor when
	// none is listed ("Sponsor: …").
	Byline   []string  `json:"byline,omitempty"`
	Sections []Section `json:"sections"`
}

// Section is one heading of the page and what it shows, in this order:
// Paragraphs, Values, Fields, Items, then Summary followed by Groups or
// Sites, then Contacts, then Outcomes. A Level 1 section is a part heading with no
// content of its own; the Level 2 sections after it belong to it.
type Section struct {
	Key        string    `json:"key"` // stable name for anchors and tests: "status", "inclusion", ...
	Heading    string    `json:"heading"`
	Level      int       `json:"level"`
	Paragraphs []string  `json:"paragraphs,omitempty"` // prose
	Values     []string  `json:"values,omitempty"`     // short values, one per line
	Fields     []Field   `json:"fields,omitempty"`
	Items      []Item    `json:"items,omitempty"`
	Summary    string    `json:"summary,omitempty"` // "37 participants in 1 patient group", "1 site"
	Groups     []Group   `json:"groups,omitempty"`
	Sites      []Site    `json:"sites,omitempty"`
	Contacts   []Contact `json:"contacts,omitempty"`
	Outcomes   []Outcome `json:"outcomes,omitempty"`
}

// Outcome is one outcome measure: what is measured and when.
type Outcome struct {
	Measure     string `json:"measure"`
	TimeFrame   string `json:"timeFrame,omitempty"`
	Description string `json:"description,omitempty"`
}

// Field is a labelled value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Group is a patient group (an arm, or a cohort of an observational study).
type Group struct {
	Label       string `json:"label"`
	Type        string `json:"type,omitempty"` // "Experimental group"
	Description string `json:"description,omitempty"`
	// TreatmentHeading introduces Treatments ("Treatment:"); empty when
	// the group lists none.
	TreatmentHeading string   `json:"treatmentHeading,omitempty"`
	Treatments       []string `json:"treatments,omitempty"` // "Drug: Anlotinib hydrochloride capsules"
}

// Site is one location of the study.
type Site struct {
	Facility string    `json:"facility,omitempty"`
	City     string    `json:"city,omitempty"`
	State    string    `json:"state,omitempty"`
	Zip      string    `json:"zip,omitempty"`
	Country  string    `json:"country,omitempty"`
	Status   string    `json:"status,omitempty"` // plain label: "Recruiting"
	Contacts []Contact `json:"contacts,omitempty"`
}

// Contact is a person or office to ask.
type Contact struct {
	Name  string `json:"name"`            // with credentials, as registered: "Xianhai Mao, PhD"
	Role  string `json:"role,omitempty"`  // plain label, for site contacts: "Principal Investigator"
	Phone string `json:"phone,omitempty"` // with its extension: "555-0100 ext. 12"
	Email string `json:"email,omitempty"`
}

// Build lays s out as its trial page; c is its criteria text parsed
// (eligibility.Parse, or as stored at ingest). Sections with nothing to
// show are left out.
func Build(s study.Study, c eligibility.Criteria) Page {
	p := Page{NCTID: s.NCTID, Title: title(s), Byline: byline(s)}
	add := func(key, heading string, sec Section) {
		if sec.empty() {
			return
		}
		sec.Key, sec.Heading, sec.Level = key, heading, 2
		p.Sections = append(p.Sections, sec)
	}
	add("status", "Status and phase", Section{Values: statusAndPhase(s)})
	add("conditions", "Conditions", Section{Values: s.Conditions})
	add("treatments", "Treatments", Section{Values: treatments(s.Interventions)})
	add("study-type", "Study type", Section{Values: nonEmpty(studyType(s))})
	add("funders", "Funder types", Section{Values: labels(study.AgencyClasses, s.FunderTypes())})
	add("identifiers", "Identifiers", Section{Values: identifiers(s)})
	add("sponsor", "Sponsor", sponsors(s))
	add("dates", "Dates", dates(s))

	p.Sections = append(p.Sections, Section{Key: "details", Heading: "Details and patient eligibility", Level: 1})
	add("about", "About", Section{Paragraphs: paragraphs(s.BriefSummary)})
	add("description", "Full description", Section{Paragraphs: paragraphs(s.DetailedDescription)})
	add("enrollment", "Enrollment", Section{Values: nonEmpty(enrollment(s.Enrollment))})
	add("sex", "Sex", Section{Values: nonEmpty(labelOf(study.Sexes, s.Eligibility.Sex))})
	add("ages", "Ages", Section{Values: nonEmpty(Ages(s.Eligibility.MinimumAge, s.Eligibility.MaximumAge))})
	add("volunteers", "Volunteers", Section{Values: nonEmpty(volunteers(s.Eligibility.HealthyVolunteers))})
	items := criteriaOf(c)
	add("criteria", "Eligibility criteria", Section{Items: items.General})
	add("inclusion", "Inclusion criteria", Section{Items: items.Inclusion})
	add("exclusion", "Exclusion criteria", Section{Items: items.Exclusion})

	add("design", "Trial design", design(s))
	add("primary-outcomes", "Primary outcomes", Section{Outcomes: outcomes(s.Outcomes, "PRIMARY")})
	add("secondary-outcomes", "Secondary outcomes", Section{Outcomes: outcomes(s.Outcomes, "SECONDARY")})
	add("locations", "Trial contacts and locations", locations(s.Locations))
	central := "Central trial contact"
	if len(s.CentralContacts) > 1 {
		central += "s"
	}
	add("contact", central, Section{Contacts: contacts(s.CentralContacts, false)})
	return p
}

func (s Section) empty() bool {
	return len(s.Paragraphs) == 0 && len(s.Values) == 0 && len(s.Fields) == 0 && len(s.Items) == 0 &&
		s.Summary == "" && len(s.Groups) == 0 && len(s.Sites) == 0 && len(s.Contacts) == 0 && len(s.Outcomes) == 0
}

func title(s study.Study) string {
	t := s.BriefTitle
	if t == "" {
		t = s.OfficialTitle
	}
	if s.Acronym != "" && !strings.Contains(t, "("+s.Acronym+")") {
		t += " (" + s.Acronym + ")"
	}
	return unescape(t)
}

func byline(s study.Study) []string {
	var names []string
	for _, o := range s.OverallOfficials {
		if o.Name == "" {
			continue
		}
		role := "Responsible"
		if o.Role != "" {
			role = sentenceCase(study.ContactRoles.Label(o.Role))
		}
		names = append(names, role+": "+o.Name)
	}
	if len(names) == 0 && s.LeadSponsor.Name != "" {
		return []string{"Sponsor: " + s.LeadSponsor.Name}
	}
	return names
}

// sentenceCase lowers all but the first letter of a label: "Study
// Director" → "Study director".
func sentenceCase(label string) string {
	if label == "" {
		return ""
	}
	return label[:1] + strings.ToLower(label[1:])
}

// sponsors labels the lead sponsor and lists the collaborators.
func sponsors(s study.Study) Section {
	var sec Section
	if s.LeadSponsor.Name != "" {
		sec.Fields = append(sec.Fields, Field{"Lead sponsor", s.LeadSponsor.Name})
	}
	var names []string
	for _, c := range s.Collaborators {
		if c.Name != "" {
			names = append(names, c.Name)
		}
	}
	if len(names) > 0 {
		label := "Collaborator"
		if len(names) > 1 {
			label += "s"
		}
		sec.Fields = append(sec.Fields, Field{label, strings.Join(names, "; ")})
	}
	return sec
}

// dates are the study's milestones, each said to be actual or estimated
// as the registry records it, and when the record was posted.
func dates(s study.Study) Section {
	var sec Section
	d := s.Dates
	for _, m := range []struct {
		label string
		date  study.Date
	}{
		{"Study start", d.Start}, {"Primary completion", d.PrimaryCompletion}, {"Study completion", d.Completion},
		{"First posted", d.FirstPosted}, {"Results posted", d.ResultsFirstPosted}, {"Last update posted", d.LastUpdatePosted},
	} {
		if m.date.IsZero() {
			continue
		}
		v := m.date.Value
		switch m.label {
		case "Study start", "Primary completion", "Study completion":
			if m.date.Estimated {
				v += " (estimated)"
			} else {
				v += " (actual)"
			}
		}
		sec.Fields = append(sec.Fields, Field{m.label, v})
	}
	return sec
}

// outcomes lists the outcome measures of one kind (PRIMARY, SECONDARY).
func outcomes(os []study.Outcome, kind string) []Outcome {
	var out []Outcome
	for _, o := range os {
		if o.Kind == kind && o.Measure != "" {
			out = append(out, Outcome{Measure: unescape(o.Measure), TimeFrame: unescape(o.TimeFrame),
				Description: strings.Join(paragraphs(o.Description), " ")})
		}
	}
	return out
}

// statusAndPhase lists the overall status and the phases. "Not
// applicable" is left out: it says only that phases do not apply.
func statusAndPhase(s study.Study) []string {
	out := nonEmpty(labelOf(study.Statuses, s.OverallStatus))
	for _, ph := range s.Phases {
		if ph != "NA" {
			out = append(out, study.Phases.Label(ph))
		}
	}
	return out
}

func treatments(ivs []study.Intervention) []string {
	var out []string
	for _, iv := range ivs {
		out = append(out, typed(labelOf(study.InterventionTypes, iv.Type), unescape(iv.Name)))
	}
	return out
}

// typed writes a treatment as ClinicalTrials.gov names it in arms:
// "Drug: Anlotinib hydrochloride capsules".
func typed(typeLabel, name string) string {
	if typeLabel == "" {
		return name
	}
	return typeLabel + ": " + name
}

func studyType(s study.Study) string {
	t := labelOf(study.StudyTypes, s.StudyType)
	if s.Design.PatientRegistry {
		t += " (patient registry)"
	}
	return t
}

// identifiers lists the NCT ID, the sponsor's ID, other registries' IDs
// and obsolete NCT IDs, each once.
func identifiers(s study.Study) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	add(s.NCTID)
	add(s.OrgStudyID)
	for _, x := range s.SecondaryIDs {
		add(x.ID)
	}
	for _, a := range s.Aliases {
		add(a)
	}
	return out
}

// paragraphs splits registered prose into paragraphs, without Markdown
// escapes. ClinicalTrials.gov separates paragraphs and list entries by
// line breaks, so each line is a paragraph of its own, except in text
// that was hard-wrapped (legacy XML records break lines at about 70 to
// 90 characters): there lines are joined back into paragraphs, and a
// paragraph ends only at a blank line, before a list entry ("- …",
// "1. …", "a) …") or after a short line that ends a sentence.
func paragraphs(text string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(unescape(text), "\r\n", "\n"), "\n\n") {
		var lines []string
		for _, l := range strings.Split(block, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		wrapped := hardWrapped(lines)
		// A blank line inside a sentence (some legacy records have them)
		// does not end the paragraph.
		if n := len(out); n > 0 && continues(out[n-1], lines[0]) {
			lines[0] = out[n-1] + " " + lines[0]
			out = out[:n-1]
		}
		if !wrapped {
			out = append(out, lines...)
			continue
		}
		longest := 0
		for _, l := range lines {
			longest = max(longest, utf8.RuneCountInString(l))
		}
		var para []string
		for i, l := range lines {
			if i > 0 && (listEntry.MatchString(l) || endsShort(lines[i-1], longest)) {
				out = append(out, strings.Join(para, " "))
				para = para[:0]
			}
			para = append(para, l)
		}
		out = append(out, strings.Join(para, " "))
	}
	return out
}

// continues reports whether next goes on with the sentence that prev
// leaves unfinished.
func continues(prev, next string) bool {
	r, _ := utf8.DecodeRuneInString(next)
	return !strings.ContainsAny(prev[len(prev)-1:], ".:;?!") && unicode.IsLower(r) && !listEntry.MatchString(next)
}

// wrapWidth bounds the lines of hard-wrapped text; wrapMin is the
// longest line such text has at least.
const (
	wrapWidth = 100
	wrapMin   = 60
)

// hardWrapped reports whether a block's lines look wrapped to a width:
// several lines, none but the last longer than wrapWidth, some close to
// it.
func hardWrapped(lines []string) bool {
	if len(lines) < 2 {
		return false
	}
	longest := 0
	for _, l := range lines[:len(lines)-1] {
		n := utf8.RuneCountInString(l)
		if n > wrapWidth {
			return false
		}
		longest = max(longest, n)
	}
	return longest >= wrapMin
}

// listEntry matches the start of a list entry.
var listEntry = regexp.MustCompile(`^([-*•·o]\s|\(?\d{1,2}[.)]\s|\(?[a-zA-Z][.)]\s)`)

// endsShort reports whether a line ends a paragraph: it ends a sentence
// (or introduces a list) well short of the wrapping width.
func endsShort(line string, longest int) bool {
	return utf8.RuneCountInString(line) < longest*2/3 && strings.ContainsAny(line[len(line)-1:], ".:?!")
}

// enrollment reads "37 estimated patients" for a target and "120
// patients" for an actual count, as the reference page does.
func enrollment(e study.Enrollment) string {
	if !e.Known {
		return ""
	}
	noun := "patients"
	if e.Count == 1 {
		noun = "patient"
	}
	if e.Estimated {
		noun = "estimated " + noun
	}
	return strconv.Itoa(e.Count) + " " + noun
}

// Ages writes an age range as the reference page does: "18 to 75 years
// old", "18+ years old", "Up to 17 years old", "6 months to 17 years
// old"; "" when there is no limit.
func Ages(min, max study.Age) string {
	switch {
	case min.IsSet() && max.IsSet():
		if min.Unit == max.Unit {
			return strconv.Itoa(min.N) + " to " + ageText(max) + " old"
		}
		return ageText(min) + " to " + ageText(max) + " old"
	case min.IsSet():
		return strconv.Itoa(min.N) + "+ " + strings.ToLower(string(min.Unit)) + " old"
	case max.IsSet():
		return "Up to " + ageText(max) + " old"
	}
	return ""
}

func ageText(a study.Age) string { return strconv.Itoa(a.N) + " " + unitText(a) }

// unitText is the unit in lower case, singular for one ("1 year").
func unitText(a study.Age) string {
	u := strings.ToLower(string(a.Unit))
	if a.N == 1 {
		u = strings.TrimSuffix(u, "s")
	}
	return u
}

func volunteers(hv *bool) string {
	switch {
	case hv == nil:
		return ""
	case *hv:
		return "Accepts Healthy Volunteers"
	}
	return "No Healthy Volunteers"
}

func design(s study.Study) Section {
	d := s.Design
	var sec Section
	field := func(label, value string) {
		if value != "" {
			sec.Fields = append(sec.Fields, Field{label, value})
		}
	}
	if s.StudyType == "OBSERVATIONAL" {
		field("Observational model", labelOf(study.ObservationalModels, d.ObservationalModel))
		field("Time perspective", labelOf(study.TimePerspectives, d.TimePerspective))
	} else {
		field("Primary purpose", labelOf(study.PrimaryPurposes, d.PrimaryPurpose))
		field("Allocation", labelOf(study.Allocations, d.Allocation))
		field("Interventional model", labelOf(study.InterventionModels, d.InterventionModel))
		field("Masking", masking(d))
	}
	sec.Summary = groupSummary(s.Enrollment, len(s.Arms))
	for _, a := range s.Arms {
		g := Group{Label: unescape(a.Label), Description: unescape(a.Description)}
		for _, n := range a.InterventionNames {
			g.Treatments = append(g.Treatments, unescape(n))
		}
		if a.Type != "" {
			g.Type = study.ArmGroupTypes.Label(a.Type) + " group"
		}
		if len(g.Treatments) > 0 {
			g.TreatmentHeading = "Treatment:"
		}
		sec.Groups = append(sec.Groups, g)
	}
	return sec
}

// masking adds who is masked to the masking label: "Double (Participant,
// Investigator)".
func masking(d study.Design) string {
	m := labelOf(study.Maskings, d.Masking)
	if m == "" || len(d.WhoMasked) == 0 {
		return m
	}
	return m + " (" + strings.Join(labels(study.WhoMaskedValues, d.WhoMasked), ", ") + ")"
}

// groupSummary reads "37 participants in 1 patient group".
func groupSummary(e study.Enrollment, groups int) string {
	if groups == 0 {
		return ""
	}
	g := plural(groups, "patient group")
	if !e.Known {
		return g
	}
	return plural(e.Count, "participant") + " in " + g
}

func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}

func locations(locs []study.Location) Section {
	if len(locs) == 0 {
		return Section{}
	}
	sec := Section{Summary: plural(len(locs), "site")}
	for _, l := range locs {
		sec.Sites = append(sec.Sites, Site{
			Facility: l.Facility, City: l.City, State: l.State, Zip: l.Zip, Country: l.Country,
			Status:   labelOf(study.Statuses, l.Status),
			Contacts: contacts(l.Contacts, true),
		})
	}
	return sec
}

// contacts converts registered contacts; withRole keeps the role label,
// which says something at a site (investigator or contact) but not for
// the central contact.
func contacts(cs []study.Contact, withRole bool) []Contact {
	var out []Contact
	for _, c := range cs {
		x := Contact{Name: c.Name, Phone: c.Phone, Email: c.Email}
		if c.PhoneExt != "" {
			x.Phone += " ext. " + c.PhoneExt
		}
		if withRole {
			x.Role = labelOf(study.ContactRoles, c.Role)
		}
		if x.Name == "" && x.Phone == "" && x.Email == "" {
			continue
		}
		out = append(out, x)
	}
	return out
}

// labelOf is e.Label with "" for an empty value.
func labelOf(e study.Enum, v string) string {
	if v == "" {
		return ""
	}
	return e.Label(v)
}

func labels(e study.Enum, vs []string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, e.Label(v))
	}
	return out
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
