// Package search is Trialfinder's search engine: an in-memory inverted
// index with per-field BM25 over every study, column arrays for filters,
// facets and sorting, and a grid index over site coordinates for distance
// search. It is built from the store once, or read from a snapshot
// (snapshot.go), and then follows the store's changes through Apply
// (incremental.go), which reads only the changed studies; queries never
// touch the store.
//
// SQLite's FTS5 was not used: at 600,000 studies a broad term such as
// "cancer" matches a quarter of the corpus, and ranking plus facet counts
// over that many rows through SQL takes hundreds of milliseconds, against a
// target of a few.
package search

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/textproc"
)

// Index is an immutable search index over a set of studies. It is safe
// for concurrent use.
type Index struct {
	n       int
	nct     strtab            // document number → NCT ID, in increasing order
	aliases map[string]uint32 // former NCT IDs → document number
	// aliasAlso holds the other studies that claim an alias, in NCT ID
	// order, which take it over when the first leaves (incremental.go).
	aliasAlso map[string][]uint32

	// The vocabulary: every token gets a number; a posting list is found
	// by its field and token number, or for phrases by its field and the
	// numbers of two adjacent tokens. Lists are kept in order of their
	// keys in plain arrays, which take a fraction of a map's memory and
	// hold no pointers for the garbage collector to follow.
	tokens    strtab   // in increasing order,
	tokenIDs  []uint32 // with their numbers
	listKeys  []uint64 // sorted
	listDF    []uint32 // list i has listDF[i] studies,
	listStart []uint32 // and its postings are arena[listStart[i]:listStart[i+1]]
	arena     []byte
	fieldLen  [numFields][]uint16 // tokens per document per field
	avgLen    [numFields]float32
	norm1     [numFields][]float32 // tfNorm of one occurrence, by field length
	// Broad terms' precomputed BasicSearch scores (broad.go), by token
	// number; an index Apply made has them in lazyStats instead.
	broad      map[uint32]broadList
	broadArena []byte

	synonyms SynonymSource
	col      columns
	// facetBits counts the facets of broad searches (3 MB at 600,000
	// studies).
	facetBits *facetBits
	scratch   *sync.Pool // of *scratch; shared by views made WithSynonyms
	sites     sites
	places    places
	dataTime  string // newest last-update-posted date in the index

	segments // set when Apply changed the index without merging
}

// listKey names one posting list: a field, a token number, and for a
// pair of adjacent tokens the next token's number (else noNext). Token
// numbers stay below 2^29, far above any real vocabulary.
func listKey(f field, id, next uint32) uint64 {
	return uint64(f)<<58 | uint64(id)<<29 | uint64(next)
}

const noNext = 1<<29 - 1

// pairFields are the fields whose adjacent tokens are indexed as pairs for
// phrase search. Pairs are made within one value only, which is what keeps
// a phrase from matching across the separate values of a multi-valued
// field ("Breast Care Center" at one site and "Cancer Institute" at
// another are no "breast cancer"): the gap between values. The long
// single-valued summary is left out, to keep the index small and quick to
// build (a phrase there matches when all its words occur), and so are
// postal codes, one word each.
var pairFields = func() (m [numFields]bool) {
	for f := range numFields {
		m[f] = true
	}
	for _, f := range []field{fBriefSummary, fZip} {
		m[f] = false
	}
	return m
}()

// list returns the posting list of token number id (or, with next other
// than noNext, of the pair id next) in field f; nil when absent.
func (ix *Index) list(f field, id, next uint32) *postings {
	p := &postings{}
	if i, ok := slices.BinarySearch(ix.listKeys, listKey(f, id, next)); ok {
		p.data = ix.arena[ix.listStart[i]:ix.listStart[i+1]]
		p.df = ix.baseDF(i, p.data)
	}
	if ix.delta != nil {
		if dp := ix.deltaList(f, id, next); dp != nil {
			p.df += dp.df
			p.more = &deltaPostings{data: dp.data, start: uint32(ix.base.n)}
		}
	}
	if p.df == 0 { // absent, or every study in it is gone
		return nil
	}
	return p
}

// tokenID returns a token's number.
func (ix *Index) tokenID(token string) (uint32, bool) {
	if i, ok := ix.tokens.search(token); ok {
		return ix.tokenIDs[i], true
	}
	if i, ok := ix.newTokens.search(token); ok {
		return ix.newTokenIDs[i], true
	}
	return 0, false
}

