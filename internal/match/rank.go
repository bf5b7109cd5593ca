package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/textproc"
	"github.com/trialfinder/trialfinder/internal/vocab"
)

// Geocoder resolves a place name; *gazetteer.Gazetteer is one.
type Geocoder interface {
	Resolve(text string) []gazetteer.Place
}

// Options configure a Matcher.
type Options struct {
	Vocab    *vocab.Vocab // condition synonyms; nil for none
	Geocoder Geocoder     // resolves place names; nil: coordinates only
	// All keeps every study for matching, not only recruiting ones (the
	// benchmarks judge mostly closed studies).
	All bool
	// Now is the day profiles are read on; nil means time.Now.
	Now func() time.Time
}

// Matcher ranks studies for patients. It is safe for concurrent use.
type Matcher struct {
	ix     *search.Index
	trials map[string]*trial
	names  []string // the strings of the trials' packed criteria
	store  Store
	opt    Options
	// parents names each condition descriptor's next broader ones.
	parents map[string][]string
}

// trial is what ranking reads of a study: some 90,000 stay in memory at
// full scale, so only the NCT ID, the registered limits and the packed
// criteria (see compact.go). Hits are explained from the store.
type trial struct {
	id     string
	elig   study.Eligibility // without the criteria text
	packed []byte
}

// Store reads what the matcher keeps out of memory: the criteria parsed
// at ingest (the ones missing are parsed) and the records of the hits it
// explains. The stores implement it.
type Store interface {
	eligibility.Store
	Study(ctx context.Context, nctID string) (study.Study, error)
}

// Source is a store the matcher can also index.
type Source interface {
	search.Source
	Store
}

// NewMatcher indexes src and reads or parses the criteria of the studies
// it keeps; a server that already indexes the store uses a Builder
// instead.
func NewMatcher(ctx context.Context, src Source, opt Options) (*Matcher, error) {
	b := NewBuilder(opt)
	ib := search.NewBuilder()
	err := src.Each(ctx, func(s study.Study) error {
		b.Add(&s)
		return ib.Add(&s)
	})
	if err != nil {
		return nil, fmt.Errorf("build matcher: %w", err)
	}
	ix := ib.Finish()
	if opt.Vocab != nil {
		ix = ix.WithSynonyms(synonymSource(opt.Vocab))
	}
	return b.Finish(ctx, ix, src)
}

// Builder gathers the studies a Matcher checks during a pass over the
// store that can feed the search index too. It keeps what it gathered, so
// that studies can be replaced or removed later and the next Finish packs
// only the new ones: a server follows the store's changes so.
type Builder struct {
	opt Options
	// trials are the kept studies; pending those added since the last
	// Finish, with their criteria text (parsed if the store has not).
	trials  map[string]*trial
	pending map[string]string
	pk      *packer
	// names shares the few distinct sexes and age units among the kept
	// trials: each decoded record brings its own copies, hundreds of
	// thousands of small objects for the garbage collector to visit.
	names map[string]string
	// conds is every study's part in the conditions' parents (see
	// parents): its MeSH ancestors, as a list shared by all studies with
	// the same, and its one condition descriptor if it has exactly one,
	// numbered in descs.
	conds   study.ByID[studyConds]
	descs   []string
	descIDs map[string]uint32
	lists   [][]study.MeSHTerm
	listIDs map[string]uint32
	// ancestors counts, per condition descriptor, the studies with it
	// alone that give each ancestor list: the commonest is its ancestors.
	ancestors map[string]map[uint32]int
	// breadth counts the studies whose conditions fall under each
	// descriptor: the fewer, the more specific.
	breadth map[string]int
}

type studyConds struct {
	list uint32 // in Builder.lists
	only uint32 // the study's one condition descriptor in Builder.descs, 0 ("") if not one
}

// NewBuilder returns an empty builder.
func NewBuilder(opt Options) *Builder {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Builder{opt: opt, trials: map[string]*trial{}, pending: map[string]string{}, pk: newPacker(),
		names: map[string]string{}, descs: []string{""}, descIDs: map[string]uint32{"": 0}, lists: [][]study.MeSHTerm{nil}, listIDs: map[string]uint32{"": 0},
		ancestors: map[string]map[uint32]int{}, breadth: map[string]int{}}
}

func (b *Builder) name(s string) string {
	if v, ok := b.names[s]; ok {
		return v
	}
	b.names[s] = s
	return s
}

// Shared answers to whether a study takes healthy volunteers.
var yes, no = true, false

