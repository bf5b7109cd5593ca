package eligibility

import (
	"strings"
	"testing"
)

func texts(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Text
	}
	return out
}

func sameTexts(t *testing.T, what string, got []Item, want ...string) {
	t.Helper()
	g := texts(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, g, want)
	}
}

// The header variants are copied from real records (the NCT id says
// which) unless marked otherwise.
func TestSplitHeaders(t *testing.T) {
	cases := []struct {
		name, text string
		inc, exc   []string
	}{
		{"NCT02560883 Inclusion:/Exclusion:",
			"Inclusion:\n\n* Patients with classic hairy cell leukemia\n* Patients with the variant of hairy cell leukemia.\n\nExclusion:\n\n* Children are excluded from the study, since Hairy Cell Leukemia wasn't described in children.",
			[]string{"Patients with classic hairy cell leukemia", "Patients with the variant of hairy cell leukemia."},
			[]string{"Children are excluded from the study, since Hairy Cell Leukemia wasn't described in children."}},
		{"NCT05109208 criteria include:",
			"Inclusion criteria include:\n\n* Age \\> 40 years\n* Planned bilateral nerves-paring prostatectomy\n\nExclusion criteria include:\n\n* History of prior pelvic or penile surgery",
			[]string{"Age \\> 40 years", "Planned bilateral nerves-paring prostatectomy"},
			[]string{"History of prior pelvic or penile surgery"}},
		{"NCT04862663 Key ... for both phases",
			"Key inclusion criteria for both phases:\n\n1. Adult females (pre-/peri-/ and post-menopausal), and adult males.\n\nKey exclusion criteria for both phases:\n\n1. Prior treatment with CDK4/6 inhibitors",
			[]string{"Adult females (pre-/peri-/ and post-menopausal), and adult males."},
			[]string{"Prior treatment with CDK4/6 inhibitors"}},
		{"upper case, no colon",
			"INCLUSION CRITERIA\n\n- Age 18 years or older\n\nEXCLUSION CRITERIA\n\n- Pregnancy",
			[]string{"Age 18 years or older"}, []string{"Pregnancy"}},
		{"odd spacing (Inclusion Criteria :)",
			"Inclusion Criteria :\n\n* Signed informed consent\n\nExclusion criteria :\n\n* Known allergy to the study drug",
			[]string{"Signed informed consent"}, []string{"Known allergy to the study drug"}},
		{"French headers (constructed)",
			"Critères d'inclusion :\n\n- Patient âgé de 18 ans ou plus\n\nCritères de non inclusion :\n\n- Femme enceinte",
			[]string{"Patient âgé de 18 ans ou plus"}, []string{"Femme enceinte"}},
		{"not eligible sentence (constructed)",
			"Patients are eligible if all of the following apply:\n\n* Age 18-75\n\nPatients are not eligible if any of the following apply:\n\n* Prior chemotherapy",
			[]string{"Age 18-75"}, []string{"Prior chemotherapy"}},
		{"NCT01958125 header glued to a marker",
			"Inclusion Criteria:\n\n* Is able to provide written Informed Consent\n\nExclusion Criteria:1.\n\n* Episodic cluster headache sufferers\n* 2\\. Need to commence treatment with oral or injectable steroids",
			[]string{"Is able to provide written Informed Consent"},
			[]string{"Episodic cluster headache sufferers", "Need to commence treatment with oral or injectable steroids"}},
		{"inline headers in one paragraph (constructed)",
			"Inclusion Criteria: 1) age 18-65; 2) ECOG 0-1. Exclusion Criteria: 1) pregnancy; 2) prior surgery.",
			[]string{"age 18-65", "ECOG 0-1."}, []string{"pregnancy", "prior surgery."}},
		{"NCT01359631 bullet glued to the text",
			"Inclusion Criteria:\n\n•Subject is currently enrolled in Pathway CH-1 (CIP-001)\n\nExclusion Criteria:\n\n•Subject is NOT currently enrolled in Pathway CH-1(CIP-001)",
			[]string{"Subject is currently enrolled in Pathway CH-1 (CIP-001)"},
			[]string{"Subject is NOT currently enrolled in Pathway CH-1(CIP-001)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Parse(c.text)
			if got.NoHeaders {
				t.Error("NoHeaders set on a text with headers")
			}
			sameTexts(t, "inclusion", got.Inclusion, c.inc...)
			sameTexts(t, "exclusion", got.Exclusion, c.exc...)
		})
	}
}

