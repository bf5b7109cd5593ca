package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trialfinder/trialfinder/internal/query"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// APIVersion is the upstream API version this API is compatible with.
const APIVersion = "2.0.5"

// enums lists every enumeration of the domain model.
var enums = []study.Enum{
	study.Statuses, study.Phases, study.StudyTypes, study.AgencyClasses, study.InterventionTypes,
	study.ArmGroupTypes, study.PrimaryPurposes, study.Allocations, study.InterventionModels,
	study.Maskings, study.WhoMaskedValues, study.ObservationalModels, study.TimePerspectives,
	study.Sexes, study.StdAges, study.ContactRoles,
}

type enumInfo struct {
	Type   string     `json:"type"`
	Pieces []string   `json:"pieces"`
	Values []enumItem `json:"values"`
}

type enumItem struct {
	Value string `json:"value"`
	// LegacyValue is the label: the classic API's spellings were the
	// plain-language forms ("Not yet recruiting").
	LegacyValue string `json:"legacyValue"`
}

func (a *API) enums(w http.ResponseWriter, _ *http.Request) error {
	out := make([]enumInfo, 0, len(enums))
	for _, e := range enums {
		info := enumInfo{Type: e.Name, Pieces: slices.Sorted(slices.Values(a.fields.enumPieces[e.Name]))}
		if info.Pieces == nil {
			info.Pieces = []string{}
		}
		for _, v := range e.Values {
			info.Values = append(info.Values, enumItem{Value: v.Value, LegacyValue: v.Label})
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type searchDocument struct {
	Name  string       `json:"name"`
	Areas []searchArea `json:"areas"`
}

type searchArea struct {
	Name  string       `json:"name"`
	Param string       `json:"param,omitempty"`
	Parts []searchPart `json:"parts"`
}

type searchPart struct {
	IsEnum     bool     `json:"isEnum"`
	IsSynonyms bool     `json:"isSynonyms"`
	Pieces     []string `json:"pieces"`
	Type       string   `json:"type"`
	Weight     float64  `json:"weight"`
}

// searchAreas lists the query language's search areas, each with the
// query.* parameter that searches it.
func (a *API) searchAreas(w http.ResponseWriter, _ *http.Request) error {
	params := map[string]string{}
	for _, p := range search.AreaParams() {
		area, _ := search.AreaOfParam(p)
		params[area] = "query." + p
	}
	doc := searchDocument{Name: "Study"}
	for _, f := range query.Fields() {
		if !f.IsArea() {
			continue
		}
		area := searchArea{Name: f.Name, Param: params[f.Name]}
		for _, wf := range f.Fields {
			part := searchPart{Pieces: []string{wf.Field}, Type: "text", Weight: wf.Weight}
			if pf, ok := query.LookupField(wf.Field); ok && pf.Kind != query.KindText {
				part.Type = pf.Kind.String()
				part.IsEnum = pf.Kind == query.KindEnum
			}
			// Condition terms of query.cond are expanded through synonyms.
			part.IsSynonyms = f.Name == "ConditionSearch" && strings.HasPrefix(wf.Field, "Condition")
			area.Parts = append(area.Parts, part)
		}
		doc.Areas = append(doc.Areas, area)
	}
	writeJSON(w, http.StatusOK, []searchDocument{doc})
	return nil
}

type version struct {
	APIVersion    string `json:"apiVersion"`
	DataTimestamp string `json:"dataTimestamp,omitempty"`
}

// version gives the data time upstream's way ("yyyy-MM-dd'T'HH:mm:ss",
// UTC): the last ingest, or failing that the newest update in the data.
func (a *API) version(w http.ResponseWriter, r *http.Request) error {
	st, err := a.cfg.Stats.Stats(r.Context())
	if err != nil {
		return err
	}
	v := version{APIVersion: APIVersion}
	if t, err := time.Parse(time.RFC3339, st.LastIngest); err == nil {
		v.DataTimestamp = t.UTC().Format("2006-01-02T15:04:05")
	} else if st.NewestUpdate != "" {
		v.DataTimestamp = st.NewestUpdate + "T00:00:00"
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type gzipStats struct {
	AverageSizeBytes int            `json:"averageSizeBytes"`
	LargestStudies   []studySize    `json:"largestStudies"`
	Percentiles      map[string]int `json:"percentiles"`
	Ranges           []distItem     `json:"ranges"`
	TotalStudies     int            `json:"totalStudies"`
}

type studySize struct {
	ID        string `json:"id"`
	SizeBytes int    `json:"sizeBytes"`
}

type distItem struct {
	SizeRange    string `json:"sizeRange"`
	StudiesCount int    `json:"studiesCount"`
}

// sizes answers /stats/size, computed once per index.
func (a *API) sizes(w http.ResponseWriter, r *http.Request) error {
	v, err := a.view(r.Context())
	if err != nil {
		return err
	}
	body, err := a.sizeStats.get(v.Index, func() ([]byte, error) {
		st, err := computeSizes(r.Context(), a.cfg.Records)
		if err != nil {
			return nil, err
		}
		return json.Marshal(st)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
	return nil
}

// sizeRangeKB are the upper bounds of the histogram buckets, in KB.
var sizeRangeKB = []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}

const largestStudies = 5

func computeSizes(ctx context.Context, recs Records) (*gzipStats, error) {
	var sizes []studySize
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	err := recs.Each(ctx, func(s study.Study) error {
		buf.Reset()
		zw.Reset(&buf)
		zw.Write(s.Raw)
		if err := zw.Close(); err != nil {
			return err
		}
		sizes = append(sizes, studySize{ID: s.NCTID, SizeBytes: buf.Len()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("size stats: %w", err)
	}
	st := &gzipStats{TotalStudies: len(sizes), Percentiles: map[string]int{}, LargestStudies: []studySize{}, Ranges: []distItem{}}
	if len(sizes) == 0 {
		return st, nil
	}
	total := 0
	for _, s := range sizes {
		total += s.SizeBytes
	}
	st.AverageSizeBytes = total / len(sizes)
	slices.SortFunc(sizes, func(x, y studySize) int { return x.SizeBytes - y.SizeBytes })
	for _, p := range []int{5, 10, 25, 50, 75, 90, 95, 99} {
		st.Percentiles[strconv.Itoa(p)] = sizes[(len(sizes)-1)*p/100].SizeBytes
	}
	for i := len(sizes) - 1; i >= 0 && len(st.LargestStudies) < largestStudies; i-- {
		st.LargestStudies = append(st.LargestStudies, sizes[i])
	}
	lo := 0
	for i := 0; i <= len(sizeRangeKB); i++ {
		label, hi := "", 0
		if i < len(sizeRangeKB) {
			hi = sizeRangeKB[i] * 1024
			label = strconv.Itoa(lo/1024) + "-" + strconv.Itoa(sizeRangeKB[i]) + "KB"
		} else {
			hi = int(^uint(0) >> 1)
			label = strconv.Itoa(lo/1024) + "KB+"
		}
		n := 0
		for _, s := range sizes {
			if s.SizeBytes >= lo && s.SizeBytes < hi {
				n++
			}
		}
		if n > 0 {
			st.Ranges = append(st.Ranges, distItem{SizeRange: label, StudiesCount: n})
		}
		lo = hi
	}
	return st, nil
}
