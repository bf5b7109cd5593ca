package eligibility

import (
	"regexp"
	"strconv"
	"strings"
)

type section int

const (
	secNone section = iota
	secInclusion
	secExclusion
)

// node is an item while the tree is being built.
type node struct {
	start, end int
	mstart     int // where the list marker starts; start is after it
	indent     int
	class      string // bullet style; "" for a paragraph
	children   []*node
}

var (
	// bulletRe matches a list marker at the start of a line. The
	// backslash is ClinicalTrials.gov's markdown escape ("5\.").
	bulletRe = regexp.MustCompile(`^(?:([*•·▪●○◦►‣+-])|(\d{1,2}(?:\.\d{1,2})*)\\?([.)])|\((\d{1,2})\)|([a-zA-Z])\\?([.)])|\(([a-zA-Z])\)|([ivxIVX]{2,5})\\?[.)]|([①-⑳]))`)

	// headerRe finds an inclusion or exclusion header anywhere in a line
	// when it is followed by a colon: "Key Inclusion Criteria:",
	// "Exclusion criteria include:", "Critères d'inclusion :".
	headerRe = regexp.MustCompile(`(?i)(?:\b(?:key|main|major|general|patient|subject)\s+)?\b(inclusion|exclusion|non[- ]?inclusion)\s+criteri[a-z]*(?:\s*\([^)]{0,40}\))?(?:\s+(?:include|are|were(?: as follows)?))?\s*:|crit[eè]res?\s+(?:d['’]\s*(inclusion|exclusion)|de\s+(non[- ]?inclusion))\s*:?`)

	// headerLineRe is a line that is nothing but a header, with or
	// without a colon: "INCLUSION:", "Other Exclusions", "Patient
	// Exclusion Criteria (Parts 1 and 2)".
	headerLineRe = regexp.MustCompile(`(?i)^[#*\s]*(?:\d{1,2}\.\s*)?(?:[a-z()/,-]+\s+){0,6}?(inclusions?|exclusions?|non[- ]?inclusion|eligibility|exclusionary)(?:\s+criteri[a-z]*)?(?:\s*\([^)]{0,40}\))?(?:\s+(?:for|of|in|prior|determined|to|related)\b[^.:]{0,50})?(?:\s*[-–—]+\s*[a-z][a-z ]{0,40})*\s*[-–—]*[*\s]*:?[*\s]*$`)

	// ineligibleRe is a line announcing the exclusion list in words:
	// "Patients are not eligible if any of the following apply:". The
	// colon is required: "Children are excluded from the study." is an
	// item.
	ineligibleRe = regexp.MustCompile(`(?i)^[#*\s]*(?:[a-z]+\s+){0,3}(?:are|is|will be|were)\s+(?:not eligible|ineligible|excluded)\b[^.]{0,80}:[*\s]*$`)
	eligibleRe   = regexp.MustCompile(`(?i)^[#*\s]*(?:[a-z]+\s+){0,3}(?:are|is|will be|were)\s+eligible\b[^.]{0,80}:[*\s]*$`)
	notesRe      = regexp.MustCompile(`(?i)\b(?:apply|applies|may|see)\b`)
	// negatedRe is a line saying there are no criteria ("No eligibility
	// criteria"), which is the text to show, not a header.
	negatedRe = regexp.MustCompile(`(?i)^[#*\s]*(?:no|none|not|there (?:are|is) no)\b`)
	wordRe    = regexp.MustCompile(`[\p{L}\p{N}]+`)
)

// plainWords are the words a plain header is made of. A header line with
// any other word ("Inclusion Criteria (Controls):", "Other Exclusions",
// "Patients are not eligible if any of the following apply:") names a
// group of the list and is kept as an item when the list has groups.
var plainWords = map[string]bool{
	"key": true, "main": true, "major": true, "general": true, "inclusion": true, "inclusions": true,
	"exclusion": true, "exclusions": true, "non": true, "criteria": true, "criterion": true,
	"citeria": true, "criteriar": true, "eligibility": true, "and": true, "include": true,
	"includes": true, "are": true, "study": true, "patient": true, "patients": true, "subject": true,
	"subjects": true, "participant": true, "participants": true, "list": true, "of": true,
	"were": true, "as": true, "follows": true, "the": true,
}

