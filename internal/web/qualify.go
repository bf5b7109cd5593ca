package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/patient"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

// checkPage is the data of a trial's "Check if you may qualify" page.
type checkPage struct {
	NCTID, Title, Status string
	// Condition is the trial's main condition, which the stage and
	// spread questions are about.
	Condition string
	// Contacts are whom to ask next: the study's central contacts; Sites
	// counts its recruiting sites, listed on the trial page.
	Contacts []trialpage.Contact
	Sites    int
	// Nearest are the recruiting sites nearest to where the reader said
	// they live (NearPlace), NearMiss when no site is known there.
	Nearest   []siteView
	NearPlace string
	NearMiss  bool
	sites     []trialpage.Site
	// Elsewhere finds the recruiting trials (Recruiting of them, as
	// Counted, which the check page is) about Condition, for a trial
	// that is not enrolling.
	Elsewhere  string
	Recruiting int
	Counted    bool
	Questions  []questionView
	Form       *form
	Result     *resultView
}

// questionView is a question with the form fields that answer it.
type questionView struct {
	match.Question
	// Pre is the numbered row prefix of a measure ("lab-2-"), a
	// condition ("hx-0-"), a therapy ("tx-1-") or the stage's diagnosis
	// ("cond-0-"); Name is the field of a single-field answer.
	Pre, Name string
	// Group is the heading of the group of questions this one opens.
	Group string
}

// questionGroups are the headings the questionnaire is divided by.
var questionGroups = map[string]string{
	match.AskAge: "About you", match.AskSex: "About you", match.AskPregnant: "About you", match.AskBreastfeeding: "About you",
	match.AskStage: "Your health", match.AskSpread: "Your health", match.AskBiomarker: "Your health", match.AskCondition: "Your health", match.AskECOG: "Your health", match.AskKarnofsky: "Your health",
	match.AskMeasure: "Test results", match.AskLines: "Treatments", match.AskTherapy: "Treatments",
}

// resultView is a check's outcome as shown: the verdict, the counts and
// the criteria by section.
type resultView struct {
	Verdict match.Verdict
	Counts  match.Counts
	Groups  []rowGroup
}

type rowGroup struct {
	Heading string
	Rows    []rowView
}

// rowView is a criterion of the table; Depth > 0 for a sub-criterion.
type rowView struct {
	match.Row
	Depth int
}

var sectionHeadings = map[string]string{"study": "The trial's registered limits", "inclusion": "Inclusion criteria", "exclusion": "Exclusion criteria"}

