package patient

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/textproc"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// Finding is one fact FromText read from a note, with the byte span of
// the text it came from, so a reader can see what was understood and
// correct it.
type Finding struct {
	Kind  string `json:"kind"` // age, sex, pregnancy, breastfeeding, condition, noHistoryOf, familyHistory, ecog, karnofsky, lab, therapy, medication, priorLines, …
	Text  string `json:"text"` // the note's words
	Value string `json:"value"`
	Span  [2]int `json:"span"`
}

var (
	ageRe = regexp.MustCompile(`(?i)\b(\d{1,3})[- ]?(?:(year|yr|month|week|day)s?(?:[- ]?old|\s(?:man|woman|male|female|boy|girl|gentleman|lady|infant))|(?:yo|y/o|y\.o\.))(?:\W|$)|\baged? (\d{1,3})\b`)
	// sexRe lists the words that say the sex; pronouns count only when
	// no noun does.
	// ageSexRe is the shorthand of notes: "48 M", "74M", "22yo F".
	ageSexRe     = regexp.MustCompile(`\b(\d{1,3})\s?(?:yo\s|y/o\s|y\.o\.\s)?([MF])\b`)
	sexNounRe    = regexp.MustCompile(`(?i)\b(woman|women|female|girl|lady|mother|wife|man|male|boy|gentleman|father|husband)\b`)
	sexPronounRe = regexp.MustCompile(`(?i)\b(she|her|hers|he|his|him)\b`)
	// pregnantRe finds a current pregnancy or breastfeeding; "pregnancy"
	// alone is usually history ("hypertension with pregnancy").
	pregnantRe = regexp.MustCompile(`(?i)\b(pregnant|gravid\w*|weeks? (?:of )?gestation|breast-?feeding|lactating)\b`)
	ecogRe     = regexp.MustCompile(`(?i)\b(?:ecog|who|zubrod)(?:[- ]?(?:performance status|ps))?\s*(?:score\s*)?(?:of|is|was|:|=)?\s*([0-5])\b`)
	kpsRe      = regexp.MustCompile(`(?i)\b(?:karnofsky|kps)(?: performance (?:status|score|scale))?\s*(?:score\s*)?(?:of|is|was|:|=)?\s*(\d{2,3})\s*%?`)
	// negationCueRe opens a scope whose conditions the patient does not
	// have; the scope ends at the end of the sentence or a "but".
	negationCueRe = regexp.MustCompile(`(?i)\b(?:no (?:known |prior |previous |past )?(?:history|hx|evidence|signs?|symptoms?) of|no|denies|denied|denying|without|negative for|free of|never had|ruled out|absence of)\b`)
	// familyAfterRe and familyBeforeRe are cues that the conditions
	// after or before them, to the sentence's end or start, are the
	// family's, not the patient's: "family history of CAD", "her mother
	// had breast cancer"; "asthma in his father". A relative alone is no
	// cue: in children's notes they are the informants ("his mother
	// reports ...").
	familyAfterRe  = regexp.MustCompile(`(?i)\bfamily (?:history|hx)\b|\bFHx?\b|\b(?:his|her|their|patient's) (?:mother|father|parents?|sisters?|brothers?|siblings?|aunts?|uncles?|grand(?:mother|father|parents?)|cousins?|sons?|daughters?) (?:has|had|have|was diagnosed|died|suffer)`)
	familyBeforeRe = regexp.MustCompile(`(?i)\b(?:in|of) (?:his|her|their|the patient's) (?:mother|father|parents?|sisters?|brothers?|siblings?|aunts?|uncles?|grand(?:mother|father|parents?)|cousins?|sons?|daughters?)\b`)
	familyEndRe    = regexp.MustCompile(`[.;!?\n]|\bbut\b|\bhowever\b`)
	scopeEndRe     = regexp.MustCompile(`(?i)[.;:!?()]|\bbut\b|\bhowever\b|\bexcept\b|\bwith\b|\bpresents?\b|\breports?\b|\bhas\b`)
	therapyCueRe   = regexp.MustCompile(`(?i)\b(?:previously treated with|treated with|was treated with|received|underwent|completed|s/p|status post|history of treatment with|prior treatment with|therapy with|on treatment with|progressed (?:on|after|following|during)|progression (?:on|after)|relapsed (?:on|after|following)|refractory to|(?:months|years|weeks) after|following)\s+(?:(?:first|second|third)[- ]line\s+)?`)
	medCueRe       = regexp.MustCompile(`(?i)\b(?:currently (?:on|taking|receiving)|takes|taking|is on|medications? (?:include|includes|are|:))\s+`)
	listEndRe      = regexp.MustCompile(`[.;:\n(\[]|\b(?:for|due to|because|after|which|who|that|since|but|and then|with|in|at|on|x)\b|\d`)
	listSepRe      = regexp.MustCompile(`\s*(?:,|\band\b|\bor\b|\bplus\b|\+)\s*`)
	stageRe        = regexp.MustCompile(`(?i)\bstage\s+(iv|i{1,3}|[0-4])([abc])?\b`)
	metastaticRe   = regexp.MustCompile(`(?i)\bmetasta\w*`)
	numberRe       = regexp.MustCompile(`^\s*(?:level|count|of|is|was|were|at|:|=|\s)*\s*(\d+(?:\.\d+)?)`)
	unitRe         = regexp.MustCompile(`^\s*(x\s*10\^?\d+\s*/\s*[a-zµu]+|×\s*10\^?\d+\s*/\s*[a-zµu]+|[a-zA-Zµ%][a-zA-Z0-9µ%^/.]*(?:/[a-zA-Z0-9.]+)?)`)
	bpRe           = regexp.MustCompile(`(?i)\b(?:blood pressure|bp)\s*(?:of|is|was|:)?\s*(\d{2,3})\s*/\s*(\d{2,3})`)
)

