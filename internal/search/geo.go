package search

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// sites holds every geocoded study site, grouped by study for a hit's
// nearest site, and again by place for radius search: ClinicalTrials.gov
// geocodes sites to their city, so a big city's thousands of sites share a
// handful of points, and a radius search computes one distance per point
// rather than per site. Points are grouped in one-degree cells so a search
// looks only at nearby ones.
type sites struct {
	// first maps a document number to the index of its first site;
	// first[n] = total. Every location is a site, geocoded or not, so a
	// site's index in study.Locations is its offset from the first.
	first []uint32
	// point is a site's point (noPoint when not geocoded), with openSite
	// set when the site (or, when sites carry no status, the study) is
	// recruiting or not yet recruiting.
	point []uint32

	// While building: each site's coordinates (NaN when not geocoded)
	// and document.
	lat, lon []float32
	doc      []uint32

	cells    map[int32][2]uint32 // cell → range of points
	pointLat []float32
	pointLon []float32
	// atPoint lists each point's sites, in document order, as uvarints
	// of the document's difference from the previous site's (from 0 at
	// each point's first) shifted left by one, the low bit set if the site
	// is open: 2 bytes a site at full scale against 4 as plain numbers.
	// pointFirst[i] is where point i's start; pointFirst[len(points)] =
	// len(atPoint).
	pointFirst []uint32
	atPoint    []byte
}

const (
	openSite = 1 << 31
	noPoint  = openSite - 1
)

func (g *sites) add(doc uint32, s *study.Study) {
	g.first = append(g.first, uint32(len(g.lat)))
	for _, l := range s.Locations {
		status := l.Status
		if status == "" {
			status = s.OverallStatus
		}
		lat, lon := float32(math.NaN()), float32(math.NaN())
		if l.Geo != nil {
			lat, lon = float32(l.Geo.Lat), float32(l.Geo.Lon)
		}
		var open uint32
		if study.IsRecruiting(status) {
			open = openSite
		}
		g.lat = append(g.lat, lat)
		g.lon = append(g.lon, lon)
		g.point = append(g.point, open)
		g.doc = append(g.doc, doc)
	}
}

// finish numbers the distinct points, in cell order, and lists each
// point's sites; within a point they stay in document order.
func (g *sites) finish() {
	g.first = append(g.first, uint32(len(g.lat)))
	ids := map[[2]float32]uint32{}
	var pts [][2]float32
	for si := range g.lat {
		if math.IsNaN(float64(g.lat[si])) {
			g.point[si] |= noPoint
			continue
		}
		k := [2]float32{g.lat[si], g.lon[si]}
		id, ok := ids[k]
		if !ok {
			id = uint32(len(pts))
			ids[k] = id
			pts = append(pts, k)
		}
		g.point[si] |= id
	}
	cellOf := func(id uint32) int32 { return cell(float64(pts[id][0]), float64(pts[id][1])) }
	byCell := make([]uint32, len(pts))
	for i := range byCell {
		byCell[i] = uint32(i)
	}
	slices.SortFunc(byCell, func(a, b uint32) int { return cmp.Or(cmp.Compare(cellOf(a), cellOf(b)), cmp.Compare(a, b)) })
	rank := make([]uint32, len(pts))
	g.pointLat = make([]float32, len(pts))
	g.pointLon = make([]float32, len(pts))
	for r, id := range byCell {
		rank[id] = uint32(r)
		g.pointLat[r], g.pointLon[r] = pts[id][0], pts[id][1]
	}
	g.indexCells()
	// A counting sort of the geocoded sites by point.
	first := make([]uint32, len(pts)+1)
	for si, e := range g.point {
		if e&noPoint == noPoint {
			continue
		}
		pt := rank[e&noPoint]
		g.point[si] = e&openSite | pt
		first[pt+1]++
	}
	for i := range pts {
		first[i+1] += first[i]
	}
	next := slices.Clone(first[:len(pts)])
	entries := make([]uint32, first[len(pts)])
	for si, e := range g.point {
		pt := e & noPoint
		if pt == noPoint {
			continue
		}
		a := g.doc[si] << 1
		if e&openSite != 0 {
			a |= 1
		}
		entries[next[pt]] = a
		next[pt]++
	}
	g.pack(first, entries)
	g.lat, g.lon, g.doc = nil, nil, nil
	g.point = slices.Clip(g.point)
}

// pack sets atPoint from each point's entries as plain numbers (document
// << 1 | open), entries[first[i]:first[i+1]] being point i's in document
// order; false if first does not fit entries.
func (g *sites) pack(first, entries []uint32) bool {
	if len(first) == 0 || first[0] != 0 || first[len(first)-1] != uint32(len(entries)) {
		return false
	}
	g.pointFirst = make([]uint32, len(first))
	g.atPoint = make([]byte, 0, 2*len(entries))
	for pt := range len(first) - 1 {
		if first[pt] > first[pt+1] {
			return false
		}
		prev := uint32(0)
		for _, e := range entries[first[pt]:first[pt+1]] {
			doc := e >> 1
			if doc < prev {
				return false
			}
			g.atPoint = binary.AppendUvarint(g.atPoint, uint64((doc-prev)<<1|e&1))
			prev = doc
		}
		g.pointFirst[pt+1] = uint32(len(g.atPoint))
	}
	g.atPoint = slices.Clip(g.atPoint)
	return true
}