func resultOf(r match.Result) *resultView {
	v := &resultView{Verdict: r.Verdict, Counts: r.Counts}
	for _, row := range r.Rows {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Heading != sectionHeadings[row.Section] {
			v.Groups = append(v.Groups, rowGroup{Heading: sectionHeadings[row.Section]})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Rows = appendRows(g.Rows, row, 0)
	}
	return v
}

func appendRows(out []rowView, r match.Row, depth int) []rowView {
	out = append(out, rowView{Row: r, Depth: depth})
	for _, sub := range r.Rows {
		out = appendRows(out, sub, depth+1)
	}
	return out
}

// studyFor reads the study a path names. An alias or an ID in another
// case is redirected to the canonical address plus suffix: permanently
// for a GET, and with 308 for a POST so the form is sent again.
func (s *site) studyFor(r *http.Request, suffix string) (study.Study, error) {
	id := strings.ToUpper(strings.TrimSpace(r.PathValue("id")))
	if id == r.PathValue("id") {
		// Nearly every path names a stored study as stored: read it
		// straight away, and look for an alias only when there is none.
		st, err := s.cfg.Studies.Study(r.Context(), id)
		if !errors.Is(err, study.ErrNotFound) {
			return st, err
		}
	}
	canon, err := s.cfg.Studies.CanonicalID(r.Context(), id)
	if err != nil {
		if errors.Is(err, study.ErrNotFound) {
			return study.Study{}, errNotFound
		}
		return study.Study{}, err
	}
	if canon != r.PathValue("id") {
		to := "/study/" + canon + suffix
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		code := http.StatusMovedPermanently
		if r.Method == http.MethodPost {
			code = http.StatusPermanentRedirect
		}
		return study.Study{}, &redirect{to: to, code: code}
	}
	return s.cfg.Studies.Study(r.Context(), canon)
}

// answerRows are the numbered rows of the form that answer the
// questions asked once per lab, condition or therapy: the row kind and
// the field holding the answer.
var answerRows = map[string]struct{ kind, field string }{
	match.AskMeasure:   {"lab", "value"},
	match.AskCondition: {"hx", "answer"},
	match.AskTherapy:   {"tx", "answer"},
	match.AskBiomarker: {"bm", "status"},
}

// checkPageOf lays out a study's questionnaire.
func checkPageOf(st study.Study, c eligibility.Criteria, f *form) *checkPage {
	page := &checkPage{NCTID: st.NCTID, Title: displayTitle(st), Status: st.OverallStatus, Form: f, Counted: true}
	if len(st.Conditions) > 0 {
		page.Condition = st.Conditions[0]
	}
	for _, sec := range trialpage.Build(st, c).Sections {
		switch sec.Key {
		case "contact":
			page.Contacts = sec.Contacts
		case "locations":
			page.sites = sec.Sites
		}
	}
	for _, l := range st.Locations {
		if study.IsRecruiting(l.Status) {
			page.Sites++
		}
	}
	n := map[string]int{}
	for _, q := range match.Questions(st, c) {
		v := questionView{Question: q, Name: q.Kind}
		if row, ok := answerRows[q.Kind]; ok {
			v.Pre = row.kind + "-" + strconv.Itoa(n[q.Kind]) + "-"
			v.Name = v.Pre + row.field
			n[q.Kind]++
		}
		switch q.Kind {
		case match.AskStage:
			v.Pre, v.Name = "cond-0-", "cond-0-stage"
		case match.AskSpread:
			v.Pre, v.Name = "cond-0-", "cond-0-metastatic"
		}
		if n := len(page.Questions); n == 0 || questionGroups[page.Questions[n-1].Kind] != questionGroups[q.Kind] {
			v.Group = questionGroups[q.Kind]
		}
		page.Questions = append(page.Questions, v)
	}
	return page
}

// checkedStudy reads the study a check page names and its criteria.
func (s *site) checkedStudy(r *http.Request) (study.Study, eligibility.Criteria, error) {
	st, err := s.studyFor(r, "/check")
	if err != nil {
		return study.Study{}, eligibility.Criteria{}, err
	}
	c, err := eligibility.Load(r.Context(), s.cfg.Studies, st.NCTID, st.Eligibility.Criteria)
	return st, c, err
}

func (s *site) checkForm(w http.ResponseWriter, r *http.Request) error {
	st, c, err := s.checkedStudy(r)
	if err != nil {
		return err
	}
	page := checkPageOf(st, c, &form{v: url.Values{}})
	if page.Elsewhere, page.Recruiting, err = s.elsewhere(r.Context(), page.Status, page.Condition, page.Counted); err != nil {
		return err
	}
	if len(page.Questions) == 0 {
		// Nothing to ask: the table shows what the study team must judge.
		page.Result = resultOf(match.Check(patient.Profile{}, st, c))
	}
	return s.render(w, r, http.StatusOK, "check", "Check if you may qualify: "+page.Title, page)
}

func (s *site) checkAnswers(w http.ResponseWriter, r *http.Request) error {
	st, c, err := s.checkedStudy(r)
	if err != nil {
		return err
	}
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	page := checkPageOf(st, c, f)
	if page.Elsewhere, page.Recruiting, err = s.elsewhere(r.Context(), page.Status, page.Condition, page.Counted); err != nil {
		return err
	}
	p := f.profile()
	code := http.StatusOK
	if len(f.Errors) > 0 {
		code = http.StatusBadRequest
	} else {
		page.Result = resultOf(match.Check(p, st, c))
		if err := s.nearestSites(r.Context(), page, st, f.Get("place")); err != nil {
			return err
		}
	}
	// The page holds the patient's answers: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, code, "check", "Your answers: "+page.Title, page)
}

// recruitingFor is where a reader of a trial they cannot join may look
// instead: the search for recruiting trials about its main condition
// ("" when no condition is given) and, when count, how many it finds
// (0 then stands for none: the pointer is not worth showing). Counting
// runs that search, up to tens of milliseconds at full scale, so the
// trial page, read far more often than the check and mostly of trials
// that have closed, links to it uncounted.
func (s *site) recruitingFor(ctx context.Context, condition string, count bool) (string, int, error) {
	if condition == "" {
		return "", 0, nil
	}
	p, err := parseParams(url.Values{"cond": {condition}, "status": {"RECRUITING,NOT_YET_RECRUITING"}})
	if err != nil {
		return "", 0, err
	}
	// A condition the query language cannot read ("Crohn"s") is
	// searched as its plain words, as the search page does.
	p, _ = p.readable()
	if !count {
		return p.url("/search"), 0, nil
	}
	v, err := s.view(ctx)
	if err != nil {
		return "", 0, err
	}
	req := p.request(located{}, 1)
	req.Facets = false
	res, err := v.Index.Search(req)
	var inv *search.InvalidError
	if errors.As(err, &inv) {
		return "", 0, nil // a pointer elsewhere, not worth failing the page for
	}
	if err != nil {
		return "", 0, err
	}
	return p.url("/search"), res.Total, nil
}

// elsewhere is where to look instead of a trial of that status that
// one cannot apply to (see recruitingFor); nothing for a trial that is
// enrolling or about to, whose page points nowhere else.
func (s *site) elsewhere(ctx context.Context, status, condition string, count bool) (string, int, error) {
	if e := enrollment(status); e == "open" || e == "soon" {
		return "", 0, nil
	}
	return s.recruitingFor(ctx, condition, count)
}

// nearestShown is how many sites a check's result lists.
const nearestShown = 3

// nearestSites lists the recruiting sites nearest to where the reader
// lives, so that the result says whom to approach.
func (s *site) nearestSites(ctx context.Context, page *checkPage, st study.Study, place string) error {
	if place = strings.TrimSpace(place); place == "" || page.Sites == 0 {
		return nil
	}
	near, name, err := s.nearPoint(ctx, place)
	if err != nil || near == nil {
		page.NearMiss = err == nil
		return err
	}
	for i, ts := range page.sites {
		l := st.Locations[i]
		if !study.IsRecruiting(l.Status) || l.Geo == nil {
			continue
		}
		page.Nearest = append(page.Nearest, siteView{Site: ts, StatusValue: l.Status, Lat: l.Geo.Lat, Lon: l.Geo.Lon, HasGeo: true,
			Miles: kmToMiles(gazetteer.DistanceKm(near.Lat, near.Lon, l.Geo.Lat, l.Geo.Lon)), HasDistance: true})
	}
	slices.SortStableFunc(page.Nearest, func(a, b siteView) int { return cmp.Compare(a.Miles, b.Miles) })
	page.Nearest = page.Nearest[:min(len(page.Nearest), nearestShown)]
	page.NearPlace = name
	page.NearMiss = len(page.Nearest) == 0
	return nil
}

// errCrossSite refuses a form posted from another site's page.
var errCrossSite = &pageError{Code: http.StatusForbidden, Title: "Form not accepted",
	Message: "This form can only be sent from Trialfinder's own pages. Go back to the page, reload it and send the form again."}

// postOnly guards a form handler against cross-site requests. The forms
// are stateless, so there is no token to check; instead the browser's
// own account of where the request comes from must name this site:
// Sec-Fetch-Site, when sent, must be same-origin, and Origin, when sent,
// must be this host (or the configured base URL, for a proxy that
// rewrites Host). (The CSP's form-action 'self' keeps our own pages
// from posting elsewhere; this keeps others from posting here.)
func (s *site) postOnly(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
			return errCrossSite
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) && !strings.EqualFold(o, s.cfg.BaseURL) {
				return errCrossSite
			}
		}
		return h(w, r)
	}
}
