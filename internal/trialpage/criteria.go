package trialpage

import (
	"regexp"
	"strings"
	"unicode"
)

// Item is one entry of a list, with the entries nested under it.
type Item struct {
	Text     string `json:"text"`
	Children []Item `json:"children,omitempty"`
}

// Criteria is a study's free-text eligibility criteria split for display.
// It is a display splitter: it keeps every word of the source in order and
// decides only where lists and items begin; reading what an item means is
// the eligibility package's job.
type Criteria struct {
	// General holds text before the first inclusion or exclusion header,
	// under a header naming neither (or both), or all of it when the text
	// has no headers.
	General   []Item `json:"general,omitempty"`
	Inclusion []Item `json:"inclusion,omitempty"`
	Exclusion []Item `json:"exclusion,omitempty"`
}

// unescape removes the Markdown backslash escapes ClinicalTrials.gov puts
// before ASCII punctuation ("\>", "\[", "\~"), which a reader must not see.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// bullets are the characters used as bullets ('-' last for the regexp).
const bullets = `*•·▪◦●○‣⁃+-`

// marker matches a list marker at the start of a line. Each alternative's
// first group is the marker itself; kindOf turns it into a list kind so
// that "1." items, "a)" items and "*" items form separate levels.
var marker = regexp.MustCompile(`^(?:` +
	`([` + bullets + `])\s*` + // CT.gov writes "* item"
	`|(o)\s+` + // a lower-case o used as a bullet
	`|(\d{1,3}(?:\.\d{1,2})*[.)])(?:\s|$|[^\d\s.)])` + // 1. 1) 2.1. 1.Age, but not 1.5 mg
	`|(\(\d{1,3}\))\s*` +
	`|([ivxIVX]{2,5}[.)])(?:\s+|$)` +
	`|(\([ivxIVX]{1,5}\))\s*` +
	`|([a-zA-Z]\.)(?:\s+|$)` + // a. A. (not "e.g.")
	`|([a-zA-Z]\))\s*` +
	`|(\([a-zA-Z]\))\s*` +
	`|([①-⑳])\s*` +
	`)`)

// splitMarker returns a line's list kind ("" for none) and its text.
// isOpen tells whether a list of a kind is open, for the i/v/x choice.
func splitMarker(line string, isOpen func(kind string) bool) (kind, text string) {
	m := marker.FindStringSubmatchIndex(line)
	if m == nil {
		return "", line
	}
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 {
			return kindOf(line[m[2*g]:m[2*g+1]], isOpen), strings.TrimSpace(line[m[2*g+1]:])
		}
	}
	return "", line
}

