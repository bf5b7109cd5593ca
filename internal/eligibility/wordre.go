package eligibility

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// wordStartRe is a pattern every match of which begins at a word start
// (`\b` then a word character): "chemotherapy", "anti-PD-1 antibody". It
// finds what FindAllStringSubmatchIndex finds, but tries the pattern,
// anchored, only at the word starts whose first two bytes can begin a
// match, where the unanchored search tries it at every byte: a long
// alternation of names costs a few attempts per clause instead of
// hundreds.
type wordStartRe struct {
	anchored *regexp.Regexp
	// next[b] are the bytes that can follow b at the start of a match,
	// nil when no match begins with b; end[b] says a match can be b alone.
	next [256]*[256]bool
	end  [256]bool
}

// newWordStartRe compiles pattern, which must begin with `\b` and consume
// a word character first; it panics otherwise, as regexp.MustCompile
// does on a bad pattern.
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
	ok := leads(prog, uint32(prog.Start), false, make([]uint8, len(prog.Inst)), func(in *syntax.Inst, bounded bool) bool {
		var first, second [256]bool
		runeBytes(in, &first)
		var anyNext bool
		leads(prog, in.Out, false, make([]uint8, len(prog.Inst)), func(in2 *syntax.Inst, _ bool) bool {
			if in2 == nil {
				anyNext = true
			} else {
				runeBytes(in2, &second)
			}
			return true
		})
		for b, f := range first {
			if !f {
				continue
			}
			if !bounded || !wordByte(byte(b)) {
				return false
			}
			if w.next[b] == nil {
				w.next[b] = new([256]bool)
			}
			for c, g := range second {
				w.next[b][c] = w.next[b][c] || g || anyNext
			}
			w.end[b] = w.end[b] || anyNext
		}
		return true
	})
	if !ok {
		panic("eligibility: a match of " + pattern + " can begin elsewhere than at a word start")
	}
	return w
}

// leads calls visit with each rune instruction reachable from pc without
// consuming input, taking every empty-width assertion as satisfiable (a
// superset, which is all the search needs), and with nil where a match
// can end or take any rune; bounded says a `\b` was passed on the way.
// It reports whether every visit did.
func leads(prog *syntax.Prog, pc uint32, bounded bool, seen []uint8, visit func(in *syntax.Inst, bounded bool) bool) bool {
	bit := uint8(1) << boolInt(bounded)
	if seen[pc]&bit != 0 {
		return true
	}
	seen[pc] |= bit
	in := &prog.Inst[pc]
	switch in.Op {
	case syntax.InstAlt, syntax.InstAltMatch:
		return leads(prog, in.Out, bounded, seen, visit) && leads(prog, in.Arg, bounded, seen, visit)
	case syntax.InstEmptyWidth:
		return leads(prog, in.Out, bounded || syntax.EmptyOp(in.Arg)&syntax.EmptyWordBoundary != 0, seen, visit)
	case syntax.InstCapture, syntax.InstNop:
		return leads(prog, in.Out, bounded, seen, visit)
	case syntax.InstRune, syntax.InstRune1:
		return visit(in, bounded)
	}
	return visit(nil, bounded) // any rune, or the end of a match
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runeBytes marks the first bytes of the runes in matches.
func runeBytes(in *syntax.Inst, bytes *[256]bool) {
	fold := syntax.Flags(in.Arg)&syntax.FoldCase != 0
	if len(in.Rune) == 1 { // one rune (InstRune1, or InstRune folding case)
		markRunes(in.Rune[0], in.Rune[0], fold, bytes)
		return
	}
	for i := 0; i+1 < len(in.Rune); i += 2 {
		markRunes(in.Rune[i], in.Rune[i+1], fold, bytes)
	}
}

func markRunes(lo, hi rune, fold bool, bytes *[256]bool) {
	for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
		bytes[r] = true
		if fold && 'a' <= r|0x20 && r|0x20 <= 'z' {
			bytes[r|0x20], bytes[r&^0x20] = true, true
		}
	}
	if hi >= utf8.RuneSelf {
		for b := 0x80; b < 0x100; b++ {
			bytes[b] = true
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
		next := w.next[s[p]]
		if next == nil || p > 0 && wordByte(s[p-1]) || (p+1 < len(s) && !next[s[p+1]] || p+1 == len(s) && !w.end[s[p]]) {
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
