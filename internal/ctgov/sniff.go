package ctgov

import (
	"bytes"
	"encoding/json"
)

// kind is what the first bytes of a stream say it holds.
type kind int

const (
	kindUnknown kind = iota
	kindEmpty
	kindGzip
	kindZstd
	kindZip
	kindTar
	kindJSONObject
	kindJSONArray
	kindXML
)

// sniffLen is how many bytes sniff needs to see every magic number it
// knows (tar's "ustar" sits at offset 257).
const sniffLen = 512

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniff classifies a stream by its first bytes. head holds up to sniffLen
// bytes; atEOF says the stream has no more.
func sniff(head []byte, atEOF bool) kind {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return kindGzip
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return kindZstd
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	if len(text) == 0 {
		if atEOF {
			return kindEmpty
		}
		return kindUnknown
	}
	switch text[0] {
	case '{':
		return kindJSONObject
	case '[':
		return kindJSONArray
	case '<':
		return kindXML
	}
	return kindUnknown
}

// studyKeys are the top-level members of an API v2 study object; a JSON
// object that starts with anything else is not a study.
var studyKeys = map[string]bool{
	"protocolSection":   true,
	"derivedSection":    true,
	"hasResults":        true,
	"resultsSection":    true,
	"documentSection":   true,
	"annotationSection": true,
}

// envelopeKeys are the members of an API v2 /studies page.
var envelopeKeys = map[string]bool{"studies": true, "totalCount": true, "nextPageToken": true}

// firstKey returns the name of the first member of the JSON object at the
// start of b, or ok=false when b does not show one.
func firstKey(b []byte) (key string, ok bool) {
	b = bytes.TrimLeft(bytes.TrimPrefix(b, utf8BOM), " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return "", false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&key); err != nil {
		return "", false
	}
	return key, true
}

// xmlRoot returns the name of the root element of the XML document that
// starts b, skipping the declaration, comments, processing instructions
// and a DOCTYPE; ok=false when b does not reach it.
func xmlRoot(b []byte) (name string, ok bool) {
	b = bytes.TrimPrefix(b, utf8BOM)
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(b, []byte("<!")):
			end = []byte(">")
		case bytes.HasPrefix(b, []byte("<")):
			b = b[1:]
			i := bytes.IndexAny(b, " \t\r\n/>")
			if i <= 0 {
				return "", false
			}
			return string(b[:i]), true
		default:
			return "", false
		}
		i := bytes.Index(b, end)
		if i < 0 {
			return "", false
		}
		b = b[i+len(end):]
	}
}
