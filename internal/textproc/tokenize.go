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
//     "has"). A few irregular plurals become their singular ("children" →
//     "child").
//   - British and US spellings fold to the US one ("leukaemia" →
//     "leukemia", "tumour" → "tumor", "randomised" → "randomized"); the
//     table is in spelling.go.
package textproc

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
	// About one token in seven bytes of English; sizing for it saves the
	// slice's regrowths, the main cost after the strings themselves.
	t := tokenizer{out: make([]string, 0, len(text)/7+1)}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case 'a' <= c && c <= 'z':
			t.letter(c)
		case 'A' <= c && c <= 'Z':
			t.letter(c + 'a' - 'A')
		case '0' <= c && c <= '9':
			t.digit(c)
		case c < utf8.RuneSelf:
			t.flush()
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			t.rune(r)
			i += size
			continue
		}
		i++
	}
	t.flush()
	if len(t.out) == 0 {
		return nil
	}
	return t.out
}

// tokenizer gathers one run of letters and digits at a time in buf,
// with the offsets where letters and digits alternate.
type tokenizer struct {
	out    []string
	buf    []byte
	cuts   []int
	digits bool // whether the last character was a digit
}

func (t *tokenizer) letter(c byte) {
	t.class(false)
	t.buf = append(t.buf, c)
}

func (t *tokenizer) digit(c byte) {
	t.class(true)
	t.buf = append(t.buf, c)
}

func (t *tokenizer) class(digit bool) {
	if len(t.buf) > 0 && digit != t.digits {
		t.cuts = append(t.cuts, len(t.buf))
	}
	t.digits = digit
}

func (t *tokenizer) rune(r rune) {
	switch {
	case unicode.IsLetter(r):
		t.class(false)
		t.buf = utf8.AppendRune(t.buf, fold(r))
	case unicode.IsDigit(r):
		t.class(true)
		t.buf = utf8.AppendRune(t.buf, r)
	case unicode.Is(unicode.Mn, r):
		// A combining accent belongs to the letter before it; folding
		// drops it rather than letting it split the word.
	case unicode.In(r, unicode.Mc, unicode.Me):
		t.buf = utf8.AppendRune(t.buf, r)
	default:
		t.flush()
	}
}

// flush ends the current run, appending its tokens.
func (t *tokenizer) flush() {
	if len(t.buf) == 0 {
		return
	}
	if isNCTID(t.buf) {
		t.out = append(t.out, string(t.buf))
	} else {
		start := 0
		for _, end := range append(t.cuts, len(t.buf)) {
			t.word(t.buf[start:end])
			start = end
		}
	}
	t.buf, t.cuts = t.buf[:0], t.cuts[:0]
}

func (t *tokenizer) word(w []byte) {
	if c := w[len(w)-1]; '0' <= c && c <= '9' {
		t.out = append(t.out, string(w))
		return
	}
	// Stemmed first, so that no plural of a stop word ("ares") survives.
	if stem := Normalize(string(w)); !stopWords[stem] {
		t.out = append(t.out, stem)
	}
}

// isNCTID reports whether a lower-cased run is "nct" and eight digits.
func isNCTID(run []byte) bool {
	if len(run) != 11 || string(run[:3]) != "nct" {
		return false
	}
	for _, c := range run[3:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Normalize is what the tokenizer makes of one lower-cased word: its
// singular, spelled the US way.
func Normalize(w string) string {
	if s, ok := irregularPlurals[w]; ok {
		return s
	}
	return foldSpelling(Stem(w))
}

// irregularPlurals are plurals that the S-stemmer cannot undo. "Men",
// "women" and "people" stay as they are: folding them made patient
// matching rank worse (TREC 2021 NDCG@10 0.653 → 0.648), since a note's
// "man" then meets every trial that mentions "men".
var irregularPlurals = map[string]string{
	"children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
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
