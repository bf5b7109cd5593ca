package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/trialfinder/trialfinder/internal/eligibility"
	"github.com/trialfinder/trialfinder/internal/gazetteer"
	"github.com/trialfinder/trialfinder/internal/history"
	"github.com/trialfinder/trialfinder/internal/match"
	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
	"github.com/trialfinder/trialfinder/internal/trialpage"
)

var nctPattern = regexp.MustCompile(`^NCT\d{8}$`)

// studyPage is the data of a trial page.
type studyPage struct {
	trialpage.Page
	// Glance holds the short sections before the first part heading,
	// shown together as a grid; Sections the rest.
	Glance   []pageSection
	Sections []pageSection
	Status   string // API value, for the badge
	// Condition is the trial's main condition; a trial that is not
	// enrolling points to the search (Elsewhere) for the trials
	// recruiting for it, uncounted (Recruiting and Counted stay zero: see
	// recruitingFor).
	Condition  string
	Elsewhere  string
	Recruiting int
	Counted    bool
	Banner     *banner
	// ResultsURL links to the results the study posted on
	// ClinicalTrials.gov; empty when it has none.
	ResultsURL, ResultsPosted string
	Updated                   string
	DataTime                  string
	CTGovURL                  string
	LD                        *medicalTrial
	Countries                 []option // the site list's country filter
	Near                      string
	NearPlace                 string // the resolved place the sites are sorted by
	NearMiss                  bool   // the place in Near was not found
	ShownSites                int
	// The site list's pages, for trials with more than sitesPerPage.
	SitePrev, SiteNext string
	SitePages          []pageLink
	SiteFirst          int // rank of the first site shown, from 1
	TileURL            string
	MapSites           int // sites with coordinates, for the map
	Questions          int // how many questions the eligibility check asks
	History            *historyView
	// Clipped says the page shows less than the record holds (see
	// bound); FullRecord links the whole of it.
	Clipped    bool
	FullRecord string
}

// eligibilityKeys are the sections about who may join, in page order;
// "Check if you may qualify" follows the last one the page has.
var eligibilityKeys = []string{"sex", "ages", "volunteers", "criteria", "inclusion", "exclusion"}

func lastEligibilityKey(secs []trialpage.Section) string {
	last := "details"
	for _, sec := range secs {
		if slices.Contains(eligibilityKeys, sec.Key) {
			last = sec.Key
		}
	}
	return last
}

// pageSection is a trialpage.Section with the heading level it gets on
// this page and, for the locations section, the sites as shown. The
// section is a named field, not embedded, as is siteView's Site: a
// template's field lookup walks embedded structs with reflection and
// allocates each time, which was a sixth of a trial page's garbage.
// Page is the page it is on, for the section's template, which a dict
// built per section passed before, a map each.
type pageSection struct {
	Page    *studyPage
	Section trialpage.Section
	H       int // 2 or 3
	Sites   []siteView
	// More are the sites after the first sitesShown, listed inside a
	// disclosure so that a trial with hundreds of sites stays readable.
	More []siteView
}

const sitesShown = 20

// sitesPerPage bounds the sites one trial page lists, so that a trial
// with a thousand sites stays a page a phone can load (each site with its
// contacts is some 600 bytes of HTML).
const sitesPerPage = 50

type siteView struct {
	Site        trialpage.Site
	StatusValue string
	Lat, Lon    float64
	HasGeo      bool
	Miles       float64
	HasDistance bool
}

type banner struct {
	Title, Text, Why string
}

