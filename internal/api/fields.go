package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/trialfinder/trialfinder/internal/query"
)

// fieldTable resolves the names the fields parameter accepts — field
// paths ("protocolSection.identificationModule.nctId"), piece names
// ("NCTId", "IdentificationModule") and search-area names
// ("ConditionSearch") — to JSON paths of the Study schema.
//
// Piece names are derived by walking the Study schema of the official
// document, because ClinicalTrials.gov builds them from the same tree: a
// section or module is its property name capitalised; a field inside a
// module is its name capitalised, singular for lists, prefixed with its
// parent object's piece less a "Struct" or "Info" suffix, and without
// repeating a trailing word ("startDateStruct.date" is StartDate,
// "enrollmentInfo.count" EnrollmentCount, "locations.city" LocationCity).
// The few upstream names that break the rule are in pieceAliases.
type fieldTable struct {
	paths  map[string]string   // lower-cased path → path
	pieces map[string][]string // lower-cased piece → paths
	// enumPieces maps an enum schema name (Status) to the pieces of that
	// type, for /studies/enums.
	enumPieces map[string][]string
	// tree is the data model as /studies/metadata lists it; fields its
	// nodes by path, for the field statistics.
	tree   []*fieldNode
	fields map[string]*fieldNode
}

// fieldNode is one field of the data model (the FieldNode schema).
type fieldNode struct {
	Name       string       `json:"name"`
	Piece      string       `json:"piece"`
	SourceType string       `json:"sourceType"`
	Type       string       `json:"type"`
	IsEnum     bool         `json:"isEnum,omitempty"`
	Children   []*fieldNode `json:"children,omitempty"`

	path  string
	list  bool   // the field is a list
	stats string // its FieldStatsType; "" for a structure
}

// pieceAliases are upstream piece names the naming rule does not produce.
var pieceAliases = map[string]string{
	"OrgFullName":     "OrganizationFullName",
	"OrgClass":        "OrganizationClass",
	"DesignWhoMasked": "DesignMaskingWhoMasked",
}

// irregular plurals among the Study schema's list names.
var singulars = map[string]string{
	"Aliases": "Alias", "Analyses": "Analysis", "Classes": "Class",
	"Meshes": "Mesh", "Leaves": "Leaf", "Categories": "Category",
	"Statuses": "Status", "Branches": "Branch",
}

func newFieldTable(doc *openapi3.T) (*fieldTable, error) {
	study := doc.Components.Schemas["Study"]
	if study == nil || study.Value == nil {
		return nil, errors.New("openapi document has no Study schema")
	}
	t := &fieldTable{paths: map[string]string{}, pieces: map[string][]string{}, enumPieces: map[string][]string{},
		fields: map[string]*fieldNode{}}
	t.tree = t.walk(study.Value, "", "", false)
	for alias, piece := range pieceAliases {
		paths, ok := t.pieces[strings.ToLower(piece)]
		if !ok {
			return nil, fmt.Errorf("piece alias %s: no piece %s in the Study schema", alias, piece)
		}
		t.pieces[strings.ToLower(alias)] = paths
	}
	return t, nil
}

// walk adds the properties of s, whose path is path; prefix is what the
// pieces of its fields start with, inModule whether s is inside a module.
func (t *fieldTable) walk(s *openapi3.Schema, path, prefix string, inModule bool) []*fieldNode {
	var nodes []*fieldNode
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ref := s.Properties[name]
		p := name
		if path != "" {
			p = path + "." + name
		}
		val, isList := ref.Value, false
		enumRef := ref.Ref
		if val.Type.Is("array") && val.Items != nil {
			enumRef = val.Items.Ref
			val, isList = val.Items.Value, true
		}
		word := upperFirst(name)
		if isList {
			word = singular(word)
		}
		piece, childPrefix, childInModule := word, "", inModule
		switch {
		case strings.HasSuffix(name, "BrowseModule"):
			childPrefix = upperFirst(strings.TrimSuffix(name, "BrowseModule"))
			childInModule = true
		case strings.HasSuffix(name, "Module"):
			childInModule = true
		case !inModule: // a section, or hasResults
		default:
			if !strings.HasSuffix(prefix, word) {
				piece = prefix + word
			} else {
				piece = prefix
			}
			childPrefix = strings.TrimSuffix(strings.TrimSuffix(piece, "Struct"), "Info")
		}
		if strings.HasPrefix(piece, "Nct") {
			piece = "NCT" + piece[3:]
		}
		t.paths[strings.ToLower(p)] = p
		key := strings.ToLower(piece)
		t.pieces[key] = append(t.pieces[key], p)
		if len(val.Enum) > 0 && strings.HasPrefix(enumRef, "#/components/schemas/") {
			typ := strings.TrimPrefix(enumRef, "#/components/schemas/")
			t.enumPieces[typ] = append(t.enumPieces[typ], piece)
		}
		node := newFieldNode(name, piece, p, strings.TrimPrefix(enumRef, "#/components/schemas/"), val, isList)
		t.fields[p] = node
		nodes = append(nodes, node)
		if len(val.Properties) > 0 {
			node.Children = t.walk(val, p, childPrefix, childInModule)
		}
	}
	return nodes
}

