package textproc

import "strings"

// Spelling variants are folded to one form, after plurals are stemmed, so
// that a British and a US spelling of a word are the same token: records
// and queries use both ("leukaemia" in 28 bundled studies, "leukemia" in
// 160). The folded form is the US spelling. The rules, in the order they
// are tried (a word is rewritten by every rule that applies):
//
//	| British            | US              | rule                                                    |
//	| ------------------ | --------------- | ------------------------------------------------------- |
//	| leukaemia, haem-   | leukemia, hem-  | "ae" → "e", except at the start of "aer…" (aerobic)     |
//	| paediatric         | pediatric       |   and at the end of a word (vertebrae, larvae)          |
//	| oedema, oestrogen  | edema, estrogen | "oe" → "e" at the start of a word of 5+ letters         |
//	| diarrhoea, apnoea  | diarrhea, apnea | "oea" → "ea"                                            |
//	| foetal, coeliac    | fetal, celiac   | "foet" → "fet", "coel" → "cel", "amoeb" → "ameb",      |
//	|                    |                 |   "homoeo" → "homeo"                                    |
//	| tumour, behaviour  | tumor, behavior | "-our" (and -oural, -oured, -ouring, -ourable, -ourite, |
//	|                    |                 |   -ourful, -ourless) → "-or", when 2+ letters come      |
//	|                    |                 |   before "our" and the word is not flour, scour, detour, |
//	|                    |                 |   contour, devour, velour, amour, paramour, troubadour  |
//	| randomised, -isation | randomized, -ization | "is" → "iz" before -e, -ed, -ing, -er, -ation,   |
//	|                    |                 |   -able, when 3+ letters come before it ending in al, an,|
//	|                    |                 |   ar, er, il, im, in, om, on, un or ic (not promise,    |
//	|                    |                 |   compromise)                                           |
//	| analyse, dialysed  | analyze, dialyzed | "lys" → "lyz" before -e, -ed, -ing, -er              |
//	| centre, fibre      | center, fiber   | a final "tre" / "bre" → "ter" / "ber" (5+ letters)      |
//	| analogue, catalogue | analog, catalog | a final "ogue" → "og" (6+ letters)                     |
//	| counselling, labelled | counseling, labeled | "elling", "elled", "eller" → "eling", "eled", "eler" |
//
// The rules are narrow on purpose: a fold that merged two different words
// ("filled" and "filed") would cost precision, while one that only makes
// an odd-looking token ("aerosol" stays, "michael" → "michel") costs
// nothing, since records and queries are folded alike.
func foldSpelling(w string) string {
	if len(w) < 4 || !strings.ContainsAny(w, "eioru") {
		return w
	}
	w = foldAE(w)
	w = foldOE(w)
	w = foldOur(w)
	w = foldIse(w)
	w = foldEndings(w)
	return w
}

func foldAE(w string) string {
	i := strings.Index(w, "ae")
	if i < 0 {
		return w
	}
	var b strings.Builder
	for i >= 0 {
		keep := (i == 0 && strings.HasPrefix(w, "aer")) || i+2 == len(w)
		if keep {
			b.WriteString(w[:i+2])
		} else {
			b.WriteString(w[:i])
			b.WriteByte('e')
		}
		w = w[i+2:]
		i = strings.Index(w, "ae")
	}
	b.WriteString(w)
	return b.String()
}

var oeParts = []struct{ from, to string }{
	{"oea", "ea"}, {"foet", "fet"}, {"coel", "cel"}, {"amoeb", "ameb"}, {"homoeo", "homeo"},
}

func foldOE(w string) string {
	if !strings.Contains(w, "oe") {
		return w
	}
	if strings.HasPrefix(w, "oe") && len(w) >= 5 {
		w = w[1:]
	}
	for _, p := range oeParts {
		w = strings.ReplaceAll(w, p.from, p.to)
	}
	return w
}

var ourSuffixes = []string{"", "al", "ed", "ing", "able", "ite", "ful", "less"}

var ourKeep = map[string]bool{
	"flour": true, "scour": true, "detour": true, "contour": true, "devour": true,
	"velour": true, "amour": true, "paramour": true, "troubadour": true,
}

func foldOur(w string) string {
	i := strings.LastIndex(w, "our")
	if i < 2 || ourKeep[w[:i+3]] {
		return w
	}
	for _, s := range ourSuffixes {
		if w[i+3:] == s {
			return w[:i+1] + w[i+2:]
		}
	}
	return w
}

var (
	izeSuffixes = []string{"e", "ed", "ing", "er", "ation", "able"}
	izeStems    = []string{"al", "an", "ar", "er", "il", "im", "in", "om", "on", "un", "ic"}
	izeKeep     = map[string]bool{"promis": true, "compromis": true}
	lyzSuffixes = []string{"e", "ed", "ing", "er"}
)

func foldIse(w string) string {
	i := strings.LastIndex(w, "is")
	if i < 3 || izeKeep[w[:i+2]] {
		return foldLyse(w)
	}
	if !hasSuffixIn(w[:i], izeStems) || !oneOf(w[i+2:], izeSuffixes) {
		return foldLyse(w)
	}
	return w[:i] + "iz" + w[i+2:]
}

func foldLyse(w string) string {
	i := strings.LastIndex(w, "lys")
	if i < 1 || !oneOf(w[i+3:], lyzSuffixes) {
		return w
	}
	return w[:i] + "lyz" + w[i+3:]
}

func foldEndings(w string) string {
	n := len(w)
	switch {
	case n >= 5 && (strings.HasSuffix(w, "tre") || strings.HasSuffix(w, "bre")):
		return w[:n-2] + "er"
	case n >= 6 && strings.HasSuffix(w, "ogue"):
		return w[:n-2]
	}
	for _, s := range []string{"elling", "elled", "eller"} {
		if strings.HasSuffix(w, s) && n > len(s)+1 {
			return w[:n-len(s)+1] + w[n-len(s)+2:]
		}
	}
	return w
}

func hasSuffixIn(w string, suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// layWords are the everyday words people search with and the words
// records use for the same people, by normalised token. A query word is
// searched as itself or any of its alternatives (not the reverse of every
// pair: "child" widens to "pediatric", but "adolescent" does not narrow to
// "teen"). Conditions have their own, larger vocabulary in internal/vocab.
var layWords = map[string][]string{
	"kid":       {"child", "pediatric"},
	"child":     {"pediatric"},
	"pediatric": {"child"},
	"teen":      {"adolescent"},
	"teenager":  {"adolescent"},
	"baby":      {"infant", "newborn"},
	"newborn":   {"neonatal", "infant"},
	"elderly":   {"older", "geriatric"},
	"pregnant":  {"pregnancy"},
	"pregnancy": {"pregnant"},
}

// LayAlternatives returns the words a normalised query token is also
// searched as; nil for most.
func LayAlternatives(token string) []string { return layWords[token] }
