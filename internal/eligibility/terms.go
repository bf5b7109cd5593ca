package eligibility

import (
	"regexp"
	"strings"
)

var (
	sexRe       = regexp.MustCompile(`^\W*(?:(?:healthy|adult|ambulatory)\s+)?(males?|females?|men|women|boys|girls)(?:\s+(?:patients|subjects|participants|volunteers|only|aged|age|between|over|older|with|who|diagnosed)\b|\s*(?:\d|>|<|,|;|\.|\(|$))`)
	sexPeopleRe = newWordStartRe(`\b(male|female)\s+(?:patients|subjects|participants|volunteers|sex|gender)\b`)
	bothSexRe   = newWordStartRe(`\b(?:males?|men)\s*(?:and|or|and/or|/|&)\s*(?:females?|women)\b|\b(?:females?|women)\s*(?:and|or|and/or|/|&)\s*(?:males?|men)\b|\bboth sexes\b|\bchildbearing|\bchild-bearing|\breproductive`)

	pregnancyRe     = newWordStartRe(`\b(pregnan\w*|lactat\w*|breast[- ]?feed\w*|breastfeed\w*|nursing (?:mothers?|women))`)
	contraceptionRe = newWordStartRe(`\b(?:contracepti\w*|birth control|barrier methods?|intrauterine devices?|abstinen\w*)`)

	conditionRe = newWordStartRe(`\b(?:history of|diagnosed with|diagnosis of|known|documented|suffering from|presence of|evidence of|patients with|subjects with|participants with|diagnosed as)\s+(?:an?\s+|the\s+|any\s+)?`)
	// conditionEndRe ends the condition named after conditionRe.
	conditionEndRe = regexp.MustCompile(`\s+(?:within|who|that|which|requiring|except|other than|unless|in the|during|for|at|as|including|such as|e\.g|defined|confirmed|according|by|on|with|without|is|are|was|were|to|of the|before|after|prior|occurred)\b|[,;:.()\[\]]`)
	metastasisRe   = newWordStartRe(`\b(?:(?:extrahepatic|distant|brain|cns|central nervous system|bone|liver|hepatic|lung|pulmonary|lymph node|nodal|visceral|leptomeningeal|peritoneal)\s+)?metasta\w*`)
	therapyRe      = newWordStartRe(`\b(?:anti[- ]?(?:pd-?1|pd-?l1|ctla-?4|vegfr?|egfr|her2|cd20|tnf|il-?\d+|angiogenic|androgens?)(?:\s*(?:,|/|or|and)\s*(?:anti[- ]?)?(?:pd-?1|pd-?l1|ctla-?4))*(?:\s+(?:antibod(?:y|ies)|therap(?:y|ies)|agents?|drugs?|inhibitors?|treatments?|monoclonal antibod(?:y|ies)))?|(?:pd-?1|pd-?l1|ctla-?4|vegf\s*\(?r?\)?|vegfr|egfr|her2|mek|braf|parp|cdk4/6|pi3k(?:/akt)?(?:/mtor)?|akt|mtor|jak|btk|tyrosine kinase|multi-?kinase|immune checkpoint|checkpoint|aromatase|proton pump|sglt-?2|dpp-?4|5-alpha[- ]reductase|pde-?5|phosphodiesterase(?: type)?[- ]5)\s*(?:inhibitors?|blockers?|antagonists?|agonists?)|tkis?|chemotherap\w*|radiotherap\w*|radiation therapy|immunotherap\w*|immunosuppressi\w*(?:\s+(?:therapy|drugs?|agents?|medications?))?|immunomodulat\w*|hormon(?:e|al) therap\w*|androgen deprivation therapy|corticosteroids?|glucocorticoids?|steroids?|anticoagula\w*|antiplatelet\w*|antiviral therapy|live (?:attenuated )?vaccines?|investigational (?:drugs?|agents?|products?|devices?|medicinal products?)|monoclonal antibod(?:y|ies)|biologics?|thrombolysis|blood transfusions?|transfusions?|g-csf|growth factors?|bisphosphonates?|opioids?|antidepressants?|antipsychotics?|insulin|statins?|adjuvant therapy|neoadjuvant therapy|targeted therapy|systemic therapy|surgery|surgical resection|resection|transplant\w*)\b`)
	// kindOfTherapyRe, right before a therapy, names one kind of it
	// ("intermediate-acting insulin", "isophane insulin") or the part of
	// the body it treated ("brain radiotherapy", "cervical spine
	// surgery"), which is the therapy meant: a patient's other insulin,
	// or knee surgery, is not it.
	kindOfTherapyRe = regexp.MustCompile(`\b(?:[a-z]+[- ]acting|isophane|nph|premixed|basal|prandial|(?:whole[- ])?brain|cranial|(?:(?:cervical|thoracic|lumbar)\s+)?spine|spinal|thoracic|chest|abdominal|pelvic|penile|cardiac|bariatric|gastric|hepatic|liver|lung|breast|prostate|bowel|colorectal|ocular|knee|hip|shoulder|intravesical|intraperitoneal)\s+$`)
	examplesRe      = regexp.MustCompile(`^\s*\(((?:e\.g\.?|such as|including|i\.e\.?)[^()]{3,200}|[^()]{2,100},[^()]{2,100})\)`)
	historyRe       = regexp.MustCompile(`^(?:an?\s+)?(?:known\s+|documented\s+)?history of\s+`)
	exampleSepRe    = regexp.MustCompile(`\s*(?:,|;|\band so on\b|\betc\b\.?|\band\b|\bor\b|\be\.g\.?|\bsuch as\b)\s*`)
	exceptionRe     = newWordStartRe(`\b(?:except(?:\s+for)?|excepting|other than|with the exception of|excluding|unless|apart from|but not)\s+([^;)\]]{2,120})`)

	// notNegation are comparators that contain a cue word.
	notNegation = regexp.MustCompile(`\b(?:no|not) (?:more|less|greater|lower|higher|later|earlier|longer|sooner) than\b`)
	clauseRe    = regexp.MustCompile(`[;.:]`)
)