func (b *Builder) limits(e *study.Eligibility) study.Eligibility {
	out := study.Eligibility{Sex: b.name(e.Sex), MinimumAge: e.MinimumAge, MaximumAge: e.MaximumAge}
	out.MinimumAge.Unit = study.AgeUnit(b.name(string(e.MinimumAge.Unit)))
	out.MaximumAge.Unit = study.AgeUnit(b.name(string(e.MaximumAge.Unit)))
	if h := e.HealthyVolunteers; h != nil {
		out.HealthyVolunteers = &no
		if *h {
			out.HealthyVolunteers = &yes
		}
	}
	return out
}

// Add keeps s if the matcher checks it (recruiting, or any with
// Options.All), replacing what an earlier Add of the study kept.
func (b *Builder) Add(s *study.Study) {
	b.Remove(s.NCTID)
	c := studyConds{list: b.list(s.ConditionAncestors)}
	if len(s.ConditionMeSH) == 1 && len(s.ConditionAncestors) > 0 {
		c.only = b.desc(s.ConditionMeSH[0].ID)
	}
	if c != (studyConds{}) {
		b.conds.Set(s.NCTID, c)
		b.count(c, 1)
	}
	if !b.opt.All && !study.IsRecruiting(s.OverallStatus) {
		return
	}
	b.trials[s.NCTID] = &trial{id: s.NCTID, elig: b.limits(&s.Eligibility)}
	b.pending[s.NCTID] = s.Eligibility.Criteria
}

// Remove drops the study with that NCT ID, if it was added.
func (b *Builder) Remove(nctID string) {
	if c, ok := b.conds.Get(nctID); ok {
		b.count(c, -1)
		b.conds.Delete(nctID)
	}
	delete(b.trials, nctID)
	delete(b.pending, nctID)
}

// desc returns the number of a condition descriptor, adding it if new.
func (b *Builder) desc(id string) uint32 {
	n, ok := b.descIDs[id]
	if !ok {
		n = uint32(len(b.descs))
		b.descs = append(b.descs, id)
		b.descIDs[id] = n
	}
	return n
}

// list returns the number of an ancestor list, adding it if new.
func (b *Builder) list(as []study.MeSHTerm) uint32 {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID + "\x00" + a.Term
	}
	k := strings.Join(ids, "\x01")
	n, ok := b.listIDs[k]
	if !ok {
		n = uint32(len(b.lists))
		b.listIDs[k] = n
		b.lists = append(b.lists, slices.Clone(as))
	}
	return n
}

// count adds a study's conditions to breadth and ancestors (sign 1) or
// takes them away (-1).
func (b *Builder) count(c studyConds, sign int) {
	for _, a := range b.lists[c.list] {
		if b.breadth[a.ID] += sign; b.breadth[a.ID] == 0 {
			delete(b.breadth, a.ID)
		}
	}
	if c.only == 0 {
		return
	}
	only := b.descs[c.only]
	votes := b.ancestors[only]
	if votes == nil {
		votes = map[uint32]int{}
		b.ancestors[only] = votes
	}
	if votes[c.list] += sign; votes[c.list] == 0 {
		delete(votes, c.list)
	}
	if len(votes) == 0 {
		delete(b.ancestors, only)
	}
}

// parents keeps, of each descriptor's ancestors (as the most studies
// with it alone give them), the two most specific: those over the fewest
// studies ("Carcinoma, Non-Small-Cell Lung" for "Adenocarcinoma of Lung",
// not "Neoplasms").
func (b *Builder) parents() map[string][]string {
	out := make(map[string][]string, len(b.ancestors))
	for id, votes := range b.ancestors {
		best, n := uint32(0), -1
		for l, c := range votes {
			if c > n || c == n && slices.CompareFunc(b.lists[l], b.lists[best], compareTerms) < 0 {
				best, n = l, c
			}
		}
		as := slices.Clone(b.lists[best])
		slices.SortStableFunc(as, func(x, y study.MeSHTerm) int { return cmp.Compare(b.breadth[x.ID], b.breadth[y.ID]) })
		for _, a := range as[:min(2, len(as))] {
			out[id] = append(out[id], a.Term)
		}
	}
	return out
}

func compareTerms(x, y study.MeSHTerm) int {
	return cmp.Or(cmp.Compare(x.ID, y.ID), cmp.Compare(x.Term, y.Term))
}

