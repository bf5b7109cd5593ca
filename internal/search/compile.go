package search

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/query"
	"github.com/trialfinder/trialfinder/internal/textproc"
)

// areaParams pairs each of the API's query.* parameter suffixes with the
// query language's search area it searches (for lead, a single field), in
// the API's order.
var areaParams = []struct{ param, area string }{
	{"cond", "ConditionSearch"},
	{"term", "BasicSearch"},
	{"intr", "InterventionSearch"},
	{"titles", "TitleSearch"},
	{"outc", "OutcomeSearch"},
	{"spons", "SponsorSearch"},
	{"lead", "LeadSponsorName"},
	{"id", "IdSearch"},
	{"locn", "LocationSearch"},
}

// AreaParams lists the query.* parameter suffixes Search accepts.
func AreaParams() []string {
	out := make([]string, len(areaParams))
	for i, a := range areaParams {
		out[i] = a.param
	}
	return out
}

// AreaOfParam returns the search area (or field) a query.* parameter
// suffix searches.
func AreaOfParam(param string) (string, bool) {
	for _, a := range areaParams {
		if a.param == param {
			return a.area, true
		}
	}
	return "", false
}

// SynonymSource returns the synonyms of a condition term.
type SynonymSource func(text string) []Synonym

// WithSynonyms returns a view of the index that expands condition terms
// through src.
func (ix *Index) WithSynonyms(src SynonymSource) *Index {
	c := *ix
	c.synonyms = src
	return &c
}

// compiler turns one area's syntax tree into a plan.
type compiler struct {
	ix      *Index
	param   string // the query.* parameter, for messages and details
	details []*TermDetail
}

// scope is what a subtree is searched in.
type scope struct {
	fields []fieldWeight
	field  *query.Field // the single field of an AREA[...] over one field
	expand bool         // expand condition terms through synonyms
	basic  bool         // fields are the whole BasicSearch area
	// everyday also searches words' everyday alternatives
	// (AreaQuery.Everyday).
	everyday bool
}

// evalQueries runs the text queries and the filter; with no text query,
// the result is the filter's candidates. The caller releases the result.
func (ix *Index) evalQueries(qs []AreaQuery, filter *compiled) (*scratch, Details, bool, error) {
	var parts []plan
	var details Details
	var all []*TermDetail
	for _, q := range qs {
		if strings.TrimSpace(q.Query) == "" {
			continue
		}
		areaName, ok := AreaOfParam(q.Area)
		if !ok {
			return nil, details, false, invalid("query.%s: unknown search area (want one of %s)", q.Area, strings.Join(AreaParams(), ", "))
		}
		node, err := query.Parse(q.Query)
		if err != nil {
			return nil, details, false, invalid("query.%s: %v", q.Area, err)
		}
		area, _ := query.LookupField(areaName)
		c := &compiler{ix: ix, param: q.Area}
		sc, err := c.scopeOf(area)
		if err != nil {
			return nil, details, false, err
		}
		sc.expand = (q.Area == "cond" && !q.Exact || q.Area == "term" && q.Everyday) && ix.synonyms != nil
		sc.everyday = q.Everyday
		p, err := c.compile(node, sc)
		if err != nil {
			return nil, details, false, err
		}
		parts = append(parts, p)
		all = append(all, c.details...)
	}
	if len(parts) == 0 {
		sc := filter.candidates(ix)
		ix.dropDead(sc)
		return sc, details, false, nil
	}
	l := ix.eval(planAnd{parts: parts})
	ix.dropDead(l)
	filter.apply(&ix.col, l)
	// Details are copied after evaluation, which records the matched fields.
	for _, d := range all {
		details.Terms = append(details.Terms, *d)
	}
	return l, details, len(all) > 0, nil
}

func (c *compiler) scopeOf(f *query.Field) (scope, error) {
	if f.IsArea() {
		if f.Name == "BasicSearch" {
			return scope{fields: basicFields, basic: true}, nil
		}
		return scope{fields: areaFields(f)}, nil
	}
	if f.Kind == query.KindText {
		idx, ok := fieldsByName[strings.ToLower(f.Name)]
		if !ok {
			return scope{}, invalid("query.%s: AREA[%s] is not searchable here (its text is not indexed)", c.param, f.Name)
		}
		return scope{fields: []fieldWeight{{idx, 1}}}, nil
	}
	return scope{field: f}, nil
}

