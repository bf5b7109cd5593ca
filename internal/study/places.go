package study

import (
	"regexp"
	"strings"
)

// Place names as the registry's sites write them vary: "Czech Republic"
// and "Czechia", "Turkey" and "Turkey (Türkiye)", "MA" and
// "Massachusetts", "Paris Cedex 13". The functions below give each place
// one name, so that browsing, filters and place search see one place.
// Records themselves are never changed: the API returns the registry's
// spelling.

// countryAliases maps folded alternative names to the canonical name: the
// ISO 3166-1 English short name, except where ClinicalTrials.gov writes
// a shorter common one for the same country ("United States", "United
// Kingdom", "Taiwan", "Tanzania"), which is kept.
var countryAliases = map[string]string{
	"czech republic": "Czechia",
	"south korea":    "Korea, Republic of", "republic of korea": "Korea, Republic of", "korea": "Korea, Republic of",
	"korea (south)": "Korea, Republic of",
	"russia":        "Russian Federation",
	"turkey":        "Türkiye", "turkey (türkiye)": "Türkiye", "turkiye": "Türkiye",
	"usa": "United States", "us": "United States", "united states of america": "United States",
	"uk": "United Kingdom", "great britain": "United Kingdom", "united kingdom of great britain and northern ireland": "United Kingdom",
	"iran":      "Iran, Islamic Republic of",
	"vietnam":   "Viet Nam",
	"moldova":   "Moldova, Republic of",
	"macedonia": "North Macedonia", "macedonia, the former yugoslav republic of": "North Macedonia",
	"the former yugoslav republic of macedonia": "North Macedonia",
	"syria":                            "Syrian Arab Republic",
	"laos":                             "Lao People's Democratic Republic",
	"democratic republic of the congo": "Congo, The Democratic Republic of the", "dr congo": "Congo, The Democratic Republic of the",
	"ivory coast": "Côte d'Ivoire", "cote d'ivoire": "Côte d'Ivoire", "côte d'ivoire": "Côte d'Ivoire",
	"swaziland": "Eswatini",
	"burma":     "Myanmar",
	"holland":   "Netherlands", "the netherlands": "Netherlands",
	"taiwan, province of china":       "Taiwan",
	"hong kong sar":                   "Hong Kong",
	"palestinian territory, occupied": "Palestine, State of", "palestinian territories, occupied": "Palestine, State of",
	"palestine":                    "Palestine, State of",
	"tanzania, united republic of": "Tanzania",
}

// CountryName returns the canonical name of a country as sites or
// readers write it; an unknown name comes back trimmed.
func CountryName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if c, ok := countryAliases[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// regions are the states, provinces and territories of the countries
// whose sites name them reliably and where one city name is found in
// many of them (Springfield, Illinois and Springfield, Missouri): their
// postal abbreviations and names.
var regions = map[string][][2]string{
	"United States": {
		{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"}, {"CA", "California"},
		{"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"}, {"DC", "District of Columbia"},
		{"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"}, {"ID", "Idaho"}, {"IL", "Illinois"},
		{"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"},
		{"ME", "Maine"}, {"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"},
		{"MS", "Mississippi"}, {"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
		{"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
		{"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"}, {"OR", "Oregon"},
		{"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"}, {"SD", "South Dakota"},
		{"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"}, {"VT", "Vermont"}, {"VA", "Virginia"},
		{"WA", "Washington"}, {"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"},
		{"PR", "Puerto Rico"}, {"GU", "Guam"}, {"VI", "Virgin Islands"},
	},
	"Canada": {
		{"AB", "Alberta"}, {"BC", "British Columbia"}, {"MB", "Manitoba"}, {"NB", "New Brunswick"},
		{"NL", "Newfoundland and Labrador"}, {"NS", "Nova Scotia"}, {"NT", "Northwest Territories"},
		{"NU", "Nunavut"}, {"ON", "Ontario"}, {"PE", "Prince Edward Island"}, {"QC", "Quebec"},
		{"SK", "Saskatchewan"}, {"YT", "Yukon"},
	},
}

// regionAliases are other ways sites write a region.
var regionAliases = map[string]string{"ont": "Ontario", "pei": "Prince Edward Island", "que": "Quebec", "québec": "Quebec"}

// regionByKey maps a country and a folded abbreviation or name to the
// region's name.
var regionByKey = func() map[[2]string]string {
	m := map[[2]string]string{}
	for country, rs := range regions {
		for _, r := range rs {
			m[[2]string{country, strings.ToLower(r[0])}] = r[1]
			m[[2]string{country, strings.ToLower(r[1])}] = r[1]
		}
	}
	for a, name := range regionAliases {
		m[[2]string{"Canada", a}] = name
	}
	return m
}()

// RegionsMatter reports whether a country's sites name their states or
// provinces reliably, so that two cities of one name in two regions are
// two places. Elsewhere the region a site gives is often a district or
// missing ("London, England", "London, City of", "London"), and a city
// is one place per country.
func RegionsMatter(country string) bool { return regions[CountryName(country)] != nil }

// StateName returns the canonical name of a state or province of a
// country (the full name for a US state or Canadian province given by its
// abbreviation); other names come back trimmed.
func StateName(country, state string) string {
	state = strings.Join(strings.Fields(state), " ")
	if r, ok := regionByKey[[2]string{CountryName(country), strings.ToLower(state)}]; ok {
		return r
	}
	return state
}

// Region finds a US state or Canadian province by its abbreviation or
// name in any case ("MA", "massachusetts"), with its country.
func Region(text string) (country, state string, ok bool) {
	k := strings.ToLower(strings.Join(strings.Fields(text), " "))
	for _, c := range []string{"United States", "Canada"} {
		if r, found := regionByKey[[2]string{c, k}]; found {
			return c, r, true
		}
	}
	return "", "", false
}

// RegionAbbreviation returns the postal abbreviation of a US state or
// Canadian province; "" for any other.
func RegionAbbreviation(country, state string) string {
	for _, r := range regions[CountryName(country)] {
		if r[1] == state {
			return r[0]
		}
	}
	return ""
}

// cedex is the French postal routing suffix some sites add to the city.
var cedex = regexp.MustCompile(`(?i)\s+cedex\s*\d*$`)

// CityName returns a city's name without postal routing ("Paris Cedex
// 13" → "Paris") or a region written after a comma ("Glasgow, Scotland"
// → "Glasgow"), which the site's other fields give.
func CityName(city string) string {
	if before, _, ok := strings.Cut(city, ","); ok && strings.TrimSpace(before) != "" {
		city = before
	}
	return cedex.ReplaceAllString(strings.Join(strings.Fields(city), " "), "")
}