// plainHeader reports whether a header line is nothing but header words
// and list markers.
func plainHeader(c string) bool {
	for _, w := range wordRe.FindAllString(c, -1) {
		if !plainWords[strings.ToLower(w)] && !isMarkerWord(w) {
			return false
		}
	}
	return true
}

// isMarkerWord is a header's list number or letter: "1. Inclusion".
func isMarkerWord(w string) bool {
	return len(w) <= 2 && (w[0] >= '0' && w[0] <= '9' || len(w) == 1)
}

func headerSection(word string) section {
	w := strings.ToLower(word)
	if strings.HasPrefix(w, "excl") || strings.HasPrefix(w, "non") {
		return secExclusion
	}
	return secInclusion
}

// lineHeader reports whether the line content is a header on its own.
func lineHeader(c string) (section, bool) {
	if len(c) > 120 || negatedRe.MatchString(c) {
		return secNone, false
	}
	l := strings.ToLower(c)
	// Each pattern needs a word or a colon most lines lack.
	if strings.Contains(l, "clusion") || strings.Contains(l, "eligib") {
		if m := headerLineRe.FindStringSubmatch(c); m != nil && !notesRe.MatchString(c) {
			if strings.EqualFold(m[1], "eligibility") {
				return secInclusion, true
			}
			return headerSection(m[1]), true
		}
	}
	if strings.IndexByte(c, ':') < 0 {
		return secNone, false
	}
	if ineligibleRe.MatchString(c) {
		return secExclusion, true
	}
	if eligibleRe.MatchString(c) {
		return secInclusion, true
	}
	return secNone, false
}

type splitter struct {
	text    string
	sec     section
	headers bool
	lists   [3][]*node // by section
	nhead   [3]int     // header lines per section
	fresh   bool       // no item since the last header
	stack   []*node
	last    *node // item the previous non-blank line belonged to
}

// groupClass marks a kept header line, the head of a group of items.
const groupClass = "#"