// ambiguousLab are lab synonyms that in clinic notes usually mean
// something else ("pt" patient, "ps" post-script, "cr" complete
// response); they are read only with a unit after the number.
var ambiguousLab = map[string]bool{"pt": true, "ps": true, "cr": true, "ef": true, "got": true, "gpt": true,
	"tg": true, "apt": true, "qt": true, "bp": true, "alb": true, "hb": true, "ptt": true, "lps": true, "agc": true,
	"weigh": true, "weighing": true, "weight": true, "alc": true, "ccr": true, "fbs": true, "fbg": true}

// genericNames are MeSH descriptors whose names are everyday words in
// notes ("patient", "women", "husband"), not conditions.
var genericNames = map[string]bool{"Patients": true, "Women": true, "Men": true, "Humans": true, "Pregnancy": true,
	"Lactation": true, "Breast Feeding": true, "Mothers": true, "Family": true, "Aged": true, "Middle Aged": true, "Adult": true, "Child": true,
	"Infant": true, "Adolescent": true, "Risk Factors": true, "Diagnosis": true, "Therapeutics": true, "Recurrence": true,
	"Health Status": true, "Disease": true, "White": true, "Spouses": true, "Nuclear Family": true, "Syndrome": true,
	"Signs and Symptoms": true, "Pathologic Processes": true, "Disease Progression": true, "Parents": true, "Grandparents": true, "Students": true,
	"Medical History Taking": true, "Fathers": true, "Siblings": true, "Thinking": true, "Emergencies": true, "Hospitalization": true, "Inpatients": true, "Outpatients": true}

// generic reports whether a descriptor names people or a general notion
// rather than a condition.
func generic(v *vocab.Vocab, id string) bool {
	d, ok := v.Descriptor(id)
	if !ok {
		return true
	}
	return genericNames[d.Name] || strings.HasSuffix(d.Name, "ists") || strings.HasSuffix(d.Name, "ians") || strings.HasSuffix(d.Name, "People")
}

// maxNgram is the longest condition name, in tokens, looked up.
const maxNgram = 6

