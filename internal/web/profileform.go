package web

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
)

// A patient profile travels as an HTML form, the same field names on
// the trial check and on "Find trials for a patient":
//
//	age, sex (female|male), pregnant, breastfeeding (yes|no), ecog, karnofsky
//	lab-N-name, lab-N-value, lab-N-unit, lab-N-uln     a lab value (eligibility variable)
//	cond-N-text, cond-N-stage, cond-N-metastatic (yes|no), cond-N-mesh, cond-N-meshfor
//	therapy-N-name, therapy-N-start, therapy-N-end, therapy-N-current (yes)
//	hx-N-term, hx-N-words, hx-N-answer (yes|no)        "have you been diagnosed with ...?"
//	tx-N-term, tx-N-words, tx-N-answer (no|past|current), tx-N-end  "have you had ...?"
//	nohistory, medications                             one per line
//	place, lat, lon, distance, unit (mi|km)
//
// An empty field is unknown, never assumed. Rows are numbered so that a
// blank row never shifts the others. cond-N-mesh keeps the MeSH IDs the
// note reader found for cond-N-meshfor; they are kept only while the
// condition's text is unchanged.

// maxRows bounds each kind of numbered row a form may send.
const maxRows = 30

// maxFormBytes bounds a posted form; a full profile with a long clinic
// note is a few kilobytes.
const maxFormBytes = 64 << 10

// formError is one problem of a submitted form, shown next to its field
// and in the summary above the form.
type formError struct{ Field, Msg string }

// form is a submitted or pre-filled profile form: its values as typed,
// so a reader's input survives an error, and the problems found.
type form struct {
	v      url.Values
	Errors []formError
}

// Get returns a field's value as typed.
func (f *form) Get(name string) string { return f.v.Get(name) }

// Is reports whether a field has the value, for radio buttons, check
// boxes and options.
func (f *form) Is(name, value string) bool { return f.v.Get(name) == value }

// Err returns the problem with a field, "" if none.
func (f *form) Err(name string) string {
	for _, e := range f.Errors {
		if e.Field == name {
			return e.Msg
		}
	}
	return ""
}

func (f *form) fail(field, format string, args ...any) {
	if field == "" || f.Err(field) == "" {
		f.Errors = append(f.Errors, formError{field, fmt.Sprintf(format, args...)})
	}
}

// readForm parses a posted form, refusing one that is too large or
// malformed. Only the body is read: the URL carries nothing a patient
// typed.
func readForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, &pageError{Code: http.StatusBadRequest, Title: "We could not read the form",
			Message: "The form could not be read (it may be too long). Go back and try again."}
	}
	return &form{v: r.PostForm}, nil
}

