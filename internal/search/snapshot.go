package search

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"maps"
	"slices"
	"sync"
)

// SnapshotVersion is the format version of WriteSnapshot's output. Bump it
// on any change to the format or to what the index derives from a study.
const SnapshotVersion = 1

// ErrSnapshotVersion is the error ReadSnapshot returns for a snapshot of
// another format version: the caller builds afresh.
var ErrSnapshotVersion = errors.New("search snapshot of another format version")

// A snapshot is the magic, the version (uint32), then the index's arrays
// in a fixed order, each a uint64 count of elements and the elements,
// little-endian, and last a CRC-32C of everything before it. The arrays
// are the index's own flat arrays, so reading one is a bulk decode per
// array rather than an allocation per value; what follows cheaply from
// them (length norms, facet bitsets, the cell map of site points) is
// computed again on reading. Broad terms' scores are kept: computing
// them is the costly part of finishing an index.
const snapshotMagic = "TFSEARCH"

// maxSnapshotChunk bounds the bytes read (and allocated) at a time, so
// that a corrupted count fails at the end of the data instead of
// allocating what it says.
const maxSnapshotChunk = 16 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes the index in a versioned binary format: an index
// Apply left in segments is written as its base, delta and dead
// documents, and read back as the same segments.
func (ix *Index) WriteSnapshot(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	sw := &snapWriter{w: bw, crc: crc32.New(castagnoli)}
	sw.raw([]byte(snapshotMagic))
	sw.raw(binary.LittleEndian.AppendUint32(nil, SnapshotVersion))
	base, segmented := ix, []uint8{0}
	if ix.base != nil {
		base, segmented[0] = ix.base, 1
	}
	base.snapshotArrays(sw)
	sw.u8(&segmented)
	if ix.base != nil {
		ix.delta.snapshotArrays(sw)
		dead := []uint64(ix.dead)
		sw.u64(&dead)
	}
	if sw.err == nil {
		_, sw.err = bw.Write(binary.LittleEndian.AppendUint32(nil, sw.crc.Sum32()))
	}
	if sw.err == nil {
		sw.err = bw.Flush()
	}
	if sw.err != nil {
		return fmt.Errorf("write search snapshot: %w", sw.err)
	}
	return nil
}

