package search

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// Filter narrows a search without changing its ranking. Zero fields do not
// filter. Values use the API v2 enum spelling.
type Filter struct {
	Statuses    []string
	Phases      []string
	StudyTypes  []string
	FunderTypes []string
	// Sex keeps studies open to that sex: FEMALE keeps FEMALE and ALL.
	Sex string
	// AgeYears keeps studies a person of this age may join. A study with no
	// minimum (maximum) age is open at that end.
	AgeYears *float64
	// StdAges keeps studies open to any of these age groups.
	StdAges           []string
	HealthyVolunteers *bool
	HasResults        *bool
	Dates             []DateRange
	NCTIDs            []string
	Country           string
	State             string
	City              string
	Geo               *GeoFilter
}

// DateRange keeps studies whose date field lies in [From, To]; either end
// may be empty (open). Dates are "YYYY-MM-DD", "YYYY-MM" or "YYYY".
type DateRange struct {
	Field    string // StartDate, PrimaryCompletionDate, CompletionDate, StudyFirstPostDate, LastUpdatePostDate, ResultsFirstPostDate
	From, To string
}

// GeoFilter keeps studies with a site within RadiusKm of Point; with
// RecruitingOnly, only recruiting or not-yet-recruiting sites count.
type GeoFilter struct {
	Point
	RadiusKm       float64
	RecruitingOnly bool
}

var dateFieldNames = map[string]dateField{
	"startdate":             dStart,
	"primarycompletiondate": dPrimaryCompletion,
	"completiondate":        dCompletion,
	"studyfirstpostdate":    dFirstPosted,
	"lastupdatepostdate":    dLastUpdate,
	"resultsfirstpostdate":  dResultsFirstPosted,
}

// DateFieldNames lists the date fields a DateRange or sort may name.
func DateFieldNames() []string {
	return []string{"StartDate", "PrimaryCompletionDate", "CompletionDate", "StudyFirstPostDate", "LastUpdatePostDate", "ResultsFirstPostDate"}
}

// compiled is a Filter turned into column tests.
type compiled struct {
	status, studyType, sex uint64 // bit sets of accepted column values
	phases, stdAges        uint8
	funders                uint16
	ageDays                float32
	hasAge                 bool
	healthy                uint8 // 0: any
	results                int8  // -1: any
	dates                  []compiledDate
	docs                   []uint32 // nil: any; else an allowed set in order
	restricted             bool
	columnTests            bool     // any test on the columns is set
	geo                    docList  // studies near the geo filter's point, scored with their distance
	geoMemory              *scratch // holds geo; back to the pool with release
}

type compiledDate struct {
	f      dateField
	lo, hi int32
}

// InvalidError is a request the caller got wrong; the API answers it
// with 400.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

func enumSet(name string, e study.Enum, vs []string) (uint64, error) {
	var set uint64
	for _, v := range vs {
		i := enumIndex(e, v)
		if i < 0 {
			return 0, invalid("%s: unknown value %q (want one of %s)", name, v, strings.Join(e.Strings(), ", "))
		}
		set |= 1 << i
	}
	return set, nil
}

func (ix *Index) compile(f *Filter) (*compiled, error) {
	c := &compiled{results: -1}
	var err error
	var set uint64
	if set, err = enumSet("overallStatus", study.Statuses, f.Statuses); err != nil {
		return nil, err
	}
	c.status = set << 1 // column values are 1 + enum index
	if set, err = enumSet("phase", study.Phases, f.Phases); err != nil {
		return nil, err
	}
	c.phases = uint8(set)
	if set, err = enumSet("studyType", study.StudyTypes, f.StudyTypes); err != nil {
		return nil, err
	}
	c.studyType = set << 1
	if set, err = enumSet("funderType", study.AgencyClasses, f.FunderTypes); err != nil {
		return nil, err
	}
	c.funders = uint16(set)
	if set, err = enumSet("stdAge", study.StdAges, f.StdAges); err != nil {
		return nil, err
	}
	c.stdAges = uint8(set)
	switch f.Sex {
	case "":
	case "FEMALE", "MALE":
		set, _ = enumSet("sex", study.Sexes, []string{f.Sex, "ALL"})
		c.sex = set << 1
	case "ALL":
		set, _ = enumSet("sex", study.Sexes, []string{"ALL"})
		c.sex = set << 1
	default:
		return nil, invalid("sex: unknown value %q (want FEMALE, MALE or ALL)", f.Sex)
	}
	if f.AgeYears != nil {
		a := *f.AgeYears
		if a < 0 || a > 150 || math.IsNaN(a) {
			return nil, invalid("age: %g years is out of range", a)
		}
		c.ageDays = float32(a * 365.25)
		c.hasAge = true
	}
	if p := f.HealthyVolunteers; p != nil {
		c.healthy = 2
		if *p {
			c.healthy = 1
		}
	}
	if p := f.HasResults; p != nil {
		c.results = 0
		if *p {
			c.results = 1
		}
	}
	for _, r := range f.Dates {
		df, ok := dateFieldNames[strings.ToLower(r.Field)]
		if !ok {
			return nil, invalid("date filter: unknown field %q (want one of %s)", r.Field, strings.Join(DateFieldNames(), ", "))
		}
		cd := compiledDate{f: df, lo: math.MinInt32 + 1, hi: math.MaxInt32}
		if r.From != "" {
			if cd.lo = dayNumber(r.From); cd.lo == noDate {
				return nil, invalid("date filter %s: %q is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", r.Field, r.From)
			}
		}
		if r.To != "" {
			if cd.hi = lastDay(r.To); cd.hi == noDate {
				return nil, invalid("date filter %s: %q is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", r.Field, r.To)
			}
		}
		c.dates = append(c.dates, cd)
	}
	if len(f.NCTIDs) > 0 {
		var docs []uint32
		for _, id := range f.NCTIDs {
			if d, ok := ix.docOf(strings.TrimSpace(id)); ok {
				docs = append(docs, d)
			}
		}
		slices.Sort(docs)
		c.restrict(slices.Compact(docs))
	}
	if f.Country != "" || f.State != "" || f.City != "" {
		if f.Country == "" {
			return nil, invalid("location filter: a state or city needs a country")
		}
		c.restrict(ix.placeDocs(f.Country, f.State, f.City))
	}
	if g := f.Geo; g != nil {
		if g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180 || math.IsNaN(g.Lat) || math.IsNaN(g.Lon) {
			return nil, invalid("geo filter: (%g, %g) is not a coordinate", g.Lat, g.Lon)
		}
		if !(g.RadiusKm > 0 && g.RadiusKm <= 20000) {
			return nil, invalid("geo filter: distance must be more than 0 and at most 20000 km")
		}
		c.geoMemory = ix.getScratch()
		c.geo = ix.within(g.Point, g.RadiusKm, g.RecruitingOnly, c.geoMemory)
		c.restrict(c.geo.ids)
	}
	c.columnTests = c.status|c.studyType|c.sex != 0 || c.phases|c.stdAges != 0 || c.funders != 0 ||
		c.hasAge || c.healthy != 0 || c.results >= 0 || len(c.dates) > 0
	return c, nil
}

