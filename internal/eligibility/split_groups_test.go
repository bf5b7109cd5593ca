package eligibility

import (
	"strings"
	"testing"
)

// The rules in this file came from comparing this splitter with the trial
// page's former display splitter over real records; the texts are taken
// from the records named (shortened where marked).

func TestSplitGroupHeaders(t *testing.T) {
	// NCT03648918: each list is written in two groups; the headers' extra
	// words name the groups, so they stay as items holding their lists.
	text := "Inclusion Criteria (Families):\n\n* Families where at least one first-degree family member has type 1 diabetes\n* The diabetic proband in the family was diagnosed before the age of 39\n\nExclusion Criteria (Families):\n\n* Families with no history of type 1 diabetes\n\nInclusion Criteria (Controls):\n\n* No family history of type 1 diabetes or other autoimmune conditions\n* Age 2 or older\n\nExclusion Criteria (Controls):\n\n* Personal or family history of autoimmune disease"
	c := Parse(text)
	sameTexts(t, "inclusion", c.Inclusion, "Inclusion Criteria (Families):", "Inclusion Criteria (Controls):")
	sameTexts(t, "exclusion", c.Exclusion, "Exclusion Criteria (Families):", "Exclusion Criteria (Controls):")
	if len(c.Inclusion) == 2 {
		sameTexts(t, "controls", c.Inclusion[1].Items, "No family history of type 1 diabetes or other autoimmune conditions", "Age 2 or older")
	}
	checkInvariants(t, text, c)

	// NCT00500799 (shortened), legacy XML: an upper-case plain header,
	// then two groups of one list.
	text = "\n        Exclusion Criteria:\n\n        EXCLUSION CRITERIA FOR HEALTHY VOLUNTEERS:\n\n          -  Subjects receiving drugs acting primarily on the central nervous system\n\n        EXCLUSION CRITERIA FOR PATIENTS:\n\n          -  Subjects with a history of neurological disorders other than blepharospasm\n\n          -  Subjects who are taking any medication for dystonia at the time of the study\n      "
	c = Parse(text)
	sameTexts(t, "legacy groups", c.Exclusion, "EXCLUSION CRITERIA FOR HEALTHY VOLUNTEERS:", "EXCLUSION CRITERIA FOR PATIENTS:")
	if len(c.Exclusion) == 2 && len(c.Exclusion[1].Items) != 2 {
		t.Errorf("patients group has %q, want 2 items", texts(c.Exclusion[1].Items))
	}
}

func TestSplitLeadInSentence(t *testing.T) {
	// NCT06716424 (shortened): a sentence right under the header that
	// names the same list is an item the bullets nest under, not a second
	// group.
	text := "Inclusion Criteria:\n\n* Signed informed consent\n\nExclusion Criteria:\n\nParticipants are excluded from the study if any of the following criteria apply:\n\n* Type 1 Diabetes mellitus or any diabetes other than T2DM\n* Basal insulin dose \\>50 U at screening\n\nThe above information is not intended to contain all considerations relevant to a participant's potential participation in a clinical trial."
	c := Parse(text)
	sameTexts(t, "exclusion", c.Exclusion, "Participants are excluded from the study if any of the following criteria apply:",
		"The above information is not intended to contain all considerations relevant to a participant's potential participation in a clinical trial.")
	if len(c.Exclusion) > 0 {
		sameTexts(t, "lead-in items", c.Exclusion[0].Items, "Type 1 Diabetes mellitus or any diabetes other than T2DM", "Basal insulin dose \\>50 U at screening")
	}
}

func TestSplitBulletedHeaderWords(t *testing.T) {
	// NCT06376513: a bulleted line mentioning the inclusion criteria is an
	// item, and the bullets after a paragraph ending in a colon nest under it.
	text := "Inclusion Criteria:\n\n* Adults\n\nThe partner will be included based on the following criteria :\n\n* Adults\n* Having a partner who meets the inclusion criteria\n* Having provided informed consent\n\nExclusion Criteria:\n\n* Adults subject to legal protective measures."
	c := Parse(text)
	sameTexts(t, "inclusion", c.Inclusion, "Adults", "The partner will be included based on the following criteria :")
	if len(c.Inclusion) == 2 {
		sameTexts(t, "partner", c.Inclusion[1].Items, "Adults", "Having a partner who meets the inclusion criteria", "Having provided informed consent")
	}
}

func TestSplitLabels(t *testing.T) {
	// NCT00057759 (shortened): old NCI-style sub-headers, each a short
	// unmarked line over its bullets.
	text := "PATIENT CHARACTERISTICS:\n\nAge\n\n* 18 and over\n\nPerformance status\n\n* Zubrod 0-2\n\nOther\n\n* No other major medical or psychiatric illness that would preclude study participation\n* No anatomical genital abnormalities"
	c := Parse(text)
	if !c.NoHeaders {
		t.Error("NoHeaders not set")
	}
	sameTexts(t, "labels", c.Inclusion, "PATIENT CHARACTERISTICS:", "Age", "Performance status", "Other")
	if len(c.Inclusion) == 4 {
		sameTexts(t, "age", c.Inclusion[1].Items, "18 and over")
		sameTexts(t, "other", c.Inclusion[3].Items, "No other major medical or psychiatric illness that would preclude study participation", "No anatomical genital abnormalities")
	}

	// NCT01811251: a paragraph ending with a full stop is no label: it
	// belongs to the item before, which ends with a colon, and the bullets
	// after it are that item's siblings. NCT03905018: ". DM 1-2" is an
	// item, not a label over the bullets.
	text = "Exclusion Criteria:\n\n* Drug addiction.\n* Patients with cognitive impairment (judged by the investigator) that may interfere with:\n\ninformed consent, the collection of endpoints, the use of auto-controlled analgesia.\n\n* Pregnant or nursing women."
	c = Parse(text)
	sameTexts(t, "not a label", c.Exclusion, "Drug addiction.", "Patients with cognitive impairment (judged by the investigator) that may interfere with:",
		"Pregnant or nursing women.")
	if len(c.Exclusion) == 3 {
		sameTexts(t, "continuation", c.Exclusion[1].Items, "informed consent, the collection of endpoints, the use of auto-controlled analgesia.")
	}
	c = Parse("Exclusion Criteria:\n\n. DM 1-2\n\n* Systemic arterial hypertension\n* Active smoking")
	sameTexts(t, "item with a stray dot", c.Exclusion, ". DM 1-2", "Systemic arterial hypertension", "Active smoking")
}

