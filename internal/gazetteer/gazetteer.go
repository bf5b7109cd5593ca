// Package gazetteer resolves place names to coordinates offline, from the
// study sites in Trialfinder's own data: every city, state and country that
// a site names gets the mean coordinates of its geocoded sites and the
// number of studies there, and every postal code that sites carry gets the
// mean coordinates of those sites. No external geocoder is asked, so a
// place no study mentions is unknown, which is fine for a trial finder:
// there is nothing to find near it that a nearer known place would miss.
package gazetteer

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Kind says what a Place is.
type Kind uint8

const (
	Country Kind = iota + 1
	State
	City
	Postcode
)

// Place is a country, a state or region in a country, a city, or a
// postal code, as the sites name it.
type Place struct {
	Kind    Kind
	Country string
	State   string // "" for a country, or a city whose sites give no state
	City    string // "" for a country or state
	Zip     string // set for a Postcode only
	// Lat and Lon are the mean of the place's geocoded sites (of a
	// postal code, of those that give its commonest name: see spot);
	// HasGeo is false when none of them is geocoded.
	Lat, Lon float64
	HasGeo   bool
	Studies  int // distinct studies with a site here
}

// Name is the place as a reader writes it: "Springfield, Illinois, United
// States"; a postal code is followed by its city.
func (p Place) Name() string {
	var parts []string
	if p.Zip != "" {
		parts = append(parts, p.Zip)
	}
	for _, s := range []string{p.City, p.State, p.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// Source lists studies; the stores implement it (search.Source has the
// same method).
type Source interface {
	Each(ctx context.Context, fn func(study.Study) error) error
}

// Gazetteer is an immutable table of places. It is safe for concurrent use.
type Gazetteer struct {
	places []Place
	// byName maps a folded name (a country, state, city, or postal code)
	// to the places that carry it, most studies first.
	byName map[string][]int
	// children lists, per folded parent key, the places directly inside.
	children map[string][]int
}

// Builder accumulates study sites into a Gazetteer. It remembers each
// study's sites, so that a study can be replaced or removed later and the
// next Finish reflects the change with work proportional to the study's
// sites, not to the whole table: a server follows the store's changes so.
type Builder struct {
	acc map[key]*accum
	// studies holds each study's sites as counted, so that they can be
	// taken back out: the numbers of its sites in sites, as varints, at a
	// span of siteLists. Most sites recur across studies (the same
	// hospitals), and a full-size corpus has ten million of them:
	// numbered, a study's take a few bytes each, in one array that holds
	// no pointers for the collector to follow. A replaced or removed
	// study's bytes stay until they are half of siteLists (see compact).
	studies   study.ByID[span]
	siteLists []byte
	unused    int
	sites     []site
	siteIDs   map[site]uint32
	// strs are the sites' names, interned, and folded their folded forms
	// (folding every name of every site was most of the work of Add).
	strs   []string
	folded []string
	strIDs map[string]uint32
}

// span is where a study's site numbers are in Builder.siteLists.
type span struct{ start, end uint32 }

type key struct {
	kind                     Kind
	country, state, city, zp string
}

// site is one location of a study as the gazetteer counts it: canonical
// names, interned (0 for none).
type site struct {
	country, state, city, zip uint32
	geo                       bool
	lat, lon                  float64
}

// accum is what the sites in one place add up to. Coordinates are summed
// in fixed point (geoScale units of a degree), so that adding and taking
// away sites in any order gives exactly the sums of a fresh build.
type accum struct {
	kind     Kind
	studies  int
	sumLat   int64
	sumLon   int64
	geoSites int
	// names counts the spellings its sites give (they differ in case and
	// dots), and states a city's regions as its sites give them; the
	// commonest names the place.
	names  tally[spelling]
	states tally[string]
	// spots are a postal code's coordinate sums per spelling. Sites give
	// a code with the wrong city now and then (37067 is Franklin,
	// Tennessee, and one site in Annapolis, Maryland): the mean of all
	// of them would put the code hundreds of kilometres from both, so
	// the code is placed at the sites of its commonest name only.
	spots []spot
}

// spot sums the coordinates of a postal code's sites of one spelling.
type spot struct {
	sp             spelling
	sumLat, sumLon int64
	n              int
}

// addSpot adds a geocoded site of spelling sp (sign 1) or takes it away
// (-1).
func (a *accum) addSpot(sp spelling, lat, lon int64, sign int) {
	i := slices.IndexFunc(a.spots, func(s spot) bool { return s.sp == sp })
	if i < 0 {
		i = len(a.spots)
		a.spots = append(a.spots, spot{sp: sp})
	}
	s := &a.spots[i]
	s.sumLat += int64(sign) * lat
	s.sumLon += int64(sign) * lon
	if s.n += sign; s.n == 0 {
		a.spots = slices.Delete(a.spots, i, i+1)
	}
}

// spelling is a place's name as one site writes it.
type spelling struct{ country, state, city, zip string }

// geoScale makes a coordinate an integer exact to 1e-9 degrees; the sums
// of a few million sites stay far within int64.
const geoScale = 1e9

// NewBuilder starts an empty gazetteer.
func NewBuilder() *Builder {
	return &Builder{acc: map[key]*accum{}, siteIDs: map[site]uint32{},
		strs: []string{""}, folded: []string{""}, strIDs: map[string]uint32{"": 0}}
}

func (b *Builder) intern(s string) uint32 {
	id, ok := b.strIDs[s]
	if !ok {
		id = uint32(len(b.strs))
		b.strs = append(b.strs, s)
		b.folded = append(b.folded, fold(s))
		b.strIDs[s] = id
	}
	return id
}

// Add records the sites of one study, replacing those it had if it was
// added before.
func (b *Builder) Add(s *study.Study) {
	b.Remove(s.NCTID)
	start := len(b.siteLists)
	for _, l := range s.Locations {
		country := study.CountryName(l.Country)
		if country == "" {
			continue
		}
		st := site{country: b.intern(country), state: b.intern(study.StateName(country, l.State)),
			city: b.intern(study.CityName(l.City)), zip: b.intern(clean(l.Zip))}
		if l.Geo != nil {
			st.geo, st.lat, st.lon = true, l.Geo.Lat, l.Geo.Lon
		}
		id, ok := b.siteIDs[st]
		if !ok {
			id = uint32(len(b.sites))
			b.sites = append(b.sites, st)
			b.siteIDs[st] = id
		}
		b.siteLists = binary.AppendUvarint(b.siteLists, uint64(id))
	}
	if len(b.siteLists) > start {
		sp := span{uint32(start), uint32(len(b.siteLists))}
		b.studies.Set(s.NCTID, sp)
		b.count(b.siteLists[sp.start:sp.end], 1)
	}
}

// Remove takes away the sites of the study with that NCT ID, if any.
func (b *Builder) Remove(nctID string) {
	if sp, ok := b.studies.Get(nctID); ok {
		b.count(b.siteLists[sp.start:sp.end], -1)
		b.studies.Delete(nctID)
		if b.unused += int(sp.end - sp.start); b.unused > len(b.siteLists)/2 {
			b.compact()
		}
	}
}

// compact copies the studies' site numbers into a new siteLists, without
// the bytes of studies replaced or removed since.
func (b *Builder) compact() {
	lists := make([]byte, 0, len(b.siteLists)-b.unused)
	for id, sp := range b.studies.All() {
		start := len(lists)
		lists = append(lists, b.siteLists[sp.start:sp.end]...)
		b.studies.Set(id, span{uint32(start), uint32(len(lists))})
	}
	b.siteLists, b.unused = lists, 0
}

// count adds one study's sites to their places (sign 1) or takes them
// away (-1).
func (b *Builder) count(ids []byte, sign int) {
	// The study's places so far: it counts once in each. Most studies
	// have a few sites, a list finds those fastest; a set for the big ones.
	var seen []key
	var seenSet map[key]bool
	if len(ids) > 16 {
		seenSet = map[key]bool{}
	}
	touch := func(k key, sp spelling, st *site) *accum {
		a := b.acc[k]
		if a == nil {
			a = &accum{kind: k.kind}
			b.acc[k] = a
		}
		if seenSet != nil && !seenSet[k] || seenSet == nil && !slices.Contains(seen, k) {
			seen = append(seen, k)
			if seenSet != nil {
				seenSet[k] = true
			}
			a.studies += sign
		}
		a.names.add(sp, sign)
		if st.geo {
			lat, lon := int64(math.Round(st.lat*geoScale)), int64(math.Round(st.lon*geoScale))
			a.sumLat += int64(sign) * lat
			a.sumLon += int64(sign) * lon
			a.geoSites += sign
			if k.kind == Postcode {
				a.addSpot(sp, lat, lon, sign)
			}
		}
		return a
	}
	for len(ids) > 0 {
		id, n := binary.Uvarint(ids)
		ids = ids[n:]
		st := &b.sites[id]
		country, state, city, zp := b.strs[st.country], b.strs[st.state], b.strs[st.city], b.strs[st.zip]
		fCountry, fState := b.folded[st.country], b.folded[st.state]
		touch(key{kind: Country, country: fCountry}, spelling{country: country}, st)
		if state != "" {
			touch(key{kind: State, country: fCountry, state: fState}, spelling{country: country, state: state}, st)
		}
		if city != "" {
			// Where regions do not tell cities apart, a city is one place
			// whatever district its sites give, named by the commonest.
			k := key{kind: City, country: fCountry, state: fState, city: b.folded[st.city]}
			sp := spelling{country: country, state: state, city: city}
			if !study.RegionsMatter(country) {
				k.state, sp.state = "", ""
			}
			a := touch(k, sp, st)
			if !study.RegionsMatter(country) {
				a.states.add(state, sign)
			}
		}
		if zp != "" && st.geo {
			touch(key{kind: Postcode, country: fCountry, zp: b.folded[st.zip]}, spelling{country: country, state: state, city: city, zip: zp}, st)
		}
	}
	for _, k := range seen {
		if b.acc[k].studies == 0 {
			delete(b.acc, k)
		}
	}
}

// tally counts the names the sites of a place give; most places have one
// only, which it keeps without a map (a map for each of tens of thousands
// of places took more memory than the rest of the table).
type tally[K comparable] struct {
	one  K
	n    int       // sites that give one; 0 when there is none
	more map[K]int // the other names, nil while there are none
}

// add counts one more site (sign 1) or one fewer (-1) giving k, or n at
// once; names no site gives any more are dropped.
func (t *tally[K]) add(k K, n int) {
	switch {
	case t.n > 0 && k == t.one:
		t.n += n
	case t.n == 0 && len(t.more) == 0:
		t.one, t.n = k, n
	default:
		if t.more == nil {
			t.more = map[K]int{}
		}
		if t.more[k] += n; t.more[k] == 0 {
			delete(t.more, k)
		}
	}
	if t.n == 0 {
		for k, n := range t.more {
			t.one, t.n = k, n
			delete(t.more, k)
			break
		}
	}
	if len(t.more) == 0 {
		t.more = nil
	}
}

// each calls fn with every name and its count.
func (t *tally[K]) each(fn func(k K, n int)) {
	if t.n > 0 {
		fn(t.one, t.n)
	}
	for k, n := range t.more {
		fn(k, n)
	}
}

func (t *tally[K]) len() int {
	if t.n == 0 {
		return 0
	}
	return 1 + len(t.more)
}

// Finish returns the gazetteer of the studies added so far. The Builder
// stays usable: later changes make a new Gazetteer at the next Finish.
func (b *Builder) Finish() *Gazetteer {
	g := &Gazetteer{byName: map[string][]int{}, children: map[string][]int{}, places: make([]Place, 0, len(b.acc))}
	for _, a := range b.acc {
		sp := a.names.commonest(func(x, y spelling) int {
			return cmp.Or(cmp.Compare(x.country, y.country), cmp.Compare(x.state, y.state), cmp.Compare(x.city, y.city), cmp.Compare(x.zip, y.zip))
		})
		p := Place{Kind: a.kind, Country: sp.country, State: sp.state, City: sp.city, Zip: sp.zip, Studies: a.studies}
		if a.states.len() > 0 {
			p.State = a.states.commonest(strings.Compare)
		}
		sumLat, sumLon, n := a.sumLat, a.sumLon, a.geoSites
		if i := slices.IndexFunc(a.spots, func(s spot) bool { return s.sp == sp }); i >= 0 {
			sumLat, sumLon, n = a.spots[i].sumLat, a.spots[i].sumLon, a.spots[i].n
		}
		if n > 0 {
			f := float64(n) * geoScale
			p.Lat, p.Lon, p.HasGeo = float64(sumLat)/f, float64(sumLon)/f, true
		}
		g.places = append(g.places, p)
	}
	// Names are made once, not at every comparison: a full-size table has
	// tens of thousands of places.
	type named struct {
		p    *Place
		name string
	}
	order := make([]named, len(g.places))
	for i := range g.places {
		order[i] = named{&g.places[i], g.places[i].Name()}
	}
	slices.SortFunc(order, func(a, b named) int {
		return cmp.Or(cmp.Compare(b.p.Studies, a.p.Studies), cmp.Compare(a.p.Kind, b.p.Kind), cmp.Compare(a.name, b.name))
	})
	sorted := make([]Place, len(order))
	for i, n := range order {
		sorted[i] = *n.p
	}
	g.places = sorted
	for i, p := range g.places {
		switch p.Kind {
		case Country:
			g.byName[fold(p.Country)] = append(g.byName[fold(p.Country)], i)
			g.children[parentKey(Country, "", "")] = append(g.children[parentKey(Country, "", "")], i)
		case State:
			g.byName[fold(p.State)] = append(g.byName[fold(p.State)], i)
			pk := parentKey(State, p.Country, "")
			g.children[pk] = append(g.children[pk], i)
		case City:
			g.byName[fold(p.City)] = append(g.byName[fold(p.City)], i)
			region := p.State
			if !study.RegionsMatter(p.Country) {
				region = ""
			}
			pk := parentKey(City, p.Country, region)
			g.children[pk] = append(g.children[pk], i)
		case Postcode:
			g.byName[fold(p.Zip)] = append(g.byName[fold(p.Zip)], i)
		}
	}
	return g
}

// commonest is the name given most often, the first in order among
// equals, so that the name does not depend on the order studies came
// in; a city whose sites mostly give no region has none.
func (t *tally[K]) commonest(compare func(a, b K) int) K {
	var best K
	n := -1
	t.each(func(name K, c int) {
		if c > n || (c == n && compare(name, best) < 0) {
			best, n = name, c
		}
	})
	return best
}

// parentKey names the list of places of one kind inside a country or
// state; the kind keeps a country's states apart from its cities that
// have no state.
func parentKey(k Kind, country, state string) string {
	return string(rune('0'+k)) + "\x00" + fold(country) + "\x00" + fold(state)
}

// Build reads every study of src into a gazetteer.
func Build(ctx context.Context, src Source) (*Gazetteer, error) {
	b := NewBuilder()
	if err := src.Each(ctx, func(s study.Study) error { b.Add(&s); return nil }); err != nil {
		return nil, fmt.Errorf("build gazetteer: %w", err)
	}
	return b.Finish(), nil
}

// Len returns the number of places.
func (g *Gazetteer) Len() int { return len(g.places) }

// Countries returns every country, by name.
func (g *Gazetteer) Countries() []Place { return g.list(g.children[parentKey(Country, "", "")]) }

// Country returns the country of that name (any case).
func (g *Gazetteer) Country(name string) (Place, bool) {
	for _, i := range g.byName[fold(name)] {
		if g.places[i].Kind == Country {
			return g.places[i], true
		}
	}
	return Place{}, false
}

// States returns a country's states or regions, by name.
func (g *Gazetteer) States(country string) []Place {
	return g.list(g.children[parentKey(State, country, "")])
}

// Cities returns the cities of a state; with state "", the cities whose
// sites give no state, and in a country whose regions do not tell cities
// apart (study.RegionsMatter), every city.
func (g *Gazetteer) Cities(country, state string) []Place {
	return g.list(g.children[parentKey(City, country, state)])
}

func (g *Gazetteer) list(idx []int) []Place {
	out := make([]Place, len(idx))
	for i, j := range idx {
		out[i] = g.places[j]
	}
	slices.SortFunc(out, func(a, b Place) int { return cmp.Compare(fold(a.Name()), fold(b.Name())) })
	return out
}

// Resolve finds the places a reader's text may mean: "Boston",
// "Boston, Massachusetts", "Boston, MA", "Boston, MA 02115",
// "Springfield, IL", "MA", "Ontario", "France", "South Korea", or a postal
// code. Each part separated by commas must name the place, its state
// (by name or postal abbreviation) or its country (by any of its names);
// a postal code after a state is ignored. It returns the candidates, most
// studies first, with the most specific kind of place the text names;
// more than one means the text is ambiguous and the reader should choose.
// Only places with coordinates are returned, except countries and
// states, which filters can use without them.
func (g *Gazetteer) Resolve(text string) []Place {
	var parts []string
	for _, p := range strings.Split(text, ",") {
		if p = fold(clean(p)); p != "" {
			parts = append(parts, p)
		}
	}
	for i := 1; i < len(parts); i++ {
		parts[i] = stripZip(parts[i])
	}
	if len(parts) == 0 {
		return nil
	}
	var out []Place
	for _, i := range g.named(parts[0]) {
		p := g.places[i]
		if !p.HasGeo && (p.Kind == City || p.Kind == Postcode) {
			continue
		}
		if containsAll(p, parts[1:]) {
			out = append(out, p)
		}
	}
	return out
}

// named returns the places a folded name may mean: by the name itself,
// and as a country's other name or a region's abbreviation.
func (g *Gazetteer) named(name string) []int {
	out := slices.Clone(g.byName[name])
	add := func(alt string) {
		if alt = fold(alt); alt != name {
			for _, i := range g.byName[alt] {
				if !slices.Contains(out, i) {
					out = append(out, i)
				}
			}
		}
	}
	add(study.CountryName(name))
	if country, state, ok := study.Region(name); ok {
		for _, i := range g.byName[fold(state)] {
			if g.places[i].Kind == State && g.places[i].Country == country && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	slices.SortFunc(out, func(a, b int) int { return cmp.Compare(a, b) })
	return out
}

// stripZip drops a trailing US ZIP or Canadian postal code from a
// qualifier ("ma 02115" → "ma", "on n6a 5a5" → "on").
func stripZip(part string) string {
	words := strings.Fields(part)
	for len(words) > 1 && strings.ContainsFunc(words[len(words)-1], unicode.IsDigit) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// containsAll reports whether each of the qualifying parts names the
// place's city, state (or its abbreviation) or country (by any name), in
// any order.
func containsAll(p Place, quals []string) bool {
	for _, q := range quals {
		abbr := study.RegionAbbreviation(p.Country, p.State)
		if q != fold(p.State) && q != fold(p.Country) && q != fold(p.City) &&
			(abbr == "" || q != fold(abbr)) && fold(study.CountryName(q)) != fold(p.Country) {
			return false
		}
	}
	return true
}

// clean trims and collapses white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// fold makes names comparable: lower case, without dots ("St. Louis" =
// "St Louis") and with white space collapsed.
func fold(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '.' {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.ToLower(clean(s))
}

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	const earthRadiusKm = 6371.0088
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
