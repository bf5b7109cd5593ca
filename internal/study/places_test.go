package study

import "testing"

func TestPlaceNames(t *testing.T) {
	for in, want := range map[string]string{
		"Czech Republic": "Czechia", "Czechia": "Czechia", "south korea": "Korea, Republic of",
		"Korea, Republic of": "Korea, Republic of", "Turkey (Türkiye)": "Türkiye", "Russia": "Russian Federation",
		"USA": "United States", " United  States ": "United States", "France": "France",
	} {
		if got := CountryName(in); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct{ country, state, want string }{
		{"United States", "MA", "Massachusetts"}, {"USA", "ma", "Massachusetts"}, {"United States", "Massachusetts", "Massachusetts"},
		{"Canada", "Ont", "Ontario"}, {"Canada", "PEI", "Prince Edward Island"}, {"United Kingdom", "MA", "MA"},
		{"France", "Île-de-France", "Île-de-France"},
	} {
		if got := StateName(c.country, c.state); got != c.want {
			t.Errorf("StateName(%q, %q) = %q, want %q", c.country, c.state, got, c.want)
		}
	}
	if c, s, ok := Region("il"); !ok || c != "United States" || s != "Illinois" {
		t.Errorf("Region(il) = %q %q %v", c, s, ok)
	}
	if _, _, ok := Region("England"); ok {
		t.Error("England is no US state or Canadian province")
	}
	if a := RegionAbbreviation("Canada", "Quebec"); a != "QC" {
		t.Errorf("RegionAbbreviation(Canada, Quebec) = %q", a)
	}
	for in, want := range map[string]string{"Paris Cedex 13": "Paris", "PARIS cedex": "PARIS", "Lyon Cedex08": "Lyon", "Cedexville": "Cedexville",
		"Glasgow, Scotland": "Glasgow", ", Leeds": ", Leeds"} {
		if got := CityName(in); got != want {
			t.Errorf("CityName(%q) = %q, want %q", in, got, want)
		}
	}
	if !RegionsMatter("USA") || RegionsMatter("United Kingdom") {
		t.Error("RegionsMatter: want the US and Canada only")
	}
}
