package search

import (
	"math"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// sites holds every geocoded study site, grouped by study, with a grid of
// one-degree cells so a radius search looks only at nearby sites.
type sites struct {
	first []uint32 // document number → index of its first site; first[n] = total
	lat   []float32
	lon   []float32
	open  []bool  // the site (or, when sites carry no status, the study) is recruiting or not yet recruiting
	loc   []int32 // index of the site in study.Locations, for showing it
	doc   []uint32
	grid  map[int32][]uint32 // cell → site indexes
}

func (g *sites) add(doc uint32, s *study.Study) {
	if g.grid == nil {
		g.grid = map[int32][]uint32{}
	}
	g.first = append(g.first, uint32(len(g.lat)))
	for i, l := range s.Locations {
		if l.Geo == nil {
			continue
		}
		status := l.Status
		if status == "" {
			status = s.OverallStatus
		}
		si := uint32(len(g.lat))
		g.lat = append(g.lat, float32(l.Geo.Lat))
		g.lon = append(g.lon, float32(l.Geo.Lon))
		g.open = append(g.open, study.IsRecruiting(status))
		g.loc = append(g.loc, int32(i))
		g.doc = append(g.doc, doc)
		c := cell(l.Geo.Lat, l.Geo.Lon)
		g.grid[c] = append(g.grid[c], si)
	}
}

func (g *sites) finish() {
	g.first = append(g.first, uint32(len(g.lat)))
	for c, v := range g.grid {
		g.grid[c] = slices.Clip(v)
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

// within returns, for every study with a site within radiusKm of p, the
// distance to its nearest such site (recruiting sites only when
// openOnly), in document order.
func (g *sites) within(p Point, radiusKm float64, openOnly bool) (docs []uint32, dist []float32) {
	latSpan := radiusKm / 111.0
	lat0 := max(-90, p.Lat-latSpan)
	lat1 := min(89.999, p.Lat+latSpan)
	cosLat := math.Cos(math.Max(math.Abs(lat0), math.Abs(lat1)) * math.Pi / 180)
	lonSpan := 360.0
	if cosLat > 1e-6 {
		lonSpan = radiusKm / (111.320 * cosLat)
	}
	best := map[uint32]float32{}
	for la := math.Floor(lat0); la <= lat1; la++ {
		if lonSpan >= 180 {
			for lo := -180.0; lo < 180; lo++ {
				g.scanCell(cell(la, lo), p, radiusKm, openOnly, best)
			}
			continue
		}
		for lo := math.Floor(p.Lon - lonSpan); lo <= p.Lon+lonSpan; lo++ {
			wrapped := math.Mod(lo+540, 360) - 180
			g.scanCell(cell(la, wrapped), p, radiusKm, openOnly, best)
		}
	}
	docs = make([]uint32, 0, len(best))
	for d := range best {
		docs = append(docs, d)
	}
	slices.Sort(docs)
	dist = make([]float32, len(docs))
	for i, d := range docs {
		dist[i] = best[d]
	}
	return docs, dist
}

func (g *sites) scanCell(c int32, p Point, radiusKm float64, openOnly bool, best map[uint32]float32) {
	for _, si := range g.grid[c] {
		if openOnly && !g.open[si] {
			continue
		}
		d := distanceKm(p.Lat, p.Lon, float64(g.lat[si]), float64(g.lon[si]))
		if d > radiusKm {
			continue
		}
		doc := g.doc[si]
		if old, ok := best[doc]; !ok || float32(d) < old {
			best[doc] = float32(d)
		}
	}
}

// nearest returns doc's closest site to p, preferring recruiting sites:
// the nearest recruiting site if it has one, else its nearest site.
func (g *sites) nearest(doc uint32, p Point) (Nearest, bool) {
	var best Nearest
	found := false
	for si := g.first[doc]; si < g.first[doc+1]; si++ {
		d := distanceKm(p.Lat, p.Lon, float64(g.lat[si]), float64(g.lon[si]))
		better := !found ||
			(g.open[si] && !best.Recruiting) ||
			(g.open[si] == best.Recruiting && d < best.DistanceKm)
		if better {
			best = Nearest{Location: int(g.loc[si]), DistanceKm: d, Recruiting: g.open[si]}
			found = true
		}
	}
	return best, found
}

// places maps countries, states and cities to the studies with a site
// there, for location filters and browsing by location.
type places struct {
	docs map[placeKey][]uint32
	// Each document's distinct countries, for the country facet.
	countryFirst []uint32 // document number → first index in countryIDs; countryFirst[n] = total
	countryIDs   []uint16
	countryNames []string // id → name as first seen
	countryID    map[string]uint16
}

// placeKey is a country, a state in a country, or a city in a state; the
// names are folded to lower case.
type placeKey struct {
	country, state, city string
}

func (pl *places) add(doc uint32, s *study.Study) {
	if pl.docs == nil {
		pl.docs = map[placeKey][]uint32{}
		pl.countryID = map[string]uint16{}
	}
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
	seen := map[placeKey]bool{}
	for _, l := range s.Locations {
		if l.Country == "" {
			continue
		}
		c := strings.ToLower(l.Country)
		if !seen[placeKey{c, "", ""}] {
			id, ok := pl.countryID[c]
			if !ok {
				id = uint16(len(pl.countryNames))
				pl.countryID[c] = id
				pl.countryNames = append(pl.countryNames, l.Country)
			}
			pl.countryIDs = append(pl.countryIDs, id)
		}
		st := strings.ToLower(l.State)
		ci := strings.ToLower(l.City)
		keys := []placeKey{{c, "", ""}}
		if st != "" {
			keys = append(keys, placeKey{c, st, ""})
		}
		if ci != "" {
			keys = append(keys, placeKey{c, st, ci}, placeKey{c, "*", ci})
		}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			pl.docs[k] = append(pl.docs[k], doc)
		}
	}
}

func (pl *places) finish() {
	pl.countryFirst = append(pl.countryFirst, uint32(len(pl.countryIDs)))
	for k, v := range pl.docs {
		pl.docs[k] = slices.Clip(v)
	}
}

// lookup returns the studies with a site in the place; an empty state
// with a city matches that city in any state.
func (pl *places) lookup(country, state, city string) []uint32 {
	k := placeKey{strings.ToLower(country), strings.ToLower(state), strings.ToLower(city)}
	if k.state == "" && k.city != "" {
		k.state = "*"
	}
	return pl.docs[k]
}