// unpack returns what pack was given.
func (g *sites) unpack() (first, entries []uint32) {
	first = make([]uint32, len(g.pointFirst))
	for pt := range len(g.pointFirst) - 1 {
		doc := uint32(0)
		for i := int(g.pointFirst[pt]); i < int(g.pointFirst[pt+1]); {
			v, k := binary.Uvarint(g.atPoint[i:])
			i += k
			doc += uint32(v >> 1)
			entries = append(entries, doc<<1|uint32(v&1))
		}
		first[pt+1] = uint32(len(entries))
	}
	return first, entries
}

// indexCells finds each cell's range of points, which are in cell order.
func (g *sites) indexCells() {
	g.cells = map[int32][2]uint32{}
	for r := range g.pointLat {
		c := cell(float64(g.pointLat[r]), float64(g.pointLon[r]))
		span, ok := g.cells[c]
		if !ok {
			span[0] = uint32(r)
		}
		span[1] = uint32(r + 1)
		g.cells[c] = span
	}
}

func cell(lat, lon float64) int32 {
	la := int32(math.Floor(lat)) + 90
	lo := int32(math.Floor(lon)) + 180
	return la*360 + lo
}

const earthRadiusKm = 6371.0088

// distanceKm is the great-circle (haversine) distance.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Point is a place on Earth.
type Point struct {
	Lat, Lon float64
}

// Nearest is a study's closest site to a point.
type Nearest struct {
	Location   int // index in the study's Locations
	DistanceKm float64
	Recruiting bool // the site is recruiting or not yet recruiting
}

// within returns every study with a site within radiusKm of p, in document
// order, scored with the distance to its nearest such site (recruiting
// sites only when openOnly). The list is in sc's memory, which is
// otherwise left cleared.
func (g *sites) within(p Point, radiusKm float64, openOnly bool, sc *scratch) docList {
	g.scan(p, radiusKm, openOnly, sc, 0)
	sc.list = sc.touched.collect(sc.acc, sc.list)
	return sc.list
}

// scan records in sc the studies with a site within radiusKm of p, by
// document number plus offset, with their nearest such site's distance.
func (g *sites) scan(p Point, radiusKm float64, openOnly bool, sc *scratch, offset uint32) {
	latSpan := radiusKm / 111.0
	lat0 := max(-90, p.Lat-latSpan)
	lat1 := min(89.999, p.Lat+latSpan)
	cosLat := math.Cos(math.Max(math.Abs(lat0), math.Abs(lat1)) * math.Pi / 180)
	lonSpan := 360.0
	if cosLat > 1e-6 {
		lonSpan = radiusKm / (111.320 * cosLat)
	}
	for la := math.Floor(lat0); la <= lat1; la++ {
		if lonSpan >= 180 {
			for lo := -180.0; lo < 180; lo++ {
				g.scanCell(cell(la, lo), p, radiusKm, openOnly, sc, offset)
			}
			continue
		}
		for lo := math.Floor(p.Lon - lonSpan); lo <= p.Lon+lonSpan; lo++ {
			wrapped := math.Mod(lo+540, 360) - 180
			g.scanCell(cell(la, wrapped), p, radiusKm, openOnly, sc, offset)
		}
	}
}

// scanCell records in sc, for each study with a site at a point of cell c
// within radiusKm of p, the distance if it is the study's nearest so far.
func (g *sites) scanCell(c int32, p Point, radiusKm float64, openOnly bool, sc *scratch, offset uint32) {
	r, ok := g.cells[c]
	if !ok {
		return
	}
	for pt := r[0]; pt < r[1]; pt++ {
		d64 := distanceKm(p.Lat, p.Lon, float64(g.pointLat[pt]), float64(g.pointLon[pt]))
		if d64 > radiusKm {
			continue
		}
		d := float32(d64)
		data, doc := g.atPoint[g.pointFirst[pt]:g.pointFirst[pt+1]], offset
		for i := 0; i < len(data); {
			var e uint32
			if b := data[i]; b < 0x80 {
				e = uint32(b)
				i++
			} else {
				v, k := binary.Uvarint(data[i:])
				e = uint32(v)
				i += k
			}
			doc += e >> 1
			if openOnly && e&1 == 0 {
				continue
			}
			if !sc.touched.has(doc) || d < sc.acc[doc] {
				sc.acc[doc] = d
				sc.touched.set(doc)
			}
		}
	}
}