// Finish returns a Matcher over the kept studies that finds candidates in
// ix, which must index at least them. The criteria of the studies added
// since the last Finish come from st where this parser version stored
// them, and are parsed otherwise. The Builder stays usable: later changes
// make a new Matcher at the next Finish, which packs only them.
func (b *Builder) Finish(ctx context.Context, ix *search.Index, st Store) (*Matcher, error) {
	ids := make([]string, 0, len(b.pending))
	for id := range b.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var err error
	if len(ids) > 0 {
		err = st.CriteriaOf(ctx, eligibility.ParserVersion, ids, func(id string, parsed []byte) error {
			c, err := eligibility.FromStored(parsed)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			b.trials[id].packed = b.pk.pack(prepare(c))
			delete(b.pending, id)
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("build matcher: %w", err)
	}
	// Parsing is some 2 ms a study: spread what is left over the cores.
	todo := slices.DeleteFunc(ids, func(id string) bool { _, ok := b.pending[id]; return !ok })
	parsed := make([]*prepared, len(todo))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(todo); i += workers {
				parsed[i] = prepare(eligibility.Parse(b.pending[todo[i]]))
			}
		})
	}
	wg.Wait()
	for i, id := range todo {
		b.trials[id].packed = b.pk.pack(parsed[i])
		delete(b.pending, id)
	}
	// The matcher gets its own map and the names packed so far: later
	// changes replace entries and append names the next one reads.
	return &Matcher{ix: ix, trials: maps.Clone(b.trials), names: b.pk.names[:len(b.pk.names):len(b.pk.names)],
		store: st, opt: b.opt, parents: b.parents()}, nil
}

// SetGeocoder makes the next Finish's matcher resolve place names with
// g: a server's matcher resolves them with the gazetteer of its own view.
func (b *Builder) SetGeocoder(g Geocoder) { b.opt.Geocoder = g }

func synonymSource(v *vocab.Vocab) search.SynonymSource {
	return func(text string) []search.Synonym {
		var out []search.Synonym
		for _, s := range v.Expand(text) {
			out = append(out, search.Synonym{Text: s.Term, Source: s.Source})
		}
		return out
	}
}

// Len is the number of studies the matcher checks.
func (m *Matcher) Len() int { return len(m.trials) }

// ProfileError is a profile that cannot be matched: invalid, or naming
// a place the geocoder does not know. The HTTP handler answers it 400.
type ProfileError struct{ Err error }

func (e *ProfileError) Error() string { return "invalid profile: " + e.Err.Error() }
func (e *ProfileError) Unwrap() error { return e.Err }

// Hit is one ranked study.
type Hit struct {
	NCTID      string   `json:"nctId"`
	Title      string   `json:"title"`
	Status     string   `json:"status"`
	Relevance  float64  `json:"relevance"`
	DistanceKm *float64 `json:"distanceKm,omitempty"`
	Site       string   `json:"site,omitempty"`
	Result
}

// Ranking is the answer to one patient.
type Ranking struct {
	// Candidates is how many studies were checked; Hits are the best
	// Limit of them.
	Candidates int    `json:"candidates"`
	Query      string `json:"query"`
	Hits       []Hit  `json:"hits"`
}

// RankOptions tune one ranking.
type RankOptions struct {
	Limit int // hits returned with their criteria tables; default 20
}

// candidate is a study being ranked.
type candidate struct {
	id      string
	t       *trial
	score   float64
	near    *search.Nearest
	verdict Verdict
	// barred marks a study the patient's facts rule out by its registered
	// limits (see barred).
	barred bool
	// secondary marks a study about none of the patient's main condition,
	// only the others.
	secondary bool
}

