package gazetteer

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/trialfinder/trialfinder/internal/binfmt"
)

// SnapshotVersion is the format version of WriteSnapshot's output. Bump it
// on any change to the format or to what a Builder keeps of a study.
const SnapshotVersion = 2

// WriteSnapshot writes the builder's state: its places' sums as they
// are, so that reading them back needs no pass over the sites, and every
// study's sites, so that studies can still be replaced and removed.
func (b *Builder) WriteSnapshot(w io.Writer) error {
	e := binfmt.NewWriter(w)
	e.Uint(uint64(len(b.strs)))
	for _, s := range b.strs {
		e.String(s)
	}
	e.Uint(uint64(len(b.acc)))
	for k, a := range b.acc {
		e.Uint(uint64(k.kind))
		for _, s := range []string{k.country, k.state, k.city, k.zp} {
			e.String(s)
		}
		e.Int(int64(a.studies))
		e.Int(a.sumLat)
		e.Int(a.sumLon)
		e.Int(int64(a.geoSites))
		e.Uint(uint64(a.names.len()))
		a.names.each(func(sp spelling, n int) {
			for _, s := range []string{sp.country, sp.state, sp.city, sp.zip} {
				e.String(s)
			}
			e.Int(int64(n))
		})
		e.Uint(uint64(a.states.len()))
		a.states.each(func(s string, n int) {
			e.String(s)
			e.Int(int64(n))
		})
		e.Uint(uint64(len(a.spots)))
		for _, s := range a.spots {
			for _, x := range []string{s.sp.country, s.sp.state, s.sp.city, s.sp.zip} {
				e.String(x)
			}
			e.Int(s.sumLat)
			e.Int(s.sumLon)
			e.Int(int64(s.n))
		}
	}
	e.Uint(uint64(len(b.sites)))
	for _, s := range b.sites {
		e.Uint(uint64(s.country))
		e.Uint(uint64(s.state))
		e.Uint(uint64(s.city))
		e.Uint(uint64(s.zip))
		if !s.geo {
			e.Uint(0)
			continue
		}
		e.Uint(1)
		e.Float(s.lat)
		e.Float(s.lon)
	}
	e.Uint(uint64(b.studies.Len()))
	for id, sp := range b.studies.All() {
		e.String(id)
		e.Bytes(b.siteLists[sp.start:sp.end])
	}
	if err := e.Flush(); err != nil {
		return fmt.Errorf("write gazetteer snapshot: %w", err)
	}
	return nil
}

// ReadSnapshot reads a Builder that WriteSnapshot wrote.
func ReadSnapshot(r io.Reader) (*Builder, error) {
	d := binfmt.NewReader(r)
	b := NewBuilder()
	b.strs = make([]string, d.Count())
	b.strIDs = make(map[string]uint32, len(b.strs))
	b.folded = make([]string, len(b.strs))
	for i := range b.strs {
		b.strs[i] = d.String()
		b.strIDs[b.strs[i]] = uint32(i)
		b.folded[i] = fold(b.strs[i])
	}
	nAcc := d.Count()
	b.acc = make(map[key]*accum, nAcc)
	for range nAcc {
		k := key{kind: Kind(d.Uint()), country: d.String(), state: d.String(), city: d.String(), zp: d.String()}
		a := &accum{kind: k.kind, studies: int(d.Int()), sumLat: d.Int(), sumLon: d.Int(), geoSites: int(d.Int())}
		for range d.Count() {
			sp := spelling{country: d.String(), state: d.String(), city: d.String(), zip: d.String()}
			if n := int(d.Int()); n > 0 {
				a.names.add(sp, n)
			}
		}
		for range d.Count() {
			s := d.String()
			if n := int(d.Int()); n > 0 {
				a.states.add(s, n)
			}
		}
		for range d.Count() {
			s := spot{sp: spelling{country: d.String(), state: d.String(), city: d.String(), zip: d.String()}, sumLat: d.Int(), sumLon: d.Int(), n: int(d.Int())}
			if s.n > 0 {
				a.spots = append(a.spots, s)
			}
		}
		b.acc[k] = a
	}
	b.sites = make([]site, d.Count())
	b.siteIDs = make(map[site]uint32, len(b.sites))
	for i := range b.sites {
		s := site{country: uint32(d.Uint()), state: uint32(d.Uint()), city: uint32(d.Uint()), zip: uint32(d.Uint())}
		if d.Uint() == 1 {
			s.geo, s.lat, s.lon = true, d.Float(), d.Float()
		}
		if top := max(s.country, s.state, s.city, s.zip); int(top) >= len(b.strs) {
			return nil, fmt.Errorf("read gazetteer snapshot: %w: a site names string %d of %d", binfmt.ErrCorrupt, top, len(b.strs))
		}
		b.sites[i] = s
		b.siteIDs[s] = uint32(i)
	}
	nStudies := d.Count()
	b.studies.Grow(nStudies)
	for range nStudies {
		id, sites := d.String(), d.Bytes()
		for rest := sites; len(rest) > 0; {
			n, k := binary.Uvarint(rest)
			if k <= 0 || n >= uint64(len(b.sites)) {
				return nil, fmt.Errorf("read gazetteer snapshot: %w: %s has a site out of range", binfmt.ErrCorrupt, id)
			}
			rest = rest[k:]
		}
		start := len(b.siteLists)
		b.siteLists = append(b.siteLists, sites...)
		b.studies.Set(id, span{uint32(start), uint32(len(b.siteLists))})
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("read gazetteer snapshot: %w", err)
	}
	return b, nil
}
