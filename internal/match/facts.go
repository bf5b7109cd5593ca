package match

import (
	"math/bits"
	"regexp"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/textproc"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// pitem is a criterion prepared for checking: its constraints with their
// terms tokenised once, so checking allocates nothing.
type pitem struct {
	src        *eligibility.Item
	cons       []pcons
	kids       []pitem
	structured bool
	exception  bool
	// allowance marks an item that lets people in and keeps nobody out;
	// it is met, and an item it belongs to ignores it.
	allowance bool
	// partial marks an item whose own text has deciding words no
	// constraint read (see coverage.go): an inclusion is then never met,
	// and an exclusion is untriggered only when each of its openParts
	// (its alternatives with such words) holds a constraint the
	// patient's facts rule out.
	partial   bool
	openParts int
	// rest is the tokens of an inclusion's unread words when they may
	// name a condition (restText, as written): met when they name the
	// patient's.
	rest     []string
	restText string
}

type pcons struct {
	c        *eligibility.Constraint
	toks     []string   // the term's tokens, for conditions, metastases and therapies
	examples [][]string // a therapy class's named drugs; a condition's alternatives (see conditionAlternatives)
	// skip marks a window measure, a sex that only qualifies an item
	// with other rules
	// ("pregnant or breastfeeding women"), and a metastasis that
	// qualifies a lab threshold.
	skip bool
	// notPregnant marks a pregnancy constraint of an inclusion that asks
	// for no pregnancy: negated, or with a pregnancy test or
	// contraception in the same item.
	notPregnant bool
	// current marks a therapy the item speaks of as going on now
	// ("concurrent steroids"), which a past therapy does not settle.
	current bool
	// orNext joins the constraint to the next as alternatives:
	// "creatinine < 1.5 mg/dL or creatinine clearance > 60 mL/min".
	orNext bool
	// hedged marks a reading that must not make a criterion unmet: the
	// parser's doubt, or a therapy named so broadly ("surgery",
	// "transplant") that a patient's therapy of the same name may be
	// another.
	hedged bool
	// partOnly marks a constraint of an exclusion whose alternative
	// has words no constraint read ("unstable brain metastases"): it is
	// only part of what triggers the exclusion, so alone it cannot.
	partOnly bool
	// parts are the open alternatives of an exclusion (see pitem's
	// openParts) that hold the constraint, bit i for the i+1th.
	parts uint64
	// duration marks a therapy window that counts how long the patient
	// has taken it ("on an antipsychotic for at least 12 weeks"), not
	// how long ago it ended.
	duration bool
	// qualifier is the part of the item that narrows a condition or
	// therapy ("chemotherapy … for advanced disease", "hypersensitivity
	// to the study drugs"), as written (qualText) and as tokens: what
	// the patient never had settles the constraint only when it is no
	// narrower than the term with its qualifier, and a question asks
	// about both.
	qualText  string
	qualifier []string
	qualSpan  [2]int // where qualText is, in the criteria text
	// spread marks a metastasis with no site ("metastatic disease",
	// "M0"): it asks whether the disease has spread at all.
	spread bool
	// vague marks a condition named only by words every condition
	// shares ("disease", "malignancies", "advanced"): it names no
	// concept, so no condition of the patient's matches it.
	vague bool
	// conflict marks a condition or therapy that one criterion requires
	// and another rules out (markConflicts); it is also hedged.
	conflict bool
}

// misread reports a threshold no laboratory uses, which the parser read
// from "2.5 times normal" as an absolute value: enzyme limits are tens of
// U/L or more.
func misread(c *eligibility.Constraint) bool {
	switch c.Variable {
	case "ast", "alt", "alkaline_phosphatase":
		return !c.ULNMultiple && c.Value < 10
	}
	return false
}

// countExpr is a number with a comparison or a range: "> 3", "5 or
// more", "more than three", "1 to 3".
const countExpr = `(?:\\?[<>≤≥]\s*=?\s*\d+|\b(?:\d+|one|two|three|four|five|six|ten)\s*(?:or (?:more|fewer|less)|\+|(?:-|to)\s*\d+)|\b(?:more|fewer|less|greater) than (?:\d+|one|two|three|four|five|six|ten))`

var (
	// ineligibleRe marks a pregnancy or lactation item of the inclusion
	// criteria as asking for none ("willing to refrain from
	// breast-feeding").
	ineligibleRe = regexp.MustCompile(`(?i)\b(?:ineligible|not eligible|excluded|must not|cannot|may not|refrain\w*|avoid\w*|abstain\w*|discontinue\w*|stop breast)`)
	// consentRe finds items about consent, whose ages say who signs
	// ("assent for subjects aged 8-17"), not who may take part.
	consentRe = regexp.MustCompile(`(?i)\b(?:consent|assent|guardian)`)
	// orRe is the text between two alternative thresholds.
	orRe       = regexp.MustCompile(`(?i)^[^.;:]{0,40}\bor\b[^.;:]{0,40}$`)
	durationRe = regexp.MustCompile(`(?i)\b(?:is on|are on|on a|on an|on stable|taking|receiving|treated with|stable dose)\b[^.;]{0,80}\bfor (?:at least|a minimum of|>=?|≥|more than|over)`)
	settingRe  = regexp.MustCompile(`(?i)\b(?:therap\w*|treat\w*|chemo\w*|regimen|received|prior|previous\w*|agents?|drugs?|inhibitors?|exposed|exposure|setting)\b`)
	degreeRe   = regexp.MustCompile(`(?i)\b(?:less than|more than|greater than|mild|moderate|severe|uncontrolled|poorly controlled|requiring|isolated)\b`)
	// peopleOnlyRe is what may follow a sex term that is a rule of its
	// own: "Males", "Female subjects only".
	peopleOnlyRe = regexp.MustCompile(`(?i)^[\s.,;:*]*(?:(?:patients|subjects|participants|volunteers|persons|people|only|sex|gender)\b[\s.,;:*]*)*$`)
	// countBeforeRe is a count of lesions or events ("\>3 ", "5 or
	// more ", "more than three ", "1 to 3 ") ending the text before a
	// term, with the word before it, which must not make it a grade
	// ("grade 3-4 neutropenia"); countStartRe the same at a term's start.
	countBeforeRe = regexp.MustCompile(`(?i)(\w*)\s*` + countExpr + `\s+(?:[\w-]+\s+)?$`)
	countStartRe  = regexp.MustCompile(`(?i)^\s*` + countExpr + `\s+[a-z]`)
	partnerRe     = regexp.MustCompile(`(?i)\b(?:partners?|spouses?|wife|wives|girlfriends?)\b`)
	currentRe     = regexp.MustCompile(`(?i)\b(?:concurrent\w*|current\w*|ongoing|receiving|on treatment|at the time|at study entry|at enrol\w*)\b`)
)

type prepared struct {
	incl, excl []pitem
	// checkedIncl and checkedExcl are the structured items alone, and
	// free counts the others: ranking counts outcomes without touching
	// free-text items, most of a study's, since at full scale checking
	// is bound by memory, not arithmetic.
	checkedIncl, checkedExcl []pitem
	free                     int
}

func prepare(c eligibility.Criteria) *prepared {
	p := &prepared{incl: prepareItems(c.Inclusion, false), excl: prepareItems(c.Exclusion, true)}
	markConflicts(p)
	p.checkedIncl, p.free = structuredOnly(p.incl)
	var free int
	p.checkedExcl, free = structuredOnly(p.excl)
	p.free += free
	return p
}

// markConflicts finds the criteria that no answer about one fact can
// pass: one rules out everyone who had a condition or therapy ("prior
// chemotherapy" among exclusions), another everyone who did not ("prior
// platinum-based chemotherapy" among inclusions; a narrower term had is
// the broader one had); or, of the facts with fixed answers (pregnancy,
// breastfeeding, sex, whether the disease has spread), one rules out
// each answer ("pregnant women of all parities" and "multiple
// pregnancy"; "men age ≥ 55" and "women age ≥ 65"; "no history of
// metastatic disease" and "stage IV metastatic disease"). Criteria that
// really say so exclude everyone; far more often one of them is misread
// or belongs to a group the text does not name, so a patient would be
// told "not eligible" whatever they answer. All are marked conflicting:
// hedged, so none says "not met", and not asked about, since no answer
// settles them.
func markConflicts(p *prepared) {
	var hadFails, notHadFails []*pcons
	// fixed holds, per fact with fixed answers, the constraints a "yes"
	// fails and those a "no" fails.
	fixed := map[string]*[2][]*pcons{}
	fails := func(fact string, pc *pcons, yes bool) {
		f := fixed[fact]
		if f == nil {
			f = new([2][]*pcons)
			fixed[fact] = f
		}
		i := 1
		if yes {
			i = 0
		}
		f[i] = append(f[i], pc)
	}
	var walk func(items []pitem, excl, dec bool)
	walk = func(items []pitem, excl, dec bool) {
		for i := range items {
			it := &items[i]
			if it.allowance || !it.structured {
				continue
			}
			// An inclusion's part decides alone unless the item asks
			// for any of its parts; an exclusion's always does.
			d := dec && !it.exception && (excl || !it.src.AnyOf)
			for j := range it.cons {
				pc := &it.cons[j]
				alt := pc.orNext || j > 0 && it.cons[j-1].orNext
				if !d || alt || pc.skip || pc.hedged {
					continue
				}
				// A statement of the fact's "yes" ("prior X", "female",
				// "metastatic") fails a "yes" in an exclusion and a "no"
				// in an inclusion; negated, the other way round.
				yesFails := excl != pc.c.Negated
				switch k := pc.c.Kind; {
				case k == eligibility.KindPregnancy:
					// An exclusion applies to a pregnant patient however
					// it is worded (see reading).
					yesFails = excl || pc.notPregnant
					fails(pc.c.Term, pc, yesFails)
				case k == eligibility.KindSex:
					fails("sex", pc, yesFails == (pc.c.Term == "female"))
				case pc.spread:
					fails("spread", pc, yesFails)
				case pc.vague || pc.current || len(pc.toks) == 0 || k != eligibility.KindTherapy && k != eligibility.KindCondition:
				default:
					w := pc.c.Window
					washout := w != nil && (w.Op == eligibility.OpGE || w.Op == eligibility.OpGT)
					switch {
					case yesFails && w == nil:
						hadFails = append(hadFails, pc) // "prior X" excluded, "no prior X" required
					case !yesFails && !washout && !pc.duration:
						notHadFails = append(notHadFails, pc) // "prior X" required, "no prior X" excluded
					}
				}
			}
			walk(it.kids, excl, d)
		}
	}
	walk(p.incl, false, true)
	walk(p.excl, true, true)
	conflict := func(pcs ...*pcons) {
		for _, pc := range pcs {
			pc.hedged, pc.conflict = true, true
		}
	}
	for _, a := range hadFails {
		for _, b := range notHadFails {
			if a.c.Kind == b.c.Kind && containsAll(b.toks, a.toks) {
				conflict(a, b)
			}
		}
	}
	for _, f := range fixed {
		if len(f[0]) > 0 && len(f[1]) > 0 {
			conflict(f[0]...)
			conflict(f[1]...)
		}
	}
}

// containsAll reports whether every word of sub is in words.
func containsAll(words, sub []string) bool {
	for _, w := range sub {
		if !slices.Contains(words, w) {
			return false
		}
	}
	return true
}

func structuredOnly(items []pitem) (checked []pitem, free int) {
	for _, it := range items {
		if it.structured {
			checked = append(checked, it)
		} else {
			free++
		}
	}
	return checked, free
}

// trimExtent drops from an inclusion's condition the words of the
// disease's extent that a spread constraint of the same item checks
// ("metastatic or locally advanced breast cancer" is breast cancer, and
// spread), and people's words that trail its name ("breast cancer Adult
// females", a line run into the next): else a patient with metastatic
// breast cancer is unknown on it for the words around the name. Only in
// an inclusion: in an exclusion, "metastatic breast cancer" without its
// extent would rule out every breast cancer.
func trimExtent(cons []pcons) {
	spread := slices.ContainsFunc(cons, func(pc pcons) bool { return pc.spread && !pc.skip })
	for i := range cons {
		pc := &cons[i]
		if pc.c.Kind != eligibility.KindCondition || pc.vague {
			continue
		}
		toks := pc.toks
		for len(toks) > 1 && peopleWords[toks[len(toks)-1]] {
			toks = toks[:len(toks)-1]
		}
		if spread {
			toks = slices.DeleteFunc(slices.Clone(toks), func(t string) bool { return extentWords[t] })
		}
		if len(toks) > 0 && slices.ContainsFunc(toks, func(t string) bool { return !genericWords[t] }) {
			pc.toks = toks
		}
	}
}

var (
	extentWords = wordSet("metastasis locally advanced unresectable inoperable")
	peopleWords = wordSet("adult adults female male women men woman man patient subject participant")
)

var (
	// settingQualRe finds the setting a therapy was given in, after it:
	// "chemotherapy and antibody drug conjugates for advanced disease".
	settingQualRe = regexp.MustCompile(`(?i)^[^.;:()]{0,50}?\bfor\s+((?:locally[- ])?(?:advanced|metastatic|recurrent|unresectable|relapsed)(?:(?:\s*,\s*|\s+or\s+|\s+and(?:/or)?\s+|\s*/\s*)(?:locally[- ])?(?:advanced|metastatic|recurrent|unresectable|relapsed))*(?:\s+[\w-]+){0,3}?\s+(?:disease|cancer|setting|nsclc|carcinoma|tumou?rs?|malignancy))\b`)
	// targetQualRe finds what a hypersensitivity or allergy is to, right
	// after it, when that is the study's own treatment.
	targetQualRe = regexp.MustCompile(`(?i)^\s*(?:or\s+\w+\s+)?(?:to|against)\s+((?:any\s+(?:of\s+)?)?(?:the\s+|its\s+)?(?:study|investigational|trial|protocol)\s+(?:drugs?|treatments?|medications?|products?|agents?|interventions?)(?:\s+or\s+(?:their|its)\s+(?:components|excipients|ingredients))?)`)
)

// qualify reads the qualifier re finds right after the constraint's
// term in the item.
func (pc *pcons) qualify(it *eligibility.Item, re *regexp.Regexp) {
	at := pc.c.Span[1] - it.Span[0]
	if at < 0 || at > len(it.Text) {
		return
	}
	if m := re.FindStringSubmatchIndex(it.Text[at:]); m != nil {
		pc.qualText = strings.Join(strings.Fields(it.Text[at+m[2]:at+m[3]]), " ")
		pc.qualifier = termTokens(pc.qualText, conditionNoise)
		pc.qualSpan = [2]int{it.Span[0] + at + m[2], it.Span[0] + at + m[3]}
	}
}

// scoped is the term's tokens with its qualifier's.
func (pc *pcons) scoped() []string {
	if len(pc.qualifier) == 0 {
		return pc.toks
	}
	return append(slices.Clip(pc.toks), pc.qualifier...)
}

func prepareItems(items []eligibility.Item, excl bool) []pitem {
	out := make([]pitem, len(items))
	for i := range items {
		out[i] = prepareItem(&items[i], excl)
	}
	return out
}

func prepareItem(it *eligibility.Item, excl bool) pitem {
	p := pitem{src: it, kids: prepareItems(it.Items, excl), allowance: it.Allowance}
	measured, others, therapies := false, 0, false
	// guarded says the item is about avoiding pregnancy; its text is
	// read for that only when it names a pregnancy (see KindPregnancy
	// below): the regular expression was most of a trial page's
	// preparing of its questions.
	guarded := false
	constraints := itemConstraints(it, excl)
	for i := range constraints {
		c := &constraints[i]
		guarded = guarded || c.Kind == eligibility.KindContraception || c.Term == "pregnancy test"
		measured = measured || c.Kind == eligibility.KindMeasure
		therapies = therapies || c.Kind == eligibility.KindTherapy
		if c.Kind != eligibility.KindSex && c.Kind != eligibility.KindException && c.Variable != "age" {
			others++
		}
	}
	// Ages written in criteria text qualify other rules ("Age 5 years
	// and under: creatinine < 1.2", "Lansky if 10 years or under") far
	// more often than they set the study's limits, which the registered
	// minimum and maximum ages already give. Only an inclusion item that
	// is nothing but an age range, and not about consent, is checked.
	ageQualifies := excl || others > 0 || len(it.Items) > 0 || consentRe.MatchString(it.Text)
	staged := slices.ContainsFunc(it.Constraints, func(c eligibility.Constraint) bool { return c.Kind == eligibility.KindStage })
	for i := range constraints {
		c := &constraints[i]
		pc := pcons{c: c, hedged: c.Hedged}
		switch c.Kind {
		case eligibility.KindException:
			p.exception = true
			continue
		case eligibility.KindCondition, eligibility.KindMetastasis:
			pc.toks = termTokens(c.Term, conditionNoise)
			pc.vague = !slices.ContainsFunc(pc.toks, func(t string) bool { return !genericWords[t] })
			if c.Kind == eligibility.KindCondition {
				pc.qualify(it, targetQualRe)
				pc.examples = conditionAlternatives(c.Term)
			}
			pc.spread = c.Kind == eligibility.KindMetastasis && (pc.vague || noSpreadWords[strings.ToLower(c.Term)] ||
				strings.HasPrefix(strings.ToLower(c.Term), "early"))
			// "AST ≤ 5 × ULN with liver metastases" qualifies a threshold;
			// "PI3K inhibitor for metastatic disease" says when a therapy
			// was given.
			// "Non-operable" reads as operability negated twice: inoperable
			// disease need not have spread.
			pc.skip = c.Kind == eligibility.KindMetastasis && (measured || pc.spread && therapies && !c.Negated) ||
				staged && stageOnly(pc.toks) || pc.spread && !c.Negated && strings.EqualFold(c.Term, "operable")
		case eligibility.KindTherapy:
			pc.current = currentRe.MatchString(it.Text)
			pc.toks = termTokens(c.Term, therapyNoise)
			pc.qualify(it, settingQualRe)
			// A site narrows an exclusion's "prior brain radiotherapy",
			// but an inclusion's surgery is mostly the operation the
			// study is about ("undergoing lumbar spine surgery"), which
			// no past one settles.
			pc.hedged = pc.hedged || broadTherapy(pc.toks) || !excl && len(pc.toks) > 0 && broadTherapy(pc.toks[len(pc.toks)-1:])
			pc.duration = durationRe.MatchString(it.Text)
			for _, e := range c.Examples {
				if t := termTokens(e, therapyNoise); len(t) > 0 {
					pc.examples = append(pc.examples, t)
				}
			}
		case eligibility.KindMeasure:
			// A window is checked with the therapy or condition that
			// carries it; alone it times a procedure ("assessed within
			// 7 days"), which is the study team's business.
			pc.skip = c.Variable == "window" || c.Variable == "age" && ageQualifies || misread(c)
		case eligibility.KindSex:
			// "Women who had undergone hysterectomy" excludes some women,
			// not women: in an exclusion, a sex that the item says more
			// about only names whom the rest is about.
			pc.skip = others > 0 || excl && saysMoreAbout(it, c)
		case eligibility.KindPregnancy:
			pc.notPregnant = c.Negated || guarded || ineligibleRe.MatchString(it.Text)
			// "Partner is not pregnant", "pregnant partners": someone
			// else's pregnancy, which no answer of the patient's settles
			// (read as theirs, it asked men whether they were pregnant
			// and told them "not eligible" for either answer).
			pc.skip = partnerRe.MatchString(it.Text)
		}
		p.cons = append(p.cons, pc)
		if !pc.skip {
			p.structured = true
		}
	}
	// An exclusion that names a biomarker or metastatic disease in a
	// long item or beside a treatment describes the setting of something
	// else ("prior therapy for metastatic HER2-positive disease", "visceral
	// spread at risk of complications"): not every such patient is out.
	if excl && slices.ContainsFunc(p.cons, describesSetting) && (len(strings.Fields(it.Text)) > 12 || settingRe.MatchString(it.Text)) {
		for i := range p.cons {
			if describesSetting(p.cons[i]) {
				p.cons[i].hedged = true
			}
		}
	}
	// An exclusion that grades the patient's kind of condition or course
	// ("low back pain that is less than moderate in severity", "isolated
	// extramedullary relapse"), or counts it ("> 3 brain metastases", "5
	// or more warts"), rules out some of those who have it, and the
	// profile does not say which.
	if excl {
		for i := range p.cons {
			pc := &p.cons[i]
			k := pc.c.Kind
			if (k == eligibility.KindCondition || k == eligibility.KindDiseaseStatus) &&
				degreeRe.MatchString(strings.Replace(it.Text, pc.c.Term, "", 1)) ||
				(k == eligibility.KindCondition || k == eligibility.KindMetastasis) && counted(it, pc.c) {
				pc.hedged = true
			}
		}
	}
	if !excl {
		trimExtent(p.cons)
	}
	// An exclusion that speaks of untreated disease or of progression
	// describes a setting ("alterations with a targeted therapy approved
	// for first-line treatment", "progressed on prior immunotherapy"),
	// not whom a count of lines keeps out: only a count ("more than 2
	// prior lines") rules a patient out.
	if excl {
		for i := range p.cons {
			if c := p.cons[i].c; c.Kind == eligibility.KindPriorLines && c.Term != eligibility.PriorLinesCount {
				p.cons[i].hedged = true
			}
		}
	}
	readSpreadInGeneral(it, p.cons, excl)
	skipNegatedExamples(it, p.cons)
	markAlternatives(it, p.cons)
	p.cover(it, constraints, excl)
	for _, k := range p.kids {
		p.structured = p.structured || k.structured
	}
	return p
}

// readSpreadInGeneral keeps "has the disease spread" for items that
// speak of spread in general. An exclusion of metastases at a site
// ("known active CNS metastases"), of a size or number, in lymph nodes,
// or of a complication ("metastatic spinal cord compression") keeps out
// some patients whose disease has spread, not all; an inclusion of
// lymph node metastases asks for regional spread, not distant, and one
// of a scan negative for metastatic disease, or of patients who "will
// be excluded", asks for none. Such a reading of spread may make the
// item met or unknown, never not met; one of no spread ("M0") stands. A condition named by the spread words alone
// ("metastatic disease") is that reading, not a condition to ask about.
func readSpreadInGeneral(it *eligibility.Item, cons []pcons, excl bool) {
	detailRe := spreadNodesRe
	if excl {
		detailRe = spreadDetailRe
	}
	text := examplesRe.ReplaceAllString(it.Text, "")
	for i := range cons {
		pc := &cons[i]
		if !pc.spread || pc.skip {
			continue
		}
		// "M0", "no distant metastases" beside the nodes' stage ("N0 or
		// N1, (all M0)") still says the disease has not spread.
		if !pc.c.Negated && detailRe.MatchString(text) {
			pc.hedged = true
		}
		for j := range cons {
			if o := &cons[j]; o.c.Kind == eligibility.KindCondition && o.vague && o.c.Span[0] <= pc.c.Span[0] && pc.c.Span[1] <= o.c.Span[1] {
				o.skip = true
			}
		}
	}
}

var (
	// examplesRe finds a parenthesis of examples ("(e.g., bone, liver
	// or lung metastases)", "(any site, any histology)"), which names
	// no site the item is limited to.
	examplesRe = regexp.MustCompile(`(?i)\(\s*(?:e\.\s*g\.?|eg\b|such as|including|any site)[^)]*\)`)
	// spreadNodesRe: lymph node (regional) metastases, a negative scan,
	// patients an inclusion says will be excluded.
	spreadNodesRe = regexp.MustCompile(`(?i)\b(?:lymph|nodes?|nodal|LNs?|N[1-3]|negative\s+(?:[\w()/-]+\s+){0,6}?(?:scans?|for)|will be excluded)\b`)
	// spreadDetailRe adds to it sites, sizes, numbers and complications
	// of metastases.
	spreadDetailRe = regexp.MustCompile(spreadNodesRe.String() + `|(?i)\b(?:brain|CNS|central nervous system|leptomening\w*|spin(?:e|al)|CSF|cerebr\w*|intracranial|liver|hepatic|bones?|osseous|skeletal|lungs?|pulmonary|cardiac|peritone\w*|pleura\w*|skin|cutaneous|visceral|lesions?|sites?|size|\d+\s*(?:cm|mm)|compression|oligo\w*|endometri\w*|axillary|regional|to the|from a)\b`)
)

// skipNegatedExamples drops the examples a negated condition gives in
// parentheses ("must not have distant metastases (e.g., peritoneal,
// liver metastases)"): they share its negation, which the condition
// before them already checks; read alone they would require liver
// metastases.
func skipNegatedExamples(it *eligibility.Item, cons []pcons) {
	for i := range cons {
		pc := &cons[i]
		k := pc.c.Kind
		if pc.c.Negated || k != eligibility.KindCondition && k != eligibility.KindMetastasis {
			continue
		}
		at := pc.c.Span[0] - it.Span[0]
		if at <= 0 || at > len(it.Text) {
			continue
		}
		open := strings.LastIndexByte(it.Text[:at], '(')
		if open < 0 || strings.ContainsRune(it.Text[open:at], ')') || !examplesRe.MatchString(it.Text[open:]) {
			continue
		}
		for j := range cons[:i] {
			o := cons[j].c
			if o.Negated && (o.Kind == eligibility.KindCondition || o.Kind == eligibility.KindMetastasis) && o.Span[1]-it.Span[0] <= open {
				pc.skip = true
				break
			}
		}
	}
}

// itemConstraints are what the checker reads of an item: the
// constraints the parser found, or, for an item that is nothing but a
// condition's name ("Diabetes" in a list of exclusions, "Type 2 diabetes
// mellitus" among inclusions), that condition. The parser finds
// conditions after the words that introduce them ("history of",
// "patients with"), and a list of names alone would stay free text: a
// diabetic was never told that a trial excludes diabetes. A name with
// any other word ("Uncontrolled diabetes") stays free text, and so do
// names of people rather than conditions ("Smokers", "Healthy
// volunteers", "Prisoners"). In an inclusion the name may be one of a
// list of alternatives the structure lost (a list of eligible
// histologies, each its own item), so it never rules a patient out.
func itemConstraints(it *eligibility.Item, excl bool) []eligibility.Constraint {
	if len(it.Constraints) > 0 || len(it.Items) > 0 {
		return it.Constraints
	}
	text := strings.TrimSpace(it.Text)
	if strings.HasSuffix(text, ":") || strings.HasSuffix(text, "：") {
		return nil // a topic's heading ("Cardiac disease:"), whose rules were its lost sub-items
	}
	if slices.ContainsFunc(strings.Fields(strings.ToLower(text)), func(w string) bool { return peopleNames[strings.Trim(w, ".,;:")] }) ||
		patient.NamedCondition(text) == nil {
		return nil
	}
	return []eligibility.Constraint{{Kind: eligibility.KindCondition, Op: eligibility.OpEQ, Term: strings.TrimRight(text, ".;,"),
		Span: [2]int{it.Span[0], it.Span[0] + len(it.Text)}, Hedged: !excl}}
}

// peopleNames are words of MeSH names for kinds of people and their
// habits, which a bare item names as a population, not a diagnosis.
var peopleNames = wordSet("adult adults patient patients volunteer volunteers healthy normal donor donors outpatient outpatients " +
	"inpatients prisoner prisoners minor minors twin twins smoker smokers non-smoker non-smokers nonsmokers smoking tobacco " +
	"heterosexual homosexual african american americans asian hispanic population refusal behavior behaviour isolation")

// saysMoreAbout reports an item that goes on after its sex term with
// more than the word for people: "Women who do not provide written
// consent", not "Male subjects".
func saysMoreAbout(it *eligibility.Item, c *eligibility.Constraint) bool {
	at := c.Span[1] - it.Span[0]
	if at < 0 || at > len(it.Text) {
		return false
	}
	return !peopleOnlyRe.MatchString(it.Text[at:])
}

// counted reports a condition the item counts, in its term or right
// before it: "\>3 brain metastasis" (Markdown for ">3"), "5 or more
// warts", "more than two fractures".
func counted(it *eligibility.Item, c *eligibility.Constraint) bool {
	at := c.Span[0] - it.Span[0]
	if at < 0 || at > len(it.Text) {
		return false
	}
	if m := countBeforeRe.FindStringSubmatch(it.Text[max(0, at-30):at]); m != nil && !gradeWords[strings.ToLower(m[1])] {
		return true
	}
	return countStartRe.MatchString(c.Term)
}

// gradeWords before a number make it a grade or a stage, not a count.
var gradeWords = wordSet("grade grades stage stages class type phase score level")

// describesSetting says whether pc, in a long exclusion or one beside a
// treatment, says where something else happened rather than who is out.
func describesSetting(pc pcons) bool {
	k := pc.c.Kind
	return k == eligibility.KindBiomarker || k == eligibility.KindDiseaseStatus || pc.spread
}

// markAlternatives joins consecutive thresholds written as
// alternatives, which an item's all-of reading would otherwise require
// together.
func markAlternatives(it *eligibility.Item, cons []pcons) {
	var prev *pcons
	for i := range cons {
		pc := &cons[i]
		if pc.skip || pc.c.Kind != eligibility.KindMeasure {
			prev = nil
			continue
		}
		if prev != nil {
			a, b := prev.c.Span[1]-it.Span[0], pc.c.Span[0]-it.Span[0]
			prev.orNext = 0 <= a && a <= b && b <= len(it.Text) && orRe.MatchString(it.Text[a:b])
		}
		prev = pc
	}
}

// conditionNoise and therapyNoise are words of extracted terms that say
// how a condition was established or what kind of thing a therapy is,
// not which: "histologically confirmed", "anti-PD-1 therapy".
var (
	conditionNoise = wordSet("histologically cytologically pathologically confirmed documented diagnosed diagnosis known prior previous newly clinical clinically any history")
	therapyNoise   = wordSet("therapy treatment agent drug prior previous any systemic with regimen medication")
)

// genericWords are words of condition terms that name no condition on
// their own: a term of nothing else matches no patient's condition.
var genericWords = wordSet("metastasis disease diseases disorder disorders condition conditions illness illnesses " +
	"advanced malignancy malignancies malignant tumor tumors tumour tumours cancer cancers neoplasm neoplasms " +
	"carcinoma lesion lesions solid active severe significant uncontrolled unstable chronic acute other another " +
	"primary secondary second recurrent untreated treated symptomatic asymptomatic serious progressive " +
	"concurrent concomitant underlying systemic major minor medical psychiatric local locally distant " +
	"following or and the a an of with in at by for to which that who as is are be has have had")

// stageOnly reports a condition named by nothing but a stage ("stage IV
// disease"): the item's stage constraint checks it.
func stageOnly(toks []string) bool {
	staged := false
	for _, t := range toks {
		switch {
		case t == "stage" || t == "stages":
		case eligibility.StageSet(t) != 0:
			staged = true
		case !genericWords[t]:
			return false
		}
	}
	return staged
}

// noSpreadWords are the terms of a negated metastasis that state
// disease without distant spread.
var noSpreadWords = wordSet("m0 non-metastatic nonmetastatic early-stage early stage early operable localized localised")

// broadTherapy reports a therapy named by a word that covers different
// treatments: "surgery" before a trial and a patient's knee surgery may
// be different things.
func broadTherapy(toks []string) bool {
	for _, t := range toks {
		if !broadTherapies[t] {
			return false
		}
	}
	return true
}

var broadTherapies = wordSet("surgery surgical resection transplant transplantation transplanted transfusion transfusions " +
	"blood investigational biologic biologics monoclonal antibody antibodies targeted adjuvant neoadjuvant steroid " +
	"steroids corticosteroid corticosteroids hormone hormonal radiation radiotherapy immunosuppressive immunosuppressant " +
	"major minor organ stem cell marrow")

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// termTokens tokenises a term the way the profile's forms are, so that a
// metastasis is one token however it is written.
func termTokens(term string, noise map[string]bool) []string {
	var out []string
	for _, t := range textproc.Tokenize(term) {
		if strings.HasPrefix(t, "metasta") {
			t = "metastasis"
		}
		if !noise[t] {
			out = append(out, t)
		}
	}
	return out
}

// forms are phrases of the profile indexed by token: mask[token] has bit
// i set when form i contains the token, so "all of a term's tokens occur
// in one form" is an AND of masks. At most 64 forms are kept, the
// patient's own words first.
type forms struct {
	mask  map[string]uint64
	text  []string
	owner []int // which condition or therapy of the profile a form is from
}

func (fs *forms) add(text string, owner int) {
	if len(fs.text) == 64 {
		return
	}
	toks := termTokens(text, nil)
	if len(toks) == 0 {
		return
	}
	if fs.mask == nil {
		fs.mask = map[string]uint64{}
	}
	bit := uint64(1) << len(fs.text)
	for _, t := range toks {
		fs.mask[t] |= bit
	}
	fs.text = append(fs.text, text)
	fs.owner = append(fs.owner, owner)
}

// find returns the first form that contains every token, or -1.
func (fs *forms) find(toks []string) int {
	if len(toks) == 0 || fs.mask == nil {
		return -1
	}
	m := ^uint64(0)
	for _, t := range toks {
		if m &= fs.mask[t]; m == 0 {
			return -1
		}
	}
	return bits.TrailingZeros64(m)
}

// profileIndex is a profile prepared for checking many studies.
type profileIndex struct {
	f          patient.Facts
	conds      forms
	therapies  forms
	absent     [][]string // tokens of conditions the patient never had
	absentText []string
	metastatic Status // Met: some condition is metastatic; NotMet: none is, as far as given
	stages     []patientStage
	histos     []histo // the patient's cancers whose histology and organ are named
}

// patientStage is a stage of one of the patient's conditions: as given,
// or stage IV for a cancer that has spread, which is implied when the
// condition also has a stage as given (and goes unnamed in reasons).
type patientStage struct {
	text    string
	mask    uint64 // see eligibility.StageSet
	spread  bool
	implied bool
}

// stageIV is the set of stage IV, which spread disease is.
var stageIV = eligibility.StageSet("IV")

func newProfileIndex(f patient.Facts, v *vocab.Vocab) *profileIndex {
	pi := &profileIndex{f: f, metastatic: Unknown}
	var synonyms []string
	known, allKnown := false, len(f.Conditions) > 0
	for i, c := range f.Conditions {
		pi.conds.add(c.Text, i)
		ids := c.MeSH
		if len(ids) == 0 && v != nil {
			ids = meshIDs(v, c.Text)
		}
		own := termTokens(c.Text, conditionNoise)
		for _, id := range ids {
			if v == nil {
				break
			}
			if d, ok := v.Descriptor(id); ok {
				if sameKind(own, d.Name) {
					pi.conds.add(d.Name, i)
				}
				for _, e := range d.EntryTerms {
					if sameKind(own, e) {
						synonyms = append(synonyms, e)
					}
				}
			}
		}
		spread := c.Metastatic != nil && *c.Metastatic
		given := eligibility.StageSet(c.Stage)
		if given != 0 {
			pi.stages = append(pi.stages, patientStage{text: strings.ToUpper(strings.TrimSpace(c.Stage)), mask: given, spread: spread})
		}
		if spread {
			pi.stages = append(pi.stages, patientStage{text: "IV", mask: stageIV, spread: true, implied: given != 0})
		}
		switch {
		case c.Metastatic == nil:
			allKnown = false
		case *c.Metastatic:
			known = true
		}
	}
	for _, s := range synonyms {
		pi.conds.add(s, -1)
	}
	for _, c := range f.Conditions {
		if h := histologyOf(termTokens(c.Text, conditionNoise)); h.kinds != 0 && h.organ != 0 {
			h.text = c.Text
			pi.histos = append(pi.histos, h)
		}
	}
	switch {
	case known:
		pi.metastatic = Met
	case allKnown:
		pi.metastatic = NotMet
	}
	for _, n := range f.NoHistoryOf {
		if t := termTokens(n, conditionNoise); len(t) > 0 {
			pi.absent = append(pi.absent, t)
			pi.absentText = append(pi.absentText, n)
		}
	}
	for i, t := range f.Therapies {
		pi.therapies.add(t.Name, i)
		pi.therapies.add(t.Class, i)
	}
	for _, m := range f.Medications {
		pi.therapies.add(m, -1)
	}
	return pi
}

// spread reports a patient whose cancer has spread: said so, or staged
// IV (M1) and nothing else.
func (pi *profileIndex) spread() bool {
	if pi.metastatic == Met {
		return true
	}
	for _, s := range pi.stages {
		if s.mask&^stageIV != 0 {
			return false
		}
	}
	return len(pi.stages) > 0
}

// sameKind reports whether a name of a patient's condition's descriptor
// is of the condition as the patient gave it. MeSH files "Brain
// Metastases" and "Primary Brain Tumor" under one descriptor, Brain
// Neoplasms, and "Thymic Carcinoma" under Thymoma: a brain tumour is
// neither known to be a metastasis nor, when it is one, primary, and a
// carcinoma is not a thymoma. A name that differs so is left out, and
// a criterion only it would match stays unknown.
func sameKind(own []string, name string) bool {
	toks := termTokens(name, conditionNoise)
	ownMet, met := contains(own, "metastasis"), contains(toks, "metastasis")
	switch {
	case met && !ownMet, ownMet && !met && contains(toks, "primary"):
		return false
	}
	kinds, ownKinds := tumourKinds(toks), tumourKinds(own)
	return len(kinds) == 0 || len(ownKinds) == 0 || slices.ContainsFunc(kinds, func(k string) bool { return slices.Contains(ownKinds, k) })
}

// tumourKinds are the kinds of tumour words name ("thymoma",
// "glioblastoma"); every carcinoma ("adenocarcinoma") is a carcinoma.
func tumourKinds(toks []string) []string {
	var kinds []string
	for _, t := range toks {
		k := strings.TrimSuffix(t, "s")
		if !strings.HasSuffix(k, "oma") {
			continue
		}
		if strings.HasSuffix(k, "carcinoma") {
			k = "carcinoma"
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// meshIDs returns the descriptors a condition's text names.
func meshIDs(v *vocab.Vocab, text string) []string {
	var ids []string
	for _, s := range v.Expand(text) {
		if id, ok := strings.CutPrefix(s.Source, "mesh:"); ok {
			id, _, _ = strings.Cut(id, " ")
			if len(ids) == 0 || ids[len(ids)-1] != id {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// presence says whether the patient has the condition a term names:
// Met when one of the patient's conditions (or its synonyms) contains all
// the term's words, NotMet when the term is more specific than something
// the patient never had (or is a metastasis in a patient without any),
// else Unknown. which is the matched text, for explanations.
func (pi *profileIndex) presence(toks []string) (st Status, which string) {
	if i := pi.conds.find(toks); i >= 0 {
		return Met, pi.conds.text[i]
	}
	for k, a := range pi.absent {
		if subset(a, toks) {
			return NotMet, pi.absentText[k]
		}
	}
	if pi.metastatic == NotMet && contains(toks, "metastasis") {
		return NotMet, "no metastases"
	}
	return Unknown, ""
}

// histo is the histology a condition's name gives a carcinoma (kinds, a
// set of the histologies below) and its organ.
type histo struct {
	kinds, organ uint8
	text         string
}

// The histologies a name can leave open: "non-squamous NSCLC" is an
// adenocarcinoma or another non-small cell carcinoma.
const (
	adeno uint8 = 1 << iota
	squamous
	otherNonSmallCell
	smallCell
)

// carcinomaWords and organWords are the tokens that name them.
var (
	carcinomaWords = map[string]uint8{"adenocarcinoma": adeno, "adenocarcinomas": adeno, "squamous": squamous,
		"nonsquamous": adeno | otherNonSmallCell, "sclc": smallCell}
	organWords = map[string]uint8{"lung": 1, "lungs": 1, "nsclc": 1, "sclc": 1, "pulmonary": 1, "bronchial": 1,
		"esophageal": 2, "esophagus": 2, "oesophageal": 2, "oesophagus": 2, "cervix": 3, "cervical": 3,
		"anal": 4, "anus": 4, "skin": 5, "cutaneous": 5, "bladder": 6, "urothelial": 6}
)

// nonSmallCell is every non-small cell carcinoma.
const nonSmallCell = adeno | squamous | otherNonSmallCell

// histologyOf reads a condition's tokens: "stage IVB lung adenocarcinoma"
// is an adenocarcinoma of the lung, "squamous NSCLC" a squamous one (a
// kind narrows "NSCLC"), "squamous or non-squamous NSCLC" and "NSCLC or
// SCLC" any of those named; "small cell" and "non-small cell" are told
// apart.
func histologyOf(toks []string) histo {
	var h histo
	var kinds uint8
	genus := false
	for i, t := range toks {
		non := i > 0 && toks[i-1] == "non"
		switch {
		case t == "squamous" && non:
			kinds |= adeno | otherNonSmallCell
		case t == "small" && i+1 < len(toks) && toks[i+1] == "cell":
			if non {
				genus = true
			} else {
				kinds |= smallCell
			}
		case t == "nsclc":
			genus = true
		default:
			kinds |= carcinomaWords[t]
		}
		if o := organWords[t]; o != 0 && h.organ == 0 {
			h.organ = o
		}
	}
	if genus && kinds&nonSmallCell == 0 {
		kinds |= nonSmallCell
	}
	h.kinds = kinds
	return h
}

// genera are the carcinomas MeSH places above others of their organ:
// Carcinoma, Non-Small-Cell Lung holds Adenocarcinoma of Lung and the
// squamous and other non-small cell carcinomas. The vocabulary has no
// tree numbers, and records register a lung adenocarcinoma trial as
// "NSCLC" far more often than under its own descriptor.
var genera = []struct {
	organ, kinds uint8
	name         string
}{{organWords["lung"], nonSmallCell, "Carcinoma, Non-Small-Cell Lung"}}

// genusOf names the genus of a condition whose histology is narrower
// than it ("lung adenocarcinoma": "Carcinoma, Non-Small-Cell Lung"), or
// "".
func genusOf(text string) string {
	h := histologyOf(termTokens(text, conditionNoise))
	for _, g := range genera {
		if h.organ == g.organ && h.kinds != 0 && h.kinds&^g.kinds == 0 && h.kinds != g.kinds {
			return g.name
		}
	}
	return ""
}

// histologyClash returns the patient's cancer whose histology a
// condition named by toks rules out, for the same organ: lung
// adenocarcinoma against "squamous NSCLC" or "small cell lung cancer".
func (pi *profileIndex) histologyClash(toks []string) (string, bool) {
	if len(pi.histos) == 0 {
		return "", false
	}
	c := histologyOf(toks)
	for _, h := range pi.histos {
		if c.kinds != 0 && c.organ == h.organ && c.kinds&h.kinds == 0 {
			return h.text, true
		}
	}
	return "", false
}

// conditionAlternatives splits a condition's term at "or" into the
// conditions it offers, as tokens, when each names a condition as a
// whole, itself or with the words that end the last one ("breast or
// ovarian cancer" is breast cancer or ovarian cancer, "type 1 or type 2
// diabetes mellitus" type 1 diabetes mellitus or type 2): else "lung"
// alone would match every lung cancer. A part that names no condition
// ("HIV infection or a positive test", "cirrhosis or those with …")
// continues the other, and the term is read whole. nil when the term
// offers fewer than two conditions.
func conditionAlternatives(term string) [][]string {
	if !orWordRe.MatchString(term) {
		return nil
	}
	parts := orWordRe.Split(term, -1)
	last := strings.Fields(parts[len(parts)-1])
	if len(last) == 0 {
		return nil // "… or" runs into the next words: no alternatives read
	}
	var alts [][]string
	for _, part := range parts {
		n := len(strings.Fields(part))
		if n == 0 {
			continue
		}
		name := part
		if patient.NamedCondition(name) == nil {
			name = part + " " + strings.Join(last[min(n, len(last)-1):], " ")
			if patient.NamedCondition(name) == nil {
				return nil
			}
		}
		alts = append(alts, termTokens(name, conditionNoise))
	}
	if len(alts) < 2 {
		return nil
	}
	return alts
}

var orWordRe = regexp.MustCompile(`(?i)\s*\b(?:and\s*/\s*)?or\b\s*`)

func subset(small, big []string) bool {
	for _, s := range small {
		if !contains(big, s) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