// banners explain, in plain words, the statuses under which a reader
// should not expect to join.
var banners = map[string]banner{
	"UNKNOWN": {Title: "This trial's status is unknown",
		Text: "The sponsor has not confirmed the trial's status for more than two years, so it may no longer be running. Contact the trial team before making plans."},
	"SUSPENDED": {Title: "This trial is paused",
		Text: "The trial has stopped recruiting for now. It may start again later."},
	"TERMINATED": {Title: "This trial has stopped early",
		Text: "The trial ended before it was planned to finish. No new participants will be enrolled."},
	"WITHDRAWN": {Title: "This trial was withdrawn",
		Text: "The trial stopped before it enrolled its first participant. It will not enroll anyone."},
	"COMPLETED": {Title: "This trial has finished",
		Text: "The trial is over and enrolls no one. Its results may be posted or published; ask your doctor about trials that are recruiting now."},
	"ACTIVE_NOT_RECRUITING": {Title: "This trial is not recruiting",
		Text: "The trial is still running with the participants it has, but it is not enrolling new ones."},
	"NOT_YET_RECRUITING": {Title: "This trial is not yet open",
		Text: "The trial has not started enrolling. You can contact the trial team to ask when it will."},
	"ENROLLING_BY_INVITATION": {Title: "This trial enrolls by invitation only",
		Text: "The trial team chooses whom to invite, often among their own patients; you cannot apply to join."},
	"NO_LONGER_AVAILABLE": {Title: "This treatment is no longer available",
		Text: "Expanded access to this treatment has ended."},
	"TEMPORARILY_NOT_AVAILABLE": {Title: "This treatment is not available for now",
		Text: "Expanded access to this treatment is paused. It may be offered again later."},
	"APPROVED_FOR_MARKETING": {Title: "This treatment is approved",
		Text: "The treatment has been approved for sale, so it is no longer offered through this program. Ask your doctor about it."},
	"WITHHELD": {Title: "This record is withheld",
		Text: "The sponsor has not made the details of this expanded access program public."},
}

func (s *site) study(w http.ResponseWriter, r *http.Request) error {
	st, err := s.studyFor(r, "")
	var removed *study.RemovedError
	if errors.As(err, &removed) {
		return s.removedStudy(w, r, removed)
	}
	if err != nil {
		return err
	}
	crit, err := eligibility.Load(r.Context(), s.cfg.Studies, st.NCTID, st.Eligibility.Criteria)
	if err != nil {
		return err
	}
	v, err := s.view(r.Context())
	if err != nil {
		return err
	}
	ix := v.Index
	page := &studyPage{
		Page: trialpage.Build(st, crit), Status: st.OverallStatus, Updated: st.Dates.LastUpdatePosted.Value,
		DataTime: ix.DataTime(), CTGovURL: "https://clinicaltrials.gov/study/" + st.NCTID,
		TileURL: s.cfg.TileURL, Near: strings.TrimSpace(r.URL.Query().Get("near")),
		FullRecord: "/api/v2/studies/" + st.NCTID,
	}
	page.Clipped = bound(&page.Page)
	if len(st.Conditions) > 0 {
		page.Condition = st.Conditions[0]
	}
	if page.Elsewhere, page.Recruiting, err = s.elsewhere(r.Context(), st.OverallStatus, page.Condition, false); err != nil {
		return err
	}
	if b, ok := banners[st.OverallStatus]; ok {
		b.Why = st.WhyStopped
		page.Banner = &b
	}
	if st.HasResults {
		page.ResultsURL = page.CTGovURL + "?tab=results"
		page.ResultsPosted = st.Dates.ResultsFirstPosted.Value
	}
	var near *search.Point
	if page.Near != "" {
		if near, page.NearPlace, err = s.nearPoint(r.Context(), page.Near); err != nil {
			return err
		}
		page.NearMiss = near == nil
	}
	country := r.URL.Query().Get("country")
	level := 2
	last := lastEligibilityKey(page.Page.Sections)
	qualify := pageSection{Page: page, H: 3, Section: trialpage.Section{Key: "qualify", Heading: "Check if you may qualify"}}
	if enrollment(st.OverallStatus) == "closed" {
		// There is nothing to check: the section says why.
		qualify.Section.Heading = "Can I join this trial?"
	}
	for _, sec := range page.Page.Sections {
		if sec.Level == 1 {
			page.Sections = append(page.Sections, pageSection{Page: page, Section: sec, H: 2})
			level = 3
			if sec.Key == last {
				page.Sections = append(page.Sections, qualify)
			}
			continue
		}
		ps := pageSection{Page: page, Section: sec, H: level}
		if sec.Key == "locations" {
			ps.Sites = page.sites(st, sec.Sites, country, near)
			if ps.Sites, err = page.sitePage(r, ps.Sites); err != nil {
				return err
			}
			if len(ps.Sites) > sitesShown+5 {
				ps.Sites, ps.More = ps.Sites[:sitesShown], ps.Sites[sitesShown:]
			}
		}
		if level == 2 {
			page.Glance = append(page.Glance, ps)
			continue
		}
		page.Sections = append(page.Sections, ps)
		if sec.Key == last {
			page.Sections = append(page.Sections, qualify)
		}
	}
	versions, err := s.studyHistory(r.Context(), st.NCTID, history.Summaries)
	if err != nil {
		return err
	}
	page.History = newHistoryView(st.NCTID, versions)
	page.Questions = len(match.Questions(st, crit))
	page.LD = newMedicalTrial(st, s.cfg.BaseURL)
	return s.render(w, r, http.StatusOK, "study", page.Title, page)
}

