package web

import (
	"slices"
	"strings"
	"unicode"

	"github.com/trialfinder/trialfinder/internal/query"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/textproc"
)

// What the website does with words as people type them: an expression
// the query language cannot read is searched as its plain words; a
// search that finds (almost) nothing is respelled from the index's own
// vocabulary; results explain themselves in plain words.

// readable returns the parameters with each text box the query language
// cannot parse replaced by its plain words, and what was typed in those
// boxes ("" when both parse). The API refuses such a query; a person
// gets results and a one-line notice instead.
func (p params) readable() (params, string) {
	var typed []string
	for _, box := range []*string{&p.Cond, &p.Q} {
		if *box == "" {
			continue
		}
		if _, err := query.Parse(*box); err == nil {
			continue
		}
		typed = append(typed, *box)
		*box = plainWords(*box)
	}
	return p, strings.Join(typed, " ")
}

// plainWords is text without quotes, brackets or operators: its runs of
// letters and digits, lower-cased, since only upper-case AND, OR and NOT
// are operators.
func plainWords(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.ToLower(strings.Join(words, " "))
}

// fewResults is the count below which a search looks for a respelling
// that finds more.
const fewResults = 5

// respell looks for a spelling correction of a search that found fewer
// than fewResults studies. When the words as typed found nothing and the
// correction finds some, the corrected search is returned to be shown,
// with a link to search the words as typed; when they found a few, the
// correction is offered as "Did you mean".
func (s *site) respell(ix *search.Index, page *searchPage, p params, loc located, res *search.Result) (params, *search.Result, error) {
	if p.AsIs || res.Total >= fewResults || (p.Q == "" && p.Cond == "") {
		return p, res, nil
	}
	q := p.firstPage()
	var condChanged, qChanged bool
	q.Cond, condChanged = ix.Suggest(p.Cond, s.words)
	q.Q, qChanged = ix.Suggest(p.Q, s.words)
	if !condChanged && !qChanged {
		return p, res, nil
	}
	alt, err := ix.Search(q.request(loc, search.DefaultPageSize))
	if err != nil || alt.Total <= res.Total {
		// A respelling the query language refuses is no suggestion.
		return p, res, nil
	}
	c := &correction{Typed: p.Words(), Searched: q.Words()}
	if res.Total > 0 {
		c.URL = q.url("/search")
		page.DidYouMean = c
		return p, res, nil
	}
	asTyped := p.firstPage()
	asTyped.AsIs = true
	c.URL = asTyped.url("/search")
	page.Corrected = c
	return q, alt, nil
}

// Words are the search's text boxes together.
func (p params) Words() string { return strings.TrimSpace(p.Cond + " " + p.Q) }

// termDetail is one searched term of "Search details", in plain words.
type termDetail struct {
	Text      string
	Condition bool // from the condition box; else from the keywords box
	Synonyms  []string
	Fields    []fieldCount
}

type fieldCount struct {
	Label   string
	Studies int
}

// fieldLabels name the index's fields as a reader knows them.
var fieldLabels = map[string]string{
	"NCTId": "trial ID", "Acronym": "acronym", "BriefTitle": "title", "OfficialTitle": "official title",
	"Condition": "conditions", "ConditionMeshTerm": "condition index terms", "ConditionAncestorTerm": "broader condition terms",
	"Keyword": "keywords", "InterventionName": "treatments", "InterventionOtherName": "other names of treatments",
	"InterventionMeshTerm": "treatment index terms", "InterventionAncestorTerm": "broader treatment terms",
	"InterventionType": "treatment types", "ArmGroupLabel": "study groups", "PrimaryOutcomeMeasure": "primary outcomes",
	"SecondaryOutcomeMeasure": "secondary outcomes", "OtherOutcomeMeasure": "other outcomes", "BriefSummary": "summary",
	"LeadSponsorName": "sponsor", "CollaboratorName": "collaborators", "OrgStudyId": "sponsor's study ID",
	"SecondaryId": "other study IDs", "OverallOfficialName": "study leaders", "LocationZip": "site ZIP codes",
	"LocationFacility": "site names", "LocationCity": "site cities", "LocationState": "site states",
	"LocationCountry": "site countries",
}