// FromText reads a clinic-note-like description into a profile. It
// needs the condition vocabulary, loaded on first use; if that fails the
// conditions are left out and the rest is still read.
func FromText(note string) (Profile, []Finding) {
	var p Profile
	var fs []Finding
	add := func(kind string, span []int, value string) {
		fs = append(fs, Finding{Kind: kind, Text: note[span[0]:span[1]], Value: value, Span: [2]int{span[0], span[1]}})
	}
	if m := ageRe.FindStringSubmatchIndex(note); m != nil {
		var num, unit string
		switch {
		case m[2] < 0:
			num = note[m[6]:m[7]]
		case m[4] >= 0:
			num, unit = note[m[2]:m[3]], strings.ToLower(note[m[4]:m[5]])
		default:
			num = note[m[2]:m[3]]
		}
		v, _ := strconv.Atoi(num)
		age := float64(v) / map[string]float64{"": 1, "year": 1, "yr": 1, "month": 12, "week": 52, "day": 365}[unit]
		p.Age = &age
		add("age", m[:2], formatNum(age))
	}
	if m := ageSexRe.FindStringSubmatchIndex(note); m != nil && p.Age == nil {
		v, _ := strconv.Atoi(note[m[2]:m[3]])
		age := float64(v)
		p.Age = &age
		add("age", m[2:4], formatNum(age))
	}
	readSex(note, &p, add)
	neg := negationScopes(note)
	if p.Sex != "male" {
		readPregnancy(note, &p, neg, add)
	}
	readPerformance(note, &p, add)
	readLabs(note, &p, add)
	readConditions(note, &p, neg, add)
	readTherapies(note, &p, neg, add)
	readOnMedications(note, &p, neg, add)
	readTyped(note, &p, add)
	slices.SortStableFunc(fs, func(a, b Finding) int { return a.Span[0] - b.Span[0] })
	return p, fs
}

func readSex(note string, p *Profile, add func(string, []int, string)) {
	if m := ageSexRe.FindStringSubmatchIndex(note); m != nil {
		p.Sex = map[string]string{"M": "male", "F": "female"}[note[m[4]:m[5]]]
		add("sex", m[4:6], p.Sex)
		return
	}
	m := sexNounRe.FindStringIndex(note)
	if m == nil {
		female, male := 0, 0
		var first []int
		for _, pm := range sexPronounRe.FindAllStringIndex(note, -1) {
			if first == nil {
				first = pm
			}
			switch strings.ToLower(note[pm[0]:pm[1]]) {
			case "she", "her", "hers":
				female++
			default:
				male++
			}
		}
		if female == male {
			return
		}
		p.Sex = "male"
		if female > male {
			p.Sex = "female"
		}
		add("sex", first, p.Sex)
		return
	}
	switch strings.ToLower(note[m[0]:m[1]]) {
	case "woman", "women", "female", "girl", "lady", "mother", "wife":
		p.Sex = "female"
	default:
		p.Sex = "male"
	}
	add("sex", m, p.Sex)
}

// negationScopes returns the byte ranges of the note under a negation
// cue.
func negationScopes(note string) [][2]int {
	var out [][2]int
	for _, m := range negationCueRe.FindAllStringIndex(note, -1) {
		end := len(note)
		if e := scopeEndRe.FindStringIndex(note[m[1]:]); e != nil {
			end = m[1] + e[0]
		}
		out = append(out, [2]int{m[1], end})
	}
	return out
}

// familyScopes returns the byte ranges of the note that speak of the
// patient's family (see familyAfterRe).
func familyScopes(note string) [][2]int {
	var out [][2]int
	for _, m := range familyAfterRe.FindAllStringIndex(note, -1) {
		end := len(note)
		if e := familyEndRe.FindStringIndex(note[m[1]:]); e != nil {
			end = m[1] + e[0]
		}
		out = append(out, [2]int{m[0], end})
	}
	for _, m := range familyBeforeRe.FindAllStringIndex(note, -1) {
		start := 0
		if b := familyEndRe.FindAllStringIndex(note[:m[0]], -1); len(b) > 0 {
			start = b[len(b)-1][1]
		}
		out = append(out, [2]int{start, m[1]})
	}
	return out
}