// Rank finds recruiting studies for a patient's conditions near them
// (within their travel distance when given), and orders them by verdict,
// then relevance to the conditions, then distance.
func (m *Matcher) Rank(ctx context.Context, p patient.Profile, opt RankOptions) (*Ranking, error) {
	f, err := p.Facts(m.opt.Now())
	if err != nil {
		return nil, &ProfileError{err}
	}
	point, err := m.locate(&f)
	if err != nil {
		return nil, &ProfileError{err}
	}
	pi := newProfileIndex(f, m.opt.Vocab)
	q := ConditionQuery(withGenera(p.Conditions), m.opt.Vocab)
	req := search.Request{Filter: search.Filter{Statuses: study.RecruitingStatuses}, PageSize: search.MaxPageSize}
	// mainQ finds the studies about why the patient is looking (see
	// primaryScores).
	mainQ := ""
	if len(p.Conditions) > 1 {
		mainQ = ConditionQuery(p.Conditions[:1], m.opt.Vocab)
	}
	if f.HealthyVolunteer == patient.Yes {
		// Only studies that take healthy volunteers: all of them when no
		// condition narrows them, those about healthy people first.
		yes := true
		req.Filter.HealthyVolunteers = &yes
		if q == "" {
			mainQ = healthyQuery
		}
	}
	if q != "" {
		req.Queries = []search.AreaQuery{{Area: "cond", Query: q}}
	}
	if point != nil {
		req.Near = point
		if q == "" {
			// Without conditions to rank by relevance, the nearest come first.
			req.Sort = []search.SortKey{{Field: "distance"}}
		}
		if f.MaxKm > 0 {
			req.Filter.Geo = &search.GeoFilter{Point: *point, RadiusKm: f.MaxKm, RecruitingOnly: true}
		}
	}
	res, err := m.ix.Search(req)
	if err != nil {
		return nil, fmt.Errorf("rank: %w", err)
	}
	// When the diagnosis as written names too few studies ("lung
	// adenocarcinoma" where studies say "non-small cell lung cancer"),
	// the next broader conditions find them; failing those, its words
	// find the studies about the same organ or kind of disease.
	for _, widen := range []func([]patient.Condition) string{m.broaderQuery, conditionWords} {
		if len(res.Hits) >= fewHits {
			break
		}
		extra := widen(p.Conditions)
		if extra == "" {
			continue
		}
		req.Queries = []search.AreaQuery{{Area: "cond", Query: strings.TrimPrefix(q+" OR "+extra, " OR ")}}
		if res, err = m.ix.Search(req); err != nil {
			return nil, fmt.Errorf("rank: %w", err)
		}
	}
	if g := generaOf(p.Conditions); len(g) > 0 && len(res.Hits) > 0 {
		c := conditionClauses(withGenera(p.Conditions), m.opt.Vocab)
		if err := m.byConcept(req, c[:min(len(c), maxClauses)], res.Hits); err != nil {
			return nil, fmt.Errorf("rank: %w", err)
		}
	}
	primary, err := m.primaryScores(mainQ, req)
	if err != nil {
		return nil, fmt.Errorf("rank: %w", err)
	}
	cands := make([]candidate, 0, len(res.Hits))
	for _, h := range res.Hits {
		if t := m.trials[h.NCTID]; t != nil {
			_, main := primary[h.NCTID]
			cands = append(cands, candidate{t: t, score: h.Score + primary[h.NCTID], near: h.Nearest, secondary: primary != nil && !main})
		}
	}
	m.judge(pi, cands)
	order(cands)
	limit := opt.Limit
	if limit <= 0 {
		limit = 20
	}
	out := &Ranking{Candidates: len(cands), Query: q}
	inclusion := func(s *study.Study) []eligibility.Item {
		c, err := eligibility.Load(ctx, m.store, s.NCTID, s.Eligibility.Criteria)
		if err != nil {
			return nil // ranks as if it asked for no other driver; explain reports the error
		}
		return c.Inclusion
	}
	top, err := m.top(ctx, aside{concepts: m.concepts(p.Conditions), regions: spineRegions(conditionTexts(p.Conditions)...), healthy: f.HealthyVolunteer == patient.Yes, pi: pi, inclusion: inclusion}, cands, limit)
	if err != nil {
		return nil, fmt.Errorf("rank: %w", err)
	}
	for _, r := range top {
		h, err := m.explain(ctx, pi, r.c, r.s)
		if err != nil {
			return nil, fmt.Errorf("rank: %w", err)
		}
		out.Hits = append(out.Hits, h)
	}
	return out, nil
}

// read is a candidate with its record, read from the store.
type read struct {
	c candidate
	s study.Study
}

// maxReads bounds, as a multiple of the hits shown, the records top
// reads to find studies about the patient's conditions.
const maxReads = 5

// aside says which studies the patient's facts put after the others,
// from their records.
type aside struct {
	concepts []string // the descriptors of the patient's conditions
	regions  uint8    // the regions of the spine they name (see spineRegions)
	healthy  bool     // the patient is a healthy volunteer
	pi       *profileIndex
	// inclusion reads a study's inclusion criteria.
	inclusion func(*study.Study) []eligibility.Item
}

// of says how far to set a study aside: 0 not at all; 2 a study about
// another condition that only shares words with the patient's (see
// offConcept), for a healthy volunteer one not about healthy people that
// treats a disease (a healthy person has nothing to treat and could join
// it only as a control), or one whose title names whom it is for, and
// that is not the patient (see titleContradicts); 1, before those, for
// a healthy volunteer, a study not about healthy people whose criteria
// say nothing of healthy participants: registered as taking healthy
// volunteers, yet every criterion describes patients ("current
// diagnosis of primary headache", "a chronic condition listed in the
// registry").
func (a aside) of(c candidate, s *study.Study) int {
	switch {
	case offConcept(a.concepts, s.Conditions) || a.healthy && c.secondary && s.Design.PrimaryPurpose == "TREATMENT" ||
		otherSpineRegion(a.regions, s) ||
		a.pi != nil && (a.pi.titleContradicts(s) || a.pi.lungDriver() != "" && a.pi.otherDriver(a.inclusion(s))):
		return 2
	case a.healthy && c.secondary && !healthyPeopleRe.MatchString(s.Eligibility.Criteria):
		return 1
	}
	return 0
}

// Regions of the spine, as spineRegions reads them.
const (
	cervicalSpine uint8 = 1 << iota
	thoracicSpine
	lumbarSpine
	sacralSpine
)

