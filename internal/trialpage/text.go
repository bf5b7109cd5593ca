package trialpage

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// width is the column prose is wrapped to.
const width = 80

// WriteText prints the page as plain text: each section's heading, its
// content indented under it, prose wrapped to 80 columns and list items
// as "  • item".
func WriteText(w io.Writer, p Page) error {
	bw := bufio.NewWriter(w)
	t := textWriter{bw}
	t.wrap("", "", p.Title)
	t.line(strings.Repeat("=", min(width, utf8.RuneCountInString(p.Title))))
	// Names carry credentials ("Aaron C Lentz, MD"), so a comma cannot
	// separate them.
	t.wrap("", "", strings.Join(p.Byline, "; "))
	for _, s := range p.Sections {
		t.line("")
		t.section(s)
	}
	return bw.Flush()
}

// textWriter writes to a bufio.Writer, whose Flush reports the first
// write error, so the methods need not.
type textWriter struct{ w *bufio.Writer }

func (t textWriter) line(s string) {
	t.w.WriteString(s)
	t.w.WriteByte('\n')
}

func (t textWriter) section(s Section) {
	t.line(s.Heading)
	if s.Level == 1 {
		t.line(strings.Repeat("=", utf8.RuneCountInString(s.Heading)))
		return
	}
	for i, para := range s.Paragraphs {
		if i > 0 {
			t.line("")
		}
		t.wrap("  ", "  ", para)
	}
	for _, v := range s.Values {
		t.wrap("  ", "    ", v)
	}
	for _, f := range s.Fields {
		t.wrap("  ", "    ", f.Label+": "+f.Value)
	}
	t.items("  ", s.Items)
	if s.Summary != "" {
		if len(s.Fields) > 0 {
			t.line("")
		}
		t.wrap("  ", "    ", s.Summary)
	}
	for _, g := range s.Groups {
		t.line("")
		t.wrap("  ", "    ", g.Label)
		for _, v := range []string{g.Type, g.Description, g.TreatmentHeading} {
			if v != "" {
				t.wrap("  ", "  ", v)
			}
		}
		for _, tr := range g.Treatments {
			t.wrap("    • ", "      ", tr)
		}
	}
	for _, site := range s.Sites {
		t.line("")
		place := joinNonEmpty(", ", site.City, site.State, site.Zip, site.Country)
		for _, v := range []string{site.Facility, place, site.Status} {
			if v != "" {
				t.wrap("  ", "    ", v)
			}
		}
		t.contacts("  ", site.Contacts)
	}
	t.contacts("", s.Contacts)
	for i, o := range s.Outcomes {
		if i > 0 {
			t.line("")
		}
		t.wrap("  ", "    ", o.Measure)
		if o.TimeFrame != "" {
			t.wrap("    ", "      ", "Time frame: "+o.TimeFrame)
		}
		if o.Description != "" {
			t.wrap("    ", "    ", o.Description)
		}
	}
}

// contacts writes each contact as its name (with the role at sites), then
// phone and email, indented under the section.
func (t textWriter) contacts(extra string, cs []Contact) {
	for _, c := range cs {
		name := c.Name
		if c.Role != "" {
			name += " (" + c.Role + ")"
		}
		for _, v := range []string{name, c.Phone, c.Email} {
			if v != "" {
				t.wrap("  "+extra, "    "+extra, v)
			}
		}
	}
}

func (t textWriter) items(indent string, items []Item) {
	for _, it := range items {
		t.wrap(indent+"• ", indent+"  ", it.Text)
		t.items(indent+"  ", it.Children)
	}
}

// wrap writes text in lines of at most width columns, the first starting
// with first and the rest with rest; a word longer than a line gets a
// line of its own.
func (t textWriter) wrap(first, rest, text string) {
	prefix := first
	var b strings.Builder
	n := 0
	flush := func() {
		t.line(prefix + b.String())
		prefix = rest
		b.Reset()
		n = 0
	}
	for _, word := range strings.Fields(text) {
		wn := utf8.RuneCountInString(word)
		if n > 0 && utf8.RuneCountInString(prefix)+n+1+wn > width {
			flush()
		}
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += wn
	}
	if n > 0 {
		flush()
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
