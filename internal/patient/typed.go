package patient

import (
	"regexp"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
)

var (
	// placeRe finds where the patient lives: "lives in Boston", "near
	// Chicago, IL", "resides in San Diego".
	placeRe = regexp.MustCompile(`\b(?:[Ll]ives|[Ll]iving|[Rr]esides|[Rr]esiding|is based|[Bb]ased|[Ll]ocated|from)\s+(?:in|near|outside(?: of)?|close to|around)\s+((?:[A-Z][\w.'’-]*)(?:,?\s+(?:[A-Z][\w.'’-]*|[A-Z]{2}\b)){0,3})|\b[Nn]ear\s+((?:[A-Z][\w.'’-]*)(?:,?\s+(?:[A-Z][\w.'’-]*|[A-Z]{2}\b)){0,3})`)
	// lifestyleRe are words of a note that look like conditions or
	// therapies to the vocabulary but describe a habit or a role.
	lifestyleRe      = regexp.MustCompile(`(?i)\b(?:non-?smok\w*|smok\w*|ex-?smok\w*|volunteers?|healthy)\b`)
	neverSmokedRe    = regexp.MustCompile(`(?i)\b(?:non-?smoker|never[- ](?:smoked|smoker)|does not smoke|doesn't smoke|no (?:history of )?(?:smoking|tobacco))\b`)
	formerSmokeRe    = regexp.MustCompile(`(?i)\b(?:ex-?smoker|former smoker|quit smoking|stopped smoking|previously smoked)\b`)
	currentSmoke     = regexp.MustCompile(`(?i)\b(?:current smoker|smokes|active smoker|\d+\s*pack[- ]years?)\b`)
	healthyRe        = regexp.MustCompile(`(?i)\bhealthy (?:volunteer|adult|subject|individual|person|man|woman|male|female|participant)s?\b|\bno (?:significant |known )?(?:past )?medical (?:history|problems|conditions)\b|\bvolunteer\b`)
	newlyDiagnosedRe = regexp.MustCompile(`(?i)\b(?:newly diagnosed|new diagnosis|previously untreated|treatment[- ]na[iï]ve)\b`)
	relapsedRe       = regexp.MustCompile(`(?i)\b(?:relapsed|relapse|recurrent|recurred|recurrence)\b`)
	refractoryRe     = regexp.MustCompile(`(?i)\brefractory\b`)
	// notTherapyWords end a list of therapies: verbs and words a list
	// runs into ("trastuzumab and pertuzumab, lives in Boston").
	notTherapyWords = map[string]bool{"lives": true, "living": true, "resides": true, "works": true, "presents": true,
		"reports": true, "denies": true, "complains": true, "is": true, "was": true, "has": true, "had": true,
		"currently": true, "who": true, "she": true, "he": true, "smokes": true, "drinks": true, "non-smoker": true}
)

// readTyped reads the typed facts of a note: biomarker statuses, where
// the patient lives, smoking, and whether they are a healthy volunteer.
func readTyped(note string, p *Profile, add func(string, []int, string)) {
	for _, c := range eligibility.Markers(note) {
		status := "positive"
		if c.Value == eligibility.BiomarkerNegative {
			status = "negative"
		}
		if !hasMarker(p.Biomarkers, c.Term) {
			p.Biomarkers = append(p.Biomarkers, Biomarker{Name: c.Term, Status: status})
			add("biomarker", c.Span[:], c.Term+" "+status)
		}
	}
	if m := placeRe.FindStringSubmatchIndex(note); m != nil && p.Location == nil {
		a, b := m[2], m[3]
		if a < 0 {
			a, b = m[4], m[5]
		}
		place, _, _ := strings.Cut(note[a:b], ". ") // "Dallas, TX. Wants …"
		place = strings.TrimRight(place, " ,.")
		p.Location = &Location{Place: place}
		add("location", []int{a, a + len(place)}, place)
	}
	for _, s := range []struct {
		re    *regexp.Regexp
		value string
	}{{neverSmokedRe, "never"}, {formerSmokeRe, "former"}, {currentSmoke, "current"}} {
		if m := s.re.FindStringIndex(note); m != nil {
			p.Smoking = s.value
			add("smoking", m, s.value)
			break
		}
	}
	if first := firstMention(note, p.Conditions); first >= 0 {
		for _, c := range []struct {
			re    *regexp.Regexp
			value string
		}{{newlyDiagnosedRe, "newly diagnosed"}, {relapsedRe, "relapsed"}, {refractoryRe, "refractory"}} {
			// The course is the main diagnosis's when written beside it:
			// "relapsed AML", "AML, first relapse".
			if m := c.re.FindStringIndex(note); m != nil && abs(m[0]-first) <= courseReach {
				p.Conditions[0].DiseaseStatus = c.value
				add("diseaseStatus", m, c.value)
				break
			}
		}
	}
	if m := healthyRe.FindStringIndex(note); m != nil && len(p.Conditions) == 0 {
		yes := true
		p.HealthyVolunteer = &yes
		add("healthyVolunteer", m, "yes")
	}
}

// courseReach is how far from the main diagnosis a word of its course
// may stand.
const courseReach = 60

func firstMention(note string, conds []Condition) int {
	if len(conds) == 0 {
		return -1
	}
	return strings.Index(note, conds[0].Text)
}

func abs(x int) int { return max(x, -x) }

func hasMarker(bs []Biomarker, name string) bool {
	for _, b := range bs {
		if MarkerName(b.Name) == name {
			return true
		}
	}
	return false
}
