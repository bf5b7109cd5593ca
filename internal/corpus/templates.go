package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/trialfinder/trialfinder/internal/demo"
)

// member is one key of a JSON object with its value as written, so
// modules the generator leaves alone are copied byte for byte and keep the
// real records' key order.
type member struct {
	key string
	val json.RawMessage
}

type object []member

// splitObject splits a JSON object into its members. It only finds
// where values start and end, which is several times faster than
// encoding/json and makes loading the templates quick; the values were
// checked when the record was read.
func splitObject(raw []byte) (object, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var o object
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != '}'; i = skipSpace(raw, i) {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipValue(raw, i)
		key, err := unquote(raw[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return nil, fmt.Errorf("no ':' after key %q", key)
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		if end <= i {
			return nil, fmt.Errorf("no value for key %q", key)
		}
		o = append(o, member{key, raw[i:end:end]})
		i = end
	}
	if i >= len(raw) {
		return nil, errors.New("unterminated JSON object")
	}
	return o, nil
}

// splitArray splits a JSON array into its elements.
func splitArray(raw []byte) ([]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, errors.New("not a JSON array")
	}
	var out []json.RawMessage
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != ']'; i = skipSpace(raw, i) {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := skipValue(raw, i)
		if end <= i {
			return nil, errors.New("malformed JSON array")
		}
		out = append(out, raw[i:end:end])
		i = end
	}
	if i >= len(raw) {
		return nil, errors.New("unterminated JSON array")
	}
	return out, nil
}

func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("object key: %w", err)
	}
	return s, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i]: it
// tracks strings and nesting only.
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