// release returns the filter's memory to the pool, once the search no
// longer needs it.
func (c *compiled) release(ix *Index) {
	if c.geoMemory != nil {
		ix.putScratch(c.geoMemory)
		c.geoMemory, c.geo, c.docs = nil, docList{}, nil
	}
}

// candidates is what a search without a text query finds: the studies
// that pass the filter, from its allowed set if it has one (a geo radius, a
// place, NCT IDs), else from every study. Testing each candidate before
// marking it, rather than leaving that to apply, spares a filter over the
// whole index writing to every document's score.
func (c *compiled) candidates(ix *Index) *scratch {
	if !c.restricted && !c.columnTests {
		return ix.allDocs()
	}
	sc := ix.getScratch()
	keep := func(d uint32) {
		if !c.columnTests || c.match(&ix.col, d) {
			sc.touched.set(d)
		}
	}
	if c.restricted {
		for _, d := range c.docs {
			keep(d)
		}
	} else {
		for d := range uint32(ix.n) {
			keep(d)
		}
	}
	return sc
}

// lastDay is dayNumber for the end of a range: a partial date counts as
// its last day, so To "2020" includes all of 2020.
func lastDay(s string) int32 {
	switch len(s) {
	case 4:
		if y, ok := digits(s, 0, 4); ok {
			return int32(daysFromCivil(y+1, 1, 1) - 1)
		}
	case 7:
		y, ok1 := digits(s, 0, 4)
		m, ok2 := digits(s, 5, 7)
		if ok1 && ok2 && m >= 1 && m <= 12 && s[4] == '-' {
			if m == 12 {
				return int32(daysFromCivil(y+1, 1, 1) - 1)
			}
			return int32(daysFromCivil(y, m+1, 1) - 1)
		}
	case 10:
		return dayNumber(s)
	}
	return noDate
}

// restrict intersects the allowed document set with docs (in order).
func (c *compiled) restrict(docs []uint32) {
	if !c.restricted {
		c.docs = docs
		c.restricted = true
		return
	}
	var out []uint32
	eachCommon(c.docs, docs, func(_, j int) { out = append(out, docs[j]) })
	c.docs = out
}

// match reports whether doc passes every column test.
func (c *compiled) match(col *columns, doc uint32) bool {
	if c.status != 0 && c.status&(1<<col.status[doc]) == 0 {
		return false
	}
	if c.studyType != 0 && c.studyType&(1<<col.studyType[doc]) == 0 {
		return false
	}
	if c.phases != 0 && c.phases&col.phases[doc] == 0 {
		return false
	}
	if c.funders != 0 && c.funders&col.funders[doc] == 0 {
		return false
	}
	if c.sex != 0 && c.sex&(1<<col.sex[doc]) == 0 {
		return false
	}
	if c.stdAges != 0 && c.stdAges&col.stdAges[doc] == 0 {
		return false
	}
	if c.hasAge {
		// NaN compares false, so a missing bound never excludes.
		if col.minAge[doc] > c.ageDays || col.maxAge[doc] < c.ageDays {
			return false
		}
	}
	if c.healthy != 0 && col.healthy[doc] != c.healthy {
		return false
	}
	if c.results >= 0 && col.results[doc] != (c.results == 1) {
		return false
	}
	for _, d := range c.dates {
		v := col.dates[d.f][doc]
		if v == noDate || v < d.lo || v > d.hi {
			return false
		}
	}
	return true
}

// apply keeps, in place, the documents of sc that pass the filter.
func (c *compiled) apply(col *columns, sc *scratch) {
	if !c.restricted && !c.columnTests {
		return
	}
	j := 0 // c.docs[j] is the first allowed document not below the current one
	for wi, w := range sc.touched {
		if w == 0 {
			continue
		}
		keep := w
		base := uint32(wi) << 6
		for ; w != 0; w &= w - 1 {
			t := trailing(w)
			d := base | uint32(t)
			ok := true
			if c.restricted {
				for j < len(c.docs) && c.docs[j] < d {
					j++
				}
				ok = j < len(c.docs) && c.docs[j] == d
			}
			if ok && c.columnTests {
				ok = c.match(col, d)
			}
			if !ok {
				keep &^= 1 << t
				sc.acc[d] = 0
			}
		}
		sc.touched[wi] = keep
	}
}
