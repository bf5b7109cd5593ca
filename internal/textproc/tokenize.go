// Package textproc turns text into search tokens. The same function runs
// when studies are indexed, when queries are evaluated and when the
// condition vocabulary builds its lookup keys, so a word always meets
// itself in the same form; that is why it is a package of its own rather
// than part of the query parser, which never needs it.
//
// Decisions, each made for recall on trial records:
//
//   - Case and the common Latin accents are folded ("Québec" → "quebec",
//     "Köln" → "koln"); other scripts are kept as they are, lower-cased.
//   - A token is a run of letters and digits (Unicode-aware); every other
//     character separates tokens. Runs are further split where letters meet
//     digits, so "HER2", "HER-2" and "her 2" all give "her", "2", and
//     "COVID-19" and "covid19" both give "covid", "19". Hyphenated codes
//     made of letters only stay split ("PD-L1" → "pd", "l", "1"; "pdl1" →
//     "pdl", "1"): joining them back would need a dictionary.
//   - NCT identifiers ("NCT01234567") are kept whole, so an ID search is
//     one exact token.
//   - A small stop list drops only function words; negations ("not", "no",
//     "without") are kept because eligibility text depends on them.
//   - Stemming removes English plurals only, after Harman's S-stemmer plus
//     Porter's "-sses" rule: "-sses" → "-ss", "-ies" → "-y" (not after
//     "a"/"e"), "-es" → "-e" (not after "a"/"e"/"i"/"o"), "-s" → "" — but
//     never on "-ss", "-us" or "-is", so "illness", "lupus" and "psoriasis"
//     stay whole. Words shorter than four letters are left alone ("ms",
//     "has").
package textproc

import (
	"strings"
	"unicode"
)

// stopWords are function words too common to discriminate between studies.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true,
	"be": true, "by": true, "for": true, "from": true, "in": true, "is": true,
	"of": true, "on": true, "or": true, "the": true, "to": true, "with": true,
	// the remains of possessives: "Alzheimer's" → "alzheimer", "s"
	"s": true,
}

// Tokenize splits text into lower-cased, plural-stemmed search tokens
// without stop words.
func Tokenize(text string) []string {
	var out []string
	var run []rune
	flush := func() {
		if len(run) > 0 {
			out = appendRun(out, run)
			run = run[:0]
		}
	}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			run = append(run, fold(r))
			continue
		}
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent belongs to the letter before it; folding
			// drops it rather than letting it split the word.
			continue
		case unicode.In(r, unicode.Mc, unicode.Me):
			run = append(run, r)
			continue
		}
		flush()
	}
	flush()
	return out
}

// appendRun appends the tokens of one alphanumeric run.
func appendRun(out []string, run []rune) []string {
	if isNCTID(run) {
		return append(out, string(run))
	}
	start := 0
	for i := 1; i <= len(run); i++ {
		if i < len(run) && unicode.IsDigit(run[i]) == unicode.IsDigit(run[i-1]) {
			continue
		}
		w := string(run[start:i])
		start = i
		if unicode.IsDigit(run[i-1]) {
			out = append(out, w)
			continue
		}
		if stopWords[w] {
			continue
		}
		out = append(out, Stem(w))
	}
	return out
}

// isNCTID reports whether a lower-cased run is "nct" and eight digits.
func isNCTID(run []rune) bool {
	if len(run) != 11 || string(run[:3]) != "nct" {
		return false
	}
	for _, r := range run[3:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Stem removes an English plural ending from a lower-cased word (see the
// package comment for the rules).
func Stem(w string) string {
	n := len(w)
	if n < 4 || w[n-1] != 's' {
		return w
	}
	switch w[n-2] {
	case 's', 'u', 'i':
		return w
	case 'e':
		if strings.HasSuffix(w, "sses") {
			return w[:n-2]
		}
		if w[n-3] == 'i' && n > 4 && w[n-4] != 'a' && w[n-4] != 'e' {
			return w[:n-3] + "y"
		}
		if strings.IndexByte("aeio", w[n-3]) >= 0 {
			return w
		}
	}
	return w[:n-1]
}

// latinFold maps U+00C0–U+00FF to unaccented lower-case letters; a space
// means "no folding" (×, ÷ and letters with no ASCII equivalent).
const latinFold = "aaaaaaaceeeeiiii" + "dnooooo ouuuuyts" + "aaaaaaaceeeeiiii" + "dnooooo ouuuuyty"

// fold lower-cases r and strips the accent of a Latin-1 letter.
func fold(r rune) rune {
	r = unicode.ToLower(r)
	if r >= 0xC0 && r <= 0xFF {
		if f := latinFold[r-0xC0]; f != ' ' {
			return rune(f)
		}
	}
	return r
}