func split(text string) Criteria {
	sp := &splitter{text: text}
	for ls := 0; ls < len(text); {
		le := strings.IndexByte(text[ls:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += ls
		}
		sp.line(ls, le)
		ls = le + 1
	}
	for sec := range sp.lists {
		if sp.nhead[sec] < 2 {
			// A list with one header has no groups: the header's extra
			// words ("Key inclusion criteria for both phases:") qualify
			// the whole list, and its items stay at the top.
			sp.lists[sec] = ungroup(sp.lists[sec])
		}
	}
	c := Criteria{
		Inclusion: toItems(text, sp.lists[secInclusion]),
		Exclusion: toItems(text, sp.lists[secExclusion]),
	}
	switch {
	case !sp.headers:
		c.NoHeaders = true
		c.Inclusion = toItems(text, sp.lists[secNone])
	case len(sp.lists[secNone]) > 0:
		c.Other = toItems(text, sp.lists[secNone]) // nil otherwise, as decoding the omitted field gives
	}
	return c
}

func (sp *splitter) line(ls, le int) {
	indent := 0
	s := ls
	for ; s < le; s++ {
		switch sp.text[s] {
		case ' ':
			indent++
		case '\t':
			indent += 4
		default:
			goto content
		}
	}
content:
	e := trimRight(sp.text, s, le)
	if s >= e {
		sp.last = nil
		return
	}
	// A line starting in lower case right under another continues it, as
	// legacy XML wraps its text: "breast\ncancer, or other solid tumors
	// with eligibility for ..." names no list.
	wrapped := sp.last != nil && sp.text[s] >= 'a' && sp.text[s] <= 'z'
	if sec, ok := lineHeader(sp.text[s:e]); ok && !wrapped {
		plain := plainHeader(sp.text[s:e])
		// "* Having a partner who meets the inclusion criteria" and
		// "* Disease-specific exclusion criteria:" are items: a bulleted
		// header must be a plain one. "Exclusion Criteria:" then
		// "Participants are excluded if any of the following apply:" is
		// one list with a lead-in item.
		leadIn := !plain && sp.fresh && sec == sp.sec
		// A bulleted header that opens the text ("- INCLUSION CRITERIA -
		// Recipients:") can only be a header.
		if class, _ := sp.marker(s, e); !leadIn && (plain || class != "bullet" || !sp.headers) {
			sp.setSection(sec)
			if !plain {
				sp.group(s, e)
			}
			return
		}
		sp.piece(s, e, indent)
		return
	}
	// A header inside the line splits it: text before belongs to the
	// current section, text after starts the new one.
	for s < e && mayHaveHeader(sp.text[s:e]) {
		loc := headerRe.FindStringSubmatchIndex(sp.text[s:e])
		if loc == nil {
			break
		}
		// Words before the header that are header words belong to it:
		// "The exclusion criteria are: i) ...".
		if loc[0] > 0 && !plainHeader(sp.text[s:s+loc[0]]) {
			sp.piece(s, s+loc[0], indent)
		}
		word := ""
		for g := 2; g+1 < len(loc); g += 2 {
			if loc[g] >= 0 {
				word = sp.text[s+loc[g] : s+loc[g+1]]
				break
			}
		}
		sp.setSection(headerSection(word))
		s = skipSpace(sp.text, s+loc[1], e)
	}
	if s < e {
		sp.piece(s, e, indent)
	}
}

// mayHaveHeader is a cheap test that spares most lines headerRe.
func mayHaveHeader(line string) bool {
	l := strings.ToLower(line)
	return strings.Contains(l, "clusion") || strings.Contains(l, "crit")
}

func (sp *splitter) setSection(sec section) {
	sp.sec = sec
	sp.headers = true
	sp.nhead[sec]++
	sp.fresh = true
	sp.stack = sp.stack[:0]
	sp.last = nil
}

// piece places the text [s, e) of one line: a new bullet item, a
// continuation of the item on the line before, or a new paragraph item.
func (sp *splitter) piece(s, e, indent int) {
	class, cs := sp.marker(s, e)
	if class == "" && sp.last != nil {
		sp.last.end = e
		return
	}
	if class == "" && len(sp.stack) > 0 {
		// An indented paragraph after a blank line continues the list
		// item it is indented under (markdown).
		top := sp.stack[len(sp.stack)-1]
		if top.class != "" && top.class != groupClass && indent > top.indent {
			top.end = e
			sp.last = top
			return
		}
	}
	if cs >= e {
		return // "Exclusion Criteria:1.": a marker with nothing to keep
	}
	n := &node{start: cs, mstart: s, end: e, indent: indent, class: class}
	sp.fresh = false
	sp.attach(n)
	sp.last = n
}

// attach finds the parent of n on the stack: deeper indentation nests;
// at the same indentation, a different marker style under an item that
// ends with a colon nests ("5. Laboratory values:" then "a) ..."), and the
// same style as an ancestor returns to that ancestor's level.
func (sp *splitter) attach(n *node) {
	for len(sp.stack) > 0 {
		top := sp.stack[len(sp.stack)-1]
		if n.indent > top.indent {
			break
		}
		if n.indent == top.indent && n.class != top.class && (sp.endsColon(top) || sp.isLabel(top)) && !sp.styleOnStack(n) {
			break
		}
		sp.stack = sp.stack[:len(sp.stack)-1]
		if n.indent == top.indent && n.class == top.class {
			break
		}
	}
	if len(sp.stack) == 0 {
		sp.lists[sp.sec] = append(sp.lists[sp.sec], n)
	} else {
		top := sp.stack[len(sp.stack)-1]
		top.children = append(top.children, n)
	}
	sp.stack = append(sp.stack, n)
}

// group keeps the header line [s, e) as the head of the items after it,
// which nest under it whatever their indentation.
func (sp *splitter) group(s, e int) {
	n := &node{start: s, mstart: s, end: e, indent: -1, class: groupClass}
	sp.lists[sp.sec] = append(sp.lists[sp.sec], n)
	sp.stack = append(sp.stack, n)
}

// ungroup replaces each kept header in nodes by the items under it.
func ungroup(nodes []*node) []*node {
	var out []*node
	for _, n := range nodes {
		if n.class == groupClass {
			out = append(out, n.children...)
			continue
		}
		out = append(out, n)
	}
	return out
}

// isLabel reports whether n is a short unmarked line naming the list
// that follows it, as old NCI-style records write "Age" or "Performance
// status" over their bullets: one line, no sentence punctuation at either
// end ("informed consent, ..." continuing an item ends with a full stop,
// ". DM 1-2" is an item).
func (sp *splitter) isLabel(n *node) bool {
	if n.class != "" || n.end-n.start > 60 {
		return false
	}
	t := sp.text[n.start:n.end]
	return !strings.Contains(t, "\n") && !strings.ContainsAny(t[:1], ".,;:") &&
		!strings.ContainsAny(t[len(t)-1:], ".,;")
}

func (sp *splitter) styleOnStack(n *node) bool {
	for _, a := range sp.stack {
		if a.indent == n.indent && a.class == n.class {
			return true
		}
	}
	return false
}

func (sp *splitter) endsColon(n *node) bool {
	t := strings.TrimRight(sp.text[n.start:n.end], " *")
	return strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")
}

// marker returns the bullet style of the line piece at s and where its
// content starts, or "" for a line with no marker.
func (sp *splitter) marker(s, e int) (string, int) {
	m := bulletRe.FindStringSubmatchIndex(sp.text[s:e])
	if m == nil {
		return "", s
	}
	end := s + m[1]
	class := ""
	switch {
	case m[2] >= 0:
		class = "bullet"
		if end < e && sp.text[end] != ' ' && sp.text[end] != '\t' {
			// "-1 year" or "*Note" is text, not a list; "-Men with ED"
			// is a bullet glued to its item.
			glued := sp.text[s] == '-' && sp.text[end] >= 'A' && sp.text[end] <= 'Z'
			if !glued && (sp.text[s] == '-' || sp.text[s] == '+' || sp.text[s] == '*') {
				return "", s
			}
		}
	case m[4] >= 0:
		class = "num" + sp.text[s+m[6]:s+m[7]]
		if end < e && sp.text[end] >= '0' && sp.text[end] <= '9' {
			return "", s // a decimal number, "1.5 mg"
		}
	case m[8] >= 0:
		class = "(num)"
	case m[10] >= 0:
		class = "alpha" + sp.text[s+m[12]:s+m[13]]
		if sp.text[s+m[10]] < 'a' {
			class = "ALPHA" + sp.text[s+m[12]:s+m[13]]
		}
		// "A. fumigatus" or "e.g." are words, not markers: a letter
		// marker needs a space after it, or nothing ("Inclusion
		// Criteria:a." before a numbered list).
		if end < e && sp.text[end] != ' ' {
			return "", s
		}
	case m[14] >= 0:
		class = "(alpha)"
	case m[16] >= 0:
		class = "roman"
	default:
		class = "circled"
	}
	cs := skipSpace(sp.text, end, e)
	if class == "bullet" {
		// "* 2\. Need to ...": a number kept under a markdown bullet
		// belongs to the marker, not the text.
		if inner, ics := sp.marker(cs, e); inner != "" && inner != "bullet" && ics > cs {
			return class, ics
		}
	}
	return class, cs
}

func skipSpace(t string, s, e int) int {
	for s < e && (t[s] == ' ' || t[s] == '\t') {
		s++
	}
	return s
}

func trimRight(t string, s, e int) int {
	for e > s && (t[e-1] == ' ' || t[e-1] == '\t' || t[e-1] == '\r') {
		e--
	}
	return e
}

var anyOfRe = regexp.MustCompile(`(?i)\b(?:any|one|either|at least one)\s+(?:or more\s+)?of\s+(?:the\s+)?following\b`)

func toItems(text string, nodes []*node) []Item {
	items := make([]Item, 0, len(nodes))
	for _, n := range nodes {
		it := Item{Text: text[n.start:n.end], Span: [2]int{n.start, n.end}}
		if len(n.children) > 0 {
			it.Items = toItems(text, n.children)
		} else {
			it.Items = inlineItems(text, n.mstart, n.end)
		}
		it.AnyOf = len(it.Items) > 0 && anyOfRe.MatchString(head(text, it))
		if len(it.Items) > 0 && strings.TrimSpace(head(text, it)) == "" {
			// "1) ... 2) ..." with nothing before the first marker is a
			// list written on one line, not an item with sub-items.
			items = append(items, it.Items...)
			continue
		}
		items = append(items, it)
	}
	return items
}

// head is the text of an item before its first sub-item.
func head(text string, it Item) string {
	if len(it.Items) == 0 || it.Items[0].Span[0] < it.Span[0] {
		return it.Text
	}
	return text[it.Span[0]:it.Items[0].Span[0]]
}

// inlineMarkRe finds candidate inline enumerators: "a)", "(b)", "2)",
// "ii)" after a separator; inlineNumRe "2. Subjects" (a number, a dot
// and a capital: "2.5 mg" or "2. weeks" never match).
var (
	inlineMarkRe = regexp.MustCompile(`(?:^|[\s;:,.])(\(?([a-h]|[1-9]|i{1,3}|iv|vi{0,3})\))`)
	inlineNumRe  = regexp.MustCompile(`(?:^|\s)(([1-9]|1[0-9])\\?\.)\s+[A-Z]`)
)

// inlineItems splits "any of the following: a) ... b) ... c) ..." into
// sub-items. The markers must run in sequence from the first letter,
// numeral or roman numeral, so "(vp1)" or "type 2)" never split an item.
func inlineItems(text string, s, e int) []Item {
	t := text[s:e]
	// Both lists need a second marker: "b)", "2)", "ii)" or "2.".
	if strings.Contains(t, ")") {
		if items := inlineList(text, s, e, inlineMarkRe); items != nil {
			return items
		}
	}
	if strings.Contains(t, "2.") || strings.Contains(t, "2\\.") {
		return inlineList(text, s, e, inlineNumRe)
	}
	return nil
}

func inlineList(text string, s, e int, re *regexp.Regexp) []Item {
	t := text[s:e]
	locs := re.FindAllStringSubmatchIndex(t, -1)
	var starts, ends []int
	want := ""
	for _, l := range locs {
		label := t[l[4]:l[5]]
		if len(starts) == 0 {
			if label != "a" && label != "1" && label != "i" {
				continue
			}
		} else if label != want {
			continue
		}
		if len(starts) > 0 {
			ends = append(ends, l[2])
		}
		starts = append(starts, l[3])
		want = nextLabel(label)
	}
	if len(starts) < 2 {
		return nil
	}
	ends = append(ends, len(t))
	items := make([]Item, 0, len(starts))
	for i, a := range starts {
		a = skipSpace(t, a, ends[i])
		z := ends[i]
		for z > a && strings.IndexByte(" \t\r\n;,", t[z-1]) >= 0 {
			z--
		}
		if z <= a {
			return nil
		}
		items = append(items, Item{Text: t[a:z], Span: [2]int{s + a, s + z}})
	}
	return items
}

var romans = []string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"}

func nextLabel(l string) string {
	for i, r := range romans[:len(romans)-1] {
		if l == r && l != "v" && l != "i" {
			return romans[i+1]
		}
	}
	if l == "i" {
		// "i)" starts roman numerals only at the head of a list; after
		// "h)" it is the letter, which the caller never asks for here.
		return "ii"
	}
	if n, err := strconv.Atoi(l); err == nil {
		return strconv.Itoa(n + 1)
	}
	if len(l) == 1 {
		return string(l[0] + 1)
	}
	return ""
}
