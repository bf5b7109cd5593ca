package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/query"
	"github.com/trialfinder/trialfinder/internal/study"
)

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestEveryQueryFieldHasAPiece(t *testing.T) {
	official, err := loadOfficial()
	if err != nil {
		t.Fatal(err)
	}
	ft, err := newFieldTable(official)
	if err != nil {
		t.Fatal(err)
	}
	// The query language's field names are upstream piece names; each must
	// resolve, or fields=@query and sorting by them would fail.
	for _, f := range query.Fields() {
		if _, ok := ft.resolve(f.Name); !ok {
			t.Errorf("query field %s has no piece in the Study schema", f.Name)
		}
	}
	for name, want := range map[string]string{
		"NCTId":               "protocolSection.identificationModule.nctId",
		"BriefTitle":          "protocolSection.identificationModule.briefTitle",
		"StartDate":           "protocolSection.statusModule.startDateStruct.date",
		"EnrollmentCount":     "protocolSection.designModule.enrollmentInfo.count",
		"LocationCity":        "protocolSection.contactsLocationsModule.locations.city",
		"ConditionMeshTerm":   "derivedSection.conditionBrowseModule.meshes.term",
		"HasResults":          "hasResults",
		"ConditionsModule":    "protocolSection.conditionsModule",
		"DesignAllocation":    "protocolSection.designModule.designInfo.allocation",
		"NCTIdAlias":          "protocolSection.identificationModule.nctIdAliases",
		"LeadSponsorName":     "protocolSection.sponsorCollaboratorsModule.leadSponsor.name",
		"OverallOfficialName": "protocolSection.contactsLocationsModule.overallOfficials.name",
	} {
		got, ok := ft.resolve(name)
		if !ok || !slices.Contains(got, want) {
			t.Errorf("piece %s = %v, want it to include %s", name, got, want)
		}
	}
}

func TestOurDocumentIsValid(t *testing.T) {
	f := getFixture(t)
	res := f.get(t, "/api/v2/openapi.yaml")
	if res.status != http.StatusOK || !bytes.Contains(res.body, []byte("ErrorBody")) || !bytes.Contains(res.body, []byte("extensions")) {
		t.Fatalf("openapi.yaml: status %d, %.300s", res.status, res.body)
	}
}

// areaText returns the text of the fields a search area covers, for the
// areas whose fields the domain model has in full.
var areaText = map[string]func(s *study.Study) []string{
	"titles": func(s *study.Study) []string { return []string{s.Acronym, s.BriefTitle, s.OfficialTitle} },
	"lead":   func(s *study.Study) []string { return []string{s.LeadSponsor.Name} },
	"locn": func(s *study.Study) []string {
		var out []string
		for _, l := range s.Locations {
			out = append(out, l.City, l.State, l.Country, l.Facility, l.Zip)
		}
		return out
	},
	"outc": func(s *study.Study) []string {
		var out []string
		for _, o := range s.Outcomes {
			out = append(out, o.Measure)
		}
		return out
	},
	"id": func(s *study.Study) []string {
		out := []string{s.NCTID, s.Acronym, s.OrgStudyID}
		for _, id := range s.SecondaryIDs {
			out = append(out, id.ID)
		}
		return out
	},
	"cond": func(s *study.Study) []string {
		out := append([]string{s.BriefTitle, s.OfficialTitle, s.NCTID}, s.Conditions...)
		out = append(out, s.Keywords...)
		for _, m := range slices.Concat(s.ConditionMeSH, s.ConditionAncestors) {
			out = append(out, m.Term)
		}
		return out
	},
	// The engine leaves the intervention and arm descriptions of this area
	// unindexed.
	"intr": func(s *study.Study) []string {
		out := append([]string{s.BriefTitle, s.OfficialTitle}, s.Keywords...)
		for _, iv := range s.Interventions {
			out = append(out, iv.Name, iv.Type)
			out = append(out, iv.OtherNames...)
		}
		for _, a := range s.Arms {
			out = append(out, a.Label)
		}
		for _, m := range s.InterventionMeSH {
			out = append(out, m.Term)
		}
		return out
	},
	"spons": func(s *study.Study) []string {
		out := []string{s.LeadSponsor.Name}
		for _, c := range s.Collaborators {
			out = append(out, c.Name)
		}
		return out
	},
}