// termText is the original text of normalized [a, b), trimmed.
func termText(text string, n norm, a, b int) string {
	sp := n.span(a, b)
	return strings.TrimSpace(strings.Trim(text[sp[0]:sp[1]], " ,;:.-*\\"))
}

func (n norm) term(text, kind string, a, b int) Constraint {
	neg, unsure := negated(n, a)
	return Constraint{Kind: kind, Op: OpEQ, Term: termText(text, n, a, b), Span: n.span(a, b), Negated: neg,
		Hedged: unsure || hedged(n, a, b, kind)}
}

// terms extracts the non-numeric constraints: sex, pregnancy,
// contraception, conditions, stage, metastasis, therapies, exceptions.
func terms(text string, n norm) []Constraint {
	var out []Constraint
	s := n.s
	m := sexRe.FindStringSubmatchIndex(s)
	if m == nil {
		m = sexPeopleRe.FindStringSubmatchIndex(s)
	}
	if m != nil && !bothSexRe.MatchString(s) {
		{
			c := n.term(text, KindSex, m[2], m[3])
			c.Term = "male"
			if strings.HasPrefix(s[m[2]:], "f") || strings.HasPrefix(s[m[2]:], "w") || strings.HasPrefix(s[m[2]:], "g") {
				c.Term = "female"
			}
			out = append(out, c)
		}
	}
	for _, m := range findAll(pregnancyRe, s, "pregnan", "lactat", "breast", "nursing") {
		c := n.term(text, KindPregnancy, m[0], m[1])
		c.Term = "pregnancy"
		if !strings.HasPrefix(s[m[0]:], "pregnan") {
			c.Term = "lactation"
		} else if strings.HasPrefix(s[m[1]:], " test") {
			c.Term = "pregnancy test"
		}
		out = append(out, c)
	}
	if m := findAll(contraceptionRe, s, "contracep", "birth control", "barrier", "intrauterine", "abstinen"); m != nil {
		m := m[0]
		c := n.term(text, KindContraception, m[0], m[1])
		c.Term = "contraception"
		out = append(out, c)
	}
	for _, m := range findAll(conditionRe, s, "history", "diagnos", "known", "documented", "suffering", "presence", "evidence", "patients with", "subjects with", "participants with") {
		a := m[1]
		if h := historyRe.FindStringIndex(s[a:]); h != nil {
			a += h[1] // "patients with a history of X": X
		}
		z := min(len(s), a+80)
		if e := conditionEndRe.FindStringIndex(s[a:z]); e != nil {
			z = a + e[0]
		}
		if z-a >= 3 {
			out = append(out, n.term(text, KindCondition, a, z))
		}
	}
	out = append(out, stages(text, n)...)
	for _, m := range findAll(metastasisRe, s, "metasta") {
		out = append(out, n.term(text, KindMetastasis, m[0], m[1]))
	}
	for _, m := range findIn(therapyRe, s, therapyStems) {
		if notReceived(s, m[0], m[1]) || labelRe.MatchString(s[m[1]:]) {
			continue
		}
		if k := kindOfTherapyRe.FindStringIndex(s[max(0, m[0]-30):m[0]]); k != nil {
			m[0] = max(0, m[0]-30) + k[0]
		}
		c := n.term(text, KindTherapy, m[0], m[1])
		if e := examplesRe.FindStringSubmatchIndex(s[m[1]:]); e != nil {
			for _, x := range exampleSepRe.Split(termText(text, n, m[1]+e[2], m[1]+e[3]), -1) {
				if x = strings.TrimSpace(x); x != "" {
					c.Examples = append(c.Examples, x)
				}
			}
		}
		out = append(out, c)
	}
	for _, m := range findAll(exceptionRe, s, "except", "other than", "excluding", "unless", "apart from", "but not") {
		c := n.term(text, KindException, m[2], m[3])
		c.Negated = false
		out = append(out, c)
	}
	return out
}

