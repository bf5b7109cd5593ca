package textproc

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hepatocellular Carcinoma", []string{"hepatocellular", "carcinoma"}},
		{"Carcinoma, Hepatocellular", []string{"carcinoma", "hepatocellular"}},
		{"HER2-positive breast cancer", []string{"her", "2", "positive", "breast", "cancer"}},
		{"HER-2", []string{"her", "2"}},
		{"her 2", []string{"her", "2"}},
		{"PD-L1", []string{"pd", "l", "1"}},
		{"COVID-19", []string{"covid", "19"}},
		{"covid19", []string{"covid", "19"}},
		{"SARS-CoV-2", []string{"sar", "cov", "2"}},
		{"NCT05111366", []string{"nct05111366"}},
		{"see NCT05111366.", []string{"see", "nct05111366"}},
		{"NCT0511136", []string{"nct", "0511136"}}, // seven digits: not an ID
		{"Alzheimer's Disease", []string{"alzheimer", "disease"}},
		{"Alzheimer’s disease", []string{"alzheimer", "disease"}},
		{"Quality of Life in the Elderly", []string{"quality", "life", "elderly"}},
		{"not pregnant, no prior therapies", []string{"not", "pregnant", "no", "prior", "therapy"}},
		{"Québec, Köln, São Paulo", []string{"quebec", "koln", "sao", "paulo"}},
		{"Que\u0301bec", []string{"quebec"}},
		{"Straße", []string{"strase"}},
		{"肝癌 患者", []string{"肝癌", "患者"}},
		{"Диабет", []string{"диабет"}},
		{"2.5 mg/kg", []string{"2", "5", "mg", "kg"}},
		{"Type 2 Diabetes Mellitus", []string{"type", "2", "diabete", "mellitus"}},
		{"T2DM", []string{"t", "2", "dm"}},
		{"studies", []string{"study"}},
		{"Tumors", []string{"tumor"}},
		{"boxes", []string{"boxe"}},
		{"illness lupus psoriasis analysis", []string{"illness", "lupus", "psoriasis", "analysis"}},
		{"has ms", []string{"has", "ms"}},
		{"A1c", []string{"1", "c"}},
		{"ares", nil},
	}
	for _, tt := range tests {
		if got := Tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStem(t *testing.T) {
	tests := map[string]string{
		"therapies": "therapy", "series": "sery", "days": "day", "keys": "key",
		"plays": "play", "cases": "case", "diseases": "disease", "does": "does",
		"toes": "toes", "abscesses": "abscess", "illnesses": "illness", "glasses": "glass", "virus": "virus",
		"arthritis": "arthritis", "ties": "ties", "its": "its", "cells": "cell",
		"cell": "cell", "s": "s", "": "",
	}
	for in, want := range tests {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// The same words in different spellings must meet as the same tokens,
// whatever side (record or query) they come from.
func TestTokenizeVariantsMeet(t *testing.T) {
	pairs := [][2]string{
		{"Non-Small Cell Lung Cancer", "non small-cell lung cancers"},
		{"HER2+", "HER-2 positive"[:5]},
		{"Covid-19", "COVID 19"},
		{"Parkinson's Disease", "parkinson diseases"},
	}
	for _, p := range pairs {
		if a, b := Tokenize(p[0]), Tokenize(p[1]); !reflect.DeepEqual(a, b) {
			t.Errorf("%q → %q but %q → %q", p[0], a, p[1], b)
		}
	}
}

// Tokens are non-empty, and tokenising them again gives them back: the
// index and the query agree however often text passes through.
func FuzzTokenize(f *testing.F) {
	f.Add("HER2-positive Breast Cancers in NCT05111366 (Québec), 2.5 mg/kg")
	f.Add("Alzheimer's diseases; ares; que\u0301bec")
	f.Fuzz(func(t *testing.T, text string) {
		toks := Tokenize(text)
		for _, tok := range toks {
			if tok == "" {
				t.Fatalf("Tokenize(%q) has an empty token", text)
			}
		}
		if again := Tokenize(strings.Join(toks, " ")); !reflect.DeepEqual(again, toks) && len(toks) > 0 {
			t.Fatalf("Tokenize(%q) = %q, but those tokenise to %q", text, toks, again)
		}
	})
}

func BenchmarkTokenize(b *testing.B) {
	text := "A Phase 3, Randomized, Double-blind Study of Pembrolizumab (MK-3475) Plus Chemotherapy vs Placebo in Participants With HER2-negative, PD-L1 Positive Gastric Cancers (KEYNOTE-859); see NCT03675737."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Tokenize(text)
	}
}