func (c *compiler) compile(n query.Node, sc scope) (plan, error) {
	switch n := n.(type) {
	case *query.Term:
		if sc.field != nil {
			return c.value(sc.field, n.Text)
		}
		return c.text(n.Text, false, sc), nil
	case *query.Phrase:
		if sc.field != nil {
			return c.value(sc.field, n.Text)
		}
		return c.text(n.Text, true, sc), nil
	case *query.And:
		parts, err := c.compileAll(n.Nodes, sc)
		return planAnd{parts: parts}, err
	case *query.Or:
		parts, err := c.compileAll(n.Nodes, sc)
		return planOr(parts), err
	case *query.Not:
		p, err := c.compile(n.Node, sc)
		return planNot{p}, err
	case *query.Area:
		f, _ := query.LookupField(n.Field)
		inner, err := c.scopeOf(f)
		if err != nil {
			return nil, err
		}
		inner.expand = sc.expand && (f.Name == "ConditionSearch" || f.Name == "Condition")
		inner.everyday = sc.everyday
		return c.compile(n.Node, inner)
	case *query.Range:
		return c.rangePlan(sc.field, n)
	case *query.Missing:
		return c.missingPlan(sc.field)
	case *query.Expansion:
		if n.Level == "None" || n.Level == "Term" {
			sc.expand = false
		}
		return c.compile(n.Node, sc)
	case *query.Coverage:
		if n.Mode != "Contains" {
			return nil, invalid("query.%s: COVERAGE[%s] is not supported; only the default, Contains", c.param, n.Mode)
		}
		return c.compile(n.Node, sc)
	}
	return nil, errors.New("search: unknown query node")
}

func (c *compiler) compileAll(nodes []query.Node, sc scope) ([]plan, error) {
	parts := make([]plan, 0, len(nodes))
	for _, n := range nodes {
		p, err := c.compile(n, sc)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// text plans a run of words: all must occur, and occurring together as
// a phrase adds to the score. A phrase must occur as one. Condition terms
// also match their synonyms.
func (c *compiler) text(text string, phrase bool, sc scope) plan {
	detail := &TermDetail{Area: c.param, Text: text}
	c.details = append(c.details, detail)
	p := wordsPlan(textproc.Tokenize(text), phrase, sc, detail)
	if !sc.expand {
		return p
	}
	synScope := sc
	if sc.basic {
		synScope = scope{fields: conditionSynonymFields}
	}
	alts := planOr{p}
	for _, syn := range c.ix.synonyms(text) {
		toks := textproc.Tokenize(syn.Text)
		if len(toks) == 0 {
			continue
		}
		detail.Synonyms = append(detail.Synonyms, syn)
		alts = append(alts, wordsPlan(toks, true, synScope, detail))
	}
	if len(alts) == 1 {
		return p
	}
	return alts
}

// conditionSynonymFields are where a query.term query's condition
// synonyms are searched (AreaQuery.Everyday).
var conditionSynonymFields = func() []fieldWeight {
	f, _ := query.LookupField("ConditionSearch")
	fws := areaFields(f)
	for i := range fws {
		fws[i].w *= ConditionSynonymWeight
	}
	return fws
}()

func wordsPlan(toks []string, phrase bool, sc scope, detail *TermDetail) plan {
	switch {
	case len(toks) == 0:
		// Only stop words: no constraint rather than no match.
		return planAnd{}
	case len(toks) == 1 && !phrase:
		return wordPlan(toks[0], sc, detail)
	case len(toks) == 1 || phrase:
		return planText{fields: sc.fields, basic: sc.basic, tokens: toks, phrase: len(toks) > 1, detail: detail}
	}
	words := make([]plan, len(toks))
	for i, t := range toks {
		words[i] = wordPlan(t, sc, detail)
	}
	return planAnd{parts: words, bonus: planText{fields: sc.fields, basic: sc.basic, tokens: toks, phrase: true}}
}

// wordPlan plans one word, or, for an everyday search, any of its
// everyday alternatives ("kids" also finds "children" and "pediatric"),
// which the details list.
func wordPlan(tok string, sc scope, detail *TermDetail) plan {
	p := planText{fields: sc.fields, basic: sc.basic, tokens: []string{tok}, detail: detail}
	if !sc.everyday {
		return p
	}
	alts := textproc.LayAlternatives(tok)
	if len(alts) == 0 {
		return p
	}
	or := planOr{p}
	for _, a := range alts {
		if detail != nil {
			detail.Synonyms = append(detail.Synonyms, Synonym{Text: a, Source: "everyday word"})
		}
		or = append(or, planText{fields: sc.fields, basic: sc.basic, tokens: []string{a}, detail: detail})
	}
	return or
}

// value plans a single value of a non-text field: an enum value, or a
// date, age or number (a date matches its whole day, month or year).
func (c *compiler) value(f *query.Field, v string) (plan, error) {
	if f.Kind == query.KindEnum {
		return c.enumPlan(f, v)
	}
	return c.rangePlan(f, &query.Range{Kind: f.Kind, Min: v, Max: v})
}

func (c *compiler) enumPlan(f *query.Field, v string) (plan, error) {
	v = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(v), " ", "_"))
	i := enumIndex(*f.Enum, v)
	if i < 0 {
		return nil, invalid("query.%s: AREA[%s]: unknown value %q (want one of %s)", c.param, f.Name, v, strings.Join(f.Enum.Strings(), ", "))
	}
	bit := uint16(1) << i
	var match func(col *columns, d uint32) bool
	switch f.Name {
	case "OverallStatus":
		match = func(col *columns, d uint32) bool { return int(col.status[d]) == i+1 }
	case "StudyType":
		match = func(col *columns, d uint32) bool { return int(col.studyType[d]) == i+1 }
	case "Sex":
		match = func(col *columns, d uint32) bool { return int(col.sex[d]) == i+1 }
	case "Phase":
		match = func(col *columns, d uint32) bool { return uint16(col.phases[d])&bit != 0 }
	case "StdAge":
		match = func(col *columns, d uint32) bool { return uint16(col.stdAges[d])&bit != 0 }
	default:
		return nil, invalid("query.%s: AREA[%s] is not searchable here", c.param, f.Name)
	}
	return planColumn{match: match}, nil
}