// notReceived reports a therapy named in s[a:b] that the patient need
// not have received: one naming a disease or a marker's response
// ("insulin-dependent diabetes", "EGFR-TKI sensitivity",
// "chemotherapy-naive"), what the patient reacts to (reactionRe), or a
// treatment the patient could or will have
// ("not suitable for radical surgery or radiotherapy", "scheduled for
// surgery"). Read as a therapy received, the first made questions ask
// "Have you had insulin?" of a diabetic, and the second an inclusion
// require the treatment it rules out.
func notReceived(s string, a, b int) bool {
	before := s[max(0, a-60):a]
	return describesRe.MatchString(s[b:]) || candidacyRe.MatchString(before) || reactionRe.MatchString(before)
}

// labelRe, right after a therapy, makes it the label of a topic
// ("Chemotherapy:", "Prior chemotherapy: at least 4 weeks since …"),
// whose rules follow: the label alone says nothing about the patient,
// and read as a therapy received it required chemotherapy of everyone
// beside its own "No prior chemotherapy".
var labelRe = regexp.MustCompile(`^\s*:`)

var (
	describesRe = regexp.MustCompile(`^[- ]?(?:dependen|resistan|refractor|na[iï]ve|sensiti|responsive|intoleran)`)
	// reactionRe, before a therapy, names it as what the patient reacts
	// to ("hypersensitivity to PDE-5 inhibitors", "allergy to G-CSF"),
	// which needs no dose of it: read as received, an exclusion of the
	// allergy ruled out everyone who had the therapy an inclusion asks for.
	reactionRe  = regexp.MustCompile(`\b(?:hypersensitiv\w*|allerg\w*|contraindicat\w*)\s+(?:to|with|against|for)\s+(?:[\w/-]+\s+){0,3}$`)
	candidacyRe = regexp.MustCompile(`\b(?:suitable|eligible|candidates?|amenable|fit|unfit|appropriate|indicated|planned|planning|scheduled|referred|considered|refus\w*|declin\w*)\s+(?:for|to)\s+(?:[\w/-]+\s+){0,3}$`)
)

// therapyStems are the stems every therapyRe match contains; no match
// reaches further than 60 bytes from its stem.
var therapyStems = []string{"anti", "inhibit", "block", "antagon", "agonist", "tki", "chemo", "radi", "immun",
	"hormon", "androgen", "steroid", "corticoid", "coagul", "platelet", "viral", "vaccin", "investigational",
	"monoclonal", "biologic", "thrombolysis", "transfusion", "g-csf", "growth factor", "bisphosph", "opioid",
	"insulin", "statin", "therap", "surg", "resection", "transplant"}

// findIn returns the matches of re in the regions of s around the
// stems.
func findIn(re finder, s string, stems []string) [][]int {
	keys := wordKeys(s, stems)
	if len(keys) == 0 {
		return nil
	}
	return findAllIn(re, s, regions(s, keys, 60, 60))
}

// findAll returns the submatch indexes of re in s, skipping the regexp
// when s contains none of the words any match needs.
func findAll(re finder, s string, need ...string) [][]int {
	if !containsAny(s, need) {
		return nil
	}
	return re.FindAllStringSubmatchIndex(s, -1)
}