// nearest returns doc's closest site to p, preferring recruiting sites:
// the nearest recruiting site if it has one, else its nearest site.
func (g *sites) nearest(doc uint32, p Point) (Nearest, bool) {
	var best Nearest
	found := false
	for si := g.first[doc]; si < g.first[doc+1]; si++ {
		pt, open := g.point[si]&noPoint, g.point[si]&openSite != 0
		if pt == noPoint {
			continue
		}
		d := distanceKm(p.Lat, p.Lon, float64(g.pointLat[pt]), float64(g.pointLon[pt]))
		better := !found ||
			(open && !best.Recruiting) ||
			(open == best.Recruiting && d < best.DistanceKm)
		if better {
			best = Nearest{Location: int(si - g.first[doc]), DistanceKm: d, Recruiting: open}
			found = true
		}
	}
	return best, found
}

// places maps countries, states and cities to the studies with a site
// there, for location filters and browsing by location.
type places struct {
	docs map[placeKey]*postings // term frequencies unused
	// Each document's distinct countries, for the country facet.
	countryFirst []uint32 // document number → first index in countryIDs; countryFirst[n] = total
	countryIDs   []uint16
	countryNames []string // id → name as first seen
	countryID    map[string]uint16

	// While building: the current study's places, and names made
	// canonical and folded to lower case (sites repeat a few thousand
	// names millions of times).
	seen  map[placeKey]bool
	names map[rawName]string
}

// rawName is a place name as a site writes it: a country, a state of a
// country, or a city.
type rawName struct {
	kind                 byte // 'c'ountry, 's'tate or 't'own
	country, state, city string
}

// placeKey is a country, a state in a country, or a city in a state; the
// names are folded to lower case.
type placeKey struct {
	country, state, city string
}

func (pl *places) add(doc uint32, s *study.Study) {
	if pl.docs == nil {
		pl.docs = map[placeKey]*postings{}
		pl.countryID = map[string]uint16{}
		pl.seen = map[placeKey]bool{}
		pl.names = map[rawName]string{}
	}
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
	seen := pl.seen
	clear(seen)
	for _, l := range s.Locations {
		if l.Country == "" {
			continue
		}
		c := pl.fold(rawName{kind: 'c', country: l.Country})
		if !seen[placeKey{c, "", ""}] {
			id, ok := pl.countryID[c]
			if !ok {
				id = uint16(len(pl.countryNames))
				pl.countryID[c] = id
				pl.countryNames = append(pl.countryNames, study.CountryName(l.Country))
			}
			pl.countryIDs = append(pl.countryIDs, id)
		}
		st := pl.fold(rawName{kind: 's', country: l.Country, state: l.State})
		ci := pl.fold(rawName{kind: 't', city: l.City})
		keys := [4]placeKey{{c, "", ""}}
		n := 1
		if st != "" {
			keys[n] = placeKey{c, st, ""}
			n++
		}
		if ci != "" {
			keys[n], keys[n+1] = placeKey{c, st, ci}, placeKey{c, "*", ci}
			n += 2
		}
		for _, k := range keys[:n] {
			if seen[k] {
				continue
			}
			seen[k] = true
			p := pl.docs[k]
			if p == nil {
				p = &postings{}
				pl.docs[k] = p
			}
			p.add(doc, 1)
		}
	}
}

// fold returns a place's canonical name (study.CountryName, StateName,
// CityName) in lower case, one copy per distinct name.
func (pl *places) fold(n rawName) string {
	if f, ok := pl.names[n]; ok {
		return f
	}
	k := canonicalKey(n.country, n.state, n.city)
	f := k.country
	switch n.kind {
	case 's':
		f = k.state
	case 't':
		f = k.city
	}
	pl.names[rawName{n.kind, strings.Clone(n.country), strings.Clone(n.state), strings.Clone(n.city)}] = f
	return f
}

// countCountries counts the marked documents by their countries, into
// counts by country number.
func (pl *places) countCountries(counts []int, docs bitset) {
	for wi, w := range docs {
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			d := base | uint32(trailing(w))
			for _, c := range pl.countryIDs[pl.countryFirst[d]:pl.countryFirst[d+1]] {
				counts[c]++
			}
		}
	}
}

func (pl *places) finish() {
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
	pl.seen, pl.names = nil, nil
	for _, p := range pl.docs {
		p.data = slices.Clip(p.data)
	}
}

// canonicalKey is the key of a place's canonical names.
func canonicalKey(country, state, city string) placeKey {
	return placeKey{
		country: strings.ToLower(study.CountryName(country)),
		state:   strings.ToLower(study.StateName(country, state)),
		city:    strings.ToLower(study.CityName(city)),
	}
}

// lookup returns the studies with a site in the place, by any of its
// names; an empty state with a city, or any state in a country whose
// regions do not tell cities apart (study.RegionsMatter), matches that
// city in any state.
func (pl *places) lookup(country, state, city string) []uint32 {
	k := canonicalKey(country, state, city)
	if k.city != "" && (k.state == "" || !study.RegionsMatter(country)) {
		k.state = "*"
	}
	p, ok := pl.docs[k]
	if !ok {
		return nil
	}
	return p.docs()
}