// hasWord reports whether any text has word as a whole word, ignoring
// case; a trailing s is allowed, since search folds plurals, and digits
// separate words as letters do not ("Type2diabetes").
func hasWord(texts []string, word string) bool {
	re := regexp.MustCompile(`(?i)(?:^|[^\pL])` + regexp.QuoteMeta(word) + `s?(?:$|[^\pL])`)
	for _, t := range texts {
		if re.MatchString(t) {
			return true
		}
	}
	return false
}

func TestSearchAreas(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct{ area, word string }{
		{"titles", "asthma"}, {"lead", "pfizer"}, {"locn", "boston"}, {"outc", "mortality"},
		{"cond", "diabetes"}, {"intr", "placebo"}, {"spons", "university"}, {"id", f.records[10].NCTID},
	} {
		t.Run(c.area, func(t *testing.T) {
			texts := areaText[c.area]
			want := f.count(func(s *study.Study) bool { return hasWord(texts(s), c.word) })
			got := f.all(t, vals("query."+c.area, c.word))
			if want == 0 {
				t.Fatalf("bad test: no record has %q in the %s fields", c.word, c.area)
			}
			// Spons also searches the organisation's full name, which the
			// domain model does not keep: there, only require a superset.
			if len(got) != want && !(c.area == "spons" && len(got) > want) {
				t.Errorf("query.%s=%s: %d studies, want %d", c.area, c.word, len(got), want)
			}
			for _, id := range got {
				if c.area != "spons" && !hasWord(texts(f.byID[id]), c.word) {
					t.Errorf("query.%s=%s returned %s, which has no such word there", c.area, c.word, id)
				}
			}
		})
	}
	// query.term covers every area above; the words must all be found.
	got := f.all(t, vals("query.term", "asthma"))
	want := f.count(func(s *study.Study) bool { return hasWord(areaText["titles"](s), "asthma") })
	if len(got) < want {
		t.Errorf("query.term=asthma: %d studies, fewer than the %d with asthma in a title", len(got), want)
	}
}

func within(s *study.Study, lat, lon, km float64) bool {
	for _, l := range s.Locations {
		if l.Geo != nil && haversine(lat, lon, l.Geo.Lat, l.Geo.Lon) <= km {
			return true
		}
	}
	return false
}

func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func hasAny[T comparable](have []T, want ...T) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

