package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// markupKeys are the Study fields of upstream's markup type, whose text
// is Markdown as stored. Each key names one field only in the whole Study
// schema, so finding the key finds the field.
var markupKeys = []string{"briefSummary", "detailedDescription", "eligibilityCriteria"}

// legacyMarkup rewrites a compact JSON record's markup fields in the
// legacy (classic PRS) form that markupFormat=legacy asks for: plain text
// without Markdown's backslash escapes ("\>" is ">", "\*" is "*"). Line
// breaks, list markers and every other byte of the record are kept.
func legacyMarkup(raw []byte) ([]byte, error) {
	out := raw
	for _, key := range markupKeys {
		pat := []byte(`"` + key + `":"`)
		at := 0
		for {
			i := bytes.Index(out[at:], pat)
			if i < 0 {
				break
			}
			i += at
			// A key follows { or , in compact JSON; inside a string the
			// quote would be escaped.
			if i == 0 || (out[i-1] != '{' && out[i-1] != ',') {
				at = i + len(pat)
				continue
			}
			start := i + len(pat) - 1 // the value's opening quote
			end := stringEnd(out, start)
			if end < 0 {
				return nil, fmt.Errorf("legacy markup: unterminated %s", key)
			}
			var text string
			if err := json.Unmarshal(out[start:end], &text); err != nil {
				return nil, fmt.Errorf("legacy markup: %s: %w", key, err)
			}
			val, err := marshalString(unescapeMarkdown(text))
			if err != nil {
				return nil, err
			}
			next := make([]byte, 0, len(out)-(end-start)+len(val))
			next = append(append(append(next, out[:start]...), val...), out[end:]...)
			out = next
			at = start + len(val)
		}
	}
	return out, nil
}

// stringEnd returns the index just past the JSON string starting at the
// quote at b[start], or -1.
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// unescapeMarkdown drops CommonMark's backslash escapes: a backslash
// before ASCII punctuation stands for that character alone.
func unescapeMarkdown(s string) string {
	if !bytes.ContainsRune([]byte(s), '\\') {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func marshalString(s string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