// nearPoint resolves the place a reader gives to order sites by, nil
// when no site is there. An ambiguous name is taken as the place with
// most studies: the order of a site list is a weaker choice than a
// search's scope; a country or state orders sites by distance from its
// middle.
func (s *site) nearPoint(ctx context.Context, text string) (*search.Point, string, error) {
	loc, err := s.locate(ctx, params{Loc: text})
	if err != nil {
		return nil, "", err
	}
	if len(loc.choices) > 0 {
		loc.place = &loc.choices[0]
	}
	if loc.point == nil && loc.place != nil && loc.place.HasGeo {
		loc.point = &search.Point{Lat: loc.place.Lat, Lon: loc.place.Lon}
	}
	if loc.point == nil {
		return nil, "", nil
	}
	return loc.point, loc.place.Name(), nil
}

// sites lays out the site list: only the chosen country's when one is
// chosen, nearest first when a place is given, and recruiting sites
// before others otherwise.
func (page *studyPage) sites(st study.Study, sites []trialpage.Site, country string, near *search.Point) []siteView {
	counts := map[string]int{}
	var out []siteView
	for i, ts := range sites {
		counts[ts.Country]++
		l := st.Locations[i]
		v := siteView{Site: ts, StatusValue: l.Status}
		if l.Geo != nil {
			v.Lat, v.Lon, v.HasGeo = l.Geo.Lat, l.Geo.Lon, true
			page.MapSites++
			if near != nil {
				v.Miles = kmToMiles(gazetteer.DistanceKm(near.Lat, near.Lon, l.Geo.Lat, l.Geo.Lon))
				v.HasDistance = true
			}
		}
		if country == "" || strings.EqualFold(ts.Country, country) {
			out = append(out, v)
		}
	}
	for c, n := range counts {
		if c != "" {
			page.Countries = append(page.Countries, option{Value: c, Label: c, Count: n, Selected: strings.EqualFold(c, country)})
		}
	}
	slices.SortFunc(page.Countries, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	slices.SortStableFunc(out, func(a, b siteView) int {
		if near != nil {
			switch {
			case a.HasDistance && b.HasDistance:
				return cmp.Compare(a.Miles, b.Miles)
			case a.HasDistance:
				return -1
			case b.HasDistance:
				return 1
			}
			return 0
		}
		return cmp.Compare(siteRank(a.StatusValue), siteRank(b.StatusValue))
	})
	page.ShownSites = len(out)
	return out
}

// sitePage keeps the page of sites the sitepage parameter asks for, when
// there are more than sitesPerPage, and sets the links to the others,
// which keep the country and place the list is filtered and sorted by.
func (page *studyPage) sitePage(r *http.Request, sites []siteView) ([]siteView, error) {
	page.SiteFirst = 1
	if len(sites) <= sitesPerPage {
		return sites, nil
	}
	n := 1
	if v := r.URL.Query().Get("sitepage"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || (n-1)*sitesPerPage >= len(sites) {
			return nil, &pageError{Code: http.StatusBadRequest, Title: "We could not show that page",
				Message: fmt.Sprintf("sitepage: %q is not a page of this trial's sites", v)}
		}
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("sitepage")
		if n > 1 {
			q.Set("sitepage", strconv.Itoa(n))
		}
		u := "/study/" + page.NCTID
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return u + "#locations"
	}
	page.SitePrev, page.SiteNext, page.SitePages = pageLinks(len(sites), sitesPerPage, n, link)
	page.SiteFirst = (n-1)*sitesPerPage + 1
	return sites[(n-1)*sitesPerPage : min(n*sitesPerPage, len(sites))], nil
}

// siteRank puts sites a patient can join first.
func siteRank(status string) int {
	switch status {
	case "RECRUITING":
		return 0
	case "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION":
		return 1
	case "":
		return 2
	}
	return 3
}

// medicalTrial is the schema.org MedicalTrial description of a study, for
// search engines. html/template encodes it as JSON inside the script
// element, escaping "<" so record text cannot end the element. Structs
// rather than maps: encoding them is cheaper, and their fields are in
// the order the keys sort, as a map's would be.
type medicalTrial struct {
	Context         string           `json:"@context"`
	Type            string           `json:"@type"`
	AlternateName   string           `json:"alternateName,omitempty"`
	Description     string           `json:"description,omitempty"`
	HealthCondition []schemaThing    `json:"healthCondition,omitempty"`
	Identifier      string           `json:"identifier"`
	Name            string           `json:"name"`
	Phase           string           `json:"phase,omitempty"`
	SameAs          string           `json:"sameAs"`
	Sponsor         *schemaThing     `json:"sponsor,omitempty"`
	Status          string           `json:"status,omitempty"`
	StudyLocation   []schemaLocation `json:"studyLocation,omitempty"`
	TrialDesign     string           `json:"trialDesign,omitempty"`
	URL             string           `json:"url"`
}

// schemaThing is a named schema.org thing: a MedicalCondition, an
// Organization.
type schemaThing struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

type schemaLocation struct {
	Type    string        `json:"@type"` // Place
	Address schemaAddress `json:"address"`
	Geo     *schemaGeo    `json:"geo,omitempty"`
	Name    string        `json:"name,omitempty"`
}

type schemaAddress struct {
	Type     string `json:"@type"` // PostalAddress
	Country  string `json:"addressCountry"`
	Locality string `json:"addressLocality"`
	Region   string `json:"addressRegion"`
	Postal   string `json:"postalCode"`
}

type schemaGeo struct {
	Type      string  `json:"@type"` // GeoCoordinates
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

func newMedicalTrial(st study.Study, base string) *medicalTrial {
	ld := &medicalTrial{
		Context: "https://schema.org", Type: "MedicalTrial", Name: displayTitle(st), Identifier: st.NCTID,
		URL: base + "/study/" + st.NCTID, SameAs: "https://clinicaltrials.gov/study/" + st.NCTID,
		AlternateName: st.OfficialTitle, Phase: phaseText(st.Phases),
	}
	if st.BriefSummary != "" {
		ld.Description = clipText(st.BriefSummary, maxProseChars)
	}
	for _, c := range st.Conditions[:min(len(st.Conditions), maxItems)] {
		ld.HealthCondition = append(ld.HealthCondition, schemaThing{Type: "MedicalCondition", Name: c})
	}
	if status, ok := schemaStatus[st.OverallStatus]; ok {
		ld.Status = "https://schema.org/" + status
	}
	if st.LeadSponsor.Name != "" {
		ld.Sponsor = &schemaThing{Type: "Organization", Name: st.LeadSponsor.Name}
	}
	if st.Design.Allocation == "RANDOMIZED" {
		ld.TrialDesign = "https://schema.org/RandomizedTrial"
	}
	for _, l := range st.Locations[:min(len(st.Locations), 50)] {
		loc := schemaLocation{Type: "Place", Name: l.Facility, Address: schemaAddress{
			Type: "PostalAddress", Country: l.Country, Locality: l.City, Region: l.State, Postal: l.Zip}}
		if l.Geo != nil {
			loc.Geo = &schemaGeo{Type: "GeoCoordinates", Latitude: l.Geo.Lat, Longitude: l.Geo.Lon}
		}
		ld.StudyLocation = append(ld.StudyLocation, loc)
	}
	return ld
}

// schemaStatus maps statuses to schema.org MedicalStudyStatus values.
var schemaStatus = map[string]string{
	"RECRUITING":              "Recruiting",
	"NOT_YET_RECRUITING":      "NotYetRecruiting",
	"ACTIVE_NOT_RECRUITING":   "ActiveNotRecruiting",
	"ENROLLING_BY_INVITATION": "EnrollingByInvitation",
	"COMPLETED":               "Completed",
	"SUSPENDED":               "Suspended",
	"TERMINATED":              "Terminated",
	"WITHDRAWN":               "Withdrawn",
}
