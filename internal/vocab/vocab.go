// Package vocab expands a condition named in a query into its synonyms:
// the MeSH descriptor(s) the words name, with all their entry terms, and
// hand-written lay and abbreviation synonyms ("htn", "heart attack").
//
// Matching is exact on normalised text — the tokens of textproc.Tokenize,
// so case, punctuation and plurals do not matter — and never on parts of
// a term: "cancer" is an entry term of Neoplasms and expands to that
// descriptor alone, not to every descriptor whose name contains the word.
// When no name matches exactly, the same words in another order are tried
// ("Cancer, Breast" finds Breast Neoplasms).
//
// The lay lists (data/condition_lay_synonyms.json) group a key ("diabetes")
// with looser synonyms and narrower forms ("type 1 diabetes", "t2dm").
// A term equal to a key expands to its whole group. A term equal to a
// member expands only to the key and the key's MeSH descriptor — never to
// its siblings, which are not its synonyms ("t2dm" is not "t1dm") — and
// only when the term is no MeSH name itself, since MeSH is the more
// precise ("type 2 diabetes" stays Diabetes Mellitus, Type 2). A key that
// is no MeSH name is anchored on its first member that is one and begins
// with the key ("diabetes" → "diabetes mellitus").
package vocab

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/trialfinder/trialfinder/internal/textproc"
)

//go:embed data/mesh_descriptors_entry_terms.json.gz data/condition_lay_synonyms.json
var data embed.FS

// Descriptor is a MeSH descriptor with its entry terms.
type Descriptor struct {
	ID         string // D006973
	Name       string // Hypertension
	EntryTerms []string
}

// Synonym is one term an expansion adds, with where it comes from:
// "mesh:D006973 name", "mesh:D006973 entry term" or "lay".
type Synonym struct {
	Term   string
	Source string
}

// Vocab is the loaded vocabulary; it is read-only and safe for concurrent
// use.
type Vocab struct {
	descriptors []Descriptor
	byID        map[string]int
	byKey       map[string][]int // normalised name or entry term → descriptors
	byWords     map[string][]int // the same with its words sorted
	lay         []layGroup
	layByKey    map[string][]int // normalised key or member → groups

	wordsOnce sync.Once
	words     map[string]string // token → usual spelling, built on first use
}

type layGroup struct {
	key     string
	members []string
	anchors []int // the descriptors the key stands for
}

// Load returns the vocabulary, reading the embedded data on first use
// (0.15 s at best on a busy two-core machine, see BenchmarkLoad; the
// loaded Vocab keeps some 11 MiB).
func Load() (*Vocab, error) { return loadOnce() }

var loadOnce = sync.OnceValues(load)

func load() (*Vocab, error) {
	v := &Vocab{
		byID:     make(map[string]int),
		byKey:    make(map[string][]int),
		byWords:  make(map[string][]int),
		layByKey: make(map[string][]int),
	}
	if err := v.loadMeSH("data/mesh_descriptors_entry_terms.json.gz"); err != nil {
		return nil, fmt.Errorf("load vocabulary: %w", err)
	}
	if err := v.loadLay("data/condition_lay_synonyms.json"); err != nil {
		return nil, fmt.Errorf("load vocabulary: %w", err)
	}
	return v, nil
}

func (v *Vocab) loadMeSH(name string) error {
	f, err := data.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var raw []struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Synonyms []string `json:"synonyms"`
	}
	if err := json.NewDecoder(zr).Decode(&raw); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	v.descriptors = make([]Descriptor, len(raw))
	for i, r := range raw {
		d := Descriptor{ID: r.ID, Name: r.Name}
		for _, s := range r.Synonyms {
			if s != r.Name {
				d.EntryTerms = append(d.EntryTerms, s)
			}
		}
		v.descriptors[i] = d
		v.byID[d.ID] = i
		v.index(i, d.Name)
		for _, s := range d.EntryTerms {
			v.index(i, s)
		}
	}
	return nil
}

// index files descriptor i under a term's key and sorted-words key.
func (v *Vocab) index(i int, term string) {
	toks := textproc.Tokenize(term)
	if len(toks) == 0 {
		return
	}
	add := func(m map[string][]int, k string) {
		if ids := m[k]; !slices.Contains(ids, i) {
			m[k] = append(ids, i)
		}
	}
	add(v.byKey, strings.Join(toks, " "))
	slices.Sort(toks)
	add(v.byWords, strings.Join(toks, " "))
}