// ReadSnapshot reads an index WriteSnapshot wrote. A snapshot of another
// format version fails with ErrSnapshotVersion; a truncated or corrupted
// one with an error saying so.
func ReadSnapshot(r io.Reader) (*Index, error) {
	sr := &snapReader{r: bufio.NewReaderSize(r, 1<<20), crc: crc32.New(castagnoli)}
	head := sr.raw(len(snapshotMagic) + 4)
	if sr.err != nil {
		return nil, fmt.Errorf("read search snapshot: %w", sr.err)
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic {
		return nil, errors.New("read search snapshot: not a search snapshot")
	}
	if v := binary.LittleEndian.Uint32(head[len(snapshotMagic):]); v != SnapshotVersion {
		return nil, fmt.Errorf("read search snapshot: version %d, want %d: %w", v, SnapshotVersion, ErrSnapshotVersion)
	}
	ix := &Index{scratch: &sync.Pool{}}
	ix.snapshotArrays(sr)
	var segmented []uint8
	sr.u8(&segmented)
	var delta *Index
	var dead []uint64
	if len(segmented) == 1 && segmented[0] == 1 {
		delta = &Index{scratch: &sync.Pool{}}
		delta.snapshotArrays(sr)
		sr.u64(&dead)
	}
	sum := sr.crc.Sum32()
	tail := sr.raw(4)
	if sr.err == nil && binary.LittleEndian.Uint32(tail) != sum {
		sr.err = errors.New("checksum mismatch: the snapshot is corrupted")
	}
	if sr.err == nil {
		sr.err = ix.checkShape()
	}
	if sr.err == nil && len(segmented) != 1 {
		sr.err = errors.New("the arrays of the index do not fit together")
	}
	if sr.err == nil && delta != nil {
		if sr.err = delta.checkShape(); sr.err == nil && len(dead) != len(newBitset(ix.n)) {
			sr.err = errors.New("the dead documents do not fit the index")
		}
	}
	if sr.err != nil {
		if errors.Is(sr.err, io.EOF) || errors.Is(sr.err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("read search snapshot: truncated: %w", io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("read search snapshot: %w", sr.err)
	}
	ix.finishStats()
	if delta != nil {
		delta.finishStats()
		return compose(ix, delta, bitset(dead)), nil
	}
	return ix, nil
}

// snapshotArrays passes each of the index's arrays to a, in the format's
// order: the one list of what a snapshot holds, for writing and reading.
func (ix *Index) snapshotArrays(a snapArrays) {
	n := []uint64{uint64(ix.n)}
	a.u64(&n)
	if len(n) == 1 {
		ix.n = int(n[0])
	}
	a.strtab(&ix.nct)

	// Every claim of an alias, the first (aliases) then the others.
	var aliases strtab
	var aliasDocs []uint32
	for _, k := range slices.Sorted(maps.Keys(ix.aliases)) {
		for _, d := range append([]uint32{ix.aliases[k]}, ix.aliasAlso[k]...) {
			aliases.add(k)
			aliasDocs = append(aliasDocs, d)
		}
	}
	a.strtab(&aliases)
	a.u32(&aliasDocs)
	if ix.aliases == nil && a.ok() {
		ix.aliases = make(map[string]uint32, len(aliasDocs))
		for i := range min(aliases.len(), len(aliasDocs)) {
			k := aliases.at(i)
			if _, taken := ix.aliases[k]; !taken {
				ix.aliases[k] = aliasDocs[i]
				continue
			}
			if ix.aliasAlso == nil {
				ix.aliasAlso = map[string][]uint32{}
			}
			ix.aliasAlso[k] = append(ix.aliasAlso[k], aliasDocs[i])
		}
	}

	a.strtab(&ix.tokens)
	a.u32(&ix.tokenIDs)
	a.u64(&ix.listKeys)
	a.u32(&ix.listDF)
	a.u32(&ix.listStart)
	a.u8(&ix.arena)
	ix.perDocArrays(a)

	var broadIDs, broadSpans []uint32
	for _, id := range slices.Sorted(maps.Keys(ix.broad)) {
		broadIDs = append(broadIDs, id)
		broadSpans = append(broadSpans, ix.broad[id].start, ix.broad[id].end)
	}
	a.u32(&broadIDs)
	a.u32(&broadSpans)
	a.u8(&ix.broadArena)
	if ix.broad == nil && a.ok() && len(broadSpans) == 2*len(broadIDs) {
		ix.broad = make(map[uint32]broadList, len(broadIDs))
		for i, id := range broadIDs {
			ix.broad[id] = broadList{broadSpans[2*i], broadSpans[2*i+1]}
		}
	}

	g := &ix.sites
	a.u32(&g.first)
	a.u32(&g.point)
	a.f32(&g.pointLat)
	a.f32(&g.pointLon)
	// A snapshot holds each point's sites as plain numbers, as pack
	// takes them: the format before atPoint was packed.
	var first, entries []uint32
	reading := g.pointFirst == nil // a finished index has at least one
	if !reading {
		first, entries = g.unpack()
	}
	a.u32(&first)
	a.u32(&entries)
	if reading && a.ok() && !g.pack(first, entries) {
		g.pointFirst, g.atPoint = nil, nil // checkShape refuses it
	}
	if g.cells == nil {
		g.indexCells()
	}
	ix.places.snapshotArrays(a)
}

// perDocArrays passes each array of one value per study (the columns
// and the field lengths) to a: the one list of them, for snapshots and for
// laying out the documents of two indexes as one (incremental.go).
func (ix *Index) perDocArrays(a snapArrays) {
	c := &ix.col
	a.u8(&c.status)
	a.u8(&c.studyType)
	a.u8(&c.phases)
	a.u16(&c.funders)
	a.u8(&c.sex)
	a.u8(&c.stdAges)
	a.u8(&c.healthy)
	a.bools(&c.results)
	a.f32(&c.minAge)
	a.f32(&c.maxAge)
	a.i32(&c.enrollment)
	a.u16(&c.armGroups)
	for f := range numDateFields {
		a.i32(&c.dates[f])
	}
	for f := range numFields {
		a.u16(&ix.fieldLen[f])
	}
}

func (pl *places) snapshotArrays(a snapArrays) {
	keys := slices.SortedFunc(maps.Keys(pl.docs), func(x, y placeKey) int {
		return cmp.Or(cmp.Compare(x.country, y.country), cmp.Compare(x.state, y.state), cmp.Compare(x.city, y.city))
	})
	var countries, states, cities strtab
	var df, end []uint32
	var data []byte
	for _, k := range keys {
		countries.add(k.country)
		states.add(k.state)
		cities.add(k.city)
		p := pl.docs[k]
		df = append(df, p.df)
		data = append(data, p.data...)
		end = append(end, uint32(len(data)))
	}
	a.strtab(&countries)
	a.strtab(&states)
	a.strtab(&cities)
	a.u32(&df)
	a.u32(&end)
	a.u8(&data)
	if pl.docs == nil && a.ok() {
		pl.docs = make(map[placeKey]*postings, len(df))
		n := min(countries.len(), states.len(), cities.len(), len(df), len(end))
		start := uint32(0)
		for i := range n {
			if start > end[i] || end[i] > uint32(len(data)) {
				break // checkShape reports the shortfall
			}
			k := placeKey{countries.at(i), states.at(i), cities.at(i)}
			pl.docs[k] = &postings{df: df[i], data: data[start:end[i]:end[i]]}
			start = end[i]
		}
	}

	a.u32(&pl.countryFirst)
	a.u16(&pl.countryIDs)
	var names, folded strtab
	for _, n := range pl.countryNames {
		names.add(n)
	}
	for _, k := range countryKeys(pl) {
		folded.add(k)
	}
	a.strtab(&names)
	a.strtab(&folded)
	if pl.countryID == nil && a.ok() {
		pl.countryID = make(map[string]uint16, folded.len())
		for i := range min(names.len(), folded.len()) {
			pl.countryNames = append(pl.countryNames, names.at(i))
			pl.countryID[folded.at(i)] = uint16(i)
		}
	}
}

// checkShape checks that a read index's arrays fit together, so that a
// snapshot from a faulty writer fails here rather than in a search.
func (ix *Index) checkShape() error {
	n := ix.n
	perDoc := []int{ix.nct.len(), len(ix.col.status), len(ix.col.studyType), len(ix.col.phases), len(ix.col.funders),
		len(ix.col.sex), len(ix.col.stdAges), len(ix.col.healthy), len(ix.col.results), len(ix.col.minAge),
		len(ix.col.maxAge), len(ix.col.enrollment), len(ix.col.armGroups), len(ix.sites.first) - 1, len(ix.places.countryFirst) - 1}
	for f := range numDateFields {
		perDoc = append(perDoc, len(ix.col.dates[f]))
	}
	for f := range numFields {
		perDoc = append(perDoc, len(ix.fieldLen[f]))
	}
	for i, l := range perDoc {
		if l != n {
			return fmt.Errorf("per-study array %d has %d entries for %d studies", i, l, n)
		}
	}
	lists := len(ix.listKeys)
	if len(ix.listDF) != lists || len(ix.listStart) != lists+1 || ix.listStart[lists] != uint32(len(ix.arena)) ||
		ix.tokens.len() != len(ix.tokenIDs) || len(ix.places.countryNames) != len(ix.places.countryID) ||
		ix.sites.first[n] != uint32(len(ix.sites.point)) || len(ix.sites.pointLat) != len(ix.sites.pointLon) ||
		len(ix.sites.pointFirst) != len(ix.sites.pointLat)+1 ||
		ix.places.countryFirst[n] != uint32(len(ix.places.countryIDs)) {
		return errors.New("the arrays of the index do not fit together")
	}
	for k, doc := range ix.aliases {
		if int(doc) >= n || slices.ContainsFunc(ix.aliasAlso[k], func(d uint32) bool { return int(d) >= n }) {
			return errors.New("an alias names a study the index lacks")
		}
	}
	for _, l := range ix.broad {
		if l.start > l.end || l.end > uint32(len(ix.broadArena)) {
			return errors.New("a broad term's scores lie outside their array")
		}
	}
	return nil
}

// snapArrays is a snapshot's writer or reader: each method writes the
// array, or reads it into the pointer.
type snapArrays interface {
	u8(*[]uint8)
	u16(*[]uint16)
	u32(*[]uint32)
	u64(*[]uint64)
	i32(*[]int32)
	f32(*[]float32)
	bools(*[]bool)
	strtab(*strtab)
	// ok reports whether the arrays so far are whole: a reader builds
	// its maps from them only then.
	ok() bool
}

type snapWriter struct {
	w   io.Writer
	crc hash.Hash32
	err error
	buf []byte
}

func (s *snapWriter) raw(b []byte) {
	if s.err == nil {
		s.crc.Write(b)
		_, s.err = s.w.Write(b)
	}
}

// writeArray writes a's count and then its elements, a chunk at a time.
func writeArray[T any](s *snapWriter, a []T, size int) {
	s.raw(binary.LittleEndian.AppendUint64(nil, uint64(len(a))))
	step := maxSnapshotChunk / size
	for i := 0; i < len(a) && s.err == nil; i += step {
		s.buf, s.err = binary.Append(s.buf[:0], binary.LittleEndian, a[i:min(i+step, len(a))])
		s.raw(s.buf)
	}
}

func (s *snapWriter) u8(a *[]uint8)    { writeArray(s, *a, 1) }
func (s *snapWriter) u16(a *[]uint16)  { writeArray(s, *a, 2) }
func (s *snapWriter) u32(a *[]uint32)  { writeArray(s, *a, 4) }
func (s *snapWriter) u64(a *[]uint64)  { writeArray(s, *a, 8) }
func (s *snapWriter) i32(a *[]int32)   { writeArray(s, *a, 4) }
func (s *snapWriter) f32(a *[]float32) { writeArray(s, *a, 4) }
func (s *snapWriter) bools(a *[]bool)  { writeArray(s, *a, 1) }
func (s *snapWriter) ok() bool         { return s.err == nil }
func (s *snapWriter) strtab(t *strtab) {
	writeArray(s, t.data, 1)
	writeArray(s, t.end, 4)
}

type snapReader struct {
	r   io.Reader
	crc hash.Hash32
	err error
	buf []byte
}

// raw reads n bytes into a buffer valid until the next call.
func (s *snapReader) raw(n int) []byte {
	if s.err != nil {
		return nil
	}
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	if _, s.err = io.ReadFull(s.r, b); s.err != nil {
		return nil
	}
	s.crc.Write(b)
	return b
}

// readArray reads an array writeArray wrote into *a, a chunk at a time,
// growing it as the data arrives.
func readArray[T any](s *snapReader, a *[]T, size int) {
	head := s.raw(8)
	if s.err != nil {
		return
	}
	n := binary.LittleEndian.Uint64(head)
	if n > 1<<40 {
		s.err = fmt.Errorf("an array of %d elements: the snapshot is corrupted", n)
		return
	}
	step := maxSnapshotChunk / size
	out := make([]T, 0, min(int(n), step))
	for left := int(n); left > 0 && s.err == nil; {
		k := min(left, step)
		b := s.raw(k * size)
		if s.err != nil {
			break
		}
		out = slices.Grow(out, k)[:len(out)+k]
		if _, err := binary.Decode(b, binary.LittleEndian, out[len(out)-k:]); err != nil {
			s.err = err
		}
		left -= k
	}
	*a = out
}

func (s *snapReader) u8(a *[]uint8)    { readArray(s, a, 1) }
func (s *snapReader) u16(a *[]uint16)  { readArray(s, a, 2) }
func (s *snapReader) u32(a *[]uint32)  { readArray(s, a, 4) }
func (s *snapReader) u64(a *[]uint64)  { readArray(s, a, 8) }
func (s *snapReader) i32(a *[]int32)   { readArray(s, a, 4) }
func (s *snapReader) f32(a *[]float32) { readArray(s, a, 4) }
func (s *snapReader) bools(a *[]bool)  { readArray(s, a, 1) }
func (s *snapReader) ok() bool         { return s.err == nil }
func (s *snapReader) strtab(t *strtab) {
	readArray(s, &t.data, 1)
	readArray(s, &t.end, 4)
	prev := uint32(0)
	for _, e := range t.end {
		if e < prev || e > uint32(len(t.data)) {
			s.err = errors.New("a string table's ends are out of order: the snapshot is corrupted")
			break
		}
		prev = e
	}
}
