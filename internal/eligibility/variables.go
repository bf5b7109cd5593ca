package eligibility

// Variable is one measurable quantity constraints can bound.
type Variable struct {
	Name    string // stable identifier used in constraints
	Meaning string
	Unit    string // canonical unit; "ULN" replaces it for ULN multiples
	// Synonyms are matched in lower case at word boundaries; the
	// longest wins where two start at the same place.
	Synonyms []string
	family   family
	// factors converts a value in the keyed unit to the canonical unit.
	factors map[string]float64
	// AlsoUnits are accepted but not convertible to Unit (viral loads in
	// copies/mL): the value is kept in the unit written.
	AlsoUnits []string
	// scale bounds the grades of an ordinal variable; half allows
	// half-steps ("EDSS 6.5"); higherBetter says which way "or better"
	// points.
	scale        [2]float64
	half         bool
	higherBetter bool
	// percentOf names the variable a percentage of this one is: "FEV1
	// >= 50%" is FEV1 in percent of the predicted value.
	percentOf string
	// members are the variables a name of groups stands for: its
	// threshold is theirs.
	members []string
	// sharedOnly marks a name too common as a word to read a threshold
	// after: it only takes the one of the name it is joined to ("WHO/ECOG
	// PS 0-1", "WHO or ECOG performance status 0-1").
	sharedOnly bool
}

type family int

const (
	famLab      family = iota // "<analyte> <comparator> <value> <unit>"
	famCount                  // blood cell counts, any power of ten per volume
	famOrdinal                // scores written as digits, ranges and lists
	famRoman                  // NYHA: roman numerals
	famLetter                 // Child-Pugh class: letters A-C
	famDuration               // life expectancy: a time span
	famBP                     // "blood pressure 140/90": both pressures
)

var (
	massConc = map[string]float64{"g/dL": 1, "g/L": 0.1, "mg/dL": 0.001}
	perMin   = map[string]float64{"mL/min": 1, "mL/min/1.73m2": 1}
	mmol     = map[string]float64{"mmol/L": 1, "mEq/L": 1}
	daysPer  = map[string]float64{"days": 1, "weeks": 7, "months": 30, "years": 365, "hours": 1.0 / 24}
)