func TestSplitNoHeaders(t *testing.T) {
	// NCT01701245's numbered list written on one line, without headers.
	text := "1\\. Signed Informed Consent Form 2. Subjects between the age of 18-70, both genders 3. Subjects diagnosed with chronic cluster headache for at least 1 year"
	c := Parse(text)
	if !c.NoHeaders || len(c.Exclusion) != 0 {
		t.Fatalf("NoHeaders %v, %d exclusion items", c.NoHeaders, len(c.Exclusion))
	}
	sameTexts(t, "inclusion", c.Inclusion, "Signed Informed Consent Form",
		"Subjects between the age of 18-70, both genders",
		"Subjects diagnosed with chronic cluster headache for at least 1 year")
	plain := "Age 18-75\n\nECOG 0-1"
	c = Parse(plain)
	if !c.NoHeaders {
		t.Error("NoHeaders not set")
	}
	sameTexts(t, "paragraphs", c.Inclusion, "Age 18-75", "ECOG 0-1")
}

func TestSplitNesting(t *testing.T) {
	// NCT03086122: an "any of the following" parent with indented bullets.
	text := "Exclusion Criteria:\n\n* Psycho-physical inability to perform or collaborate with performing tests.\n* Patients presenting any of the following conditions:\n\n  * cardiovascular diseases, neurological diseases (multiple sclerosis, Parkinson's disease, spinal disc disease).\n  * history of pelvic or retroperitoneal surgery.\n* Signed informed consent"
	c := Parse(text)
	sameTexts(t, "exclusion", c.Exclusion, "Psycho-physical inability to perform or collaborate with performing tests.",
		"Patients presenting any of the following conditions:", "Signed informed consent")
	parent := c.Exclusion[1]
	if !parent.AnyOf {
		t.Error("any-of parent not marked AnyOf")
	}
	sameTexts(t, "sub-items", parent.Items,
		"cardiovascular diseases, neurological diseases (multiple sclerosis, Parkinson's disease, spinal disc disease).",
		"history of pelvic or retroperitoneal surgery.")

	// NCT01979848: an indented lettered sub-item under a numbered item.
	text = "Inclusion Criteria:\n\n1. A male older than 21 years of age and under age of 80\n\n   a. CONTROLS: Option for two non-cancer adult male volunteers \\> 21 years old.\n2. A male older than 40 years of age who has confirmed prostate cancer"
	c = Parse(text)
	sameTexts(t, "numbered", c.Inclusion, "A male older than 21 years of age and under age of 80",
		"A male older than 40 years of age who has confirmed prostate cancer")
	sameTexts(t, "lettered", c.Inclusion[0].Items, "CONTROLS: Option for two non-cancer adult male volunteers \\> 21 years old.")

	// Same indentation, a new marker style under an item ending with a
	// colon, then back to the parent's style (constructed).
	text = "Inclusion Criteria:\n\n5. Laboratory values:\na) ANC ≥ 1.5 x 10^9/L\nb) Platelets ≥ 100 x 10^9/L\n6. Signed consent"
	c = Parse(text)
	sameTexts(t, "parents", c.Inclusion, "Laboratory values:", "Signed consent")
	sameTexts(t, "children", c.Inclusion[0].Items, "ANC ≥ 1.5 x 10^9/L", "Platelets ≥ 100 x 10^9/L")

	// An item running over two lines stays one item (constructed).
	text = "Inclusion Criteria:\n\n* Histologically confirmed\n  adenocarcinoma of the prostate\n* Age ≥ 18"
	c = Parse(text)
	sameTexts(t, "multi-line", c.Inclusion, "Histologically confirmed\n  adenocarcinoma of the prostate", "Age ≥ 18")
}

func TestSplitOtherBeforeHeaders(t *testing.T) {
	// NCT01383018: a preamble under the header is an item; text before
	// any header goes to Other.
	text := "Study of men with ED.\n\nInclusion Criteria:\n\nMen diagnosed with erectile dysfunction are eligible. Men should also meet the following inclusion criteria for study enrollment:\n\n* Willing and able to provide written informed consent prior to enrollment (if applicable).\n\nExclusion Criteria:\n\n- Men who are deemed by their physician to be not suitable for a penile implant will be excluded."
	c := Parse(text)
	sameTexts(t, "other", c.Other, "Study of men with ED.")
	if len(c.Inclusion) != 1 || len(c.Inclusion[0].Items) != 1 {
		t.Fatalf("inclusion %q, want the paragraph with one sub-item", texts(c.Inclusion))
	}
	sameTexts(t, "exclusion", c.Exclusion, "Men who are deemed by their physician to be not suitable for a penile implant will be excluded.")
}