func (o object) get(key string) json.RawMessage {
	for _, m := range o {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// write writes o with the members in repl replacing those of the same key
// (a nil value drops the key) and the rest of repl appended.
func (o object) write(b *bytes.Buffer, repl ...member) {
	b.WriteByte('{')
	first := true
	put := func(m member) {
		if m.val == nil {
			return
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteByte('"')
		b.WriteString(m.key)
		b.WriteString(`":`)
		b.Write(m.val)
	}
	used := make([]bool, len(repl))
	for _, m := range o {
		for i, r := range repl {
			if r.key == m.key {
				m, used[i] = r, true
				break
			}
		}
		put(m)
	}
	for i, r := range repl {
		if !used[i] {
			put(r)
		}
	}
	b.WriteByte('}')
}

// template is one real record, split so that generating a study from it
// touches only the edited parts.
type template struct {
	top, protocol, derived object
	identification, design object
	contacts               object // contactsLocationsModule without locations
	sites                  int
	enrollment             int
	hasResults             bool
	whyStopped             string
	expandedAccess         json.RawMessage
	// Whether each date was given to the day (else to the month).
	startDay, primaryDay, completionDay bool
	// Typical gaps, in days, taken from the record.
	duration, closeOut int
	// Titles split at their first connector ("… in", "… for"): the head
	// names the intervention, the tail the population or condition.
	titleHead, titleTail, officialHead, officialTail string
}

// site is one real location without its status, which depends on the
// generated study.
type site struct {
	raw     []byte
	country string
}

// pool is everything the generator draws from.
type pool struct {
	templates  []template
	sites      []site
	byCountry  map[string][]int
	whyStopped []string
}

// sharedPool is loaded once: it is read-only, and every generator in a
// process draws from the same records.
var sharedPool = sync.OnceValues(loadPool)

// loadPool reads the bundled API v2 records through the demo package.
func loadPool() (*pool, error) {
	f, err := demo.FS.Open(demo.Files[0])
	if err != nil {
		return nil, fmt.Errorf("open demo records: %w", err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("open demo records: %w", err)
	}
	defer zr.Close()
	p := &pool{byCountry: map[string][]int{}}
	br := bufio.NewReaderSize(zr, 1<<20)
	for n := 1; ; {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if err := p.add(line); err != nil {
				return nil, fmt.Errorf("demo record %d: %w", n, err)
			}
			n++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read demo records: %w", err)
		}
	}
	if len(p.templates) == 0 || len(p.sites) == 0 {
		return nil, errors.New("demo records hold no usable template or site")
	}
	return p, nil
}

func (p *pool) add(line []byte) error {
	var t template
	var err error
	if t.top, err = splitObject(line); err != nil {
		return err
	}
	if t.protocol, err = splitObject(t.top.get("protocolSection")); err != nil {
		return fmt.Errorf("protocolSection: %w", err)
	}
	if t.derived, err = splitObject(t.top.get("derivedSection")); err != nil {
		return fmt.Errorf("derivedSection: %w", err)
	}
	if t.identification, err = splitObject(t.protocol.get("identificationModule")); err != nil {
		return fmt.Errorf("identificationModule: %w", err)
	}
	if t.design, err = splitObject(t.protocol.get("designModule")); err != nil {
		return fmt.Errorf("designModule: %w", err)
	}
	var id struct{ BriefTitle, OfficialTitle string }
	if err := json.Unmarshal(t.protocol.get("identificationModule"), &id); err != nil {
		return fmt.Errorf("identificationModule: %w", err)
	}
	var st struct {
		WhyStopped         string                `json:"whyStopped"`
		ExpandedAccessInfo json.RawMessage       `json:"expandedAccessInfo"`
		Start              struct{ Date string } `json:"startDateStruct"`
		Primary            struct{ Date string } `json:"primaryCompletionDateStruct"`
		Completion         struct{ Date string } `json:"completionDateStruct"`
	}
	if err := json.Unmarshal(t.protocol.get("statusModule"), &st); err != nil {
		return fmt.Errorf("statusModule: %w", err)
	}
	t.whyStopped, t.expandedAccess = st.WhyStopped, st.ExpandedAccessInfo
	if st.WhyStopped != "" {
		p.whyStopped = append(p.whyStopped, st.WhyStopped)
	}
	t.startDay, t.primaryDay, t.completionDay = len(st.Start.Date) == 10, len(st.Primary.Date) == 10, len(st.Completion.Date) == 10
	start, okS := parseDay(st.Start.Date)
	primary, okP := parseDay(st.Primary.Date)
	completion, okC := parseDay(st.Completion.Date)
	t.duration, t.closeOut = 730, 0
	if okS && okP && primary > start {
		t.duration = min(primary-start, 15*365)
	}
	if okP && okC && completion >= primary {
		t.closeOut = min(completion-primary, 5*365)
	}
	if ei := t.design.get("enrollmentInfo"); ei != nil {
		var e struct{ Count int }
		if err := json.Unmarshal(ei, &e); err != nil {
			return fmt.Errorf("enrollmentInfo: %w", err)
		}
		t.enrollment = e.Count
	}
	var hasResults bool
	if err := json.Unmarshal(t.top.get("hasResults"), &hasResults); err != nil {
		return fmt.Errorf("hasResults: %w", err)
	}
	t.hasResults = hasResults && t.top.get("resultsSection") != nil

	if raw := t.protocol.get("contactsLocationsModule"); raw != nil {
		cl, err := splitObject(raw)
		if err != nil {
			return fmt.Errorf("contactsLocationsModule: %w", err)
		}
		for _, m := range cl {
			if m.key != "locations" {
				t.contacts = append(t.contacts, m)
				continue
			}
			locs, err := splitArray(m.val)
			if err != nil {
				return fmt.Errorf("locations: %w", err)
			}
			t.sites = len(locs)
			if err := p.addSites(locs); err != nil {
				return err
			}
		}
	}
	if t.contacts == nil {
		t.contacts = object{}
	}
	t.titleHead, t.titleTail = splitTitle(id.BriefTitle)
	t.officialHead, t.officialTail = splitTitle(id.OfficialTitle)
	p.templates = append(p.templates, t)
	return nil
}

func (p *pool) addSites(locs []json.RawMessage) error {
	for _, raw := range locs {
		l, err := splitObject(raw)
		if err != nil {
			return fmt.Errorf("location: %w", err)
		}
		var c string
		if v := l.get("country"); v != nil {
			if c, err = unquote(v); err != nil {
				return fmt.Errorf("location country: %w", err)
			}
		}
		var b bytes.Buffer
		l.write(&b, member{"status", nil})
		p.byCountry[c] = append(p.byCountry[c], len(p.sites))
		p.sites = append(p.sites, site{raw: b.Bytes(), country: c})
	}
	return nil
}

// connectors split a title into what is studied ("… in ") and in whom
// ("Adults With Asthma"), in order of preference: those naming a
// population first, as a bare "in" or "for" also occurs inside
// intervention names ("in Combination With").
var connectors = []string{
	" in patients", " in participants", " in subjects", " in adults", " in children",
	" in women", " in men", " in people", " in ", " for ", " among ",
}

func splitTitle(title string) (head, tail string) {
	lower := strings.ToLower(title)
	for _, c := range connectors {
		// The cut is after the preposition: the population word belongs
		// to the tail.
		cut := strings.Index(c[1:], " ") + 2
		if i := strings.Index(lower, c); i > 0 && i+len(c) < len(title) {
			return title[:i+cut], title[i+cut:]
		}
	}
	return "", ""
}