func (v *Vocab) loadLay(name string) error {
	b, err := data.ReadFile(name)
	if err != nil {
		return err
	}
	var groups map[string][]string
	if err := json.Unmarshal(b, &groups); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for gi, k := range keys {
		g := layGroup{key: k, members: groups[k], anchors: v.mesh(k)}
		for _, m := range g.members {
			if len(g.anchors) == 0 && strings.HasPrefix(key(m), key(k)+" ") {
				g.anchors = v.mesh(m)
			}
			v.addLay(key(m), gi)
		}
		v.addLay(key(k), gi)
		v.lay = append(v.lay, g)
	}
	return nil
}

func (v *Vocab) addLay(k string, group int) {
	if !slices.Contains(v.layByKey[k], group) {
		v.layByKey[k] = append(v.layByKey[k], group)
	}
}

// key normalises a term for lookup.
func key(term string) string { return strings.Join(textproc.Tokenize(term), " ") }

// mesh returns the descriptors a term names exactly, or failing that with
// its words in another order.
func (v *Vocab) mesh(term string) []int {
	toks := textproc.Tokenize(term)
	if ids := v.byKey[strings.Join(toks, " ")]; len(ids) > 0 {
		return ids
	}
	slices.Sort(toks)
	return v.byWords[strings.Join(toks, " ")]
}

// Descriptor returns the MeSH descriptor with the given ID ("D006973").
func (v *Vocab) Descriptor(id string) (Descriptor, bool) {
	i, ok := v.byID[id]
	if !ok {
		return Descriptor{}, false
	}
	d := v.descriptors[i]
	// A copy, so that no caller can change the shared vocabulary.
	d.EntryTerms = slices.Clone(d.EntryTerms)
	return d, true
}

// Expand returns the synonyms of a condition term or phrase: the MeSH
// names and entry terms of the descriptors it names, then lay synonyms
// (see the package comment for the rules). Each term appears once, under
// its first source; nil means the vocabulary does not know the term.
func (v *Vocab) Expand(term string) []Synonym {
	k := key(term)
	if k == "" {
		return nil
	}
	e := expansion{v: v, seen: make(map[string]bool)}
	direct := v.mesh(term)
	for _, i := range direct {
		e.descriptor(i)
	}
	for _, gi := range v.layByKey[k] {
		g := v.lay[gi]
		switch {
		case key(g.key) == k:
			for _, i := range g.anchors {
				e.descriptor(i)
			}
			e.add(g.key, "lay")
			for _, m := range g.members {
				e.add(m, "lay")
			}
		case len(direct) == 0:
			for _, i := range g.anchors {
				e.descriptor(i)
			}
			for _, m := range g.members {
				if key(m) == k {
					e.add(m, "lay")
				}
			}
			e.add(g.key, "lay")
		}
	}
	return e.out
}

// expansion collects synonyms, each normalised term once.
type expansion struct {
	v    *Vocab
	seen map[string]bool
	out  []Synonym
}

func (e *expansion) add(term, source string) {
	k := key(term)
	if e.seen[k] {
		return
	}
	e.seen[k] = true
	e.out = append(e.out, Synonym{Term: term, Source: source})
}

func (e *expansion) descriptor(i int) {
	d := e.v.descriptors[i]
	e.add(d.Name, "mesh:"+d.ID+" name")
	for _, s := range d.EntryTerms {
		e.add(s, "mesh:"+d.ID+" entry term")
	}
}

// Word returns the usual spelling of a normalised word (a token of
// textproc.Tokenize) among the words of the MeSH names and entry terms,
// and whether there is one: "diabete" → "diabetes". Spelling suggestions
// use it to prefer medical words and to show them as people write them.
func (v *Vocab) Word(token string) (string, bool) {
	v.wordsOnce.Do(v.loadWords)
	w, ok := v.words[token]
	return w, ok
}

// loadWords maps each word's token to its most frequent lower-cased form.
func (v *Vocab) loadWords() {
	counts := map[string]map[string]int{}
	add := func(term string) {
		for _, w := range strings.FieldsFunc(term, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			toks := textproc.Tokenize(w)
			if len(toks) != 1 {
				continue
			}
			m := counts[toks[0]]
			if m == nil {
				m = map[string]int{}
				counts[toks[0]] = m
			}
			m[strings.ToLower(w)]++
		}
	}
	for _, d := range v.descriptors {
		add(d.Name)
		for _, s := range d.EntryTerms {
			add(s)
		}
	}
	v.words = make(map[string]string, len(counts))
	for tok, forms := range counts {
		best := ""
		for f, n := range forms {
			if n > forms[best] || (n == forms[best] && f < best) {
				best = f
			}
		}
		v.words[tok] = best
	}
}