// vocabFrom calls fn with each token from the first not below from, in
// order, until fn returns false.
func (ix *Index) vocabFrom(from string, fn func(token []byte) bool) {
	a, b := &ix.tokens, &ix.newTokens
	i, _ := a.search(from)
	k, _ := b.search(from)
	for i < a.len() || k < b.len() {
		var t []byte
		if k == b.len() || (i < a.len() && string(a.bytes(i)) < string(b.bytes(k))) {
			t = a.bytes(i)
			i++
		} else {
			t = b.bytes(k)
			k++
		}
		if !fn(t) {
			return
		}
	}
}

// columns holds one value per document for filtering, faceting and sorting.
type columns struct {
	status     []uint8  // 1 + index in study.Statuses; 0 unknown
	studyType  []uint8  // 1 + index in study.StudyTypes; 0 unknown
	phases     []uint8  // bit i: study.Phases value i
	funders    []uint16 // bit i: study.AgencyClasses value i
	sex        []uint8  // 1 + index in study.Sexes; 0 unknown
	stdAges    []uint8  // bit i: study.StdAges value i
	healthy    []uint8  // 0 not stated, 1 accepts, 2 does not
	results    []bool
	minAge     []float32 // days; NaN when the record sets no minimum
	maxAge     []float32 // days; NaN when the record sets no maximum
	enrollment []int32   // -1 when unknown
	armGroups  []uint16  // how many arm groups the record lists (upstream's NumArmGroups)
	dates      [numDateFields][]int32
}

// dateField is a date column.
type dateField uint8

const (
	dStart dateField = iota
	dPrimaryCompletion
	dCompletion
	dFirstPosted
	dLastUpdate
	dResultsFirstPosted
	numDateFields
)

// noDate marks an unknown date; it sorts before every real date.
const noDate = math.MinInt32

func enumIndex(e study.Enum, v string) int {
	for i, ev := range e.Values {
		if ev.Value == v {
			return i
		}
	}
	return -1
}

func enumBits(e study.Enum, vs []string) uint16 {
	var b uint16
	for _, v := range vs {
		if i := enumIndex(e, v); i >= 0 {
			b |= 1 << i
		}
	}
	return b
}

// dayNumber turns a ClinicalTrials.gov date ("2021-11-15", "2021-11",
// "2021") into days since 1970-01-01; a partial date counts as its first
// day. Unknown or malformed dates are noDate.
func dayNumber(s string) int32 {
	y, m, d := 0, 1, 1
	var ok bool
	if y, ok = digits(s, 0, 4); !ok {
		return noDate
	}
	if len(s) >= 7 {
		if m, ok = digits(s, 5, 7); !ok {
			return noDate
		}
	}
	if len(s) >= 10 {
		if d, ok = digits(s, 8, 10); !ok {
			return noDate
		}
	}
	return int32(daysFromCivil(y, m, d))
}

