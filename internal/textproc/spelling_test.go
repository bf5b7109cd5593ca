package textproc

import (
	"slices"
	"testing"
)

// TestSpellingVariantsMeet checks that each British spelling gives the
// same tokens as its US spelling, and so finds the same studies.
func TestSpellingVariantsMeet(t *testing.T) {
	pairs := [][2]string{
		{"leukaemia", "leukemia"}, {"anaemia", "anemia"}, {"haemoglobin", "hemoglobin"},
		{"paediatric", "pediatric"}, {"Orthopaedic", "orthopedic"}, {"gynaecology", "gynecology"},
		{"anaesthesia", "anesthesia"}, {"aetiology", "etiology"}, {"caesarean", "cesarean"},
		{"oedema", "edema"}, {"oesophageal", "esophageal"}, {"oestrogen", "estrogen"},
		{"diarrhoea", "diarrhea"}, {"dyspnoea", "dyspnea"}, {"foetal", "fetal"}, {"coeliac", "celiac"},
		{"tumours", "tumors"}, {"behaviour", "behavior"}, {"behavioural", "behavioral"},
		{"colour", "color"}, {"labour", "labor"}, {"favourable", "favorable"},
		{"randomised", "randomized"}, {"randomisation", "randomization"}, {"hospitalised", "hospitalized"},
		{"characterise", "characterize"}, {"minimising", "minimizing"}, {"immunisation", "immunization"},
		{"analysed", "analyzed"}, {"paralysed", "paralyzed"},
		{"centre", "center"}, {"Centres", "centers"}, {"fibre", "fiber"}, {"litre", "liter"},
		{"analogue", "analog"}, {"catalogues", "catalogs"},
		{"counselling", "counseling"}, {"labelled", "labeled"}, {"travellers", "travelers"},
		{"children", "child"}, {"kids", "kid"},
	}
	for _, p := range pairs {
		if a, b := Tokenize(p[0]), Tokenize(p[1]); !slices.Equal(a, b) {
			t.Errorf("%q → %q but %q → %q; want the same", p[0], a, p[1], b)
		}
	}
}

// TestSpellingKeepsWordsApart checks words the folding rules must not
// touch or merge.
func TestSpellingKeepsWordsApart(t *testing.T) {
	same := []string{
		"aerobic", "vertebrae", "shoe", "toe", "does", "four", "hour", "flour", "contour", "journal",
		"resource", "exercise", "promise", "compromise", "advise", "disease", "remission", "permission",
		"analysis", "lysed", "genre", "rogue", "filled", "selling", "poetry", "premise",
	}
	for _, w := range same {
		want := Stem(w)
		if got := Tokenize(w); len(got) != 1 || got[0] != want {
			t.Errorf("Tokenize(%q) = %q, want [%q]", w, got, want)
		}
	}
	apart := [][2]string{{"filled", "filed"}, {"shoe", "she"}, {"promise", "promize"}}
	for _, p := range apart {
		if a, b := Tokenize(p[0]), Tokenize(p[1]); slices.Equal(a, b) {
			t.Errorf("%q and %q both give %q; want them apart", p[0], p[1], a)
		}
	}
}
