package api

import (
	"maps"
	"slices"
	"strings"

	"github.com/trialfinder/trialfinder/internal/search"
)

// aggFilterTable maps the aggFilters filter ids of clinicaltrials.gov's
// search page, and their option keys, to API v2 enum values. Ids and keys
// are those the site puts in its URLs (aggFilters=phase:2 3,status:rec);
// the site documents no complete list, so the rarer keys (the expanded
// access statuses, phase na) are ours, named after their values.
var aggFilterTable = map[string]map[string][]string{
	"phase": {
		"0": {"EARLY_PHASE1"}, "1": {"PHASE1"}, "2": {"PHASE2"}, "3": {"PHASE3"}, "4": {"PHASE4"},
		"na": {"NA"},
	},
	"status": {
		"rec": {"RECRUITING"}, "not": {"NOT_YET_RECRUITING"}, "act": {"ACTIVE_NOT_RECRUITING"},
		"enr": {"ENROLLING_BY_INVITATION"}, "com": {"COMPLETED"}, "sus": {"SUSPENDED"},
		"ter": {"TERMINATED"}, "wit": {"WITHDRAWN"}, "unk": {"UNKNOWN"},
		"ava": {"AVAILABLE"}, "nla": {"NO_LONGER_AVAILABLE"}, "tna": {"TEMPORARILY_NOT_AVAILABLE"},
		"afm": {"APPROVED_FOR_MARKETING"}, "whd": {"WITHHELD"},
	},
	"studyType": {
		"int": {"INTERVENTIONAL"}, "obs": {"OBSERVATIONAL"}, "exp": {"EXPANDED_ACCESS"},
	},
	// "other" is every class but the three the site names.
	"funderType": {
		"nih": {"NIH"}, "fed": {"FED"}, "industry": {"INDUSTRY"},
		"other": {"OTHER", "OTHER_GOV", "INDIV", "NETWORK", "AMBIG", "UNKNOWN"},
	},
	"sex":     {"f": {"FEMALE"}, "m": {"MALE"}, "a": {"ALL"}},
	"ages":    {"child": {"CHILD"}, "adult": {"ADULT"}, "older": {"OLDER_ADULT"}},
	"healthy": {"y": {"true"}},
	"results": {"with": {"true"}, "without": {"false"}},
}

// applyAggFilters adds "id:key key,id:key" to f. Options of one id are
// alternatives (OR); ids combine with AND. It reports none when the
// options exclude each other or what f already requires.
func applyAggFilters(v string, f *search.Filter) (none bool, err error) {
	chosen := map[string][]string{}
	for _, pair := range splitList(v) {
		id, keys, ok := strings.Cut(strings.TrimSpace(pair), ":")
		opts, known := aggFilterTable[id]
		if !ok || !known {
			return false, badRequest("aggFilters: %q is not filter_id:options (ids: %s)", pair, strings.Join(sortedKeys(aggFilterTable), ", "))
		}
		fields := strings.Fields(keys)
		if len(fields) == 0 {
			return false, badRequest("aggFilters: %s has no options", id)
		}
		for _, k := range fields {
			vals, ok := opts[k]
			if !ok {
				return false, badRequest("aggFilters: %s has no option %q (want %s)", id, k, strings.Join(sortedKeys(opts), ", "))
			}
			chosen[id] = append(chosen[id], vals...)
		}
	}
	for id, vals := range chosen {
		switch id {
		case "phase":
			f.Phases = vals
		case "status":
			if f.Statuses, none = intersect(f.Statuses, vals); none {
				return true, nil
			}
		case "studyType":
			f.StudyTypes = vals
		case "funderType":
			f.FunderTypes = vals
		case "ages":
			f.StdAges = vals
		case "sex":
			// The engine's FEMALE keeps studies open to women, ALL
			// included; "f m" is then every study, so no filter.
			f.Sex = "ALL"
			switch female, male := slices.Contains(vals, "FEMALE"), slices.Contains(vals, "MALE"); {
			case female && male:
				f.Sex = ""
			case female:
				f.Sex = "FEMALE"
			case male:
				f.Sex = "MALE"
			}
		case "healthy":
			t := true
			f.HealthyVolunteers = &t
		case "results":
			// with and without together keep everything.
			if with, without := slices.Contains(vals, "true"), slices.Contains(vals, "false"); with != without {
				f.HasResults = &with
			}
		}
	}
	return false, nil
}

// intersect combines two alternative lists that must both hold; an empty
// list does not constrain. none reports an empty intersection.
func intersect(have, add []string) (out []string, none bool) {
	if len(have) == 0 {
		return add, false
	}
	for _, v := range add {
		if slices.Contains(have, v) {
			out = append(out, v)
		}
	}
	return out, len(out) == 0
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