// plainDetails turns the search's details into plain words: fields by
// the names readers know (each once, with the most studies any of the
// term's words or synonyms matched there), synonyms other than the term
// itself. It also returns every synonym used, once.
func plainDetails(d search.Details) ([]termDetail, []string) {
	var out []termDetail
	var also []string
	for _, t := range d.Terms {
		td := termDetail{Text: t.Text, Condition: t.Area == "cond"}
		self := strings.Join(textproc.Tokenize(t.Text), " ")
		for _, syn := range t.Synonyms {
			if strings.Join(textproc.Tokenize(syn.Text), " ") == self || slices.Contains(td.Synonyms, syn.Text) {
				continue
			}
			td.Synonyms = append(td.Synonyms, syn.Text)
			if !slices.Contains(also, syn.Text) {
				also = append(also, syn.Text)
			}
		}
		for _, f := range t.Fields {
			label := fieldLabels[f.Field]
			if label == "" {
				label = f.Field
			}
			i := slices.IndexFunc(td.Fields, func(fc fieldCount) bool { return fc.Label == label })
			if i < 0 {
				td.Fields = append(td.Fields, fieldCount{Label: label, Studies: f.Studies})
			} else {
				td.Fields[i].Studies = max(td.Fields[i].Studies, f.Studies)
			}
		}
		out = append(out, td)
	}
	return out, also
}

// searchedWords are the tokens a result's snippet marks: the words typed
// and those of the synonyms and everyday alternatives searched.
func searchedWords(p params, d search.Details) map[string]bool {
	words := map[string]bool{}
	add := func(text string) {
		for _, t := range textproc.Tokenize(text) {
			words[t] = true
			for _, a := range textproc.LayAlternatives(t) {
				words[a] = true
			}
		}
	}
	add(p.Q)
	add(p.Cond)
	for _, t := range d.Terms {
		for _, s := range t.Synonyms {
			add(s.Text)
		}
	}
	return words
}

// snippetPart is a piece of a result's one-line snippet; Mark says it is
// a searched word.
type snippetPart struct {
	Text string
	Mark bool
}

// snippetLen bounds a snippet, about two lines of a phone's screen.
const snippetLen = 180

// snippet is the sentence of the study's summary with the most searched
// words, cut to snippetLen around its first, with those words marked;
// nil when the summary has none of them.
func snippet(st study.Study, words map[string]bool) []snippetPart {
	if len(words) == 0 {
		return nil
	}
	best, bestN := "", 0
	for _, sentence := range sentences(st.BriefSummary) {
		n := 0
		for _, w := range wordRuns(sentence) {
			if marked(sentence[w[0]:w[1]], words) {
				n++
			}
		}
		if n > bestN {
			best, bestN = sentence, n
		}
	}
	if bestN == 0 {
		return nil
	}
	runs := wordRuns(best)
	first := slices.IndexFunc(runs, func(w [2]int) bool { return marked(best[w[0]:w[1]], words) })
	from, to := 0, len(best)
	if to > snippetLen {
		// Start a few words before the first match, end at a word's end.
		from = runs[max(first-4, 0)][0]
		to = from
		for _, w := range runs {
			if w[0] >= from && w[1]-from <= snippetLen {
				to = w[1]
			}
		}
	}
	var parts []snippetPart
	if from > 0 {
		parts = append(parts, snippetPart{Text: "… "})
	}
	at := from
	for _, w := range runs {
		if w[0] < from || w[1] > to || !marked(best[w[0]:w[1]], words) {
			continue
		}
		parts = append(parts, snippetPart{Text: best[at:w[0]]}, snippetPart{Text: best[w[0]:w[1]], Mark: true})
		at = w[1]
	}
	parts = append(parts, snippetPart{Text: best[at:to]})
	if to < len(best) {
		parts = append(parts, snippetPart{Text: " …"})
	}
	return parts
}

// sentences splits a summary into sentences with their whitespace
// collapsed (legacy records wrap lines at 70 characters).
func sentences(text string) []string {
	text = strings.Join(strings.Fields(text), " ")
	var out []string
	for len(text) > 0 {
		i := strings.Index(text, ". ")
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+2:]
	}
	return out
}

// wordRuns are the byte ranges of the runs of letters and digits of s.
func wordRuns(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// marked reports whether a word of text is one of the searched tokens.
func marked(word string, words map[string]bool) bool {
	toks := textproc.Tokenize(word)
	return len(toks) == 1 && words[toks[0]]
}