func inScopes(scopes [][2]int, at int) bool {
	for _, s := range scopes {
		if at >= s[0] && at < s[1] {
			return true
		}
	}
	return false
}

func readPregnancy(note string, p *Profile, neg [][2]int, add func(string, []int, string)) {
	for _, m := range pregnantRe.FindAllStringIndex(note, -1) {
		w := strings.ToLower(note[m[0]:m[1]])
		yes := !inScopes(neg, m[0]) && !strings.HasPrefix(strings.ToLower(note[max(0, m[0]-4):m[0]]), "not")
		b := yes
		if strings.HasPrefix(w, "breast") || strings.HasPrefix(w, "lactat") {
			if p.Breastfeeding == nil {
				p.Breastfeeding = &b
				add("breastfeeding", m, strconv.FormatBool(b))
			}
			continue
		}
		if p.Pregnant == nil {
			p.Pregnant = &b
			add("pregnancy", m, strconv.FormatBool(b))
		}
	}
}

func readPerformance(note string, p *Profile, add func(string, []int, string)) {
	if m := ecogRe.FindStringSubmatchIndex(note); m != nil {
		e, _ := strconv.Atoi(note[m[2]:m[3]])
		p.ECOG = &e
		add("ecog", m[:2], strconv.Itoa(e))
	}
	if m := kpsRe.FindStringSubmatchIndex(note); m != nil {
		k, _ := strconv.Atoi(note[m[2]:m[3]])
		if k <= 100 && k%10 == 0 && (p.ECOG == nil || KarnofskyToECOG(k) == *p.ECOG) {
			p.Karnofsky = &k
			add("karnofsky", m[:2], strconv.Itoa(k))
		}
	}
}

// labSynonyms are the eligibility variables' synonyms that name a lab or
// vital sign in a note, longest first; scores have their own readers.
var labSynonyms = func() []string {
	var out []string
	for _, v := range eligibility.Variables {
		switch v.Name {
		case "age", "window", "life_expectancy", "ecog", "who_ps", "karnofsky", "lansky", "child_pugh_class",
			"child_pugh_score", "nyha_class", "blood_pressure":
			continue
		}
		out = append(out, v.Synonyms...)
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c)
}

func readLabs(note string, p *Profile, add func(string, []int, string)) {
	lower := strings.ToLower(note)
	seen := map[string]bool{}
	for a := 0; a < len(lower); a++ {
		if a > 0 && isWordByte(lower[a-1]) {
			continue
		}
		for _, syn := range labSynonyms {
			b := a + len(syn)
			if !strings.HasPrefix(lower[a:], syn) || b < len(lower) && isWordByte(lower[b]) {
				continue
			}
			if lab, end, ok := readLab(note, syn, b); ok {
				name, m, err := NormalizeLab(lab)
				if err == nil && !seen[name] {
					seen[name] = true
					p.Labs = append(p.Labs, lab)
					add("lab", []int{a, end}, m.Given)
				}
				a = end - 1
			} else {
				a = b - 1
			}
			break
		}
	}
	if m := bpRe.FindStringSubmatchIndex(note); m != nil {
		for i, name := range []string{"systolic_bp", "diastolic_bp"} {
			v, _ := strconv.ParseFloat(note[m[2+2*i]:m[3+2*i]], 64)
			p.Labs = append(p.Labs, Lab{Name: name, Value: v, Unit: "mmHg"})
		}
		add("lab", m[:2], note[m[2]:m[5]]+" mmHg")
	}
}