var (
	spineRegionRe = regexp.MustCompile(`(?i)\b(?:cervical|neck|thoracic|lumbar|lumbosacral|low(?:er)? back|sacral|sacrum)\b`)
	// spineLevelsRe is a span of vertebrae ("C5-C6", "L4-5", "L5/S1");
	// a single letter and number is as often a tumour's size or an MRI
	// sequence.
	spineLevelsRe = regexp.MustCompile(`\b([CTLS])\d{1,2}\s*[-–/]\s*([CTLS]?)\d{1,2}\b`)
	regionWords   = map[string]uint8{"cervical": cervicalSpine, "neck": cervicalSpine, "thoracic": thoracicSpine,
		"lumbar": lumbarSpine, "lumbosacral": lumbarSpine | sacralSpine, "low back": lumbarSpine, "lower back": lumbarSpine,
		"sacral": sacralSpine, "sacrum": sacralSpine}
	levelLetters = map[string]uint8{"C": cervicalSpine, "T": thoracicSpine, "L": lumbarSpine, "S": sacralSpine}
)

// spineRegions are the regions of the spine the texts name.
func spineRegions(texts ...string) uint8 {
	var r uint8
	for _, t := range texts {
		for _, w := range spineRegionRe.FindAllString(t, -1) {
			r |= regionWords[strings.ToLower(w)]
		}
		for _, m := range spineLevelsRe.FindAllStringSubmatch(t, -1) {
			r |= levelLetters[m[1]] | levelLetters[m[2]]
		}
	}
	return r
}

// otherSpineRegion reports a study whose titles and conditions name
// only regions of the spine other than those of the patient's
// conditions: lumbar disc herniation for a C5-C6 disc herniation. The
// search finds it by the shared condition ("disc herniation",
// "radiculopathy").
func otherSpineRegion(patient uint8, s *study.Study) bool {
	if patient == 0 {
		return false
	}
	r := spineRegions(append([]string{s.BriefTitle, s.OfficialTitle}, s.Conditions...)...)
	return r != 0 && r&patient == 0
}

// healthyPeopleRe names, in criteria, the healthy people a study takes.
var healthyPeopleRe = regexp.MustCompile(`(?i)\b(?:healthy|volunteers?|controls|control (?:group|subjects?|participants?|individuals?|cohort|arm)|normal (?:subjects|participants|individuals|adults|volunteers)|unaffected)\b`)

// titleContradicts reports a study whose title, read as an inclusion
// criterion, says it is for patients the patient's facts contradict
// ("… Who Have Progressed on Prior EGFR Tyrosine Kinase Inhibitors" for
// an untreated patient, "Stage III" or "Neoadjuvant" for spread
// disease), or asks for a lung cancer driver other than the patient's
// own (see otherDriver).
// Titles are written for search, not as rules: they only rank a study
// after those that fit, never make a verdict.
func (pi *profileIndex) titleContradicts(s *study.Study) bool {
	c := eligibility.Parse("Inclusion Criteria:\n* " + s.BriefTitle)
	// "… in Participants With …" reads as a rule for some people only;
	// in a title it names everyone the study is for.
	for i := range c.Inclusion {
		for j := range c.Inclusion[i].Constraints {
			c.Inclusion[i].Constraints[j].Hedged = false
		}
	}
	return pi.check(s.NCTID, &study.Eligibility{}, prepare(c), false).Counts.NotMet > 0 || pi.otherDriver(c.Inclusion) ||
		pi.spread() && operableRe.MatchString(s.BriefTitle)
}

// operableRe names, in a title, treatment around surgery of the
// tumour: the study is for disease that can be operated on, not for
// disease that has spread.
var operableRe = regexp.MustCompile(`(?i)\b(?:neo-?adjuvant|adjuvant|peri-?operative|pre-?operative|post-?operative|resectable|resected|surgical specimens?|operable)\b`)

// lungDrivers are the oncogenic drivers of lung cancer, which almost
// never occur together in one tumour.
var lungDrivers = map[string]bool{"EGFR": true, "ALK": true, "ROS1": true, "KRAS": true, "BRAF": true, "MET": true,
	"RET": true, "NTRK": true, "HER2": true}

// otherDriver reports items that ask for a lung cancer driver the
// patient was not tested for, when the patient's lung cancer has
// another: the check cannot rule them out, yet such a trial is hardly
// for them.
// The hedges of criteria do not matter here: nothing is ruled out.
func (pi *profileIndex) otherDriver(items []eligibility.Item) bool {
	if pi.lungDriver() == "" {
		return false
	}
	for _, it := range items {
		for _, c := range it.Constraints {
			if c.Kind == eligibility.KindBiomarker && lungDrivers[c.Term] && c.Value == eligibility.BiomarkerPositive &&
				pi.f.Markers[c.Term] == patient.Unknown {
				return true
			}
		}
		if pi.otherDriver(it.Items) {
			return true
		}
	}
	return false
}

