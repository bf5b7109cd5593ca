package main

import (
	"bytes"
	"io"
	"strings"
	"unicode"
)

// printable drops the characters a terminal would act on rather than
// show: C0 controls but line feed and tab, DEL, C1 controls (U+0080 to
// U+009F, CSI among them) and the bidirectional overrides that reorder
// what follows. Record text comes from registrants, so an escape sequence
// in a title must not retitle the window or rewrite the screen.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, s)
}

// printableWriter collects what is written and writes it, printable, on
// Close: a character can be split across writes.
type printableWriter struct {
	w   io.Writer
	buf bytes.Buffer
}

func (p *printableWriter) Write(b []byte) (int, error) { return p.buf.Write(b) }

func (p *printableWriter) Close() error {
	_, err := io.WriteString(p.w, printable(p.buf.String()))
	return err
}
