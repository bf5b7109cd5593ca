package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/study"
)

// metadata answers /studies/metadata: the data model's field tree, read
// from the official document's Study schema. Every field we serve is
// stored, so none is indexed- or historic-only, and the two flags that
// would add such fields change nothing.
func (a *API) metadata(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, map[string]bool{"includeIndexedOnly": true, "includeHistoricOnly": true}); err != nil {
		return err
	}
	for _, name := range []string{"includeIndexedOnly", "includeHistoricOnly"} {
		if v := q.Get(name); v != "" {
			if _, err := strconv.ParseBool(v); err != nil {
				return badRequest("%s: %q is not true or false", name, v)
			}
		}
	}
	writeJSON(w, http.StatusOK, a.fields.tree)
	return nil
}

// maxTracked bounds the distinct values counted per field: text fields of
// a full store have hundreds of thousands, and counting them all would
// hold the store's text in memory. Past it, uniqueValuesCount is a lower
// bound and topValues count the values first seen.
const maxTracked = 20000

// topN is how many top values or sizes a field lists.
const topN = 25

// fieldAcc accumulates one leaf field over the store.
type fieldAcc struct {
	node    *fieldNode
	present int // studies with a value
	counts  map[string]int
	unique  int
	// Strings: the longest; numbers and dates: the range.
	longest     string
	longestID   string
	min, max    float64
	minS, maxS  string
	sum         float64
	n           int
	formats     map[string]bool
	trues       int
	falses      int
	sizes       map[int]int // lists: studies by list length
	seenInStudy map[string]bool
}

// errNoStats is a fields list that names no field with statistics.
var errNoStats = errors.New("no statistics")

// fieldStats are both statistics endpoints' answers for one index,
// computed in one pass over the store.
type fieldStats struct {
	values []any
	sizes  []listSizes
	byPath map[string]int // field path → index in values
}

type valueCount struct {
	StudiesCount int    `json:"studiesCount"`
	Value        string `json:"value"`
}

type listSize struct {
	Size         int `json:"size"`
	StudiesCount int `json:"studiesCount"`
}

type listSizes struct {
	Field            string     `json:"field"`
	Piece            string     `json:"piece"`
	MinSize          *int       `json:"minSize,omitempty"`
	MaxSize          *int       `json:"maxSize,omitempty"`
	TopSizes         []listSize `json:"topSizes,omitempty"`
	UniqueSizesCount int        `json:"uniqueSizesCount"`
}

