package eligibility

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Criteria is the structured form of one eligibility criteria text.
type Criteria struct {
	Inclusion []Item `json:"inclusion"`
	Exclusion []Item `json:"exclusion"`
	// Other holds items before the first header of a text that has
	// headers: usually a preamble, neither inclusion nor exclusion.
	Other []Item `json:"other,omitempty"`
	// NoHeaders is set when no inclusion or exclusion header was found;
	// every item is then in Inclusion.
	NoHeaders bool `json:"noHeaders"`
}

// Item is one criterion. Text is the original text of Span verbatim.
type Item struct {
	Text       string `json:"text"`
	Span       [2]int `json:"span"`
	Structured bool   `json:"structured"`
	AnyOf      bool   `json:"anyOf,omitempty"`
	// Allowance marks an item that lets some people in and keeps nobody
	// out ("previously treated brain metastases may be enrolled if …").
	Allowance   bool         `json:"allowance,omitempty"`
	Constraints []Constraint `json:"constraints"`
	Items       []Item       `json:"items,omitempty"`
}

// Constraint kinds; see the package documentation.
const (
	KindMeasure       = "measure"
	KindSex           = "sex"
	KindPregnancy     = "pregnancy"
	KindContraception = "contraception"
	KindCondition     = "condition"
	KindStage         = "stage"
	KindMetastasis    = "metastasis"
	KindTherapy       = "therapy"
	KindException     = "exception"
)

// Comparison operators.
const (
	OpLT      = "<"
	OpLE      = "<="
	OpGT      = ">"
	OpGE      = ">="
	OpEQ      = "="
	OpBetween = "between"
)

// Constraint is one typed rule extracted from an item.
type Constraint struct {
	Kind        string    `json:"kind"`
	Variable    string    `json:"variable,omitempty"`
	Op          string    `json:"op"`
	Value       float64   `json:"value"`
	Value2      float64   `json:"value2,omitempty"`
	Unit        string    `json:"unit"`
	ULNMultiple bool      `json:"ulnMultiple"`
	Original    *Original `json:"original,omitempty"`
	Term        string    `json:"term,omitempty"`
	Examples    []string  `json:"examples,omitempty"`
	Window      *Window   `json:"window,omitempty"`
	Negated     bool      `json:"negated"`
	// Hedged marks a reading the parser is unsure of: a negation cue far
	// from the term, a conditional or permissive clause ("if", "unless",
	// "may be enrolled"), a condition other than the main one ("other
	// malignancies"). A hedged constraint never makes a criterion "not
	// met".
	Hedged bool   `json:"hedged,omitempty"`
	Span   [2]int `json:"span"`
}

// Original is a measure as written, before conversion to the canonical
// unit.
type Original struct {
	Value  float64 `json:"value"`
	Value2 float64 `json:"value2,omitempty"`
	Unit   string  `json:"unit"`
}

// Window is a time window attached to a therapy or condition: the
// "window" measure written in the same clause, in days.
type Window struct {
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
	Value2 float64 `json:"value2,omitempty"`
}

// Parse splits text into items and extracts their constraints. It never
// fails: what it cannot structure stays as free-text items.
func Parse(text string) Criteria {
	c := split(text)
	c.Inclusion, c.Exclusion, c.Other = joinAlternatives(text, c.Inclusion), joinAlternatives(text, c.Exclusion), joinAlternatives(text, c.Other)
	for _, list := range [][]Item{c.Inclusion, c.Other} {
		for i := range list {
			annotate(text, &list[i], true)
		}
	}
	for i := range c.Exclusion {
		annotate(text, &c.Exclusion[i], false)
	}
	return c
}

// trailingOrRe ends an item that offers the next as an alternative:
// "BMI ≥ 27 with 2 complications or" / "• BMI ≥ 35 with 1".
var trailingOrRe = regexp.MustCompile(`(?i)[\s,;]or[\s:]*$`)