var thousands = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`)

// number reads a field as a number not below zero; blank is unknown
// (ok false, no error).
func (f *form) number(name, what string) (float64, bool) {
	x, ok := f.float(name, what)
	if ok && x < 0 {
		f.fail(name, "%s: %q is below zero.", what, f.Get(name))
		return 0, false
	}
	return x, ok
}

// float reads a field as a number of any sign.
func (f *form) float(name, what string) (float64, bool) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return 0, false
	}
	if thousands.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(name, "%s: %q is not a number. Write digits only, such as 58 or 1.5, or leave it blank.", what, f.Get(name))
		return 0, false
	}
	return x, true
}

func (f *form) yesNo(name, what string) *bool {
	switch f.Get(name) {
	case "":
		return nil
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	f.fail(name, "%s: %q is not one of the choices; choose yes, no or not sure.", what, f.Get(name))
	return nil
}

func (f *form) grade(name, what string, lo, hi int) *int {
	x, ok := f.number(name, what)
	if !ok {
		return nil
	}
	n := int(x)
	if float64(n) != x || n < lo || n > hi {
		f.fail(name, "%s: %q is not a grade from %d to %d.", what, f.Get(name), lo, hi)
		return nil
	}
	return &n
}

// lines splits a text area into its non-blank lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// profile reads the patient profile the form describes, recording the
// problems in f.Errors; the profile is usable only when there are none.
func (f *form) profile() patient.Profile {
	var p patient.Profile
	// fields names the form field of each profile field, for the
	// profile's own validation messages.
	fields := map[string]string{"age": "age", "birthDate": "age", "sex": "sex", "pregnant": "pregnant",
		"ecog": "ecog", "karnofsky": "karnofsky", "priorLines": "lines", "location": "place", "maxDistance": "distance", "distanceUnit": "unit"}
	if a, ok := f.number("age", "Age"); ok {
		p.Age = &a
	}
	switch sex := f.Get("sex"); sex {
	case "", "female", "male":
		p.Sex = sex
	default:
		f.fail("sex", "Sex: %q is not one of the choices; choose female, male or not sure.", sex)
	}
	p.Pregnant = f.yesNo("pregnant", "Pregnant")
	p.Breastfeeding = f.yesNo("breastfeeding", "Breastfeeding")
	p.ECOG = f.grade("ecog", "ECOG performance status", 0, 5)
	p.Karnofsky = f.grade("karnofsky", "Karnofsky score", 0, 100)
	p.PriorLines = f.grade("lines", "Lines of treatment so far", 0, 30)
	for i := range maxRows {
		pre := "lab-" + strconv.Itoa(i) + "-"
		name := strings.TrimSpace(f.Get(pre + "name"))
		val, ok := f.number(pre+"value", labLabel(name))
		if !ok || name == "" {
			if ok {
				f.fail(pre+"name", "Choose which test the value %s is for.", f.Get(pre+"value"))
			}
			continue
		}
		lab := patient.Lab{Name: name, Value: val, Unit: strings.TrimSpace(f.Get(pre + "unit"))}
		if uln, ok := f.number(pre+"uln", "Upper limit of normal"); ok {
			lab.ULN = uln
		}
		fields[fmt.Sprintf("labs[%d]", len(p.Labs))] = pre + "value"
		p.Labs = append(p.Labs, lab)
	}
	for i := range maxRows {
		pre := "cond-" + strconv.Itoa(i) + "-"
		text := strings.TrimSpace(f.Get(pre + "text"))
		c := patient.Condition{Text: text, Stage: strings.TrimSpace(f.Get(pre + "stage")), Metastatic: f.yesNo(pre+"metastatic", "Spread (metastatic)"),
			DiseaseStatus: f.Get(pre + "course")}
		if text == "" {
			if c.Stage != "" || c.Metastatic != nil {
				// A trial's questionnaire asks stage and spread of the
				// disease the trial is about.
				text = strings.TrimSpace(f.Get("trialcondition"))
			}
			if text == "" {
				if c.Stage != "" || c.Metastatic != nil {
					f.fail(pre+"text", "Say which diagnosis the stage or spread is for.")
				}
				continue
			}
			c.Text = text
		}
		if f.Get(pre+"meshfor") == text {
			c.MeSH = strings.Fields(f.Get(pre + "mesh"))
		}
		fields[fmt.Sprintf("conditions[%d]", len(p.Conditions))] = pre + "text"
		p.Conditions = append(p.Conditions, c)
	}
	for i := range maxRows {
		pre := "bm-" + strconv.Itoa(i) + "-"
		switch st := f.Get(pre + "status"); st {
		case "":
		case "positive", "negative":
			fields[fmt.Sprintf("biomarkers[%d].name", len(p.Biomarkers))] = pre + "status"
			p.Biomarkers = append(p.Biomarkers, patient.Biomarker{Name: f.Get(pre + "marker"), Status: st})
		default:
			f.fail(pre+"status", "Choose positive, negative or not sure.")
		}
	}
	for i := range maxRows {
		pre := "hx-" + strconv.Itoa(i) + "-"
		switch f.Get(pre + "answer") {
		case "":
		case "yes":
			fields[fmt.Sprintf("conditions[%d]", len(p.Conditions))] = pre + "answer"
			p.Conditions = append(p.Conditions, patient.Condition{Text: f.Get(pre + "term")})
		case "no":
			p.NoHistoryOf = append(p.NoHistoryOf, f.Get(pre+"words"))
		default:
			f.fail(pre+"answer", "Choose yes, no or not sure.")
		}
	}
	for i := range maxRows {
		pre := "therapy-" + strconv.Itoa(i) + "-"
		t := patient.Therapy{Name: strings.TrimSpace(f.Get(pre + "name")), Start: strings.TrimSpace(f.Get(pre + "start")),
			End: strings.TrimSpace(f.Get(pre + "end")), Current: f.Get(pre+"current") == "yes"}
		if t.Name == "" {
			if t.Start != "" || t.End != "" {
				f.fail(pre+"name", "Say which treatment the dates are for.")
			}
			continue
		}
		fields[fmt.Sprintf("therapies[%d]", len(p.Therapies))] = pre + "end"
		p.Therapies = append(p.Therapies, t)
	}
	for i := range maxRows {
		pre := "tx-" + strconv.Itoa(i) + "-"
		t := patient.Therapy{Name: f.Get(pre + "term"), End: strings.TrimSpace(f.Get(pre + "end"))}
		switch f.Get(pre + "answer") {
		case "":
			continue
		case "no":
			p.NoHistoryOf = append(p.NoHistoryOf, f.Get(pre+"words"))
			continue
		case "current":
			t.Current, t.End = true, ""
		case "past":
		default:
			f.fail(pre+"answer", "Choose one of the answers.")
			continue
		}
		fields[fmt.Sprintf("therapies[%d]", len(p.Therapies))] = pre + "end"
		p.Therapies = append(p.Therapies, t)
	}
	if f.Get("healthy") == "yes" {
		yes := true
		p.HealthyVolunteer = &yes
	}
	p.NoHistoryOf = append(p.NoHistoryOf, lines(f.Get("nohistory"))...)
	p.Medications = lines(f.Get("medications"))
	f.location(&p)
	if len(f.Errors) > 0 {
		return p
	}
	// The profile's own rules: ranges, units, dates, consistency.
	if err := p.Validate(); err != nil {
		for _, e := range fieldErrors(err) {
			// A rule about no one field is shown in the summary only.
			f.fail(fields[e.Field], "%s", sentence(e.Msg))
		}
	}
	return p
}

func (f *form) location(p *patient.Profile) {
	lat, hasLat := f.float("lat", "Latitude")
	lon, hasLon := f.float("lon", "Longitude")
	switch place := strings.TrimSpace(f.Get("place")); {
	case hasLat && hasLon:
		p.Location = &patient.Location{Lat: &lat, Lon: &lon}
	case hasLat || hasLon:
		f.fail("lat", "Give both latitude and longitude, or neither.")
	case place != "":
		p.Location = &patient.Location{Place: place}
	}
	if d, ok := f.number("distance", "Distance"); ok {
		p.MaxDistance = d
		p.DistanceUnit = f.Get("unit")
	}
}

// fieldErrors unpacks a profile's joined validation errors.
func fieldErrors(err error) []*patient.FieldError {
	var out []*patient.FieldError
	var walk func(error)
	walk = func(err error) {
		var fe *patient.FieldError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(err, &fe) {
			out = append(out, fe)
			return
		}
		out = append(out, &patient.FieldError{Msg: err.Error()})
	}
	walk(err)
	return out
}

// sentence starts a message with a capital letter.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// labLabel names a lab for messages.
func labLabel(name string) string {
	if v, ok := patient.LookupVariable(name); ok {
		return sentence(shortMeaning(v))
	}
	return "Lab value"
}

// shortMeaning is a variable's meaning without its explanations.
func shortMeaning(v eligibility.Variable) string {
	m := v.Meaning
	if i := strings.IndexAny(m, "(;:"); i > 0 {
		m = m[:i]
	}
	return strings.TrimSpace(m)
}

// profileForm writes a profile as the form that describes it, for the
// reader to review and correct.
func profileForm(p patient.Profile) *form {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	yesNo := func(b *bool) string {
		switch {
		case b == nil:
			return ""
		case *b:
			return "yes"
		}
		return "no"
	}
	if p.Age != nil {
		set("age", num(*p.Age))
	}
	set("sex", p.Sex)
	set("pregnant", yesNo(p.Pregnant))
	set("breastfeeding", yesNo(p.Breastfeeding))
	if p.ECOG != nil {
		set("ecog", strconv.Itoa(*p.ECOG))
	}
	if p.Karnofsky != nil {
		set("karnofsky", strconv.Itoa(*p.Karnofsky))
	}
	if p.PriorLines != nil {
		set("lines", strconv.Itoa(*p.PriorLines))
	}
	for i, l := range p.Labs[:min(len(p.Labs), maxRows)] {
		pre := "lab-" + strconv.Itoa(i) + "-"
		name := l.Name
		if lv, ok := patient.LookupVariable(l.Name); ok {
			name = lv.Name
		}
		set(pre+"name", name)
		set(pre+"value", num(l.Value))
		set(pre+"unit", l.Unit)
		if l.ULN > 0 {
			set(pre+"uln", num(l.ULN))
		}
	}
	for i, c := range p.Conditions[:min(len(p.Conditions), maxRows)] {
		pre := "cond-" + strconv.Itoa(i) + "-"
		set(pre+"text", c.Text)
		set(pre+"stage", c.Stage)
		set(pre+"metastatic", yesNo(c.Metastatic))
		set(pre+"course", c.DiseaseStatus)
		if len(c.MeSH) > 0 {
			set(pre+"mesh", strings.Join(c.MeSH, " "))
			set(pre+"meshfor", c.Text)
		}
	}
	for i, t := range p.Therapies[:min(len(p.Therapies), maxRows)] {
		pre := "therapy-" + strconv.Itoa(i) + "-"
		set(pre+"name", t.Name)
		set(pre+"start", t.Start)
		set(pre+"end", t.End)
		if t.Current {
			set(pre+"current", "yes")
		}
	}
	for i, b := range p.Biomarkers[:min(len(p.Biomarkers), maxRows)] {
		pre := "bm-" + strconv.Itoa(i) + "-"
		set(pre+"marker", patient.MarkerName(b.Name))
		set(pre+"status", b.Status)
	}
	if p.HealthyVolunteer != nil && *p.HealthyVolunteer {
		set("healthy", "yes")
	}
	set("nohistory", strings.Join(p.NoHistoryOf, "\n"))
	set("medications", strings.Join(p.Medications, "\n"))
	if l := p.Location; l != nil {
		set("place", l.Place)
		if l.Lat != nil && l.Lon != nil {
			set("lat", num(*l.Lat))
			set("lon", num(*l.Lon))
		}
	}
	if p.MaxDistance > 0 {
		set("distance", num(p.MaxDistance))
		set("unit", cmp.Or(p.DistanceUnit, "km"))
	}
	return &form{v: v}
}
