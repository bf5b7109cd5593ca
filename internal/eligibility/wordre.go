package eligibility

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// wordStartRe is a pattern every match of which begins at a word start (`\b`
// then a word character): "chemotherapy", "anti-PD-1 antibody". It finds
// what FindAllStringSubmatchIndex finds, but tries the pattern, anchored,
// only at the word starts whose first byte can begin a match, where the
// unanchored search tries it at every byte: a long alternation of names
// costs a few dozen attempts per clause instead of hundreds.
type wordStartRe struct {
	anchored *regexp.Regexp
	first    [256]bool // the bytes a match can begin with
}

// newWordStartRe compiles pattern, which must begin with `\b` and consume a
// word character first; it panics otherwise, as regexp.MustCompile does
// on a bad pattern.
func newWordStartRe(pattern string) *wordStartRe {
	w := &wordStartRe{anchored: regexp.MustCompile(`^(?:` + pattern + `)`)}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic("eligibility: " + err.Error())
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		panic("eligibility: " + err.Error())
	}
	if !firstBytes(prog, uint32(prog.Start), false, make([]uint8, len(prog.Inst)), &w.first) {
		panic("eligibility: a match of " + pattern + " can begin elsewhere than at a word start")
	}
	return w
}

// firstBytes marks the bytes the instructions from pc can consume first,
// taking every empty-width assertion as satisfiable (a superset, which is
// all the search needs), and reports whether each of those bytes is a
// word byte behind a `\b` (bounded says one was passed).
func firstBytes(prog *syntax.Prog, pc uint32, bounded bool, seen []uint8, first *[256]bool) bool {
	bit := uint8(1) << boolInt(bounded)
	if seen[pc]&bit != 0 {
		return true
	}
	seen[pc] |= bit
	in := &prog.Inst[pc]
	switch in.Op {
	case syntax.InstAlt, syntax.InstAltMatch:
		return firstBytes(prog, in.Out, bounded, seen, first) && firstBytes(prog, in.Arg, bounded, seen, first)
	case syntax.InstEmptyWidth:
		return firstBytes(prog, in.Out, bounded || syntax.EmptyOp(in.Arg)&syntax.EmptyWordBoundary != 0, seen, first)
	case syntax.InstCapture, syntax.InstNop:
		return firstBytes(prog, in.Out, bounded, seen, first)
	case syntax.InstRune, syntax.InstRune1:
		var mine [256]bool
		fold := syntax.Flags(in.Arg)&syntax.FoldCase != 0
		if len(in.Rune) == 1 { // one rune (InstRune1, or InstRune folding case)
			markRunes(in.Rune[0], in.Rune[0], fold, &mine)
		}
		for i := 0; i+1 < len(in.Rune); i += 2 {
			markRunes(in.Rune[i], in.Rune[i+1], fold, &mine)
		}
		ok := bounded
		for b, m := range mine {
			if m {
				first[b] = true
				ok = ok && wordByte(byte(b))
			}
		}
		return ok
	}
	return false // any rune, or a match of nothing
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func markRunes(lo, hi rune, fold bool, first *[256]bool) {
	for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
		first[r] = true
		if fold && 'a' <= r|0x20 && r|0x20 <= 'z' {
			first[r|0x20], first[r&^0x20] = true, true
		}
	}
	if hi >= utf8.RuneSelf {
		for b := 0xc0; b < 0x100; b++ {
			first[b] = true
		}
	}
}

// finder finds the submatch indexes of a pattern's matches in s, at
// most n of them (all for n < 0): *regexp.Regexp and *wordStartRe.
type finder interface {
	FindAllStringSubmatchIndex(s string, n int) [][]int
}

// FindAllStringSubmatchIndex returns what the unanchored pattern's
// FindAllStringSubmatchIndex returns.
func (w *wordStartRe) FindAllStringSubmatchIndex(s string, n int) [][]int {
	var out [][]int
	for p := 0; p < len(s) && (n < 0 || len(out) < n); p++ {
		if !w.first[s[p]] || p > 0 && wordByte(s[p-1]) {
			continue
		}
		m := w.anchored.FindStringSubmatchIndex(s[p:])
		if m == nil {
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += p
			}
		}
		out = append(out, m)
		if m[1] > p {
			p = m[1] - 1
		}
	}
	return out
}

// FindAllStringIndex, FindStringIndex, FindStringSubmatchIndex and
// MatchString are the regexp methods of the same names.
func (w *wordStartRe) FindAllStringIndex(s string, n int) [][]int {
	ms := w.FindAllStringSubmatchIndex(s, n)
	for i := range ms {
		ms[i] = ms[i][:2]
	}
	return ms
}

func (w *wordStartRe) FindStringSubmatchIndex(s string) []int {
	if ms := w.FindAllStringSubmatchIndex(s, 1); ms != nil {
		return ms[0]
	}
	return nil
}

func (w *wordStartRe) FindStringIndex(s string) []int {
	if m := w.FindStringSubmatchIndex(s); m != nil {
		return m[:2]
	}
	return nil
}

func (w *wordStartRe) MatchString(s string) bool { return w.FindStringSubmatchIndex(s) != nil }

// wordByte reports a byte of `\w`, as `\b` reads it.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