// lungDriver names the driver of the patient's lung cancer, or "".
func (pi *profileIndex) lungDriver() string {
	if !slices.ContainsFunc(pi.histos, func(h histo) bool { return h.organ == organWords["lung"] }) {
		return ""
	}
	for name, st := range pi.f.Markers {
		if lungDrivers[name] && st == patient.Yes {
			return name
		}
	}
	return ""
}

// top returns the first limit candidates with their records, those set
// aside (see aside.of) after the others the registered limits do not
// rule out. Only the records read decide it: the search index holds no
// condition names, and the hits are read anyway to be explained.
func (m *Matcher) top(ctx context.Context, as aside, cands []candidate, limit int) ([]read, error) {
	out := make([]read, 0, min(limit, len(cands)))
	var off [2][]read
	i, reads := 0, 0
	for ; i < len(cands) && len(out) < limit && !cands[i].barred && reads < maxReads*limit; i++ {
		s, err := m.store.Study(ctx, cands[i].t.id)
		if err != nil {
			return nil, err
		}
		reads++
		if level := as.of(cands[i], &s); level > 0 {
			off[level-1] = append(off[level-1], read{cands[i], s})
			continue
		}
		out = append(out, read{cands[i], s})
	}
	for _, o := range off {
		out = append(out, o[:min(len(o), limit-len(out))]...)
	}
	for ; i < len(cands) && len(out) < limit; i++ {
		s, err := m.store.Study(ctx, cands[i].t.id)
		if err != nil {
			return nil, err
		}
		out = append(out, read{cands[i], s})
	}
	return out, nil
}

// concepts are the descriptors of the patient's conditions.
func (m *Matcher) concepts(conds []patient.Condition) []string {
	var out []string
	for _, c := range conds {
		ids := c.MeSH
		if len(ids) == 0 && m.opt.Vocab != nil {
			ids = meshIDs(m.opt.Vocab, c.Text)
		}
		out = append(out, ids...)
	}
	return out
}

// offConcept reports a study whose conditions hold the patient's
// diagnoses only inside the names of other conditions: "Pulmonary
// Arterial Hypertension" or "Ocular Hypertension" for a patient with
// hypertension, "Triple Negative Breast Neoplasms" for one with breast
// cancer. The search finds such studies by the shared word, and the
// records' own MeSH data often lists the patient's descriptor for them
// too; the study is about another condition, or a kind of the patient's
// that the patient was not said to have.
func offConcept(concepts, conds []string) bool {
	inner := false
	for _, c := range conds {
		named, in := patient.ConditionConcepts(c)
		for _, id := range concepts {
			if slices.Contains(named, id) {
				return false
			}
			inner = inner || slices.Contains(in, id)
		}
	}
	return inner
}

// fewHits is the number of studies below which the conditions' phrases
// are widened to their words.
const fewHits = 20

