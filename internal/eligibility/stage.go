package eligibility

import (
	"regexp"
	"strings"
)

// A cancer stage (TNM, FIGO, Ann Arbor, …): a major stage 0 to IV, an
// optional letter A–C and an optional digit 1–3 ("IB2"). Criteria write
// sets of them: ranges ("stage IIB-III", "IB2 to IVA", "II or higher"),
// lists ("stage II or III", "I, II, or IIIA", "III/IV", "IIIB/C"), or
// both. A set is a bit mask of the finest stages (a major, a letter, a
// digit), so a stage written without its letter ("III") is every stage
// under it, and comparing a patient's stage with a criterion's set is two
// mask operations.
type stage struct{ major, letter, digit int }

// stageUnits is the finest stages under one major: 3 letters of 3
// digits.
const stageUnits = 9

// maxMajor is IV, the highest cancer stage; V is read only to tell the
// scales of other diseases ("CKD stage 3 to 5").
const maxMajor = 4

var stageNames = [...]string{"0", "I", "II", "III", "IV", "V"}

func (s stage) String() string {
	out := stageNames[s.major]
	if s.letter > 0 {
		out += string(rune('A' + s.letter - 1))
		if s.digit > 0 {
			out += string(rune('0' + s.digit))
		}
	}
	return out
}

// first and last are the finest stages s covers, as bit positions.
func (s stage) first() int {
	u := s.major * stageUnits
	if s.letter > 0 {
		u += (s.letter - 1) * 3
		if s.digit > 0 {
			u += s.digit - 1
		}
	}
	return u
}

func (s stage) last() int {
	switch {
	case s.letter == 0:
		return s.major*stageUnits + stageUnits - 1
	case s.digit == 0:
		return s.first() + 2
	}
	return s.first()
}

// span is the mask of the stages from a to b.
func span(a, b stage) uint64 {
	lo, hi := a.first(), b.last()
	if hi < lo {
		lo, hi = b.first(), a.last()
	}
	return (uint64(1)<<(hi+1) - 1) &^ (uint64(1)<<lo - 1)
}

// readStage reads one stage at s[i:], which is lower case: a roman or
// arabic major, then a letter and digit joined to it.
func readStage(s string, i int) (stage, int, bool) {
	var st stage
	switch rest := s[i:]; {
	case strings.HasPrefix(rest, "iv"):
		st.major, i = 4, i+2
	case strings.HasPrefix(rest, "iii"):
		st.major, i = 3, i+3
	case strings.HasPrefix(rest, "ii"):
		st.major, i = 2, i+2
	case strings.HasPrefix(rest, "i"):
		st.major, i = 1, i+1
	case strings.HasPrefix(rest, "v"):
		st.major, i = 5, i+1
	case rest != "" && rest[0] >= '0' && rest[0] <= '5':
		st.major, i = int(rest[0]-'0'), i+1
	default:
		return st, i, false
	}
	if i < len(s) && s[i] >= 'a' && s[i] <= 'c' {
		st.letter, i = int(s[i]-'a')+1, i+1
		if i < len(s) && s[i] >= '1' && s[i] <= '3' {
			st.digit, i = int(s[i]-'0'), i+1
		}
	}
	if i < len(s) && isWordByte(s[i]) {
		return st, i, false
	}
	return st, i, true
}

// letterAt reads a lone sub-stage letter at s[i:] ("c" of "IIIB/C").
func letterAt(s string, i int) (int, bool) {
	if i < len(s) && s[i] >= 'a' && s[i] <= 'c' && (i+1 == len(s) || !isWordByte(s[i+1])) {
		return int(s[i]-'a') + 1, true
	}
	return 0, false
}

var (
	// stageRangeRe joins the two ends of a range; stageOpenRe ends one
	// open above ("II or higher").
	stageRangeRe = regexp.MustCompile(`^\s*(?:-|to\b|through\b|thru\b)\s*(?:stage\s+)?`)
	stageOpenRe  = regexp.MustCompile(`^\s*(?:or|and)\s+(?:higher|greater|above|worse|more|beyond|later)\b`)
	// stageSepRe joins the stages of a list; the next must be a stage.
	stageSepRe = regexp.MustCompile(`^\s*(?:,\s*(?:and/or|or|and)?|/|and/or|or|and)\s*(?:stages?\s+)?`)
)

// stageList is the stages written at s[i:]: their mask, their text
// ("IIB-III", "IV"), where the phrase ends, and whether a stage lies
// beyond a cancer's scale.
type stageList struct {
	mask   uint64
	parts  []string
	end    int
	beyond bool
}

func readStageList(s string, i int) stageList {
	var l stageList
	for {
		a, j, ok := readStage(s, i)
		if !ok {
			break
		}
		if a.major > maxMajor {
			l.beyond = true
		}
		var more []stage // sub-stage letters after a slash: "IIIB/C", "III a/b/c"
		if at := j; at+2 < len(s) && s[at] == ' ' && a.letter == 0 && s[at+2] == '/' {
			if x, ok := letterAt(s, at+1); ok {
				a.letter, j = x, at+2
			}
		}
		for j+1 < len(s) && s[j] == '/' && a.letter > 0 {
			x, ok := letterAt(s, j+1)
			if !ok {
				break
			}
			more = append(more, stage{major: a.major, letter: x})
			j += 2
		}
		b := a
		if m := stageRangeRe.FindStringIndex(s[j:]); m != nil && len(more) == 0 {
			if c, k, ok := readStage(s, j+m[1]); ok {
				b, j = c, k
				l.beyond = l.beyond || c.major > maxMajor
			}
		} else if m := stageOpenRe.FindStringIndex(s[j:]); m != nil && len(more) == 0 {
			b, j = stage{major: maxMajor}, j+m[1]
		}
		l.mask |= span(a, b)
		if b == a {
			l.parts = append(l.parts, a.String())
		} else {
			l.parts = append(l.parts, a.String()+"-"+b.String())
		}
		for _, x := range more {
			l.mask |= span(x, x)
			l.parts = append(l.parts, x.String())
		}
		l.end = j
		m := stageSepRe.FindStringIndex(s[j:])
		if m == nil {
			break
		}
		if _, _, ok := readStage(s, j+m[1]); !ok {
			break
		}
		i = j + m[1]
	}
	return l
}