func digits(s string, from, to int) (int, bool) {
	if len(s) < to {
		return 0, false
	}
	n := 0
	for i := from; i < to; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysFromCivil is Howard Hinnant's algorithm: proleptic Gregorian date to
// days since 1970-01-01, without allocating a time.Time.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil, as "YYYY-MM-DD".
func civilFromDays(days int32) string {
	z := int(days) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
		y++
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// Builder accumulates studies into a new Index. Studies must be added in
// increasing NCT ID order, which is the order stores list them in, so that
// document numbers follow NCT IDs and posting lists grow at their ends.
type Builder struct {
	ix     *Index
	tokens map[string]uint32 // token → number, until Finish sorts them
	lists  map[uint64]uint32 // listKey → index in posts
	posts  []postings
	keys   []uint64 // scratch: the current study's list keys, one per occurrence
	ids    []uint32 // scratch: token numbers of one text
	last   string

	// The token numbers of texts of the fields in repeatedFields, which
	// recur across studies (a big hospital's name at each of its
	// thousands of studies): tokenized once per build.
	textIDs map[string][2]uint32 // text → range in idArena
	idArena []uint32
}

// repeatedFields are the fields whose texts come from a small set: place
// names, MeSH terms, intervention types.
var repeatedFields = func() (m [numFields]bool) {
	for _, f := range []field{fConditionMeSH, fConditionAncestor, fInterventionMeSH, fInterventionAncestor,
		fInterventionType, fFacility, fCity, fState, fCountry, fZip} {
		m[f] = true
	}
	return m
}()

// NewBuilder starts an empty index.
func NewBuilder() *Builder {
	return &Builder{
		ix: &Index{
			aliases: map[string]uint32{},
			scratch: &sync.Pool{},
		},
		tokens:  map[string]uint32{},
		lists:   map[uint64]uint32{},
		textIDs: map[string][2]uint32{},
	}
}

// tokenIDs returns the token numbers of text in field f, numbering new
// tokens. The result is valid until the next call.
func (b *Builder) tokenIDs(f field, text string) []uint32 {
	if repeatedFields[f] {
		if r, ok := b.textIDs[text]; ok {
			return b.idArena[r[0]:r[1]]
		}
	}
	b.ids = b.ids[:0]
	for _, t := range textproc.Tokenize(text) {
		id, ok := b.tokens[t]
		if !ok {
			id = uint32(len(b.tokens))
			b.tokens[t] = id
		}
		b.ids = append(b.ids, id)
	}
	if repeatedFields[f] {
		start := len(b.idArena)
		b.idArena = append(b.idArena, b.ids...)
		b.textIDs[strings.Clone(text)] = [2]uint32{uint32(start), uint32(len(b.idArena))}
	}
	return b.ids
}

// Add indexes one study.
func (b *Builder) Add(s *study.Study) error {
	if s.NCTID <= b.last {
		return fmt.Errorf("index %s: studies must be added in increasing NCT ID order (after %s)", s.NCTID, b.last)
	}
	b.last = s.NCTID
	ix := b.ix
	doc := uint32(ix.n)
	ix.n++
	ix.nct.add(s.NCTID)
	for _, a := range s.Aliases {
		switch first, taken := ix.aliases[a]; {
		case !taken:
			ix.aliases[a] = doc
		case first != doc && !slices.Contains(ix.aliasAlso[a], doc):
			if ix.aliasAlso == nil {
				ix.aliasAlso = map[string][]uint32{}
			}
			ix.aliasAlso[a] = append(ix.aliasAlso[a], doc)
		}
	}

	var lens [numFields]int
	b.keys = b.keys[:0]
	studyFields(s, func(f field, text string) {
		if text == "" {
			return
		}
		ids := b.tokenIDs(f, text)
		lens[f] += len(ids)
		for i, id := range ids {
			b.keys = append(b.keys, listKey(f, id, noNext))
			if i > 0 && pairFields[f] {
				b.keys = append(b.keys, listKey(f, ids[i-1], id))
			}
		}
	})
	// Sorting the occurrences groups each list key into a run whose length
	// is the term frequency: cheaper than a map per study.
	slices.Sort(b.keys)
	for i := 0; i < len(b.keys); {
		j := i + 1
		for j < len(b.keys) && b.keys[j] == b.keys[i] {
			j++
		}
		li, ok := b.lists[b.keys[i]]
		if !ok {
			li = uint32(len(b.posts))
			b.lists[b.keys[i]] = li
			b.posts = append(b.posts, postings{})
		}
		b.posts[li].add(doc, j-i)
		i = j
	}
	for f := range numFields {
		ix.fieldLen[f] = append(ix.fieldLen[f], uint16(min(lens[f], math.MaxUint16)))
	}

	b.addColumns(s)
	ix.sites.add(doc, s)
	ix.places.add(doc, s)
	return nil
}

func (b *Builder) addColumns(s *study.Study) {
	c := &b.ix.col
	c.status = append(c.status, uint8(enumIndex(study.Statuses, s.OverallStatus)+1))
	c.studyType = append(c.studyType, uint8(enumIndex(study.StudyTypes, s.StudyType)+1))
	c.phases = append(c.phases, uint8(enumBits(study.Phases, s.Phases)))
	c.funders = append(c.funders, enumBits(study.AgencyClasses, s.FunderTypes()))
	c.sex = append(c.sex, uint8(enumIndex(study.Sexes, s.Eligibility.Sex)+1))
	c.stdAges = append(c.stdAges, uint8(enumBits(study.StdAges, s.Eligibility.StdAges)))
	var hv uint8
	if p := s.Eligibility.HealthyVolunteers; p != nil {
		hv = 2
		if *p {
			hv = 1
		}
	}
	c.healthy = append(c.healthy, hv)
	c.results = append(c.results, s.HasResults)
	c.minAge = append(c.minAge, ageDays(s.Eligibility.MinimumAge))
	c.maxAge = append(c.maxAge, ageDays(s.Eligibility.MaximumAge))
	enr := int32(-1)
	if s.Enrollment.Known {
		enr = int32(min(s.Enrollment.Count, math.MaxInt32))
	}
	c.enrollment = append(c.enrollment, enr)
	c.armGroups = append(c.armGroups, uint16(min(len(s.Arms), math.MaxUint16)))
	d := &s.Dates
	for f, v := range [numDateFields]study.Date{
		dStart: d.Start, dPrimaryCompletion: d.PrimaryCompletion, dCompletion: d.Completion,
		dFirstPosted: d.FirstPosted, dLastUpdate: d.LastUpdatePosted, dResultsFirstPosted: d.ResultsFirstPosted,
	} {
		c.dates[f] = append(c.dates[f], dayNumber(v.Value))
	}
}

func ageDays(a study.Age) float32 {
	if !a.IsSet() {
		return float32(math.NaN())
	}
	return float32(a.Days())
}

// Finish completes the index; the Builder must not be used afterwards.
func (b *Builder) Finish() *Index {
	ix := b.ix
	b.finishLists()
	b.finishTokens()
	ix.sites.finish()
	ix.places.finish()
	ix.finishStats()
	ix.finishBroad()
	b.ix, b.textIDs, b.idArena = nil, nil, nil
	return ix
}

// finishStats computes what follows from the documents' columns alone,
// which a merge (incremental.go) or a snapshot (snapshot.go) does not
// keep: length norms, the facet bitsets and the freshness of the data.
// The broad terms' scores (finishBroad) follow from these and the lists.
func (ix *Index) finishStats() {
	for f := range numFields {
		var sum int
		for _, l := range ix.fieldLen[f] {
			sum += int(l)
		}
		ix.eachDead(func(doc uint32) { sum -= int(ix.fieldLen[f][doc]) })
		// 1 for a field no study has: tfNormLen divides by it.
		ix.avgLen[f] = 1
		if sum > 0 {
			ix.avgLen[f] = float32(sum) / float32(ix.Len())
		}
	}
	ix.fillNorm1()
	ix.facetBits = newFacetBits(&ix.col, &ix.places, ix.n)
	newest := int32(noDate)
	for doc, d := range ix.col.dates[dLastUpdate] {
		if d > newest && !ix.isDead(uint32(doc)) {
			newest = d
		}
	}
	ix.dataTime = ""
	if newest != noDate {
		ix.dataTime = civilFromDays(newest)
	}
}

// finishTokens moves the vocabulary into a sorted table.
func (b *Builder) finishTokens() {
	ix := b.ix
	sorted := make([]string, 0, len(b.tokens))
	for t := range b.tokens {
		sorted = append(sorted, t)
	}
	slices.Sort(sorted)
	ix.tokenIDs = make([]uint32, len(sorted))
	for i, t := range sorted {
		ix.tokens.add(t)
		ix.tokenIDs[i] = b.tokens[t]
	}
	b.tokens = nil
}

// finishLists moves the posting lists into the index's arrays in key
// order, returning each list's memory as it goes. Offsets are 32-bit: the
// postings of a full-size corpus take a few hundred MB.
func (b *Builder) finishLists() {
	ix := b.ix
	ix.listKeys = make([]uint64, 0, len(b.lists))
	total := 0
	for k, li := range b.lists {
		ix.listKeys = append(ix.listKeys, k)
		total += len(b.posts[li].data)
	}
	slices.Sort(ix.listKeys)
	ix.arena = make([]byte, 0, total)
	ix.listDF = make([]uint32, len(ix.listKeys))
	ix.listStart = make([]uint32, len(ix.listKeys)+1)
	for i, k := range ix.listKeys {
		p := &b.posts[b.lists[k]]
		ix.listStart[i] = uint32(len(ix.arena))
		ix.listDF[i] = p.df
		ix.arena = append(ix.arena, p.data...)
		p.data = nil
	}
	ix.listStart[len(ix.listKeys)] = uint32(len(ix.arena))
	b.lists, b.posts = nil, nil
}

// Len returns the number of studies in the index.
func (ix *Index) Len() int { return ix.n - ix.deadCount }

// DataTime returns the newest last-update-posted date among the indexed
// studies ("YYYY-MM-DD"), the freshness of the data.
func (ix *Index) DataTime() string { return ix.dataTime }

// docOf returns the document of an NCT ID or alias (any case): a binary
// search of the NCT IDs, which a map would double in memory, then the
// aliases. A study's own ID wins over another's alias.
func (ix *Index) docOf(id string) (uint32, bool) {
	id = strings.ToUpper(id)
	if i, ok := ix.nct.search(id); ok && !ix.isDead(uint32(i)) {
		return uint32(i), true
	}
	if ix.delta != nil {
		if i, ok := ix.delta.nct.search(id); ok {
			return uint32(ix.base.n + i), true
		}
	}
	doc, ok := ix.aliases[id]
	return doc, ok
}

// nctAt returns a document's NCT ID.
func (ix *Index) nctAt(doc uint32) string {
	if ix.delta != nil && doc >= uint32(ix.base.n) {
		return ix.delta.nct.at(int(doc) - ix.base.n)
	}
	return ix.nct.at(int(doc))
}

// Lookup returns the canonical NCT ID for an NCT ID or alias.
func (ix *Index) Lookup(id string) (string, bool) {
	doc, ok := ix.docOf(id)
	if !ok {
		return "", false
	}
	return ix.nctAt(doc), true
}