// conditionWords ORs the words of the patient's diagnoses, without their
// qualifiers.
func conditionWords(conds []patient.Condition) string {
	var words []string
	for _, c := range conds {
		for _, w := range textproc.Tokenize(coreCondition(c.Text)) {
			if !genericWords[w] && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	return strings.Join(words[:min(len(words), maxClauses)], " OR ")
}

// broaderQuery ORs the next broader conditions of the patient's
// diagnoses (see parents).
func (m *Matcher) broaderQuery(conds []patient.Condition) string {
	var names []string
	for _, c := range conds {
		ids := c.MeSH
		if len(ids) == 0 && m.opt.Vocab != nil {
			ids = meshIDs(m.opt.Vocab, c.Text)
		}
		for _, id := range ids {
			if ps := m.parents[id]; len(ps) > 0 {
				names = append(names, ps...)
			} else {
				names = append(names, organNeoplasms(m.opt.Vocab, id)...)
			}
		}
	}
	return ConditionQuery(conditionsNamed(names), nil)
}

// organNeoplasms names, for a cancer that no record places in the MeSH
// hierarchy (the vocabulary has no tree numbers), the neoplasms of its
// organ, which MeSH puts above every cancer there: "Adenocarcinoma of
// Lung" → "Lung Neoplasms", over the studies of non-small cell lung
// cancer.
func organNeoplasms(v *vocab.Vocab, id string) []string {
	d, ok := v.Descriptor(id)
	if !ok {
		return nil
	}
	for _, term := range append([]string{d.Name}, d.EntryTerms...) {
		toks := textproc.Tokenize(term)
		i := slices.IndexFunc(toks, func(t string) bool { return histologyWords[t] })
		if i < 0 || len(toks) < 2 {
			continue
		}
		organ := strings.Join(slices.Delete(toks, i, i+1), " ")
		for _, n := range meshIDs(v, organ+" neoplasms") {
			if n != id {
				if b, ok := v.Descriptor(n); ok {
					return []string{b.Name}
				}
			}
		}
	}
	return nil
}

// histologyWords name a kind of cancer, which an organ's name with
// "neoplasms" generalises.
var histologyWords = map[string]bool{}

func init() {
	for _, w := range []string{"adenocarcinoma", "carcinoma", "cancer", "tumor", "neoplasm"} {
		histologyWords[textproc.Tokenize(w)[0]] = true
	}
}

// withGenera adds to the patient's conditions the genera their
// histologies belong to (see genera): a trial for non-small cell lung
// cancer is a trial for a lung adenocarcinoma.
func withGenera(conds []patient.Condition) []patient.Condition {
	return append(slices.Clip(conds), generaOf(conds)...)
}

func generaOf(conds []patient.Condition) []patient.Condition {
	var out []patient.Condition
	for _, c := range conds {
		if g := genusOf(c.Text); g != "" {
			out = append(out, patient.Condition{Text: g})
		}
	}
	return out
}

// byConcept rescores hits, found by the queries ORed, by the best of
// the queries on their own, each relative to its best hit: a trial
// whose conditions say only "NSCLC" is as much about the genus as one
// that names it in several of its synonyms, and summing the clauses
// would hold it below the relevance floor (see order). The scale stays
// the combined search's.
func (m *Matcher) byConcept(req search.Request, queries []string, hits []search.Hit) error {
	top := 0.0
	for _, h := range hits {
		top = max(top, h.Score)
	}
	rel := make(map[string]float64, len(hits))
	for _, q := range queries {
		req.Queries = []search.AreaQuery{{Area: "cond", Query: q}}
		res, err := m.ix.Search(req)
		if err != nil {
			return err
		}
		best := 0.0
		for _, h := range res.Hits {
			best = max(best, h.Score)
		}
		for _, h := range res.Hits {
			rel[h.NCTID] = max(rel[h.NCTID], h.Score/best)
		}
	}
	for i := range hits {
		hits[i].Score = top * rel[hits[i].NCTID]
	}
	return nil
}

func conditionTexts(conds []patient.Condition) []string {
	out := make([]string, len(conds))
	for i, c := range conds {
		out[i] = c.Text
	}
	return out
}

func conditionsNamed(names []string) []patient.Condition {
	out := make([]patient.Condition, len(names))
	for i, n := range names {
		out[i] = patient.Condition{Text: n}
	}
	return out
}

// healthyQuery finds the studies whose conditions say they are about
// healthy people.
const healthyQuery = `"healthy" OR "healthy volunteers" OR "healthy adults"`

// primaryScores scores the studies q finds among those req filters: the
// studies about the patient's first condition, which notes name first
// because it is why the patient is looking ("erectile dysfunction"
// before the type 2 diabetes behind it), or, for a healthy volunteer, the
// studies about healthy people. They rank before the others, and their
// relevance counts twice. nil means no such query (one condition or
// none).
func (m *Matcher) primaryScores(q string, req search.Request) (map[string]float64, error) {
	if q == "" {
		return nil, nil
	}
	req.Queries = []search.AreaQuery{{Area: "cond", Query: q}}
	res, err := m.ix.Search(req)
	if err != nil {
		return nil, err
	}
	scores := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		scores[h.NCTID] = h.Score
	}
	return scores, nil
}

// explain checks a hit again with its whole record s and criteria, read
// from the store, to give every criterion's row and the nearest site.
func (m *Matcher) explain(ctx context.Context, pi *profileIndex, c candidate, s study.Study) (Hit, error) {
	crit, err := eligibility.Load(ctx, m.store, s.NCTID, s.Eligibility.Criteria)
	if err != nil {
		return Hit{}, err
	}
	h := Hit{NCTID: s.NCTID, Title: s.BriefTitle, Status: s.OverallStatus, Relevance: c.score,
		Result: pi.check(s.NCTID, &s.Eligibility, prepare(crit), true)}
	if c.near != nil {
		d := c.near.DistanceKm
		h.DistanceKm = &d
		if c.near.Location < len(s.Locations) {
			l := s.Locations[c.near.Location]
			h.Site = strings.Join(nonEmpty(l.Facility, l.City, l.State, l.Country), ", ")
		}
	}
	return h, nil
}

// judge sets every candidate's verdict, on every core: at full scale a
// profile without conditions meets some 65,000 recruiting studies.
func (m *Matcher) judge(pi *profileIndex, cands []candidate) {
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (len(cands)+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < len(cands); lo += chunk {
		part := cands[lo:min(lo+chunk, len(cands))]
		wg.Go(func() {
			u := newUnpacker(m.names)
			for i := range part {
				t := part[i].t
				part[i].verdict = pi.check(t.id, &t.elig, u.unpack(t.packed), false).Verdict
				part[i].barred = barred(&pi.f, &t.elig)
			}
		})
	}
	wg.Wait()
}

// relevanceFloor is the share of the best relevance below which a
// study is too loosely related for its verdict to lift it: without it, a
// study that merely mentions one of the patient's words and has few
// checkable criteria would outrank the studies about their condition.
// Half: on the shipped TREC 2021 and SIGIR judgments, ranking the whole
// store, any floor from 0.4 to 0.6 gave NDCG@10 0.29-0.31 (TREC) where
// 0.3 gave 0.26, level with BM25, and within judged pools all gave the
// same 0.65.
const relevanceFloor = 0.5

// order sorts candidates: those whose registered sex, age or
// healthy-volunteer limits rule the patient out last, however relevant
// (a patient cannot join them); before them, those about the patient's
// main condition first (see primaryScores); in each tier the relevant
// ones (see relevanceFloor) first; then those the check does not rule
// out before those it does, then by relevance, then distance. "Likely"
// and "possibly eligible" rank alike: a study with fewer checkable
// criteria is not a better fit.
func order(cands []candidate) {
	// The floor is the tier's own: studies about the patient's main
	// condition are not held below it by a better-scored secondary one.
	var best [2]float64
	for _, c := range cands {
		t := boolInt(c.secondary)
		best[t] = max(best[t], c.score)
	}
	low := func(c candidate) int { return boolInt(c.score < best[boolInt(c.secondary)]*relevanceFloor) }
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(boolInt(a.barred), boolInt(b.barred)); c != 0 {
			return c
		}
		if c := cmp.Compare(boolInt(a.secondary), boolInt(b.secondary)); c != 0 {
			return c
		}
		if c := cmp.Compare(low(a), low(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(boolInt(a.verdict == NotEligible), boolInt(b.verdict == NotEligible)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(distance(a.near), distance(b.near))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func distance(n *search.Nearest) float64 {
	if n == nil {
		return 1e18
	}
	return n.DistanceKm
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

func (m *Matcher) locate(f *patient.Facts) (*search.Point, error) {
	switch {
	case f.Point != nil:
		return &search.Point{Lat: f.Point[0], Lon: f.Point[1]}, nil
	case f.Place == "":
		return nil, nil
	case m.opt.Geocoder == nil:
		return nil, errors.New("location: place names are not available here; give lat and lon")
	}
	for _, pl := range m.opt.Geocoder.Resolve(f.Place) {
		if pl.HasGeo {
			return &search.Point{Lat: pl.Lat, Lon: pl.Lon}, nil
		}
	}
	return nil, fmt.Errorf("location: no known place called %q", f.Place)
}

// ConditionQuery is the search query for a patient's conditions: each
// condition's words, and its MeSH descriptors' names, as quoted phrases
// joined by OR; the search expands them through the vocabulary. Only the
// first maxClauses phrases are kept, within the engine's term limit.
func ConditionQuery(conds []patient.Condition, v *vocab.Vocab) string {
	c := conditionClauses(conds, v)
	return strings.Join(c[:min(len(c), maxClauses)], " OR ")
}

// qualifierRe are words of a patient's diagnosis that say its stage,
// course or markers, which trials' condition lists rarely repeat: "stage
// IVB lung adenocarcinoma" is searched as "lung adenocarcinoma".
var qualifierRe = regexp.MustCompile(`(?i)\b(?:stage\s+(?:[0-4]|i{1,3}v?|iv)[a-c]?\d?|metastatic|locally advanced|advanced|recurrent|relapsed|refractory|newly diagnosed|early|chronic|acute on chronic|[a-z0-9]+-(?:positive|negative|mutated|mutant))\b`)

func coreCondition(text string) string {
	core := strings.Join(strings.Fields(qualifierRe.ReplaceAllString(text, " ")), " ")
	if core == "" {
		return text
	}
	return core
}

func conditionClauses(conds []patient.Condition, v *vocab.Vocab) []string {
	var parts []string
	seen := map[string]bool{}
	add := func(text string) {
		toks := textproc.Tokenize(text)
		k := strings.Join(toks, " ")
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		parts = append(parts, `"`+k+`"`)
	}
	for _, c := range conds {
		add(coreCondition(c.Text))
		if v == nil {
			continue
		}
		ids := c.MeSH
		if len(ids) == 0 {
			ids = meshIDs(v, c.Text)
		}
		for _, id := range ids {
			if d, ok := v.Descriptor(id); ok {
				add(d.Name)
			}
			// Records name some conditions only by the abbreviation
			// ("NSCLC"), which MeSH does not list.
			for _, a := range patient.AbbreviationsOf(id) {
				add(a)
			}
		}
	}
	return parts
}
