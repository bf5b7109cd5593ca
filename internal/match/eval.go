package match

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/textproc"
)

// Topic is one benchmark patient description.
type Topic struct {
	ID   string `json:"_id"`
	Text string `json:"text"`
}

// ReadTopics reads TrialGPT queries.jsonl ({"_id", "text"} per line) or
// the TREC topics XML (<topic number="N">text</topic>, ids "trec-2021N"
// as TrialGPT names them).
func ReadTopics(r io.Reader) ([]Topic, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read topics: %w", err)
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
		var doc struct {
			Topics []struct {
				Number string `xml:"number,attr"`
				Text   string `xml:",chardata"`
			} `xml:"topic"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("read topics XML: %w", err)
		}
		out := make([]Topic, len(doc.Topics))
		for i, t := range doc.Topics {
			out[i] = Topic{ID: "trec-2021" + t.Number, Text: strings.TrimSpace(t.Text)}
		}
		return out, nil
	}
	var out []Topic
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var t Topic
		if err := json.Unmarshal(line, &t); err != nil || t.ID == "" {
			return nil, fmt.Errorf("read topics: line %d: want {\"_id\", \"text\"}", i+1)
		}
		out = append(out, t)
	}
	return out, nil
}

// Qrels are judgments: topic → NCT ID → grade (0, 1, 2).
type Qrels map[string]map[string]int

// ReadQrels reads "query-id corpus-id score" lines (tab or space
// separated, with or without the header) and the TREC form "topic 0
// NCT grade".
func ReadQrels(r io.Reader) (Qrels, error) {
	q := Qrels{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 4 {
			f = []string{"trec-2021" + f[0], f[2], f[3]}
		}
		if len(f) == 0 || n == 1 && f[0] == "query-id" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("read qrels: line %d: want query-id, corpus-id and score", n)
		}
		g, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("read qrels: line %d: score %q is not a whole number", n, f[2])
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[1]] = g
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read qrels: %w", err)
	}
	return q, nil
}

// Metrics are the scores of one ranking method, averaged over topics.
type Metrics struct {
	NDCG10 float64 `json:"ndcg@10"`
	P10    float64 `json:"p@10"`
	MRR    float64 `json:"mrr"`
}

// Evaluation compares matching with the plain BM25 baseline.
type Evaluation struct {
	Topics int `json:"topics"`
	Metrics
	Baseline Metrics `json:"baseline"`
	// Ideal scores the judged studies in the store ordered by grade: the
	// most any method can reach here. It is below 1 wherever a topic's
	// judged studies in the store are all grade 0, since such a topic
	// scores 0 however it is ranked.
	Ideal Metrics `json:"ideal"`
	// Verdicts count the check's verdict on every judged pair whose
	// trial the matcher holds, by the assessors' grade: what a patient
	// would read, against what the assessors decided.
	Verdicts VerdictCounts `json:"verdicts"`
	// FalseExclusionRate is the share of eligible pairs (grade 2) called
	// "not eligible"; ExclusionRecall the share of excluded pairs (grade
	// 1) called so.
	FalseExclusionRate float64 `json:"falseExclusionRate"`
	ExclusionRecall    float64 `json:"exclusionRecall"`
	// GapClosed is how much of the distance from BM25 to the ideal
	// ranking matching covers: (NDCG@10 − BM25) ÷ (ideal − BM25).
	GapClosed float64 `json:"gapClosed"`
}

// VerdictCounts counts verdicts by the assessors' grade.
type VerdictCounts struct {
	Eligible    VerdictCount `json:"eligible"`
	Excluded    VerdictCount `json:"excluded"`
	NotRelevant VerdictCount `json:"notRelevant"`
}

// VerdictCount counts the three verdicts.
type VerdictCount struct {
	Likely   int `json:"likely"`
	Possibly int `json:"possibly"`
	Not      int `json:"not"`
}

func (vc *VerdictCount) add(v Verdict) {
	switch v {
	case LikelyEligible:
		vc.Likely++
	case PossiblyEligible:
		vc.Possibly++
	default:
		vc.Not++
	}
}

func (vc VerdictCount) total() int { return vc.Likely + vc.Possibly + vc.Not }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// NDCG is the normalised discounted cumulative gain at k with the grades
// as gains and a log2 discount; the ideal ranking is of every judged
// study. Unjudged studies gain 0.
func NDCG(ranked []string, grades map[string]int, k int) float64 {
	ideal := make([]int, 0, len(grades))
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	var dcg, idcg float64
	for i := 0; i < k; i++ {
		disc := math.Log2(float64(i) + 2)
		if i < len(ranked) {
			dcg += float64(grades[ranked[i]]) / disc
		}
		if i < len(ideal) {
			idcg += float64(ideal[i]) / disc
		}
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// relevantGrade is the grade of an eligible patient–trial pair.
const relevantGrade = 2

// Precision is the share of the first k ranks holding an eligible study.
func Precision(ranked []string, grades map[string]int, k int) float64 {
	n := 0
	for _, id := range ranked[:min(k, len(ranked))] {
		if grades[id] >= relevantGrade {
			n++
		}
	}
	return float64(n) / float64(k)
}

// ReciprocalRank is 1 / the rank of the first eligible study, 0 if none.
func ReciprocalRank(ranked []string, grades map[string]int) float64 {
	for i, id := range ranked {
		if grades[id] >= relevantGrade {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// Evaluate runs every judged topic through FromText and matching, and
// through the BM25 baseline (the description's words ORed over the
// BasicSearch area, no eligibility). With judgedOnly each topic ranks only
// its judged studies the matcher holds; otherwise every study (the top
// search.MaxPageSize of each method). Topics with no judged study in the
// matcher are skipped.
func (m *Matcher) Evaluate(topics []Topic, qrels Qrels, judgedOnly bool) (Evaluation, error) {
	var ev Evaluation
	for _, t := range topics {
		grades := qrels[t.ID]
		pool := m.judged(grades)
		if len(pool) == 0 {
			continue
		}
		ideal := slices.Clone(pool)
		slices.SortStableFunc(ideal, func(a, b string) int { return cmp.Compare(grades[b], grades[a]) })
		if !judgedOnly {
			pool = nil
		}
		matched, err := m.rankTopic(t.Text, pool)
		if err != nil {
			return ev, fmt.Errorf("topic %s: %w", t.ID, err)
		}
		base, err := m.search("term", distinct(textproc.Tokenize(t.Text)), pool)
		if err != nil {
			return ev, fmt.Errorf("topic %s baseline: %w", t.ID, err)
		}
		if err := m.judgeVerdicts(t.Text, grades, &ev.Verdicts); err != nil {
			return ev, fmt.Errorf("topic %s verdicts: %w", t.ID, err)
		}
		ev.Topics++
		ev.Metrics.add(matched, grades)
		ev.Baseline.add(rankedIDs(base, pool), grades)
		ev.Ideal.add(ideal, grades)
	}
	if ev.Topics > 0 {
		ev.Metrics.scale(1 / float64(ev.Topics))
		ev.Baseline.scale(1 / float64(ev.Topics))
		ev.Ideal.scale(1 / float64(ev.Topics))
	}
	v := ev.Verdicts
	ev.FalseExclusionRate = share(v.Eligible.Not, v.Eligible.total())
	ev.ExclusionRecall = share(v.Excluded.Not, v.Excluded.total())
	if gap := ev.Ideal.NDCG10 - ev.Baseline.NDCG10; gap > 0 {
		ev.GapClosed = (ev.NDCG10 - ev.Baseline.NDCG10) / gap
	}
	return ev, nil
}

// judgeVerdicts checks the note's profile against every judged trial the
// matcher holds and counts the verdicts by grade.
func (m *Matcher) judgeVerdicts(note string, grades map[string]int, vc *VerdictCounts) error {
	p, _ := patient.FromText(note)
	f, err := p.Facts(m.opt.Now())
	if err != nil {
		return err
	}
	pi := newProfileIndex(f, m.opt.Vocab)
	u := newUnpacker(m.names)
	for _, id := range m.judged(grades) {
		t := m.trials[id]
		v := pi.check(t.id, &t.elig, u.unpack(t.packed), false).Verdict
		switch grades[id] {
		case 2:
			vc.Eligible.add(v)
		case 1:
			vc.Excluded.add(v)
		default:
			vc.NotRelevant.add(v)
		}
	}
	return nil
}

// judged returns the judged studies the matcher holds, in NCT ID order.
func (m *Matcher) judged(grades map[string]int) []string {
	var pool []string
	for id := range grades {
		if m.trials[id] != nil {
			pool = append(pool, id)
		}
	}
	slices.Sort(pool)
	return pool
}

func (mt *Metrics) add(ranked []string, grades map[string]int) {
	mt.NDCG10 += NDCG(ranked, grades, 10)
	mt.P10 += Precision(ranked, grades, 10)
	mt.MRR += ReciprocalRank(ranked, grades)
}

func (mt *Metrics) scale(f float64) {
	mt.NDCG10 *= f
	mt.P10 *= f
	mt.MRR *= f
}

// maxClauses keeps each query within the search engine's limit on
// terms (64; a phrase may count once per word).
const maxClauses = 32

// search returns the BM25 scores of the clauses ORed over the pool (every
// study when pool is nil). Long queries run in parts whose scores add
// up, as BM25 sums over terms.
func (m *Matcher) search(area string, clauses []string, pool []string) (map[string]float64, error) {
	scores := map[string]float64{}
	for part := range slices.Chunk(clauses, maxClauses) {
		req := search.Request{Queries: []search.AreaQuery{{Area: area, Query: strings.Join(part, " OR ")}},
			PageSize: search.MaxPageSize, Filter: search.Filter{NCTIDs: pool}}
		res, err := m.ix.Search(req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			scores[h.NCTID] += h.Score
		}
	}
	return scores, nil
}

func distinct(toks []string) []string {
	seen := map[string]bool{}
	return slices.DeleteFunc(toks, func(t string) bool {
		if seen[t] {
			return true
		}
		seen[t] = true
		return false
	})
}

// rankedIDs orders the pool (or, without one, the scored studies) by
// score, unscored studies last in NCT ID order.
func rankedIDs(scores map[string]float64, pool []string) []string {
	ids := pool
	if ids == nil {
		for id := range scores {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	ids = slices.Clone(ids)
	slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(scores[b], scores[a]) })
	return ids
}

// rankTopic ranks the pool (or the whole matcher) for a note: by
// verdict, then by the BM25 relevance of the note's conditions.
func (m *Matcher) rankTopic(note string, pool []string) ([]string, error) {
	p, _ := patient.FromText(note)
	f, err := p.Facts(m.opt.Now())
	if err != nil {
		return nil, err
	}
	pi := newProfileIndex(f, m.opt.Vocab)
	scores, err := m.search("cond", conditionClauses(p.Conditions, m.opt.Vocab), pool)
	if err != nil {
		return nil, err
	}
	words, err := m.search("term", distinct(textproc.Tokenize(note)), pool)
	if err != nil {
		return nil, err
	}
	for id, s := range words {
		scores[id] += s
	}
	ids := rankedIDs(scores, pool)
	cands := make([]candidate, 0, len(ids))
	u := newUnpacker(m.names)
	for _, id := range ids {
		if t := m.trials[id]; t != nil {
			cands = append(cands, candidate{id: id, t: t, score: scores[id], verdict: pi.check(t.id, &t.elig, u.unpack(t.packed), false).Verdict, barred: barred(&pi.f, &t.elig)})
		}
	}
	order(cands)
	ids = ids[:0]
	for _, c := range cands {
		ids = append(ids, c.id)
	}
	return ids, nil
}