// Variables is the table of measurable variables, in the order the
// documentation lists them.
var Variables = []Variable{
	{Name: "age", Meaning: "age at enrolment", Unit: "years", family: famDuration,
		factors: map[string]float64{"years": 1, "months": 1.0 / 12, "weeks": 7.0 / 365, "days": 1.0 / 365}},
	{Name: "ecog", Meaning: "ECOG / WHO-Zubrod performance status (0-5); plain \"performance status\" is read as ECOG", Unit: "",
		Synonyms: []string{"ecog", "eastern cooperative oncology group", "zubrod", "performance status", "ecog-ps", "ecog ps", "ps"}, family: famOrdinal, scale: [2]float64{0, 5}},
	{Name: "who_ps", Meaning: "WHO performance status (0-4)", Unit: "",
		Synonyms: []string{"who performance status", "who performance", "who ps", "world health organization performance status", "who-ps"}, family: famOrdinal, scale: [2]float64{0, 5}},
	{Name: "karnofsky", Meaning: "Karnofsky performance status (0-100)", Unit: "%",
		Synonyms: []string{"karnofsky", "kps", "karnofsky performance status", "karnofsky performance scale", "karnofsky performance score"}, family: famOrdinal, scale: [2]float64{10, 100}, higherBetter: true},
	{Name: "lansky", Meaning: "Lansky play-performance scale (0-100)", Unit: "%",
		Synonyms: []string{"lansky", "lansky play", "lansky play-performance", "lps"}, family: famOrdinal, scale: [2]float64{10, 100}, higherBetter: true},
	{Name: "nyha_class", Meaning: "New York Heart Association functional class, I-IV as 1-4", Unit: "",
		Synonyms: []string{"nyha", "new york heart association", "new york heart association (nyha)"}, family: famRoman, scale: [2]float64{1, 4}},
	{Name: "child_pugh_class", Meaning: "Child-Pugh class, A-C as 1-3", Unit: "",
		Synonyms: []string{"child-pugh", "child pugh", "child-pugh-turcotte", "child-turcotte-pugh", "ctp", "child's-pugh"}, family: famLetter, scale: [2]float64{1, 3}},
	{Name: "child_pugh_score", Meaning: "Child-Pugh score (5-15)", Unit: "",
		family: famOrdinal, scale: [2]float64{5, 15}}, // read through the child_pugh_class synonyms when digits follow
	{Name: "asa_class", Meaning: "American Society of Anesthesiologists physical status, I-VI as 1-6", Unit: "",
		Synonyms: []string{"asa", "asa class", "asa physical status", "asa-ps", "asa ps", "asa score", "asa grade", "american society of anesthesiologists", "american society of anaesthesiologists", "american society of anesthesiology", "american society of anaesthesiology", "asa physical status classification"},
		family:   famRoman, scale: [2]float64{1, 6}},
	{Name: "mmse", Meaning: "Mini-Mental State Examination score (0-30)", Unit: "",
		Synonyms: []string{"mmse", "mini-mental state examination", "mini mental state examination", "mini-mental state exam", "mini mental state exam", "mini-mental status examination", "mini mental status examination", "mini-mental status exam", "mini mental status exam", "mini-mental state", "mini mental state", "folstein mini-mental state examination", "mini mental test", "mini-mental test", "mini mental status test", "mini-mental status test"},
		family:   famOrdinal, scale: [2]float64{0, 30}, higherBetter: true},
	{Name: "moca", Meaning: "Montreal Cognitive Assessment score (0-30)", Unit: "",
		Synonyms: []string{"moca", "montreal cognitive assessment"}, family: famOrdinal, scale: [2]float64{0, 30}, higherBetter: true},
	{Name: "pain_score", Meaning: "pain intensity on a 0-10 scale (NRS, VAS); a 0-100 mm VAS is divided by 10", Unit: "",
		Synonyms: []string{"vas", "visual analog scale", "visual analogue scale", "visual analog scale (vas)", "visual analogue scale (vas)", "nrs", "numeric rating scale", "numerical rating scale", "numeric pain rating scale", "numerical pain rating scale", "nprs", "pain score", "pain intensity", "pain intensity score", "pain nrs", "pain vas", "vas pain", "vas pain score", "nrs pain score", "pain rating", "average pain", "average daily pain", "worst pain", "vas score", "nrs score", "nrs-11", "vas-pain", "verbal pain scale", "verbal rating scale", "vrs", "pain scale"},
		factors:  map[string]float64{"": 1, "cm": 1, "mm": 0.1, "/10": 1, "/100": 0.1}},
	{Name: "ipss", Meaning: "International Prostate Symptom Score (0-35)", Unit: "",
		Synonyms: []string{"ipss", "international prostate symptom score", "i-pss", "ipss score", "total ipss", "aua symptom score", "aua-si"},
		family:   famOrdinal, scale: [2]float64{0, 35}},
	{Name: "gleason", Meaning: "Gleason score (2-10)", Unit: "",
		Synonyms: []string{"gleason", "gleason score", "gleason grade", "gleason sum"},
		family:   famOrdinal, scale: [2]float64{6, 10}}, // scores below 6 are no longer given: "Gleason 5" is a pattern
	{Name: "iief_ef", Meaning: "IIEF erectile function domain score (1-30)", Unit: "",
		Synonyms: []string{"iief-ef", "iief ef", "iief-erectile function", "iief erectile function", "erectile function domain", "ef domain", "iief-ef domain", "iief erectile function domain", "erectile function (ef) domain", "iief-ef domain score", "iief-ed", "iief ed", "iief-ed domain", "iief erectile domain", "iief-erectile function domain", "erectile function domain score", "erectile function(ef) domain", "erectile function (ef)", "erectile function(ef)"},
		family:   famOrdinal, scale: [2]float64{1, 30}, higherBetter: true},
	{Name: "iief5", Meaning: "IIEF-5 / SHIM score (5-25)", Unit: "",
		Synonyms: []string{"iief-5", "iief5", "iief 5", "shim", "sexual health inventory for men", "sexual health inventory for men (shim)"},
		family:   famOrdinal, scale: [2]float64{5, 25}, higherBetter: true},
	{Name: "hamd", Meaning: "Hamilton Depression Rating Scale total (17-item 0-52)", Unit: "",
		Synonyms: []string{"hamd", "ham-d", "hamd-17", "ham-d17", "ham-d-17", "hamd17", "hdrs", "hrsd", "hdrs-17", "hrsd-17", "hamilton depression rating scale", "hamilton rating scale for depression", "hamilton depression scale", "hamilton depression"},
		family:   famOrdinal, scale: [2]float64{0, 52}},
	{Name: "madrs", Meaning: "Montgomery-Åsberg Depression Rating Scale total (0-60)", Unit: "",
		Synonyms: []string{"madrs", "montgomery-asberg depression rating scale", "montgomery asberg depression rating scale", "montgomery-åsberg depression rating scale"},
		family:   famOrdinal, scale: [2]float64{0, 60}},
	{Name: "phq9", Meaning: "Patient Health Questionnaire-9 total (0-27)", Unit: "",
		Synonyms: []string{"phq-9", "phq9", "patient health questionnaire-9", "patient health questionnaire 9", "patient health questionnaire (phq-9)"},
		family:   famOrdinal, scale: [2]float64{0, 27}},
	{Name: "edss", Meaning: "Expanded Disability Status Scale (0-10 in half steps)", Unit: "",
		Synonyms: []string{"edss", "expanded disability status scale", "kurtzke expanded disability status scale"},
		family:   famOrdinal, scale: [2]float64{0, 10}, half: true},
	{Name: "nihss", Meaning: "NIH Stroke Scale (0-42)", Unit: "",
		Synonyms: []string{"nihss", "nih stroke scale", "national institutes of health stroke scale", "nihss score"},
		family:   famOrdinal, scale: [2]float64{0, 42}},
	{Name: "gcs", Meaning: "Glasgow Coma Scale (3-15)", Unit: "",
		Synonyms: []string{"gcs", "glasgow coma scale", "glasgow coma score", "glasgow coma scale (gcs)"},
		family:   famOrdinal, scale: [2]float64{3, 15}, higherBetter: true},
	{Name: "mrs", Meaning: "modified Rankin Scale (0-6)", Unit: "",
		Synonyms: []string{"mrs", "modified rankin scale", "modified rankin score", "rankin scale", "modified rankin"},
		family:   famOrdinal, scale: [2]float64{0, 6}},
	{Name: "life_expectancy", Meaning: "expected survival", Unit: "days",
		Synonyms: []string{"life expectancy", "life-expectancy", "expected survival", "estimated survival", "expected survival time", "expected life", "survival expectancy", "expected lifetime", "estimated life expectancy", "expected survival period", "survival period", "estimated survival time", "predicted survival", "expected survival of"},
		family:   famDuration, factors: daysPer},
	{Name: "window", Meaning: "time window relative to an event (enrolment, a treatment): \"within 4 weeks\", \"at least 28 days since\"", Unit: "days",
		family: famDuration, factors: daysPer},
	{Name: "hemoglobin", Meaning: "haemoglobin", Unit: "g/dL",
		Synonyms: []string{"hemoglobin", "haemoglobin", "hgb", "hb", "hemoglobin level", "hemoglobine", "hémoglobine"},
		factors:  map[string]float64{"g/dL": 1, "g/L": 0.1, "mmol/L": 1.611, "mg/dL": 0.001}}, // mg/dL: a slip, see plausible
	{Name: "anc", Meaning: "absolute neutrophil count", Unit: "10^9/L",
		Synonyms: []string{"absolute neutrophil count", "anc", "neutrophils", "neutrophil count", "neutrophil", "absolute neutrophils", "absolute granulocyte count", "agc", "granulocytes", "granulocyte count", "neutrophile", "neutrophil granulocytes", "polynuclear neutrophils"}, family: famCount},
	{Name: "platelets", Meaning: "platelet count", Unit: "10^9/L",
		Synonyms: []string{"platelets", "platelet count", "platelet", "plt", "plts", "thrombocytes", "platelet counts", "thrombocyte count"}, family: famCount},
	{Name: "wbc", Meaning: "white blood cell count", Unit: "10^9/L",
		Synonyms: []string{"white blood cell count", "white blood cells", "white blood cell", "wbc", "leukocytes", "leukocyte count", "leucocytes", "leucocyte count", "white cell count", "white blood count", "wbc count"}, family: famCount},
	{Name: "lymphocytes", Meaning: "absolute lymphocyte count", Unit: "10^9/L",
		Synonyms: []string{"absolute lymphocyte count", "lymphocyte count", "lymphocytes", "alc"}, family: famCount},
	{Name: "cd4", Meaning: "CD4+ T-cell count", Unit: "cells/uL",
		Synonyms: []string{"cd4", "cd4+", "cd4 count", "cd4+ count", "cd4 cell count", "cd4+ t-cell count", "cd4+ t cell count", "cd4 t-cell count"},
		family:   famCount},
	{Name: "total_bilirubin", Meaning: "total bilirubin", Unit: "mg/dL",
		Synonyms: []string{"total bilirubin", "bilirubin", "total serum bilirubin", "serum bilirubin", "tbil", "tbili", "t-bil", "t bil", "serum total bilirubin", "bilirubin total", "total bili", "bili"},
		factors:  map[string]float64{"mg/dL": 1, "umol/L": 1 / 17.1, "mg/L": 0.1}},
	{Name: "direct_bilirubin", Meaning: "direct (conjugated) bilirubin", Unit: "mg/dL",
		Synonyms: []string{"direct bilirubin", "conjugated bilirubin", "dbil", "d-bil"},
		factors:  map[string]float64{"mg/dL": 1, "umol/L": 1 / 17.1}},
	{Name: "ast", Meaning: "aspartate aminotransferase", Unit: "U/L",
		Synonyms: []string{"ast", "aspartate aminotransferase", "aspartate transaminase", "sgot", "asat", "serum glutamic oxaloacetic transaminase", "aspartate amino transferase", "got"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "alt", Meaning: "alanine aminotransferase", Unit: "U/L",
		Synonyms: []string{"alt", "alanine aminotransferase", "alanine transaminase", "sgpt", "alat", "serum glutamic pyruvic transaminase", "alanine amino transferase", "gpt"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "alkaline_phosphatase", Meaning: "alkaline phosphatase", Unit: "U/L",
		Synonyms: []string{"alkaline phosphatase", "alp", "alk phos", "alkaline phosphatases", "alk-p", "alkp", "alk-phos"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "creatinine", Meaning: "serum creatinine", Unit: "mg/dL",
		Synonyms: []string{"creatinine", "serum creatinine", "cr", "scr", "creatinemia", "creatininemia", "plasma creatinine", "creat"},
		factors:  map[string]float64{"mg/dL": 1, "umol/L": 1 / 88.4, "mg/L": 0.1, "mmol/L": 1000 / 88.4}},
	{Name: "creatinine_clearance", Meaning: "creatinine clearance (measured or calculated)", Unit: "mL/min",
		Synonyms: []string{"creatinine clearance", "crcl", "ccr", "clcr", "creatinine clearance rate", "calculated creatinine clearance", "clearance of creatinine", "creatinine clearances", "cl cr", "estimated creatinine clearance"},
		factors:  perMin},
	{Name: "egfr", Meaning: "estimated glomerular filtration rate", Unit: "mL/min/1.73m2",
		Synonyms: []string{"egfr", "gfr", "glomerular filtration rate", "estimated glomerular filtration rate", "estimated gfr", "dfg", "e-gfr", "mdrd", "ckd-epi"},
		factors:  perMin},
	{Name: "inr", Meaning: "international normalised ratio", Unit: "",
		Synonyms: []string{"inr", "international normalized ratio", "international normalised ratio", "pt-inr", "pt/inr", "international normalization ratio"},
		factors:  map[string]float64{"": 1}},
	{Name: "pt", Meaning: "prothrombin time", Unit: "s",
		Synonyms: []string{"prothrombin time", "pt"}, factors: map[string]float64{"s": 1}},
	{Name: "aptt", Meaning: "activated partial thromboplastin time", Unit: "s",
		Synonyms: []string{"aptt", "ptt", "activated partial thromboplastin time", "partial thromboplastin time", "a-ptt", "apt"},
		factors:  map[string]float64{"s": 1}},
	{Name: "albumin", Meaning: "serum albumin", Unit: "g/dL",
		Synonyms: []string{"albumin", "serum albumin", "alb", "albuminemia"}, factors: massConc},
	{Name: "hba1c", Meaning: "glycated haemoglobin", Unit: "%",
		Synonyms: []string{"hba1c", "hemoglobin a1c", "haemoglobin a1c", "glycated hemoglobin", "glycated haemoglobin", "glycosylated hemoglobin", "glycosylated haemoglobin", "a1c", "hb a1c", "hgba1c", "hga1c", "glycohemoglobin", "hbalc", "ha1c", "hba1", "hemoglobin a1", "glycated hemoglobin a1c", "glycosylated hemoglobin a1c", "hba1c level"},
		factors:  map[string]float64{"%": 1, "mmol/mol": 1}}, // mmol/mol: see canonical
	{Name: "tsh", Meaning: "thyroid-stimulating hormone", Unit: "mIU/L",
		Synonyms: []string{"tsh", "thyroid stimulating hormone", "thyroid-stimulating hormone", "thyrotropin"},
		factors:  map[string]float64{"mIU/L": 1}},
	{Name: "hbv_dna", Meaning: "hepatitis B virus DNA", Unit: "IU/mL",
		Synonyms: []string{"hbv dna", "hbv-dna", "hbv viral load", "hepatitis b virus dna", "hbv-dna level", "hbv dna level"},
		factors:  map[string]float64{"IU/mL": 1}, AlsoUnits: []string{"copies/mL"}},
	{Name: "hcv_rna", Meaning: "hepatitis C virus RNA", Unit: "IU/mL",
		Synonyms: []string{"hcv rna", "hcv-rna", "hcv viral load", "hepatitis c virus rna"},
		factors:  map[string]float64{"IU/mL": 1}, AlsoUnits: []string{"copies/mL"}},
	{Name: "hiv_rna", Meaning: "HIV-1 RNA (viral load)", Unit: "copies/mL",
		Synonyms: []string{"hiv rna", "hiv-1 rna", "hiv viral load", "hiv-rna", "hiv-1 viral load"},
		factors:  map[string]float64{"copies/mL": 1}, AlsoUnits: []string{"IU/mL"}},
	{Name: "ldl", Meaning: "LDL cholesterol", Unit: "mg/dL",
		Synonyms: []string{"ldl", "ldl-c", "ldl cholesterol", "low-density lipoprotein cholesterol", "low density lipoprotein cholesterol", "low-density lipoprotein", "low density lipoprotein", "ldl-cholesterol"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 38.67}},
	{Name: "total_cholesterol", Meaning: "total cholesterol", Unit: "mg/dL",
		Synonyms: []string{"total cholesterol", "cholesterol"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 38.67}},
	{Name: "triglycerides", Meaning: "triglycerides", Unit: "mg/dL",
		Synonyms: []string{"triglycerides", "triglyceride", "tg", "triglycerides level", "serum triglycerides"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 88.57}},
	{Name: "glucose", Meaning: "blood glucose", Unit: "mg/dL",
		Synonyms: []string{"glucose", "fasting glucose", "fasting plasma glucose", "fpg", "blood glucose", "blood sugar", "fasting blood glucose", "fasting blood sugar", "plasma glucose", "fbg", "fbs", "glycemia", "glycaemia", "hyperglycemia", "hyperglycaemia", "fasting serum glucose", "random blood glucose", "random glucose"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 18.016, "g/L": 100}},
	{Name: "potassium", Meaning: "serum potassium", Unit: "mmol/L",
		Synonyms: []string{"potassium", "serum potassium", "kalemia"}, factors: mmol},
	{Name: "sodium", Meaning: "serum sodium", Unit: "mmol/L",
		Synonyms: []string{"sodium", "serum sodium", "natremia"}, factors: mmol},
	{Name: "calcium", Meaning: "serum calcium (corrected where stated)", Unit: "mg/dL",
		Synonyms: []string{"calcium", "serum calcium", "corrected calcium", "corrected serum calcium", "calcemia"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 4.008}},
	{Name: "magnesium", Meaning: "serum magnesium", Unit: "mg/dL",
		Synonyms: []string{"magnesium", "serum magnesium"},
		factors:  map[string]float64{"mg/dL": 1, "mmol/L": 2.431, "mEq/L": 1.215}},
	{Name: "lvef", Meaning: "left ventricular ejection fraction", Unit: "%",
		Synonyms: []string{"lvef", "left ventricular ejection fraction", "ejection fraction", "ef", "lv ejection fraction", "left ventricle ejection fraction", "left ventricular ejection fraction (lvef)"},
		factors:  map[string]float64{"%": 1}},
	{Name: "qtc", Meaning: "corrected QT interval", Unit: "ms",
		Synonyms: []string{"qtc", "qtcf", "qtcb", "qtc interval", "qtcf interval", "corrected qt interval", "qt interval", "qt", "corrected qt", "qtc-f", "qtc (fridericia)", "qt corrected"},
		factors:  map[string]float64{"ms": 1, "s": 1000}},
	{Name: "heart_rate", Meaning: "resting heart rate", Unit: "bpm",
		Synonyms: []string{"heart rate", "resting heart rate", "pulse rate", "pulse", "resting pulse", "resting hr"},
		factors:  map[string]float64{"bpm": 1}},
	{Name: "spo2", Meaning: "oxygen saturation (pulse oximetry or arterial)", Unit: "%",
		Synonyms: []string{"spo2", "sp02", "sao2", "oxygen saturation", "o2 saturation", "o2 sat", "o2 sats", "oxygen sat", "peripheral oxygen saturation", "peripheral capillary oxygen saturation", "arterial oxygen saturation", "blood oxygen saturation", "pulse oximetry", "pulse oxygen saturation", "oxygen saturation (spo2)", "spo2 saturation", "saturation of oxygen", "oxygen saturation level"},
		factors:  map[string]float64{"%": 1}},
	{Name: "fio2", Meaning: "fraction of inspired oxygen, in percent", Unit: "%",
		Synonyms: []string{"fio2", "fraction of inspired oxygen", "inspired oxygen fraction", "fi02"},
		factors:  map[string]float64{"%": 1, "fraction": 100}},
	{Name: "pao2_fio2", Meaning: "PaO2/FiO2 ratio", Unit: "mmHg",
		Synonyms: []string{"pao2/fio2", "pao2/fio2 ratio", "pao2 / fio2", "pao2:fio2", "pao2:fio2 ratio", "p/f ratio", "pf ratio", "p/f", "pao2/fio2 (p/f) ratio", "horowitz index"},
		factors:  map[string]float64{"mmHg": 1, "kPa": 7.50062}},
	{Name: "fev1", Meaning: "forced expiratory volume in one second, in litres", Unit: "L",
		Synonyms: []string{"fev1", "fev 1", "fev(1)", "forced expiratory volume in 1 second", "forced expiratory volume in one second", "forced expiratory volume in 1 s", "forced expiratory volume in 1 sec", "forced expiratory volume in the first second", "forced expiratory volume"},
		factors:  map[string]float64{"L": 1, "mL": 0.001}, percentOf: "fev1_pct_predicted"},
	{Name: "fev1_pct_predicted", Meaning: "FEV1 in percent of the predicted value (\"FEV1 >= 50%\")", Unit: "%",
		factors: map[string]float64{"%": 1}},
	{Name: "fvc_pct_predicted", Meaning: "forced vital capacity in percent of the predicted value", Unit: "%",
		Synonyms: []string{"fvc", "forced vital capacity", "forced vital capacity (fvc)"},
		factors:  map[string]float64{"%": 1}},
	{Name: "dlco_pct_predicted", Meaning: "diffusing capacity for carbon monoxide in percent of the predicted value", Unit: "%",
		Synonyms: []string{"dlco", "tlco", "dlco (corrected for hemoglobin)", "diffusing capacity", "diffusion capacity", "diffusing capacity of the lung for carbon monoxide", "diffusing capacity of the lungs for carbon monoxide", "diffusing capacity for carbon monoxide", "carbon monoxide diffusing capacity", "dlco corrected for hemoglobin", "dlco corrected for haemoglobin", "dlco/va"},
		factors:  map[string]float64{"%": 1}},
	{Name: "fev1_fvc", Meaning: "FEV1/FVC ratio, in percent (\"< 0.70\" is 70)", Unit: "%",
		Synonyms: []string{"fev1/fvc", "fev1 / fvc", "fev1/fvc ratio", "fev1:fvc", "fev1:fvc ratio", "fev1/fvc%", "tiffeneau index", "tiffeneau-pinelli index", "fev1 to fvc ratio"},
		factors:  map[string]float64{"%": 1, "fraction": 100}},
	{Name: "gestational_age", Meaning: "gestational age, in completed weeks", Unit: "weeks",
		Synonyms: []string{"gestational age", "gestation age", "gestational age at birth", "gestational age at delivery", "ga", "postmenstrual age", "pma"},
		family:   famDuration, factors: map[string]float64{"weeks": 1, "days": 1.0 / 7}},
	{Name: "bmi", Meaning: "body-mass index", Unit: "kg/m2",
		Synonyms: []string{"bmi", "body mass index", "body-mass index", "body mass index (bmi)"},
		factors:  map[string]float64{"kg/m2": 1}},
	{Name: "bsa", Meaning: "body surface area", Unit: "m2",
		Synonyms: []string{"bsa", "body surface area"}, factors: map[string]float64{"m2": 1}},
	{Name: "weight", Meaning: "body weight", Unit: "kg",
		Synonyms: []string{"body weight", "weight", "weighing", "weigh", "bodyweight"},
		factors:  map[string]float64{"kg": 1, "lb": 0.45359237, "g": 0.001}},
	{Name: "systolic_bp", Meaning: "systolic blood pressure", Unit: "mmHg",
		Synonyms: []string{"systolic blood pressure", "sbp", "systolic bp", "systolic pressure", "systolic"},
		factors:  map[string]float64{"mmHg": 1}},
	{Name: "diastolic_bp", Meaning: "diastolic blood pressure", Unit: "mmHg",
		Synonyms: []string{"diastolic blood pressure", "dbp", "diastolic bp", "diastolic pressure", "diastolic"},
		factors:  map[string]float64{"mmHg": 1}},
	{Name: "blood_pressure", Meaning: "\"blood pressure S/D\": extracted as systolic_bp and diastolic_bp", Unit: "mmHg",
		Synonyms: []string{"blood pressure", "bp", "arterial pressure", "arterial blood pressure",
			"systolic/diastolic blood pressure", "systolic/diastolic bp", "systolic/diastolic", "sbp/dbp", "systolic and diastolic blood pressure",
			"systolic or diastolic blood pressure", "systolic and/or diastolic blood pressure", "sbp and dbp", "sbp or dbp", "sbp and/or dbp"}, family: famBP,
		factors: map[string]float64{"mmHg": 1}},
	{Name: "psa", Meaning: "prostate-specific antigen", Unit: "ng/mL",
		Synonyms: []string{"psa", "prostate-specific antigen", "prostate specific antigen", "serum psa", "psa level", "total psa"},
		factors:  map[string]float64{"ng/mL": 1}},
	{Name: "hematocrit", Meaning: "haematocrit", Unit: "%",
		Synonyms: []string{"hematocrit", "haematocrit", "hct", "packed cell volume", "pcv"},
		factors:  map[string]float64{"%": 1, "fraction": 100}},
	{Name: "crp", Meaning: "C-reactive protein", Unit: "mg/L",
		Synonyms: []string{"crp", "c-reactive protein", "c reactive protein", "hs-crp", "hscrp", "high-sensitivity c-reactive protein", "high sensitivity c-reactive protein", "serum crp"},
		factors:  map[string]float64{"mg/L": 1, "mg/dL": 10}},
	{Name: "nt_probnp", Meaning: "N-terminal pro-B-type natriuretic peptide", Unit: "pg/mL",
		Synonyms: []string{"nt-probnp", "nt probnp", "ntprobnp", "nt-pro-bnp", "nt-pro bnp", "n-terminal pro-b-type natriuretic peptide", "n-terminal pro b-type natriuretic peptide", "n-terminal pro-brain natriuretic peptide", "nt-probnp level"},
		factors:  map[string]float64{"pg/mL": 1, "ng/L": 1}},
	{Name: "bnp", Meaning: "B-type natriuretic peptide", Unit: "pg/mL",
		Synonyms: []string{"bnp", "b-type natriuretic peptide", "brain natriuretic peptide"},
		factors:  map[string]float64{"pg/mL": 1, "ng/L": 1}},
	{Name: "ferritin", Meaning: "serum ferritin", Unit: "ng/mL",
		Synonyms: []string{"ferritin", "serum ferritin", "ferritin level"},
		factors:  map[string]float64{"ng/mL": 1, "ug/L": 1}},
	{Name: "ldh", Meaning: "lactate dehydrogenase", Unit: "U/L",
		Synonyms: []string{"ldh", "lactate dehydrogenase", "lactic dehydrogenase", "serum ldh"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "lipase", Meaning: "serum lipase", Unit: "U/L",
		Synonyms: []string{"lipase", "serum lipase"}, factors: map[string]float64{"U/L": 1}},
	{Name: "amylase", Meaning: "serum amylase", Unit: "U/L",
		Synonyms: []string{"amylase", "serum amylase"}, factors: map[string]float64{"U/L": 1}},
	{Name: "ggt", Meaning: "gamma-glutamyl transferase", Unit: "U/L",
		Synonyms: []string{"ggt", "gamma-glutamyl transferase", "gamma glutamyl transferase", "gamma-gt", "γ-gt", "gamma-glutamyltransferase", "ggtp", "gamma-glutamyl transpeptidase"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "uric_acid", Meaning: "serum uric acid", Unit: "mg/dL",
		Synonyms: []string{"uric acid", "serum uric acid", "sua", "urate", "serum urate"},
		factors:  map[string]float64{"mg/dL": 1, "umol/L": 1 / 59.48, "mmol/L": 1000 / 59.48}},
	{Name: "testosterone", Meaning: "serum testosterone", Unit: "ng/dL",
		Synonyms: []string{"testosterone", "serum testosterone", "total testosterone", "testosterone level", "castrate testosterone"},
		factors:  map[string]float64{"ng/dL": 1, "ng/mL": 100, "nmol/L": 28.84, "mg/dL": 1e6}}, // mg/dL: a slip, see plausible
}

// groups are names that stand for several variables of the table, or for
// one that they only name beside another; they are not variables of
// their own.
var groups = []Variable{
	{Name: "transaminases", members: []string{"ast", "alt"}, Unit: "U/L",
		Synonyms: []string{"transaminases", "aminotransferases", "liver transaminases", "serum transaminases", "hepatic transaminases", "liver aminotransferases", "serum aminotransferases", "transaminase levels", "aminotransferase levels"},
		factors:  map[string]float64{"U/L": 1}},
	{Name: "who", members: []string{"who_ps"}, Synonyms: []string{"who"}, family: famOrdinal, scale: [2]float64{0, 5}, sharedOnly: true},
}

// expand returns the variables a mentioned name stands for.
func expand(v *Variable) []*Variable {
	if v.members == nil {
		return []*Variable{v}
	}
	out := make([]*Variable, len(v.members))
	for i, name := range v.members {
		out[i] = variableIndex[name]
	}
	return out
}

var variableIndex = func() map[string]*Variable {
	m := make(map[string]*Variable, len(Variables))
	for i := range Variables {
		m[Variables[i].Name] = &Variables[i]
	}
	return m
}()