// readLab reads "<number> <unit>" after a lab's name ending at p.
func readLab(note, syn string, p int) (Lab, int, bool) {
	m := numberRe.FindStringSubmatchIndex(note[p:])
	if m == nil || m[0] > 25 {
		return Lab{}, 0, false
	}
	val, err := strconv.ParseFloat(note[p+m[2]:p+m[3]], 64)
	if err != nil {
		return Lab{}, 0, false
	}
	end := p + m[1]
	unit := ""
	if u := unitRe.FindStringSubmatchIndex(note[end:]); u != nil {
		cand := strings.TrimRight(note[end+u[2]:end+u[3]], ".")
		if v, ok := LookupVariable(syn); ok {
			if _, err := Convert(v, val, cand); err == nil {
				unit = cand
				end += u[2] + len(cand)
			}
		}
	}
	if unit == "" && ambiguousLab[syn] {
		return Lab{}, 0, false
	}
	return Lab{Name: syn, Value: val, Unit: unit}, end, true
}

var loadVocab = sync.OnceValue(func() *vocab.Vocab {
	v, err := vocab.Load()
	if err != nil {
		return nil
	}
	return v
})

// word is a token of the note with its byte span.
type word struct {
	text       string
	start, end int
}

var wordRe = regexp.MustCompile(`[A-Za-z0-9]+(?:['’][A-Za-z]+)?`)

func words(note string) []word {
	var out []word
	for _, m := range wordRe.FindAllStringIndex(note, -1) {
		out = append(out, word{note[m[0]:m[1]], m[0], m[1]})
	}
	return out
}

// modifierStop ends the leftward growth of a condition's noun phrase.
var modifierStop = map[string]bool{"a": true, "an": true, "the": true, "with": true, "of": true, "and": true, "or": true,
	"has": true, "had": true, "have": true, "history": true, "for": true, "to": true, "in": true, "on": true, "is": true,
	"was": true, "by": true, "from": true, "known": true, "no": true, "denies": true, "without": true, "her": true,
	"his": true, "old": true, "woman": true, "man": true, "patient": true, "diagnosed": true, "presents": true,
	"presented": true, "that": true, "which": true, "at": true, "as": true, "after": true, "due": true, "s": true,
	"p": true, "but": true, "also": true, "new": true, "recent": true, "who": true, "female": true, "male": true, "girl": true, "boy": true,
	// pronouns and the verbs of notes, which start a clause, not a name
	"she": true, "he": true, "they": true, "it": true, "be": true, "been": true, "will": true, "then": true,
	"feels": true, "felt": true, "revealed": true, "reveals": true, "showed": true, "shows": true, "developed": true,
	"experienced": true, "complains": true, "complaining": true, "reported": true, "noted": true, "found": true,
	"suffers": true, "suffering": true, "underwent": true, "lab": true, "labs": true, "cm": true, "mm": true}

// readConditions finds MeSH names and entry terms in the note, longest
// first, and widens each to its noun phrase ("HER2-positive breast
// cancer"); those under a negation cue go to NoHistoryOf.
func readConditions(note string, p *Profile, neg [][2]int, add func(string, []int, string)) {
	v := loadVocab()
	if v == nil {
		return
	}
	ws := words(note)
	family := familyScopes(note)
	seen := map[string]bool{}
	var negs []Finding
	// A negation the note contradicts elsewhere ("no lymphoma" and
	// "Burkitt's lymphoma") is more likely misread than true: dropped.
	defer func() {
		for _, n := range negs {
			if !mentioned(p.Conditions, n.Text) {
				p.NoHistoryOf = append(p.NoHistoryOf, n.Text)
				add(n.Kind, n.Span[:], n.Value)
			}
		}
	}()
	for i := 0; i < len(ws); {
		n, ids := longestMeSH(v, note, ws, i)
		if n == 0 {
			i++
			continue
		}
		start, end := ws[i].start, ws[i+n-1].end
		term := note[start:end]
		j := i
		for j > 0 && i-j < 3 && !modifierStop[strings.ToLower(ws[j-1].text)] && !isDigit(ws[j-1].text[0]) && joined(note, ws[j-1:j+1]) {
			j--
		}
		// Not from the middle of a word: "ER-positive HER2-negative breast
		// cancer" is "HER2-negative breast cancer", not "positive HER2-…".
		for j < i && ws[j].start > 0 && note[ws[j].start-1] == '-' {
			j++
		}
		phrase := note[ws[j].start:end]
		i += n
		key := strings.ToLower(phrase)
		if seen[key] {
			continue
		}
		seen[key] = true
		if inScopes(family, start) {
			add("familyHistory", []int{start, end}, term)
			continue
		}
		if lifestyleRe.MatchString(term) {
			// A habit or a role, read by readTyped, under a negation too:
			// "no medical conditions, volunteer" is no "never had: volunteer".
			continue
		}
		if inScopes(neg, start) {
			negs = append(negs, Finding{Kind: "noHistoryOf", Text: term, Value: term, Span: [2]int{start, end}})
			continue
		}
		if end < len(note)-1 && note[end] == '-' && isWordByte(note[end+1]) {
			continue // part of a longer name: "PD" of "PD-L1" is no Parkinson's disease
		}
		c := Condition{Text: phrase, MeSH: broaderMeSH(v, note, ws[i-n:i], ids)}
		sentence := sentenceAround(note, start)
		if sm := stageRe.FindStringSubmatch(note[sentence[0]:sentence[1]]); sm != nil && isCancer(term) {
			c.Stage = strings.ToUpper(sm[1] + sm[2])
		}
		if isCancer(term) && metastaticRe.MatchString(note[sentence[0]:sentence[1]]) {
			t := true
			c.Metastatic = &t
		}
		p.Conditions = append(p.Conditions, c)
		add("condition", []int{ws[j].start, end}, descriptorNames(v, c.MeSH))
	}
}