// kindOf names the family of a list marker: its punctuation and whether it
// counts in digits, letters or roman numerals, so "1." and "a)" lists
// form separate levels. A lone i, v or x is a roman numeral unless a
// letter list of the same punctuation is open, where it is the next letter.
func kindOf(mk string, isOpen func(kind string) bool) string {
	switch {
	case mk == "o":
		return mk
	case strings.ContainsAny(mk, bullets):
		// Bullets of different glyphs at one indentation are one list:
		// "Inclusion Criteria:• Age 20 to 45;" followed by "* Married".
		return "•"
	}
	letters := 0
	for _, r := range mk {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	var b strings.Builder
	last := ""
	for _, r := range mk {
		class := string(r)
		switch {
		case r >= '0' && r <= '9':
			class = "9"
		case unicode.IsLetter(r):
			class = "a"
			if unicode.IsUpper(r) {
				class = "A"
			}
			if strings.ContainsRune("ivxIVX", r) && (letters > 1 || !isOpen(strings.Replace(mk, string(r), class, 1))) {
				class = "i" + class
			}
		}
		if class != last || class == "." || class == ")" {
			b.WriteString(class)
		}
		last = class
	}
	if k := b.String(); strings.Count(k, "9") > 1 {
		return "9.9" // 1.1. and 1.1.1. number the level below 1.
	}
	return b.String()
}

// headerWords are the words a plain section header is made of; a header
// with any other word ("Inclusion Criteria (Controls):") is a sub-header
// and is kept as a list item so that its words are not lost.
var headerWords = map[string]bool{
	"key": true, "main": true, "general": true, "inclusion": true, "exclusion": true,
	"exclusions": true, "non": true, "criteria": true, "criterion": true, "citeria": true,
	"criteriar": true, "eligibility": true, "and": true, "include": true, "includes": true,
	"study": true, "patient": true, "patients": true, "subject": true, "subjects": true,
	"participant": true, "participants": true, "list": true, "of": true, "were": true,
	"as": true, "follows": true, "the": true,
}

var (
	headerTopic = regexp.MustCompile(`(?i)\b(non-inclusion|inclusion|exclusions?|eligibility)\b`)
	// headerLead is a plain header with an item on the same line:
	// "Exclusion Criteria: none", "Inclusion Criteria:a. ...".
	headerLead = regexp.MustCompile(`(?i)^((?:key |main )?(?:inclusion|exclusion) criteria)\s*[:.]\s*(\S.*)$`)
	wordRE     = regexp.MustCompile(`[\p{L}\p{N}]+`)
)

type section int

const (
	general section = iota
	inclusion
	exclusion
)

// header reports whether a line is a section header, which section it
// opens, and whether it is plain (nothing but header words).
func header(text string) (sec section, plain, ok bool) {
	t := strings.TrimSpace(text)
	// Most lines are entries: rule them out before the regexps.
	if len(t) > 160 || strings.HasSuffix(t, ".") || strings.HasSuffix(t, ";") {
		return 0, false, false
	}
	lower := strings.ToLower(t)
	if !strings.Contains(lower, "inclusion") && !strings.Contains(lower, "exclusion") && !strings.Contains(lower, "eligibility") {
		return 0, false, false
	}
	words := wordRE.FindAllString(t, -1)
	if len(words) > 12 || strings.HasPrefix(lower, "note") {
		return 0, false, false
	}
	var inc, exc, elig bool
	for _, w := range headerTopic.FindAllString(lower, -1) {
		switch w {
		case "inclusion":
			inc = true
		case "eligibility":
			elig = true
		default:
			exc = true
		}
	}
	if inc == exc && !elig || inc && exc {
		// Neither, or a line such as "Inclusion and exclusion criteria
		// apply", which is text rather than the start of one list.
		return 0, false, false
	}
	if !strings.HasSuffix(t, ":") && !strings.Contains(lower, "criteri") && !strings.Contains(lower, "citeria") &&
		len(words) > 2 && t != strings.ToUpper(t) {
		return 0, false, false
	}
	switch {
	case inc:
		sec = inclusion
	case exc:
		sec = exclusion
	}
	plain = true
	for _, w := range words {
		if !headerWords[strings.ToLower(w)] {
			plain = false
		}
	}
	return sec, plain, true
}

// node is an Item under construction, with the indentation and list kind
// that decide where the lines after it go.
type node struct {
	text     string
	children []*node
	indent   int
	kind     string // list kind; "" for a paragraph, "#" for a sub-header
}

// splitter holds the state of one SplitCriteria call.
type splitter struct {
	roots     [3]*node
	stack     []*node // path from the current section's root to the last node
	prevBlank bool
}

// SplitCriteria splits eligibility text into inclusion, exclusion and
// general lists of items. Items are the source's bulleted or numbered
// entries, or its paragraphs where it has no markers; lines that continue
// an entry join it; deeper or subordinate markers ("a." under "1.") nest.
func SplitCriteria(text string) Criteria {
	sp := &splitter{prevBlank: true}
	for i := range sp.roots {
		sp.roots[i] = &node{indent: -2}
	}
	sp.stack = []*node{sp.roots[general]}
	for _, line := range strings.Split(unescape(strings.ReplaceAll(text, "\r", "")), "\n") {
		sp.line(line)
	}
	return Criteria{
		General:   items(sp.roots[general].children),
		Inclusion: items(sp.roots[inclusion].children),
		Exclusion: items(sp.roots[exclusion].children),
	}
}

func (sp *splitter) line(line string) {
	body := strings.TrimSpace(line)
	if body == "" {
		sp.prevBlank = true
		return
	}
	// headerLead can only match lines starting "Inclusion", "Exclusion",
	// "Key" or "Main"; testing the first letter skips the regexp for others.
	if strings.IndexByte("iIeEkKmM", body[0]) >= 0 {
		if m := headerLead.FindStringSubmatch(body); m != nil {
			sec, _, _ := header(m[1])
			sp.open(sec, nil)
			sp.line(m[2])
			return
		}
	}
	indent := indentOf(line)
	kind, text := splitMarker(body, sp.isOpen)
	// Headers come unmarked or numbered ("1. Inclusion Criteria"); a
	// bulleted one must be a plain header ("* Inclusion Criteria:"), since
	// "* Exclusion criteria for the cohort:" may be an entry.
	if kind == "" || kind == "•" || strings.HasPrefix(kind, "9") || kind == "(9)" {
		if sec, plain, ok := header(text); ok && (plain || kind != "•") {
			var sub *node
			if !plain {
				sub = &node{text: body, indent: -1, kind: "#"}
			}
			sp.open(sec, sub)
			return
		}
	}
	if kind == "" {
		sp.paragraph(body, indent)
	} else {
		sp.entry(text, indent, kind)
	}
	sp.prevBlank = false
}

// paragraph places a line without a list marker: right after a line it
// continues that line's entry (as in Markdown); indented after a blank
// line it is a further paragraph of the entry it is indented under;
// otherwise it is an entry of its own.
func (sp *splitter) paragraph(body string, indent int) {
	last := len(sp.stack) - 1
	if !sp.prevBlank && last > 0 && sp.stack[last].kind != "#" {
		sp.stack[last].text = join(sp.stack[last].text, body)
		return
	}
	if indent > 0 {
		for i := last; i > 0; i-- {
			n := sp.stack[i]
			if n.kind == "#" || n.indent >= indent {
				continue
			}
			if i == last {
				n.text = join(n.text, body)
				return
			}
			// The entry already has sub-entries: a new child keeps the
			// source's order.
			sp.stack = sp.stack[:i+1]
			sp.push(&node{text: body, indent: indent})
			return
		}
	}
	for len(sp.stack) > 1 && sp.stack[len(sp.stack)-1].indent >= indent {
		sp.stack = sp.stack[:len(sp.stack)-1]
	}
	sp.push(&node{text: body, indent: indent})
}

// entry places a marked line: it closes the entries indented deeper, and
// at the same indentation closes an entry of the same kind (a sibling) or
// returns to an open list of its kind; a new kind at the same indentation
// nests ("a." under "1.").
func (sp *splitter) entry(text string, indent int, kind string) {
	for len(sp.stack) > 1 {
		t := sp.stack[len(sp.stack)-1]
		if t.indent > indent || t.indent == indent && (t.kind == kind || sp.openAt(kind, indent)) {
			sp.stack = sp.stack[:len(sp.stack)-1]
			continue
		}
		break
	}
	sp.push(&node{text: text, indent: indent, kind: kind})
}

// open starts a section's list, under a sub-header when one is given.
func (sp *splitter) open(sec section, sub *node) {
	sp.stack = []*node{sp.roots[sec]}
	if sub != nil {
		sp.push(sub)
	}
	sp.prevBlank = true
}

func (sp *splitter) push(n *node) {
	parent := sp.stack[len(sp.stack)-1]
	parent.children = append(parent.children, n)
	sp.stack = append(sp.stack, n)
}

func (sp *splitter) isOpen(kind string) bool {
	for _, n := range sp.stack {
		if n.kind == kind {
			return true
		}
	}
	return false
}

func (sp *splitter) openAt(kind string, indent int) bool {
	for _, n := range sp.stack {
		if n.kind == kind && n.indent == indent {
			return true
		}
	}
	return false
}

// indentOf measures a line's leading white space, a tab as four columns.
func indentOf(line string) int {
	n := 0
	for _, r := range line {
		switch r {
		case ' ', '\u00a0', '\u3000':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// items turns the built tree into Items, dropping entries without a word
// (a bare "-" line, "Exclusion Criteria:.") but keeping what was nested
// under them.
func items(ns []*node) []Item {
	var out []Item
	for _, n := range ns {
		kids := items(n.children)
		if !hasWord(n.text) {
			out = append(out, kids...)
			continue
		}
		out = append(out, Item{Text: n.text, Children: kids})
	}
	return out
}