func TestFilters(t *testing.T) {
	f := getFixture(t)
	start2020 := func(s *study.Study) bool { return strings.HasPrefix(s.Dates.Start.Value, "2020") }
	someIDs := []string{f.records[3].NCTID, f.records[500].NCTID, f.records[1000].NCTID}
	cases := []struct {
		name   string
		params url.Values
		keep   func(*study.Study) bool
	}{
		{"status", vals("filter.overallStatus", "RECRUITING|NOT_YET_RECRUITING"), func(s *study.Study) bool {
			return s.OverallStatus == "RECRUITING" || s.OverallStatus == "NOT_YET_RECRUITING"
		}},
		{"postStatus", vals("postFilter.overallStatus", "COMPLETED"), func(s *study.Study) bool { return s.OverallStatus == "COMPLETED" }},
		{"ids", vals("filter.ids", strings.Join(someIDs, ",")), func(s *study.Study) bool { return slices.Contains(someIDs, s.NCTID) }},
		{"geoKm", vals("filter.geo", "distance(42.3601,-71.0589,50km)"), func(s *study.Study) bool { return within(s, 42.3601, -71.0589, 50) }},
		{"geoMi", vals("postFilter.geo", "distance(40.7128,-74.006,30mi)"), func(s *study.Study) bool { return within(s, 40.7128, -74.006, 30*1.609344) }},
		{"geoDefaultMiles", vals("filter.geo", "distance(41.8781,-87.6298,20)"), func(s *study.Study) bool { return within(s, 41.8781, -87.6298, 20*1.609344) }},
		{"advanced", vals("filter.advanced", "AREA[StartDate]RANGE[2020-01-01,2020-12-31]"), start2020},
		{"postAdvanced", vals("postFilter.advanced", "AREA[StartDate]2020"), start2020},
		{"aggPhase", vals("aggFilters", "phase:2 3"), func(s *study.Study) bool { return hasAny(s.Phases, "PHASE2", "PHASE3") }},
		{"aggEarly", vals("aggFilters", "phase:0"), func(s *study.Study) bool { return hasAny(s.Phases, "EARLY_PHASE1") }},
		{"aggStatus", vals("aggFilters", "status:rec not"), func(s *study.Study) bool { return study.IsRecruiting(s.OverallStatus) }},
		{"aggType", vals("aggFilters", "studyType:obs"), func(s *study.Study) bool { return s.StudyType == "OBSERVATIONAL" }},
		{"aggFunder", vals("aggFilters", "funderType:industry"), func(s *study.Study) bool { return hasAny(s.FunderTypes(), "INDUSTRY") }},
		{"aggFunderOther", vals("aggFilters", "funderType:other"), func(s *study.Study) bool {
			return hasAny(s.FunderTypes(), "OTHER", "OTHER_GOV", "INDIV", "NETWORK", "AMBIG", "UNKNOWN")
		}},
		{"aggSex", vals("aggFilters", "sex:f"), func(s *study.Study) bool { return s.Eligibility.Sex == "FEMALE" || s.Eligibility.Sex == "ALL" }},
		{"aggAges", vals("aggFilters", "ages:child"), func(s *study.Study) bool { return hasAny(s.Eligibility.StdAges, "CHILD") }},
		{"aggHealthy", vals("aggFilters", "healthy:y"), func(s *study.Study) bool {
			return s.Eligibility.HealthyVolunteers != nil && *s.Eligibility.HealthyVolunteers
		}},
		{"aggResults", vals("aggFilters", "results:without"), func(s *study.Study) bool { return !s.HasResults }},
		{"aggCombined", vals("aggFilters", "results:with,status:com", "filter.overallStatus", "COMPLETED|TERMINATED"), func(s *study.Study) bool {
			return s.HasResults && s.OverallStatus == "COMPLETED"
		}},
		{"aggStatusDisjoint", vals("aggFilters", "status:rec", "postFilter.overallStatus", "COMPLETED"), func(*study.Study) bool { return false }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := f.count(c.keep)
			p := cloneValues(c.params)
			p.Set("countTotal", "true")
			p.Set("fields", "NCTId")
			first := f.list(t, p)
			if first.TotalCount == nil || *first.TotalCount != want {
				t.Fatalf("%s: totalCount %v, want %d", c.params.Encode(), first.TotalCount, want)
			}
			got := f.all(t, c.params)
			if len(got) != want {
				t.Fatalf("%s: paged through %d studies, want %d", c.params.Encode(), len(got), want)
			}
			for _, id := range got {
				if !c.keep(f.byID[id]) {
					t.Errorf("%s returned %s, which does not match", c.params.Encode(), id)
				}
			}
		})
	}
}

