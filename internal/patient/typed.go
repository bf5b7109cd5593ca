package patient

import (
	"regexp"
	"strconv"
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
	// pdl1Re is a PD-L1 percentage ("PD-L1 10%", "PD-L1 TPS 50%").
	pdl1Re = regexp.MustCompile(`(?i)\bPD-?L1\s*(?:TPS|expression|of)?\s*(?:<\s*)?(\d{1,3}(?:\.\d+)?)\s*%`)
	// noTreatmentRe says the patient has had no treatment for the
	// disease; lineRe names the line they progressed on, linesRe counts
	// them.
	noTreatmentRe = regexp.MustCompile(`(?i)\b(?:no (?:treatment|therapy|systemic (?:therapy|treatment)) (?:yet|so far|to date)|not (?:yet )?(?:been )?treated|no prior (?:systemic )?(?:treatment|therapy)|treatment[- ]na[iï]ve|previously untreated)\b`)
	lineRe        = regexp.MustCompile(`(?i)\b(?:progress(?:ed|ion)|relapsed|recurred)\s+(?:on|after|following|during)\s+(first|second|third|fourth|1st|2nd|3rd|4th)[- ]line\b`)
	linesRe       = regexp.MustCompile(`(?i)\b(one|two|three|four|five|[1-9]) (?:prior |previous )?lines? of (?:\w+ )?(?:therapy|treatment|chemotherapy)\b`)
	// notTherapyWords end a list of therapies: verbs, and the scores and
	// tests a list runs into ("trastuzumab and pertuzumab, lives in
	// Boston", "letrozole and palbociclib, ECOG 1").
	notTherapyWords = func() map[string]bool {
		set := map[string]bool{}
		for _, w := range strings.Fields("lives living resides works presents reports denies complains is was has had " +
			"currently who she he smokes drinks non-smoker ecog kps karnofsky lansky performance bmi lvef stage grade " +
			"platelets creatinine hemoglobin haemoglobin hba1c a1c psa qtc bp blood weight height") {
			set[w] = true
		}
		return set
	}()
)

// readTyped reads the typed facts of a note: biomarker statuses (a
// PD-L1 percentage too), where the patient lives, smoking, the disease's
// course and lines of treatment, and whether they are a healthy
// volunteer.
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
	// "PD-L1 10%", "PD-L1 TPS 50%": a tumour proportion score of 1% or
	// more is PD-L1 positive, the cut-off criteria use.
	if m := pdl1Re.FindStringSubmatchIndex(note); m != nil && !hasMarker(p.Biomarkers, "PD-L1") {
		status := "negative"
		if v, _ := strconv.ParseFloat(note[m[2]:m[3]], 64); v >= 1 {
			status = "positive"
		}
		p.Biomarkers = append(p.Biomarkers, Biomarker{Name: "PD-L1", Status: status})
		add("biomarker", m[:2], "PD-L1 "+status)
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
	readPriorLines(note, p, add)
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

var lineCounts = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "first": 1, "second": 2,
	"third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}

// readPriorLines reads how many lines of treatment the note says the
// patient has had: none ("no treatment yet", "treatment-naive"), the
// line they progressed on ("progressed on first-line …"), or a count
// ("two prior lines of chemotherapy").
func readPriorLines(note string, p *Profile, add func(string, []int, string)) {
	set := func(n int, span []int) {
		p.PriorLines = &n
		add("priorLines", span, strconv.Itoa(n))
	}
	if m := noTreatmentRe.FindStringIndex(note); m != nil {
		set(0, m)
		return
	}
	for _, re := range []*regexp.Regexp{lineRe, linesRe} {
		if m := re.FindStringSubmatchIndex(note); m != nil {
			w := strings.ToLower(note[m[2]:m[3]])
			n, ok := lineCounts[w]
			if !ok {
				n, _ = strconv.Atoi(w)
			}
			set(n, m[:2])
			return
		}
	}
}