// newFieldNode describes a field of schema val; ref names its schema.
func newFieldNode(name, piece, path, ref string, val *openapi3.Schema, list bool) *fieldNode {
	n := &fieldNode{Name: name, Piece: piece, path: path, list: list}
	switch {
	case len(val.Properties) > 0:
		n.SourceType, n.Type = "STRUCT", cmp.Or(ref, "object")
	case len(val.Enum) > 0:
		n.SourceType, n.Type, n.IsEnum, n.stats = "ENUM", ref, true, "ENUM"
	case val.Type.Is("boolean"):
		n.SourceType, n.Type, n.stats = "BOOLEAN", "boolean", "BOOLEAN"
	case val.Type.Is("integer"):
		n.SourceType, n.Type, n.stats = "NUMERIC", "integer", "INTEGER"
	case val.Type.Is("number"):
		n.SourceType, n.Type, n.stats = "NUMERIC", "number", "NUMBER"
	case val.Format == "date" || strings.Contains(ref, "Date"):
		n.SourceType, n.Type, n.stats = "DATE", cmp.Or(ref, "date"), "DATE"
	case slices.Contains(markupKeys, name):
		n.SourceType, n.Type, n.stats = "MARKUP", "markup", "STRING"
	default:
		n.SourceType, n.Type, n.stats = "TEXT", "text", "STRING"
	}
	if list {
		n.Type += "[]"
	}
	return n
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// singular turns the last word of a capitalised list name singular.
func singular(w string) string {
	for plural, one := range singulars {
		if strings.HasSuffix(w, plural) {
			return strings.TrimSuffix(w, plural) + one
		}
	}
	if strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// resolve returns the JSON paths one fields item names.
func (t *fieldTable) resolve(name string) ([]string, bool) {
	key := strings.ToLower(strings.TrimSpace(name))
	if p, ok := t.paths[key]; ok {
		return []string{p}, true
	}
	if ps, ok := t.pieces[key]; ok {
		return ps, true
	}
	if f, ok := query.LookupField(name); ok && f.IsArea() {
		var out []string
		for _, w := range f.Fields {
			out = append(out, t.pieces[strings.ToLower(w.Field)]...)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// projection is a tree of JSON object keys to keep; a node with all set
// keeps its whole subtree.
type projection struct {
	all      bool
	children map[string]*projection
}

// newProjection builds the projection of a fields list; an unknown name
// is the caller's error.
func (t *fieldTable) newProjection(names []string) (*projection, error) {
	root := &projection{children: map[string]*projection{}}
	for _, name := range names {
		paths, ok := t.resolve(name)
		if !ok {
			return nil, badRequest("fields: unknown field %q (want a field path such as protocolSection.identificationModule.nctId, a piece name such as NCTId or IdentificationModule, or a search area such as ConditionSearch)", name)
		}
		for _, p := range paths {
			root.add(strings.Split(p, "."))
		}
	}
	return root, nil
}

func (p *projection) add(path []string) {
	n := p
	for _, k := range path {
		if n.all {
			return
		}
		c := n.children[k]
		if c == nil {
			c = &projection{children: map[string]*projection{}}
			n.children[k] = c
		}
		n = c
	}
	n.all = true
	n.children = nil
}

// apply writes the kept parts of the JSON value raw to out, keeping the
// record's key order and bytes; it reports whether anything was kept.
// Objects left empty are dropped, as upstream does.
func (p *projection) apply(out *bytes.Buffer, raw json.RawMessage) (bool, error) {
	if p.all {
		out.Write(raw)
		return true, nil
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return false, nil
	}
	switch trimmed[0] {
	case '{':
		return p.object(out, trimmed)
	case '[':
		return p.array(out, trimmed)
	}
	return false, nil // a scalar where the projection wants children
}

func (p *projection) object(out *bytes.Buffer, raw []byte) (bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return false, err
	}
	l := openList(out, '{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return false, err
		}
		if child := p.children[key]; child != nil {
			kb, _ := json.Marshal(key)
			if err := l.add(append(kb, ':'), child, val); err != nil {
				return false, err
			}
		}
	}
	return l.close('}'), nil
}

func (p *projection) array(out *bytes.Buffer, raw []byte) (bool, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return false, err
	}
	l := openList(out, '[')
	for _, it := range items {
		if err := l.add(nil, p, it); err != nil {
			return false, err
		}
	}
	return l.close(']'), nil
}

// list writes the members of a projected object or array, leaving out
// those the projection empties, and the whole list if all are.
type list struct {
	out   *bytes.Buffer
	start int
	kept  int
}

func openList(out *bytes.Buffer, open byte) *list {
	l := &list{out: out, start: out.Len()}
	out.WriteByte(open)
	return l
}

// add writes prefix (an object key and colon) and val as p projects it.
func (l *list) add(prefix []byte, p *projection, val json.RawMessage) error {
	mark := l.out.Len()
	if l.kept > 0 {
		l.out.WriteByte(',')
	}
	l.out.Write(prefix)
	ok, err := p.apply(l.out, val)
	if err != nil {
		return err
	}
	if !ok {
		l.out.Truncate(mark)
		return nil
	}
	l.kept++
	return nil
}

// close ends the list and reports whether it kept anything.
func (l *list) close(end byte) bool {
	if l.kept == 0 {
		l.out.Truncate(l.start)
		return false
	}
	l.out.WriteByte(end)
	return true
}

// project returns the projected record, "{}" when nothing is kept.
func (p *projection) project(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	ok, err := p.apply(&out, raw)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("project record: %w", err)
	}
	if !ok {
		return []byte("{}"), nil
	}
	return out.Bytes(), nil
}