// joinAlternatives makes an "any of" item of items joined by a trailing
// "or", which would otherwise be required together.
func joinAlternatives(text string, items []Item) []Item {
	out := items[:0:0]
	for i := 0; i < len(items); i++ {
		it := items[i]
		if n := len(it.Items); n >= 3 && trailingOrRe.MatchString(it.Items[n-2].Text) {
			// "defined as: • a • b, or • c": the list is the alternatives.
			it.AnyOf = true
		} else {
			it.Items = joinAlternatives(text, it.Items)
		}
		if i+1 < len(items) && trailingOrRe.MatchString(it.Text) && len(it.Items) == 0 {
			group := []Item{it}
			for i+1 < len(items) && trailingOrRe.MatchString(items[i].Text) && len(items[i+1].Items) == 0 {
				i++
				group = append(group, items[i])
			}
			sp := [2]int{group[0].Span[0], group[len(group)-1].Span[1]}
			out = append(out, Item{Text: text[sp[0]:sp[1]], Span: sp, AnyOf: true, Items: group})
			continue
		}
		out = append(out, it)
	}
	return out
}

// Joined reports an item that joinAlternatives made of items written on
// lines of their own: its text is theirs, bullets included, so readers
// show its sub-items instead.
func Joined(it Item) bool {
	return it.AnyOf && len(it.Items) > 1 && it.Items[0].Span[0] == it.Span[0]
}

// annotate extracts the constraints of it and its sub-items. An item's
// own constraints come from the parts of its span its sub-items do not
// cover, so an inline "a) ... b) ..." list is not counted twice; sub-items
// on their own lines lie after the span and cover none of it.
func annotate(text string, it *Item, inclusion bool) {
	pos, end := it.Span[0], it.Span[1]
	for i := range it.Items {
		sub := &it.Items[i]
		if s := min(sub.Span[0], end); s > pos {
			it.Constraints = append(it.Constraints, extract(text, pos, s)...)
		}
		pos = max(pos, min(sub.Span[1], end))
		annotate(text, sub, inclusion)
	}
	if pos < it.Span[1] {
		it.Constraints = append(it.Constraints, extract(text, pos, it.Span[1])...)
	}
	own := normalize(text, it.Span[0], ownEnd(it))
	it.Allowance = allowance(own, inclusion)
	// The old registry's "Allowed:" over a list of medications lets each
	// in and requires none of them.
	if len(it.Items) > 0 && allowedHeadingRe.MatchString(own.s) && !strings.Contains(own.s, "not ") {
		markAllowance(it)
	}
	// "Cohort A:", or a heading such as "Diabetes-related for
	// participants with T2D" over its own list, sets rules for some.
	if cohortRe.MatchString(own.s) || len(it.Items) > 0 && (conditionalRe.MatchString(own.s) || groupRe.MatchString(own.s)) {
		hedgeAll(it)
	}
	if exceptionLike(own, inclusion) {
		it.Constraints = append(it.Constraints, Constraint{Kind: KindException, Op: OpEQ, Term: "what the criterion allows", Span: it.Span})
	}
	if it.Constraints == nil {
		it.Constraints = []Constraint{}
	}
	it.Structured = len(it.Constraints) > 0
}

// allowedHeadingRe is a heading of what is allowed: "Allowed:",
// "Concurrent medications permitted:", "Allowed > 2 weeks prior to
// study entry:".
var allowedHeadingRe = regexp.MustCompile(`^\W*(?:[^:]{0,40}\s)?(?:allowed|permitted)\b[^:]{0,60}:\W*$`)

func markAllowance(it *Item) {
	it.Allowance = true
	for i := range it.Items {
		markAllowance(&it.Items[i])
	}
}

// ownEnd is where an item's own text ends: before its first sub-item
// written inline, else at its end.
func ownEnd(it *Item) int {
	end := it.Span[1]
	for _, sub := range it.Items {
		if sub.Span[0] > it.Span[0] && sub.Span[0] < end {
			end = sub.Span[0]
		}
	}
	return end
}

// extract returns the constraints of original text [from, to).
func extract(text string, from, to int) []Constraint {
	n := normalize(text, from, to)
	if len(n.s) == 0 {
		return nil
	}
	ms := measures(n)
	ages := ages(n)
	ms = appendConstraints(ms, ages)
	for _, w := range windows(n) {
		// "Males > 18 years previously diagnosed": the years are an age.
		if !slices.ContainsFunc(ages, func(a Constraint) bool { return overlaps(a, w) }) {
			ms = appendNew(ms, w)
		}
	}
	slices.SortStableFunc(ms, func(a, b Constraint) int { return a.Span[0] - b.Span[0] })
	for i := range ms {
		p := indexOf(n, ms[i].Span[0])
		neg, unsure := negated(n, p)
		ms[i].Negated = neg
		ms[i].Hedged = unsure || hedged(n, p, p, KindMeasure)
	}
	ts := withoutCountedTherapies(withoutMarkerConditions(append(append(terms(text, n), biomarkers(text, n)...), priorLines(text, n)...)))
	attachWindows(n, ts, ms)
	return append(ms, ts...)
}

