package ctgov

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonObject reads a stream that starts with '{': an API page envelope, a
// single study (compact or indented), or JSON Lines.
func (w *walker) jsonObject(src source, br *bufio.Reader, size int64) error {
	skipBOM(br)
	window, err := br.Peek(bufSize)
	atEOF := err != nil
	key, ok := firstKey(window)
	switch {
	case ok && envelopeKeys[key]:
		return w.envelope(src, br)
	case ok && !studyKeys[key]:
		return w.fail(src, src.entry, fmt.Errorf("%w: a JSON object starting with %q is not an API v2 study", ErrNotRecord, key))
	case isJSONLines(window, atEOF, src.name):
		return w.lines(src, br)
	}
	return w.record(src, br, size, FormatV2JSON)
}

func skipBOM(br *bufio.Reader) {
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
}

// isJSONLines tells JSON Lines (one compact record per line) from one
// indented document by the first lines in window: in JSON Lines the first
// line, or if it is broken the second, is a whole JSON value. A compact
// single record, one line, is also read as JSON Lines, which delivers it
// unchanged.
func isJSONLines(window []byte, atEOF bool, name string) bool {
	line, rest, found := bytes.Cut(window, []byte("\n"))
	if !found {
		return true
	}
	if json.Valid(line) || strings.Contains(name, ".jsonl") || strings.Contains(name, ".ndjson") {
		return true
	}
	second, _, found := bytes.Cut(rest, []byte("\n"))
	return (found || atEOF) && len(bytes.TrimSpace(second)) > 0 && json.Valid(second)
}

// lines reads JSON Lines. Each non-blank line is one record, checked only
// when decoded, so a broken line costs one entry and the rest still come
// through. A stream with a single record is reported as a one-record file.
func (w *walker) lines(src source, br *bufio.Reader) error {
	var first *Entry
	records := 0
	deliver := func(e Entry) error {
		records++
		switch records {
		case 1:
			first = &e
			return nil
		case 2:
			if err := w.emit(*first); err != nil {
				return err
			}
		}
		return w.emit(e)
	}
	for n := 1; ; n++ {
		line, err := readLine(br)
		loc := src.at(fmt.Sprintf("line %d", n))
		if err != nil && !errors.Is(err, errLineTooLong) && !errors.Is(err, errEOF) {
			if err := flushFirst(w, first, records); err != nil {
				return err
			}
			return w.fail(src, loc, fmt.Errorf("JSON Lines break off after %d records: %w", records, err))
		}
		if errors.Is(err, errLineTooLong) {
			if err := w.fail(src, loc, err); err != nil {
				return err
			}
			continue
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if err := deliver(Entry{File: src.file, Entry: loc, Format: FormatV2JSON, Data: t}); err != nil {
				return err
			}
		}
		if errors.Is(err, errEOF) {
			if records == 1 {
				first.Entry = src.entry
				return w.emit(*first)
			}
			return nil
		}
	}
}

// flushFirst delivers a held-back first record before an error entry.
func flushFirst(w *walker, first *Entry, records int) error {
	if records == 1 {
		return w.emit(*first)
	}
	return nil
}

var (
	errLineTooLong = fmt.Errorf("line is longer than the %d MB record limit", MaxRecordSize>>20)
	errEOF         = errors.New("end of input")
)

// readLine returns the next line in a slice of its own; errEOF after the
// last line, which may lack a newline.
func readLine(br *bufio.Reader) ([]byte, error) {
	frag, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return bytes.Clone(frag), eofAs(err)
	}
	line := append(make([]byte, 0, 2*len(frag)), frag...)
	for {
		frag, err = br.ReadSlice('\n')
		if len(line)+len(frag) > MaxRecordSize {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(eofAs(err), errEOF) {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, frag...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, eofAs(err)
		}
	}
}

func eofAs(err error) error {
	if errors.Is(err, io.EOF) {
		return errEOF
	}
	return err
}

// jsonArray reads a top-level JSON array of studies, element by element.
func (w *walker) jsonArray(src source, br *bufio.Reader) error {
	skipBOM(br)
	_, err := w.elements(src, json.NewDecoder(br), "[%d]")
	return err
}

// envelope reads an API v2 page, {"studies": [...], "nextPageToken": ...},
// delivering the studies one by one and skipping the other members.
func (w *walker) envelope(src source, br *bufio.Reader) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil {
		return w.fail(src, src.entry, jsonErr(dec, err, 0))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return w.fail(src, src.entry, jsonErr(dec, err, 0))
		}
		if tok == "studies" {
			broken, err := w.elements(src, dec, "studies[%d]")
			if broken || err != nil {
				return err
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return w.fail(src, src.entry, jsonErr(dec, err, 0))
		}
	}
	return nil
}

// elements delivers each element of the array that dec is at as one
// record. broken says the stream could not be read to the array's end.
func (w *walker) elements(src source, dec *json.Decoder, label string) (broken bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return true, w.fail(src, src.entry, jsonErr(dec, err, 0))
	}
	if tok != json.Delim('[') {
		return true, w.fail(src, src.entry, fmt.Errorf("invalid JSON: expected an array of studies at byte %d, found %v", dec.InputOffset(), tok))
	}
	i := 0
	for ; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return true, w.fail(src, src.at(fmt.Sprintf(label, i)), jsonErr(dec, err, i))
		}
		if err := w.emit(Entry{File: src.file, Entry: src.at(fmt.Sprintf(label, i)), Format: FormatV2JSON, Data: raw}); err != nil {
			return true, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return true, w.fail(src, src.at(fmt.Sprintf(label, i)), jsonErr(dec, err, i))
	}
	return false, nil
}

// jsonErr says where a stream of JSON broke, in bytes of the
// (decompressed) stream, and how many records came before.
func jsonErr(dec *json.Decoder, err error, records int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("JSON breaks off in the value starting at byte %d, after %d complete records: %w", dec.InputOffset(), records, err)
	}
	at := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at = se.Offset
	}
	return fmt.Errorf("invalid JSON at byte %d, after %d complete records: %w", at, records, err)
}