func TestPagingHasNoGapsOrDuplicates(t *testing.T) {
	f := getFixture(t)
	for _, params := range []url.Values{
		vals("filter.overallStatus", "COMPLETED"),
		vals("query.term", "cancer", "sort", "LastUpdatePostDate"),
		vals("query.cond", "cancer"),
		vals("filter.geo", "distance(42.3601,-71.0589,300mi)", "sort", "distance,EnrollmentCount:desc"),
	} {
		all := f.all(t, params)
		p := cloneValues(params)
		p.Set("pageSize", "7")
		p.Set("fields", "NCTId")
		var paged []string
		for pages := 0; ; pages++ {
			page := f.list(t, p)
			if len(page.Studies) > 7 {
				t.Fatalf("%s: page of %d studies, asked for 7", params.Encode(), len(page.Studies))
			}
			paged = append(paged, page.ids(t)...)
			if page.NextPageToken == "" {
				break
			}
			p.Set("pageToken", page.NextPageToken)
		}
		if !slices.Equal(paged, all) {
			t.Errorf("%s: pages of 7 give %d studies, pages of 1000 give %d, or a different order", params.Encode(), len(paged), len(all))
		}
		seen := map[string]bool{}
		for _, id := range paged {
			if seen[id] {
				t.Errorf("%s: %s on two pages", params.Encode(), id)
			}
			seen[id] = true
		}
		if len(all) == 0 {
			t.Errorf("bad test: %s finds nothing", params.Encode())
		}
	}
	// Upstream coerces a page size over 1,000 down rather than refusing it.
	if p := f.list(t, vals("pageSize", "5000", "fields", "NCTId")); len(p.Studies) != 1000 {
		t.Errorf("pageSize=5000: %d studies, want 1000", len(p.Studies))
	}
}

func TestSortOrder(t *testing.T) {
	f := getFixture(t)
	ids := f.all(t, vals("filter.overallStatus", "COMPLETED", "sort", "EnrollmentCount:desc"))
	last := math.MaxInt
	for _, id := range ids {
		e := f.byID[id].Enrollment
		if !e.Known {
			last = -1 // missing values come last
			continue
		}
		if last == -1 || e.Count > last {
			t.Fatalf("EnrollmentCount:desc: %s (%d) after a study with %d", id, e.Count, last)
		}
		last = e.Count
	}
	// A field path sorts as its piece does; dates default to descending.
	ids = f.all(t, vals("sort", "protocolSection.statusModule.startDateStruct.date"))
	prev := "9999"
	for _, id := range ids {
		d := f.byID[id].Dates.Start.Sortable()
		if d == "" {
			prev = ""
			continue
		}
		if d > prev {
			t.Fatalf("StartDate: %s (%s) after %s", id, d, prev)
		}
		prev = d
	}
}

