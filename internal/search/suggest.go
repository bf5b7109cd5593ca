package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trialfinder/trialfinder/internal/textproc"
)

// Spelling suggestions come from the index's own vocabulary, so that a
// suggestion always finds something: a query word that few studies
// contain is replaced by the most frequent indexed word within a small
// edit distance (one edit for words of up to five letters, two above;
// a swap of two adjacent letters is one edit), starting with the same
// letter — people seldom mistype the first one, and it bounds the search
// to one slice of the sorted vocabulary. Words the caller's dictionary
// knows (the MeSH vocabulary's words) count double, and it gives the
// spelling shown for an indexed word, which is stemmed and folded.
const (
	rareWord     = 3  // a word in fewer studies is a candidate for correction
	oftenEnough  = 10 // a replacement must be in this many times more studies
	minWordBytes = 4  // shorter words are left alone: too many neighbours
)

// Dictionary gives the usual spelling of a normalised word, and whether
// the vocabulary knows it.
type Dictionary func(token string) (spelling string, known bool)

// Suggest returns text with each rare word replaced by a much more
// frequent one of nearly the same spelling, and whether any was. Words
// are separated by spaces; punctuation around a word and operator words
// are kept.
func (ix *Index) Suggest(text string, dict Dictionary) (string, bool) {
	words := strings.Fields(text)
	changed := false
	for i, w := range words {
		start := strings.IndexFunc(w, isWordRune)
		end := strings.LastIndexFunc(w, isWordRune)
		if start < 0 {
			continue
		}
		_, size := utf8.DecodeRuneInString(w[end:])
		end += size
		toks := textproc.Tokenize(w[start:end])
		if len(toks) != 1 {
			continue
		}
		if fix, ok := ix.correct(toks[0], dict); ok {
			words[i] = w[:start] + fix + w[end:]
			changed = true
		}
	}
	return strings.Join(words, " "), changed
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// correct returns the spelling of the best replacement for a rare token.
func (ix *Index) correct(tok string, dict Dictionary) (string, bool) {
	if len(tok) < minWordBytes || strings.ContainsFunc(tok, unicode.IsDigit) {
		return "", false
	}
	have := ix.docFreq(tok)
	if have >= rareWord {
		return "", false
	}
	maxEdits := 1
	if len(tok) > 5 {
		maxEdits = 2
	}
	best, bestWeight, bestEdits := "", 0, 0
	ix.vocabFrom(tok[:1], func(cand []byte) bool {
		if cand[0] != tok[0] {
			return false
		}
		if d := len(cand) - len(tok); d > maxEdits || d < -maxEdits {
			return true
		}
		edits := editDistance(tok, cand, maxEdits)
		if edits > maxEdits || edits == 0 {
			return true
		}
		c := string(cand)
		weight := ix.docFreq(c)
		if _, known := dict(c); known {
			weight *= 2
		}
		if weight > bestWeight || (weight == bestWeight && edits < bestEdits) {
			best, bestWeight, bestEdits = c, weight, edits
		}
		return true
	})
	if best == "" || bestWeight < oftenEnough*max(have, 1) {
		return "", false
	}
	if spelling, known := dict(best); known {
		return spelling, true
	}
	return best, true
}

// docFreq is how many studies hold a token in their largest field list:
// a lower bound on the studies holding it at all, and enough to compare
// words.
func (ix *Index) docFreq(tok string) int {
	id, ok := ix.tokenID(tok)
	if !ok {
		return 0
	}
	n := 0
	for f := range numFields {
		if p := ix.list(field(f), id, noNext); p != nil {
			n = max(n, int(p.df))
		}
	}
	return n
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of adjacent bytes),
// or limit+1 as soon as it must exceed limit.
func editDistance(a string, b []byte, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