// computeFieldStats reads every stored record as generic JSON, once per
// index (see perIndex).
func (a *API) computeFieldStats(ctx context.Context) (*fieldStats, error) {
	accs := map[string]*fieldAcc{}
	for path, n := range a.fields.fields {
		if n.stats != "" || n.list {
			accs[path] = &fieldAcc{node: n, counts: map[string]int{}, formats: map[string]bool{}, sizes: map[int]int{},
				min: math.Inf(1), max: math.Inf(-1)}
		}
	}
	total := 0
	err := a.cfg.Records.Each(ctx, func(s study.Study) error {
		var rec map[string]any
		if err := json.Unmarshal(s.Raw, &rec); err != nil {
			return fmt.Errorf("field stats %s: %w", s.NCTID, err)
		}
		total++
		seen := map[string]bool{}
		visit(rec, "", func(path string, v any) {
			acc := accs[path]
			if acc == nil {
				return
			}
			if list, ok := v.([]any); ok {
				if acc.node.list {
					acc.sizes[len(list)]++
				}
				return
			}
			if acc.node.stats == "" {
				return
			}
			if !seen[path] {
				seen[path] = true
				acc.present++
				acc.seenInStudy = map[string]bool{}
			}
			acc.add(v, s.NCTID)
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &fieldStats{byPath: map[string]int{}}
	paths := make([]string, 0, len(accs))
	for p := range accs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		acc := accs[p]
		if acc.node.stats != "" {
			out.byPath[p] = len(out.values)
			out.values = append(out.values, acc.result(total))
		}
		if acc.node.list && len(acc.sizes) > 0 {
			out.sizes = append(out.sizes, acc.sizeResult())
		}
	}
	return out, nil
}

// visit calls fn with every value of rec and its path, lists included
// both as lists and item by item.
func visit(v any, path string, fn func(path string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			visit(c, p, fn)
		}
	case []any:
		fn(path, x)
		for _, c := range x {
			visit(c, path, fn)
		}
	default:
		fn(path, x)
	}
}

func (acc *fieldAcc) add(v any, nctID string) {
	switch acc.node.stats {
	case "BOOLEAN":
		if b, _ := v.(bool); b {
			acc.trues++
		} else {
			acc.falses++
		}
		return
	case "INTEGER", "NUMBER":
		f, ok := v.(float64)
		if !ok {
			return
		}
		acc.min, acc.max = min(acc.min, f), max(acc.max, f)
		acc.sum += f
		acc.n++
		return
	}
	s, ok := v.(string)
	if !ok {
		return
	}
	if acc.node.stats == "DATE" {
		if acc.minS == "" || s < acc.minS {
			acc.minS = s
		}
		if s > acc.maxS {
			acc.maxS = s
		}
		acc.formats[dateFormat(s)] = true
		return
	}
	if len(s) > len(acc.longest) {
		acc.longest, acc.longestID = s, nctID
	}
	// A value counts once per study.
	if acc.seenInStudy[s] {
		return
	}
	acc.seenInStudy[s] = true
	if _, ok := acc.counts[s]; ok || len(acc.counts) < maxTracked {
		if !ok {
			acc.unique++
		}
		acc.counts[s]++
	}
}

func dateFormat(s string) string {
	switch len(s) {
	case 4:
		return "yyyy"
	case 7:
		return "yyyy-MM"
	case 10:
		return "yyyy-MM-dd"
	}
	return "yyyy-MM-dd'T'HH:mm"
}

func (acc *fieldAcc) top() []valueCount {
	out := make([]valueCount, 0, len(acc.counts))
	for v, n := range acc.counts {
		out = append(out, valueCount{StudiesCount: n, Value: v})
	}
	slices.SortFunc(out, func(a, b valueCount) int {
		return cmp.Or(b.StudiesCount-a.StudiesCount, strings.Compare(a.Value, b.Value))
	})
	return out[:min(len(out), topN)]
}

func (acc *fieldAcc) result(total int) any {
	n := acc.node
	base := map[string]any{"field": n.path, "piece": n.Piece, "type": n.stats, "missingStudiesCount": total - acc.present}
	switch n.stats {
	case "ENUM", "STRING":
		base["uniqueValuesCount"] = acc.unique
		if len(acc.counts) > 0 {
			base["topValues"] = acc.top()
		}
		if n.stats == "STRING" && acc.longest != "" {
			base["longest"] = map[string]any{"length": len([]rune(acc.longest)), "nctId": acc.longestID, "value": acc.longest}
		}
	case "DATE":
		formats := make([]string, 0, len(acc.formats))
		for f := range acc.formats {
			formats = append(formats, f)
		}
		slices.Sort(formats)
		base["formats"] = formats
		if acc.minS != "" {
			base["min"], base["max"] = acc.minS, acc.maxS
		}
	case "INTEGER", "NUMBER":
		if acc.n > 0 {
			base["min"], base["max"], base["avg"] = acc.min, acc.max, round(acc.sum/float64(acc.n), 2)
		}
	case "BOOLEAN":
		base["trueCount"], base["falseCount"] = acc.trues, acc.falses
	}
	return base
}

func (acc *fieldAcc) sizeResult() listSizes {
	out := listSizes{Field: acc.node.path, Piece: acc.node.Piece, UniqueSizesCount: len(acc.sizes)}
	lo, hi := math.MaxInt, 0
	for size, n := range acc.sizes {
		lo, hi = min(lo, size), max(hi, size)
		out.TopSizes = append(out.TopSizes, listSize{Size: size, StudiesCount: n})
	}
	out.MinSize, out.MaxSize = &lo, &hi
	slices.SortFunc(out.TopSizes, func(a, b listSize) int { return cmp.Or(b.StudiesCount-a.StudiesCount, a.Size-b.Size) })
	out.TopSizes = out.TopSizes[:min(len(out.TopSizes), topN)]
	return out
}

// statsFor reads the statistics endpoints' fields parameter (nil: all)
// and returns the current statistics.
func (a *API) statsFor(r *http.Request, q url.Values) (map[string]bool, *fieldStats, error) {
	var want map[string]bool
	for _, n := range splitList(q.Get("fields")) {
		paths, ok := a.fields.resolve(n)
		if !ok {
			return nil, nil, badRequest("fields: unknown field %q", n)
		}
		if want == nil {
			want = map[string]bool{}
		}
		for _, p := range paths {
			want[p] = true
		}
	}
	v, err := a.view(r.Context())
	if err != nil {
		return nil, nil, err
	}
	st, err := a.fieldStats.get(v.Index, func() (*fieldStats, error) { return a.computeFieldStats(r.Context()) })
	return want, st, err
}

var statsTypes = []string{"ENUM", "STRING", "DATE", "INTEGER", "NUMBER", "BOOLEAN"}

func (a *API) fieldValues(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, map[string]bool{"types": true, "fields": true}); err != nil {
		return err
	}
	types := map[string]bool{}
	for _, t := range splitList(q.Get("types")) {
		if !slices.Contains(statsTypes, t) {
			return badRequest("types: %q is not one of %s", t, strings.Join(statsTypes, ", "))
		}
		types[t] = true
	}
	want, st, err := a.statsFor(r, q)
	if err != nil {
		return err
	}
	out := []any{}
	for _, v := range st.values {
		m := v.(map[string]any)
		if (want == nil || want[m["field"].(string)]) && (len(types) == 0 || types[m["type"].(string)]) {
			out = append(out, v)
		}
	}
	if want != nil && len(out) == 0 {
		return fmt.Errorf("%w: no leaf field among %s", errNoStats, q.Get("fields"))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) fieldSizes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, map[string]bool{"fields": true}); err != nil {
		return err
	}
	want, st, err := a.statsFor(r, q)
	if err != nil {
		return err
	}
	out := []listSizes{}
	for _, s := range st.sizes {
		if want == nil || want[s.Field] {
			out = append(out, s)
		}
	}
	if want != nil && len(out) == 0 {
		return fmt.Errorf("%w: no list field among %s", errNoStats, q.Get("fields"))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