func TestFieldsProjection(t *testing.T) {
	f := getFixture(t)
	p := f.list(t, vals("fields", "NCTId|BriefTitle,protocolSection.statusModule.overallStatus", "pageSize", "20"))
	for i, raw := range p.Studies {
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		id := p.ids(t)[i]
		s := f.byID[id]
		want := map[string]any{"protocolSection": map[string]any{
			"identificationModule": map[string]any{"nctId": id, "briefTitle": s.BriefTitle},
			"statusModule":         map[string]any{"overallStatus": s.OverallStatus},
		}}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			t.Errorf("projected %s:\n got %s\nwant %s", id, gj, wj)
		}
	}
	one := f.get(t, "/api/v2/studies/"+f.records[0].NCTID+"?fields=ConditionsModule,HasResults")
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(one.body, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec) != 2 || rec["hasResults"] == nil || rec["protocolSection"] == nil {
		t.Errorf("fields=ConditionsModule,HasResults: got keys %v", slices.Sorted(mapKeys(rec)))
	}
	// An area name stands for the fields it searches.
	area := f.list(t, vals("fields", "TitleSearch", "pageSize", "3"))
	if !bytes.Contains(area.Studies[0], []byte(`"briefTitle"`)) || bytes.Contains(area.Studies[0], []byte(`"statusModule"`)) {
		t.Errorf("fields=TitleSearch: %s", area.Studies[0])
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestWholeRecordIsVerbatim(t *testing.T) {
	f := getFixture(t)
	s := f.records[42]
	res := f.get(t, "/api/v2/studies/"+s.NCTID)
	if res.status != http.StatusOK || !bytes.Equal(bytes.TrimSpace(res.body), s.Raw) {
		t.Errorf("GET %s: status %d, body differs from the record", s.NCTID, res.status)
	}
}

func TestCSV(t *testing.T) {
	f := getFixture(t)
	res := f.get(t, "/api/v2/studies?format=csv&filter.overallStatus=RECRUITING&countTotal=true&pageSize=50")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"NCT Number", "Study Title", "Study URL", "Acronym", "Study Status", "Brief Summary", "Study Results",
		"Conditions", "Interventions", "Primary Outcome Measures", "Secondary Outcome Measures", "Other Outcome Measures",
		"Sponsor", "Collaborators", "Sex", "Age", "Phases", "Enrollment", "Funder Type", "Study Type", "Study Design",
		"Other IDs", "Start Date", "Primary Completion Date", "Completion Date", "First Posted", "Results First Posted",
		"Last Update Posted", "Locations", "Study Documents"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("header %q", rows[0])
	}
	recruiting := f.count(func(s *study.Study) bool { return s.OverallStatus == "RECRUITING" })
	if got := res.header.Get("x-total-count"); got != strconv.Itoa(recruiting) {
		t.Errorf("x-total-count %q, want %d", got, recruiting)
	}
	if len(rows) != 51 {
		t.Fatalf("%d rows, want a header and 50", len(rows))
	}
	for _, row := range rows[1:] {
		s := f.byID[row[0]]
		if s == nil || row[1] != s.BriefTitle || row[4] != "RECRUITING" || row[7] != strings.Join(s.Conditions, "|") {
			t.Errorf("row %q does not match its record", row[:8])
		}
	}
	// The next page has no header; fields chooses columns.
	next := f.get(t, "/api/v2/studies?format=csv&filter.overallStatus=RECRUITING&pageSize=50&fields=NCT%20Number,conditions&pageToken="+url.QueryEscape(res.header.Get("x-next-page-token")))
	rows, err = csv.NewReader(bytes.NewReader(next.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || len(rows[0]) != 2 || f.byID[rows[0][0]] == nil {
		t.Errorf("second page with two columns: %q", rows[:min(2, len(rows))])
	}
	single := f.get(t, "/api/v2/studies/"+f.records[7].NCTID+"?format=csv")
	rows, err = csv.NewReader(bytes.NewReader(single.body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != f.records[7].NCTID {
		t.Errorf("single study CSV: %v %q", err, rows)
	}
}

func TestAliasRedirects(t *testing.T) {
	f := getFixture(t)
	var s *study.Study
	for i := range f.records {
		if len(f.records[i].Aliases) > 0 {
			s = &f.records[i]
			break
		}
	}
	if s == nil {
		t.Fatal("bad test: no demo record has an alias")
	}
	res := f.get(t, "/api/v2/studies/"+s.Aliases[0]+"?fields=NCTId")
	if res.status != http.StatusMovedPermanently || res.header.Get("Location") != "/api/v2/studies/"+s.NCTID+"?fields=NCTId" {
		t.Errorf("alias %s: status %d, Location %q", s.Aliases[0], res.status, res.header.Get("Location"))
	}
	short := strings.TrimLeft(strings.TrimPrefix(s.NCTID, "NCT"), "0")
	res = f.get(t, "/api/v2/studies/nct"+short)
	if res.status != http.StatusMovedPermanently || res.header.Get("Location") != "/api/v2/studies/"+s.NCTID {
		t.Errorf("nct%s: status %d, Location %q", short, res.status, res.header.Get("Location"))
	}
}

func TestErrors(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		path   string
		status int
		says   string
	}{
		{"/api/v2/studies?query.cond=(cancer", 400, "query.cond"},
		{"/api/v2/studies?filter.advanced=AREA[StartDate]RANGE[2020", 400, "filter.advanced: at column"},
		{"/api/v2/studies?fields=NoSuchField", 400, `"NoSuchField"`},
		{"/api/v2/studies?fields=", 400, "fields"},
		{"/api/v2/studies?format=csv&fields=Nope", 400, `"Nope"`},
		{"/api/v2/studies?filter.geo=distance(95,0,10km)", 400, "latitude"},
		{"/api/v2/studies?filter.geo=near(1,2)", 400, "filter.geo"},
		{"/api/v2/studies?sort=BriefTitle", 400, "BriefTitle"},
		{"/api/v2/studies?sort=StartDate:up", 400, "asc or desc"},
		{"/api/v2/studies?sort=StartDate,EnrollmentCount,NCTId", 400, "at most two"},
		{"/api/v2/studies?sort=distance", 400, "distance"},
		{"/api/v2/studies?pageToken=garbage", 400, "pageToken"},
		{"/api/v2/studies?aggFilters=phase:9", 400, `"9"`},
		{"/api/v2/studies?aggFilters=colour:red", 400, "aggFilters"},
		{"/api/v2/studies?filter.overallStatus=HAPPY", 400, `"HAPPY"`},
		{"/api/v2/studies?filter.ids=XYZ1", 400, "filter.ids"},
		{"/api/v2/studies?filter.synonyms=Nowhere:1", 400, "search area"},
		{"/api/v2/studies?postFilter.synonyms=ConditionSearch", 400, "area:synonym_id"},
		{"/api/v2/studies?geoDecay=func:cubic,scale:1km,offset:0km,decay:0.5", 400, "geoDecay"},
		{"/api/v2/studies?geoDecay=func:exp,scale:1km,offset:0km,decay:1.5", 400, "decay"},
		{"/api/v2/studies?markupFormat=html", 400, "markupFormat"},
		{"/api/v2/studies/" + f.records[0].NCTID + "?format=fhir.json&fields=NCTId", 400, "fields"},
		{"/api/v2/studies/" + f.records[0].NCTID + "?format=ris&fields=ZZ", 400, "RIS tag"},
		{"/api/v2/studies?filter.phase=PHASE2", 400, "filter.phase"},
		{"/api/v2/studies?pageSize=-1", 400, "pageSize"},
		{"/api/v2/studies?countTotal=maybe", 400, "countTotal"},
		{"/api/v2/studies?format=xml", 400, "format"},
		{"/api/v2/studies?extensions=everything", 400, "extensions"},
		{"/api/v2/studies?query.cond=AREA[Nonsense]x", 400, "Nonsense"},
		{"/api/v2/studies/NOTANID", 400, "NCT ID"},
		{"/api/v2/studies/NCT99999999", 404, "no study"},
		{"/api/v2/studies/" + f.records[0].NCTID + "?format=xml", 400, "format"},
		{"/api/v2/nothing-here", 404, "no such endpoint"},
	} {
		res := f.get(t, c.path)
		var body ErrorBody
		if err := json.Unmarshal(res.body, &body); err != nil {
			t.Errorf("%s: body is not JSON: %s", c.path, res.body)
			continue
		}
		if res.status != c.status || body.Error.Status != c.status || !strings.Contains(body.Error.Message, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.path, res.status, body.Error.Message, c.status, c.says)
		}
	}
	// A valid page token must come from the same search.
	first := f.list(t, vals("query.cond", "cancer"))
	res := f.get(t, "/api/v2/studies?query.cond=asthma&pageToken="+url.QueryEscape(first.NextPageToken))
	if res.status != http.StatusBadRequest {
		t.Errorf("page token of another search: status %d", res.status)
	}
}

func TestExtensions(t *testing.T) {
	f := getFixture(t)
	p := f.list(t, vals("query.cond", "cancer", "aggFilters", "status:rec", "countTotal", "true",
		"extensions", "facets,searchDetails,hitInfo", "filter.geo", "distance(42.3601,-71.0589,500km)"))
	inArea := func(s *study.Study) bool {
		return hasWord(areaText["cond"](s), "cancer") && within(s, 42.3601, -71.0589, 500)
	}
	// Facets count before aggFilters: the status facet shows every status.
	var status *facet
	for i := range p.Facets {
		if p.Facets[i].Field == "OverallStatus" {
			status = &p.Facets[i]
		}
	}
	if status == nil {
		t.Fatalf("no OverallStatus facet in %+v", p.Facets)
	}
	for _, v := range status.Values {
		want := f.count(func(s *study.Study) bool { return inArea(s) && s.OverallStatus == v.Value })
		if v.Count != want {
			t.Errorf("facet OverallStatus %s: %d, want %d", v.Value, v.Count, want)
		}
	}
	if want := f.count(func(s *study.Study) bool { return inArea(s) && s.OverallStatus == "RECRUITING" }); *p.TotalCount != want {
		t.Errorf("totalCount %d, want %d", *p.TotalCount, want)
	}
	if p.SearchDetails == nil || len(p.SearchDetails.Terms) == 0 || p.SearchDetails.Terms[0].Text != "cancer" {
		t.Errorf("searchDetails: %+v", p.SearchDetails)
	}
	for _, id := range p.ids(t) {
		hi := p.HitInfo[id]
		if hi == nil || hi.NearestSite == nil {
			t.Errorf("%s: no nearest site", id)
			continue
		}
		want := math.Inf(1)
		for _, l := range f.byID[id].Locations {
			if l.Geo != nil {
				want = math.Min(want, haversine(42.3601, -71.0589, l.Geo.Lat, l.Geo.Lon))
			}
		}
		if hi.NearestSite.Recruiting && math.Abs(hi.NearestSite.DistanceKm-want) > 0.5 && hi.NearestSite.DistanceKm < want {
			t.Errorf("%s: nearest site %.2f km, but the nearest is %.2f km", id, hi.NearestSite.DistanceKm, want)
		}
		if hi.NearestSite.DistanceKm > 500.01 {
			t.Errorf("%s: nearest site %.2f km, outside the 500 km filter", id, hi.NearestSite.DistanceKm)
		}
	}
}

func TestMetadataEndpoints(t *testing.T) {
	f := getFixture(t)
	var size gzipStats
	if err := json.Unmarshal(f.get(t, "/api/v2/stats/size").body, &size); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, r := range size.Ranges {
		sum += r.StudiesCount
	}
	if size.TotalStudies != len(f.records) || sum != len(f.records) || len(size.LargestStudies) != 5 {
		t.Errorf("stats/size: %d studies, ranges sum %d, %d largest; want %d", size.TotalStudies, sum, len(size.LargestStudies), len(f.records))
	}
	var v version
	if err := json.Unmarshal(f.get(t, "/api/v2/version").body, &v); err != nil {
		t.Fatal(err)
	}
	newest := ""
	for _, s := range f.records {
		newest = max(newest, s.Dates.LastUpdatePosted.Sortable())
	}
	if v.APIVersion != "2.0.5" || v.DataTimestamp != newest+"T00:00:00" {
		t.Errorf("version %+v, want data time %s", v, newest)
	}
	var infos []enumInfo
	if err := json.Unmarshal(f.get(t, "/api/v2/studies/enums").body, &infos); err != nil {
		t.Fatal(err)
	}
	for _, e := range infos {
		if len(e.Pieces) == 0 {
			t.Errorf("enum %s: no piece of the Study schema has this type", e.Type)
		}
	}
	golden(t, "enums.json", f.get(t, "/api/v2/studies/enums").body)
	golden(t, "search-areas.json", f.get(t, "/api/v2/studies/search-areas").body)
}

func TestGolden(t *testing.T) {
	f := getFixture(t)
	for name, path := range map[string]string{
		"studies-cond-fields.json":   "/api/v2/studies?query.cond=asthma&fields=NCTId,BriefTitle,OverallStatus,Phase&countTotal=true&pageSize=5",
		"studies-geo-hitinfo.json":   "/api/v2/studies?filter.geo=distance(42.3601,-71.0589,50km)&sort=distance&fields=NCTId&pageSize=5&extensions=hitInfo",
		"studies-status-facets.json": "/api/v2/studies?query.term=vaccine&aggFilters=status:com&fields=NCTId&pageSize=3&extensions=facets",
		"studies-csv.csv":            "/api/v2/studies?query.intr=metformin&format=csv&pageSize=5",
		"study-projected.json":       "/api/v2/studies/" + f.records[100].NCTID + "?fields=IdentificationModule,StatusModule",
		"error-bad-query.json":       "/api/v2/studies?query.term=AREA[Phase]PHASE9",
	} {
		golden(t, name, f.get(t, path).body)
	}
}