// withoutMarkerConditions drops the conditions that name a biomarker
// ("diagnosis of estrogen receptor positive …"): the biomarker
// constraint states them exactly.
func withoutMarkerConditions(cs []Constraint) []Constraint {
	kept := cs[:0]
	for _, c := range cs {
		if c.Kind == KindCondition && slices.ContainsFunc(cs, func(b Constraint) bool { return b.Kind == KindBiomarker && overlaps(b, c) }) {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// indexOf maps an original offset back to the normalized text.
func indexOf(n norm, off int) int {
	for i, s := range n.start {
		if s >= off {
			return i
		}
	}
	return len(n.s)
}

// attachWindows gives a therapy or condition the time window written
// in the same clause after it ("chemotherapy within 4 weeks"), or
// before it when the window counts the time since it ("at least 4
// weeks since prior chemotherapy"). Without its window a washout reads
// as ever having had the therapy: an inclusion then required it, and an
// exclusion ruled out everyone who had it long ago.
func attachWindows(n norm, ts, ms []Constraint) {
	for i := range ts {
		t := &ts[i]
		if t.Kind != KindTherapy && t.Kind != KindCondition {
			continue
		}
		for _, m := range ms {
			if m.Variable != "window" || m.Span[0] < t.Span[1] {
				continue
			}
			if clauseRe.MatchString(n.s[indexOf(n, t.Span[1]):indexOf(n, m.Span[0])]) {
				break
			}
			t.Window = &Window{Op: m.Op, Value: m.Value, Value2: m.Value2}
			break
		}
		if t.Window != nil || t.Kind != KindTherapy {
			continue
		}
		for j := len(ms) - 1; j >= 0; j-- {
			m := ms[j]
			if m.Variable != "window" || m.Span[1] > t.Span[0] {
				continue
			}
			from, end, to := indexOf(n, m.Span[0]), indexOf(n, m.Span[1]), indexOf(n, t.Span[0])
			if gap := n.s[end:to]; len(gap) <= 40 && !clauseRe.MatchString(gap) && sinceRe.MatchString(n.s[from:to]) {
				t.Window = &Window{Op: m.Op, Value: m.Value, Value2: m.Value2}
			}
			break
		}
	}
}

// sinceRe, in a window or between it and the therapy after it, makes
// the window count the time since the therapy: "at least 4 weeks since
// prior", "14 days from the end of", "4 weeks elapsed after".
var sinceRe = regexp.MustCompile(`\b(?:since|from|after)\b`)

// ParseStored parses text and encodes the result for a store: JSON, as
// `trialfinder criteria --json` prints it.
func ParseStored(text string) []byte {
	b, err := json.Marshal(Parse(text))
	if err != nil {
		panic(fmt.Sprintf("eligibility: encode criteria: %v", err)) // only plain values: cannot happen
	}
	return b
}

// FromStored decodes what ParseStored encoded.
func FromStored(b []byte) (Criteria, error) {
	var c Criteria
	if err := json.Unmarshal(b, &c); err != nil {
		return Criteria{}, fmt.Errorf("decode stored criteria: %w", err)
	}
	return c, nil
}

// Store keeps parsed criteria per study; the stores implement it.
type Store interface {
	CriteriaOf(ctx context.Context, version string, ids []string, fn func(nctID string, parsed []byte) error) error
}

// Load returns the criteria of study nctID, whose criteria text is text:
// as st stored them if this parser version did, else parsed now, which
// costs milliseconds for a long text.
func Load(ctx context.Context, st Store, nctID, text string) (Criteria, error) {
	var c Criteria
	found := false
	err := st.CriteriaOf(ctx, ParserVersion, []string{nctID}, func(_ string, parsed []byte) error {
		var err error
		c, err = FromStored(parsed)
		found = err == nil
		return err
	})
	if err != nil {
		return Criteria{}, fmt.Errorf("criteria of %s: %w", nctID, err)
	}
	if !found {
		c = Parse(text)
	}
	return c, nil
}