func TestSplitNotHeaders(t *testing.T) {
	// NCT00006323 and many old records: the whole text.
	c := Parse("No eligibility criteria")
	if !c.NoHeaders {
		t.Error("NoHeaders not set")
	}
	sameTexts(t, "no criteria", c.Inclusion, "No eligibility criteria")

	// NCT00501163 (shortened): "The" belongs to the header it precedes.
	c = Parse("The inclusion criteria for children are: i) age 10-18 years; ii) otherwise healthy\n\nThe exclusion criteria are: i) any history of hepatitis; ii) pregnancy.")
	sameTexts(t, "exclusion", c.Exclusion, "any history of hepatitis", "pregnancy.")
	for _, it := range c.Inclusion {
		if it.Text == "The" {
			t.Errorf("inclusion %q holds a header's first word", texts(c.Inclusion))
		}
	}

	// NCT00648596: a dash glued to the item is its bullet.
	c = Parse("Inclusion Criteria:\n\n-Men with a documented clinical diagnosis of ED\n\nExclusion Criteria:\n\n* Prior prostatectomy")
	sameTexts(t, "glued dash", c.Inclusion, "Men with a documented clinical diagnosis of ED")
}

func TestSplitQualifiedHeaderKeepsWords(t *testing.T) {
	// NCT06751849 (shortened): a qualified header right under the plain
	// one holds its bullets, the next qualified header starts a group;
	// neither loses a word.
	text := "Exclusion Criteria:\n\nDisease-specific exclusion criteria:\n\n* Patients with uncontrollable brain metastases;\n* Subjects expected to require any form of antitumor treatment during the study.\n\nExclusion criteria for medical history and comorbidities:\n\n* Subjects who have required systemic treatment with corticosteroids"
	c := Parse(text)
	sameTexts(t, "exclusion", c.Exclusion, "Disease-specific exclusion criteria:", "Exclusion criteria for medical history and comorbidities:")
	if len(c.Exclusion) == 2 {
		sameTexts(t, "disease-specific", c.Exclusion[0].Items, "Patients with uncontrollable brain metastases;",
			"Subjects expected to require any form of antitumor treatment during the study.")
	}

	// NCT01785420: a letter marker alone after the header is no item.
	c = Parse("Inclusion Criteria:a.\n\n1. Female subjects aged 18 years or older.\n2. Histologically and/or cytologically confirmed diagnosis of breast cancer.")
	sameTexts(t, "inclusion", c.Inclusion, "Female subjects aged 18 years or older.", "Histologically and/or cytologically confirmed diagnosis of breast cancer.")
}

func TestSplitWrappedLineIsNoHeader(t *testing.T) {
	// NCT00004157 (shortened), legacy XML: the second line of a wrapped
	// paragraph mentions eligibility but continues the sentence.
	text := "\n        DISEASE CHARACTERISTICS: Diagnosis of non-Hodgkin's lymphoma, Hodgkin's disease, breast\n        cancer, or other solid tumors with eligibility for FHCRC/PSOC protocols involving\n        autologous peripheral blood stem cell transplantation\n      "
	c := Parse(text)
	if !c.NoHeaders || len(c.Inclusion) != 1 {
		t.Fatalf("NoHeaders %v, items %q; want the one paragraph", c.NoHeaders, texts(c.Inclusion))
	}
	checkInvariants(t, text, c)
}

// TestSplitNotesStayItems: lines that mention the lists without starting
// one, from the records named, stay items of the list they are in.
func TestSplitNotesStayItems(t *testing.T) {
	for _, line := range []string{
		"Further inclusion criteria apply.",                                         // NCT05879978
		"Other inclusion and exclusion criteria may apply.",                         // NCT04688775
		"NOTE: Other protocol-defined Inclusion/ Exclusion Criteria apply",          // NCT05070858
		"Patients with asymptomatic CNS disease are eligible",                       // NCT05464836
		"Incorrect inclusion in the study.",                                         // NCT04506658
		"Applicable exclusionary criteria for standard lumbar MRI exam;",            // NCT04015791
		"fMRI exclusion only: Any factors that would prevent participation in fMRI", // NCT05634291
		"There are no specific eligibility criteria for the Master Protocol.",       // NCT06993792
		"* Other protocol-defined inclusion criteria may apply",                     // constructed
		"* Having a partner who meets the inclusion criteria",                       // NCT06376513
	} {
		text := "Exclusion Criteria:\n\n* Prior pelvic surgery\n\n" + line
		c := Parse(text)
		want := strings.TrimPrefix(line, "* ")
		if len(c.Exclusion) != 2 || c.Exclusion[1].Text != want {
			t.Errorf("%q: exclusion %q, want the line as the second item", line, texts(c.Exclusion))
		}
	}
}