// NamedCondition returns the condition descriptors text names as a
// whole ("Diabetes", "Type 2 diabetes mellitus"), or nil when it says
// more or something else ("Uncontrolled diabetes", "Informed consent").
func NamedCondition(text string) []string {
	v := loadVocab()
	ws := words(text)
	if v == nil || len(ws) == 0 || len(ws) > maxNgram {
		return nil
	}
	return meshRun(v, text, ws)
}

// ConditionConcepts reads a condition's name as readConditions reads a
// note: named are the descriptors its longest runs of words name, and
// inner those named only by words inside a longer name of another:
// "Pulmonary Arterial Hypertension" names Pulmonary Arterial
// Hypertension, and Hypertension is inner. A study whose conditions hold
// a patient's diagnosis only as inner is about another condition that
// shares its words.
func ConditionConcepts(text string) (named, inner []string) {
	v := loadVocab()
	if v == nil {
		return nil, nil
	}
	ws := words(text)
	for i := 0; i < len(ws); {
		n, ids := longestMeSH(v, text, ws, i)
		if n == 0 {
			i++
			continue
		}
		named = appendNew(named, ids...)
		for a := i; a < i+n; a++ {
			for b := a + 1; b <= i+n; b++ {
				if b-a < n {
					inner = appendNew(inner, meshRun(v, text, ws[a:b])...)
				}
			}
		}
		i += n
	}
	return named, slices.DeleteFunc(inner, func(id string) bool { return slices.Contains(named, id) })
}

func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// phraseWord reports whether a condition name may start or end with w:
// not a stop word, which the vocabulary's lookup would skip.
func phraseWord(w string) bool { return len(textproc.Tokenize(w)) > 0 }

// joined reports whether the words are one run of text: only spaces,
// hyphens, apostrophes or slashes between them, no line break.
func joined(note string, ws []word) bool {
	for k := 1; k < len(ws); k++ {
		gap := note[ws[k-1].end:ws[k].start]
		if len(gap) > 2 || strings.Trim(gap, " -'/") != "" {
			return false
		}
	}
	return true
}

// mentioned reports whether some condition has all the words of term.
func mentioned(conds []Condition, term string) bool {
	want := textproc.Tokenize(term)
	for _, c := range conds {
		have := textproc.Tokenize(c.Text)
		if !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(have, w) }) {
			return true
		}
	}
	return false
}

var cancerRe = regexp.MustCompile(`(?i)cancer|carcinoma|tumou?r|neoplasm|malignan|oma\b|leukemia|sarcoma`)