func (c *compiler) rangePlan(f *query.Field, r *query.Range) (plan, error) {
	if f == nil {
		return nil, invalid("query.%s: RANGE needs AREA[field] before it", c.param)
	}
	switch f.Kind {
	case query.KindDate:
		df, ok := dateFieldNames[strings.ToLower(f.Name)]
		if !ok {
			return nil, invalid("query.%s: AREA[%s] is not searchable here", c.param, f.Name)
		}
		lo, hi, _ := r.DateBounds()
		l, h := dayNumberOr(lo, math.MinInt32+1), dayNumberOr(hi, math.MaxInt32)
		return planColumn{match: func(col *columns, d uint32) bool {
			v := col.dates[df][d]
			return v != noDate && v >= l && v <= h
		}}, nil
	case query.KindAge:
		lo, hi, _ := r.AgeDays()
		// A study without a limit is open-ended: 0 for a missing minimum,
		// no bound for a missing maximum, so it is never dropped.
		maxField := f.Name == "MaximumAge"
		return planColumn{match: func(col *columns, d uint32) bool {
			v := float64(col.minAge[d])
			if maxField {
				v = float64(col.maxAge[d])
			}
			if math.IsNaN(v) {
				v = 0
				if maxField {
					v = math.Inf(1)
				}
			}
			return v >= lo-1e-3 && v <= hi+1e-3
		}}, nil
	case query.KindNumber:
		if f.Name != "EnrollmentCount" {
			return nil, invalid("query.%s: AREA[%s] is not searchable here", c.param, f.Name)
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if r.Min != "" {
			lo, _ = strconv.ParseInt(r.Min, 10, 64)
		}
		if r.Max != "" {
			hi, _ = strconv.ParseInt(r.Max, 10, 64)
		}
		return planColumn{match: func(col *columns, d uint32) bool {
			v := int64(col.enrollment[d])
			return v >= 0 && v >= lo && v <= hi
		}}, nil
	}
	return nil, invalid("query.%s: RANGE does not apply to AREA[%s]", c.param, f.Name)
}

func dayNumberOr(s string, def int32) int32 {
	if d := dayNumber(s); d != noDate && s != query.DateMin && s != query.DateMax {
		return d
	}
	return def
}

func (c *compiler) missingPlan(f *query.Field) (plan, error) {
	if f == nil {
		return nil, invalid("query.%s: MISSING needs AREA[field] before it", c.param)
	}
	switch {
	case f.Name == "MinimumAge":
		return planColumn{match: func(col *columns, d uint32) bool { return math.IsNaN(float64(col.minAge[d])) }}, nil
	case f.Name == "MaximumAge":
		return planColumn{match: func(col *columns, d uint32) bool { return math.IsNaN(float64(col.maxAge[d])) }}, nil
	case f.Name == "EnrollmentCount":
		return planColumn{match: func(col *columns, d uint32) bool { return col.enrollment[d] < 0 }}, nil
	case f.Kind == query.KindDate:
		if df, ok := dateFieldNames[strings.ToLower(f.Name)]; ok {
			return planColumn{match: func(col *columns, d uint32) bool { return col.dates[df][d] == noDate }}, nil
		}
	case f.Name == "Phase":
		return planColumn{match: func(col *columns, d uint32) bool { return col.phases[d] == 0 }}, nil
	}
	return nil, invalid("query.%s: AREA[%s]MISSING is not supported", c.param, f.Name)
}