// StageSet returns the set of stages that a stage text names ("IIIA",
// "3a", "stage IIB-III", "II, III", the terms of "stage" constraints) as
// a mask to compare with another's: a's stages all lie in b's when
// a&^b == 0 and none does when a&b == 0. It returns 0 for a text that
// names no stage.
func StageSet(text string) uint64 {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.TrimPrefix(s, "stage ")
	return readStageList(s, 0).mask
}

var (
	stageStartRe = newWordStartRe(`\bstages?\s+`)
	// otherScaleRe names a disease staged on a scale of its own, whose
	// stages are no cancer's: "CKD stage 3", "Hoehn and Yahr stage 2",
	// unless a cancer is named as near ("stage IV carcinoma of the
	// kidney"). Both are looked for within stageContext bytes of the
	// stages.
	otherScaleRe = regexp.MustCompile(`\b(?:scales?|scores?|cdc|kidney|renal|ckd|creatinine|gfr|dialys\w*|heart failure|cardiac|chf|nyha|hypertensi\w*|blood pressure|parkinson\w*|hoehn|yahr|ulcers?|wounds?|pressure injur\w*|sickle|dementia|alzheimer\w*|cognitive|aids|hiv|copd|gold|lymph[o]?edema|fibrosis|cirrhosis|retinopathy|macular|glaucoma|keratoconus|sleep|tanner|pubert\w*|labou?r|endometriosis|periodont\w*|prolapse|sarcoidosis|hurley|hidradenitis|osteonecrosis|ficat|obesity|liver disease|steatohepatitis|nash|nafld|mash|masld)\b`)
	cancerRe     = regexp.MustCompile(`\b(?:cancers?|tumou?rs?|neoplas\w*|malignan\w*|leuka?emi\w*|nsclc|sclc|hodgkin\w*|metasta\w*)\b|(?:carcin|sarcom|lymphom|melanom|myelom|blastom|gliom|mesotheliom|seminom|teratom|thymom|germinom)`)
	// stageAltRe offers another state of the disease beside the stage
	// ("stage IV or recurrent", "locally advanced (stage IIIB) or
	// metastatic"); stagePastRe speaks of a stage of the past ("recurred
	// from stage I-III", "history of stage II"). Neither says the
	// patient's stage now must be in the set.
	stageAltRe  = regexp.MustCompile(`\b(?:or|and/or)\s+(?:\w+\s+){0,2}(?:metasta|recurren|relaps|persist|progress|advanced|unresectable|inoperable|m1\b)|\b(?:metasta\w*|recurren\w*|relaps\w*|persistent|progressive|advanced|unresectable|inoperable|m1)\s+(?:\w+\s+){0,2}(?:or|and/or)\b`)
	notAltRe    = regexp.MustCompile(`\b\w+ly\s+(?:or|and/or)\s+\w+ly\b|\bpreviously untreated\b`)
	stagePastRe = regexp.MustCompile(`\b(?:recurred|recurrence|relapsed?|history|prior|previous\w*|initial\w*|originally|at diagnosis|survivors?|completed)\b`)
)

const stageContext = 40

// stages extracts the stages of a clause as one constraint (two when
// some are negated and some not): the stages of one item are
// alternatives ("stage III (unresectable) or stage IV melanoma").
func stages(text string, n norm) []Constraint {
	s := n.s
	ms := findAll(stageStartRe, s, "stage")
	// "histologically or cytologically" offers no alternative to the
	// stage, nor "previously untreated" a past one. Made only for a clause
	// with a stage: for every clause it was a twelfth of the parse.
	plain, altOrPast := "", false
	var out []Constraint
	read := 0 // where the last list ended: a list reads on past "or stage IV"
	for _, m := range ms {
		if m[0] < read {
			continue
		}
		l := readStageList(s, m[1])
		if l.mask == 0 {
			continue
		}
		read = l.end
		if near := s[max(0, m[0]-stageContext):min(len(s), l.end+stageContext)]; l.beyond ||
			otherScaleRe.MatchString(near) && !cancerRe.MatchString(near) {
			continue
		}
		c := n.term(text, KindStage, m[0], l.end)
		c.Term = "stage " + strings.Join(l.parts, ", ")
		if plain == "" {
			plain = notAltRe.ReplaceAllString(s, " ")
			altOrPast = stageAltRe.MatchString(plain) || stagePastRe.MatchString(plain)
		}
		c.Hedged = c.Hedged || altOrPast
		if k := len(out) - 1; k >= 0 && out[k].Negated == c.Negated {
			// one set: the union, spanning both mentions
			out[k].Term += ", " + strings.Join(l.parts, ", ")
			out[k].Span[1] = c.Span[1]
			out[k].Hedged = out[k].Hedged || c.Hedged
			continue
		}
		out = append(out, c)
	}
	return out
}