// meshNames names descriptors for people: "Breast Neoplasms", not
// "D001943".
func descriptorNames(v *vocab.Vocab, ids []string) string {
	var names []string
	for _, id := range ids {
		if d, ok := v.Descriptor(id); ok {
			names = append(names, d.Name)
		} else {
			names = append(names, id)
		}
	}
	return strings.Join(names, ", ")
}

func isCancer(term string) bool { return cancerRe.MatchString(term) }

func sentenceAround(note string, at int) [2]int {
	a := strings.LastIndexAny(note[:at], ".;") + 1
	b := strings.IndexAny(note[at:], ".;")
	if b < 0 {
		return [2]int{a, len(note)}
	}
	return [2]int{a, at + b}
}

// longestMeSH returns the length in words of the longest run from ws[i]
// that names a MeSH descriptor, and the descriptors' IDs.
func longestMeSH(v *vocab.Vocab, note string, ws []word, i int) (int, []string) {
	for n := min(maxNgram, len(ws)-i); n >= 1; n-- {
		if ids := meshRun(v, note, ws[i:i+n]); len(ids) > 0 {
			return n, ids
		}
	}
	return 0, nil
}

// meshRun returns the condition descriptors the run of words names.
func meshRun(v *vocab.Vocab, note string, run []word) []string {
	n := len(run)
	if !phraseWord(run[0].text) || !phraseWord(run[n-1].text) || !joined(note, run) {
		return nil
	}
	parts := make([]string, n)
	for k := range n {
		parts[k] = run[k].text
	}
	phrase := strings.Join(parts, " ")
	if n == 1 && len(phrase) < 4 && strings.ToUpper(phrase) != phrase {
		return nil // "ms", "ra" in lower case are words, not abbreviations
	}
	if full, ok := abbreviations[phrase]; ok && n == 1 {
		phrase = full
	}
	var ids []string
	for _, s := range v.Expand(phrase) {
		id, ok := strings.CutPrefix(s.Source, "mesh:")
		if !ok {
			continue
		}
		id, _, _ = strings.Cut(id, " ")
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return slices.DeleteFunc(ids, func(id string) bool { return generic(v, id) })
}

// broaderMeSH adds the descriptors that the name's tail of at least two
// words names: "infiltrating ductal breast carcinoma" is Carcinoma,
// Ductal, Breast, and also Breast Neoplasms, which is how trials for it
// register their condition. Only tails keep the head noun; a tail after
// "non" ("non-small cell lung cancer") names the opposite; and single
// words ("carcinoma", "disease") would relate the patient to far too
// much.
func broaderMeSH(v *vocab.Vocab, note string, run []word, ids []string) []string {
	for k := 1; k+2 <= len(run); k++ {
		if strings.EqualFold(run[k-1].text, "non") {
			continue
		}
		for _, id := range meshRun(v, note, run[k:]) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func readTherapies(note string, p *Profile, neg [][2]int, add func(string, []int, string)) {
	read := func(re *regexp.Regexp, kind string) {
		for _, m := range re.FindAllStringIndex(note, -1) {
			end := len(note)
			if e := listEndRe.FindStringIndex(note[m[1]:]); e != nil {
				end = m[1] + e[0]
			}
			end = min(end, m[1]+120)
			pos := m[1]
			for _, part := range listSepRe.Split(note[m[1]:end], -1) {
				at := strings.Index(note[pos:end], part)
				if at < 0 {
					continue
				}
				span := []int{pos + at, pos + at + len(part)}
				pos = span[1]
				name := strings.TrimSpace(strings.Trim(part, " ()"))
				if first, _, _ := strings.Cut(strings.ToLower(name), " "); notTherapyWords[first] {
					break
				}
				if len(name) < 3 || strings.Count(name, " ") > 4 || inScopes(neg, span[0]) {
					continue
				}
				if kind == "medication" {
					p.Medications = append(p.Medications, name)
				} else {
					p.Therapies = append(p.Therapies, Therapy{Name: name})
				}
				add(kind, span, name)
			}
		}
	}
	read(therapyCueRe, "therapy")
	read(medCueRe, "medication")
}
