// Package eligibility turns the free text of a study's eligibility
// criteria into structured rules: the text is split into inclusion and
// exclusion items (with nested sub-items), and each item gets typed
// constraints with the byte span of the text they came from.
//
// It is a rule engine, not a language model: it extracts what its
// patterns recognise and leaves the rest as free text. An item with no
// constraint is kept, flagged "structured": false, never dropped.
//
// # JSON shape
//
//	{"inclusion": [item...], "exclusion": [item...],
//	 "other": [item...], "noHeaders": bool}
//
// "other" holds text before the first header when the text has headers;
// "noHeaders" is true when there were none, in which case every item is
// listed under "inclusion". An item is
//
//	{"text": string, "span": [start, end], "structured": bool,
//	 "anyOf": bool, "constraints": [constraint...], "items": [item...]}
//
// text is original[span[0]:span[1]] verbatim; "anyOf" marks a parent
// whose sub-items are alternatives ("any of the following"). A
// constraint is
//
//	{"kind": string, "variable": string, "op": "<"|"<="|">"|">="|"="|"between",
//	 "value": number, "value2": number, "unit": string, "ulnMultiple": bool,
//	 "original": {"value": number, "value2": number, "unit": string},
//	 "term": string, "examples": [string], "window": {"op", "value", "value2"},
//	 "negated": bool, "span": [start, end]}
//
// Spans are byte offsets into the text given to Parse. Sub-items lie
// inside their item's span when written inline ("a) ... b) ..."), after
// it when written on their own lines; an item's own constraints come
// from its text outside its sub-items.
//
// Kinds:
//   - "measure": a numeric or ordinal threshold on a variable of the
//     Variables table (labs, age, performance status and other clinical
//     scores and classes, vital signs, lung function, life expectancy,
//     time windows). value is in the variable's canonical unit;
//     "original" keeps the value and unit as written. With ulnMultiple
//     the value is a multiple of the upper limit of normal and unit is
//     "ULN". "between" is inclusive and only used for ranges written as
//     one ("18-75", "0 to 2", "0 or 1", "between 18 and 80"); two
//     separate bounds ("≥ 18 and ≤ 75 years", "< 90 or > 150 mmHg",
//     "over 18 and under 75") stay two constraints, and so does a range
//     with a comparator on either end ("2 to < 12 years" is >= 2 and <
//     12; ">= 12 to < 18"; "between >= 40 and <= 90"), the end without
//     one inclusive. A bound written before the name is turned round:
//     "90 mmHg <= systolic blood pressure < 140 mmHg" is >= 90 and <
//     140. A unit the table does not list for
//     the variable means a different quantity ("creatinine exceeds 20% of
//     ULN") and gives no constraint; viral loads in copies/mL are kept in
//     copies/mL (Variable.AlsoUnits), since there is no fixed factor to
//     IU/mL. A missing unit is inferred from the magnitude where the
//     usual units differ tenfold or more (ANC 1500 is per µL, 1.5 per
//     nL; Hb 90 is g/L). When the converted value is implausible for the
//     analyte but the number as written is plausible in the canonical
//     unit, the unit is taken for a slip ("Hb > 10 mg/dL").
//   - "sex": term "male" or "female", op "=".
//   - "pregnancy": term "pregnancy" or "lactation"; negated when the item
//     says "not pregnant", "non-lactating" and the like.
//   - "contraception": term "contraception", op "=": the item requires
//     contraception.
//   - "condition": term is the named condition as written ("history of
//     X", "diagnosed with X", "known X"); negated under "no", "without",
//     "free of".
//   - "stage": term is the set of cancer stages the item allows, ranges
//     and lists read whole: "stage IIB-III", "stage II, III" (from "stage
//     II or III"), "stage IIIB, IIIC, IV" (from "stage IIIB/C or stage
//     IV"), "stage II-IV" (from "stage II or higher"); one constraint per
//     item, letters upper case, arabic numerals as roman ones.
//     StageSet turns a term into a set to compare. Hedged where the item
//     offers another state of the disease beside the stage ("stage IV or
//     recurrent", "locally advanced or metastatic") or speaks of a past
//     stage ("recurred from stage I-III", "history of"); not read where
//     the stage is on another disease's scale (CKD, Hoehn and Yahr,
//     NYHA, a pressure ulcer; a scale past IV) with no cancer named near.
//   - "metastasis": term is the phrase.
//   - "therapy": term is the therapy or drug class ("anti PD-1",
//     "VEGF (R) inhibitors", "chemotherapy"), with the kind or site named
//     before it ("intermediate-acting insulin", "isophane insulin",
//     "cervical spine surgery", "whole brain radiotherapy"); "examples"
//     lists the drugs named in the parenthesis after a class; "window"
//     carries the time window written in the same clause. Not a therapy:
//     one that names a disease or a response ("insulin-dependent
//     diabetes", "EGFR-TKI sensitivity", "chemotherapy-naive",
//     "steroid-refractory") or one the patient could or will have ("not
//     suitable for radiotherapy", "candidates for chemotherapy",
//     "scheduled for surgery").
//   - "exception": term is the text after "except", "other than",
//     "with the exception of", "unless"; it qualifies the item. An item
//     that prohibits something and permits part of it ("… is not
//     permitted (prior adjuvant chemotherapy permitted)") gets one with
//     term "what the criterion allows".
//   - "biomarker": term is the canonical marker (HER2, ER, PR, HR for
//     "ER and/or PR", EGFR, ALK, ROS1, KRAS, NRAS, BRAF, BRCA1, BRCA2,
//     BRCA, PD-L1, MSI-H, PIK3CA, IDH1, IDH2, FLT3, NTRK, RET, MET,
//     BCR-ABL, JAK2, CD20); op "=", value 1 for positive, mutated,
//     amplified or rearranged, 0 for negative or wild type, negation
//     already applied. "Triple-negative" is ER, PR and HER2 at 0. A
//     marker written both ways in one item is dropped.
//   - "diseaseStatus": term "newly diagnosed" or "relapsed or
//     refractory".
//   - "priorLines": how many lines of treatment the patient has had
//     for the disease. term NoPriorLines ("treatment-naïve",
//     "previously untreated", "no prior systemic therapy for metastatic
//     disease", "first-line" where nothing in its clause puts the line
//     behind the patient) is "=" 0; term PriorLinesCount ("at least 2
//     prior lines of therapy", "no more than 3 prior regimens", "1-3
//     prior lines") counts them with op and value (value2); term
//     ProgressedAfterPrior ("progressed on prior osimertinib", "failure
//     of standard therapy") is ">=" 1 and says only that some treatment
//     came before, not which nor in which setting. One therapy's naïvety
//     or lines ("TKI-naïve", "lines of chemotherapy", "no prior
//     treatment with anti-PD-1") are no count of the patient's lines and
//     are not read; "untreated and treated patients" is hedged.
//   - "metastasis" is also extracted, negated, for disease without
//     distant spread: "M0", "non-metastatic", "early-stage", "operable",
//     "localized".
//
// "hedged": true marks a constraint read with doubt: a negation cue more
// than three words before the term or behind "or", "and" or a
// parenthesis; a clause that is conditional ("if", "unless", "for
// patients who") or permissive ("may be enrolled", "permitted"); a
// condition qualified as "other", "prior", "second"; a metastasis offered
// as one alternative ("locally advanced or metastatic"). An item's
// "allowance": true marks an item that lets people in and keeps nobody
// out. Checkers must never call a criterion unmet on a hedged constraint
// or an allowance.
//
// Several names sharing one threshold ("AST and ALT ≤ 5 × ULN",
// "Lansky or Karnofsky ≥ 50") each get it. Negation is read from a cue
// ("no", "not", "without", "free of", "negative for") earlier in the
// same clause; comparators such as "no more than" are not cues, and
// "non" negates only the word it is joined to ("non-steroidal").
//
// Conventions the extractor and the hand-labelled evaluation sets share:
// plain "performance status" and Zubrod are ECOG (same scale); Child-Pugh
// class A, B, C is 1, 2, 3, and a class written with its score is a
// child_pugh_score bound ("Child-Pugh B7" is = 7, "A or B7" is <= 7, A
// being 5-6 and C 10-15); NYHA class I-IV and ASA class I-VI are 1-4 and
// 1-6, written as roman numerals, digits or words ("class three"), also
// before the name ("class III or IV heart failure according to NYHA");
// durations are in days (a week is 7, a month 30, a year 365); a time
// window ("window") needs an explicit quantifier ("within 4 weeks", "in
// the last 6 months", "in the 30 days prior to", "at least 28 days
// since", "4~8 weeks before", "18-48 months status-post"): "4 weeks
// prior to" alone is too ambiguous to structure. One threshold is taken
// per mention of a variable: alternatives in a following parenthesis
// ("(≤ 5 × ULN with liver metastases)") and thresholds for a subgroup
// ("> 450 ms in males or > 470 ms in females", "(0 to 3 for participants
// >= 60 years)") qualify the main threshold and are not extracted. Age
// is read after "age"/"aged"/"adults", after a word for people when
// years follow ("women 18-45 years", "children 12 or older"), and at the
// start of an item when the clause ends there or says the years are an
// age ("18-65 years", "Over 16 years", "12 or older"); "older than 65"
// is > 65, "65 or older" >= 65. Comparators may be written as symbols
// in their Unicode forms ("≥", "≧", "⩾", "˂", "＜", "≯"), as HTML
// entities ("&gt;") or in words ("equal to or above", "lesser than").
//
// # Variables added in parser version 4
//
// Canonical unit in brackets; synonyms are in the Variables table.
//   - asa_class [ ]: ASA physical status 1-6.
//   - mmse, moca [ ]: 0-30. hamd (17-item HAM-D), madrs, phq9, edss (half
//     steps), nihss, gcs, mrs, ipss (also "AUA symptom score"), gleason
//     (6-10; "4+3" is patterns, not a score), iief_ef (IIEF erectile
//     function domain, 1-30), iief5 (IIEF-5 / SHIM, 5-25) [ ]. A plain
//     "IIEF" score says neither which form nor scale and is not read.
//   - pain_score [ ]: pain intensity on 0-10 (NRS, VAS, "pain score");
//     a VAS in mm or out of 100 ("VAS >= 40", "40/100", "50 mm") is
//     divided by 10.
//   - heart_rate [bpm]; spo2 [%]; fio2 [%] ("FiO2 <= 0.5" is 50%);
//     pao2_fio2 [mmHg] (kPa converted); bsa [m2].
//   - fev1 [L]; fev1_pct_predicted, fvc_pct_predicted,
//     dlco_pct_predicted [%]: FEV1, FVC and DLCO in percent are percent
//     of predicted; fev1_fvc [%]: "< 0.70" or "< 70%" are both 70.
//   - gestational_age [weeks]: "gestational age < 32 weeks", also
//     written number first ("< 20 weeks gestation", "24 to 32 weeks of
//     gestation").
//   - hematocrit [%], crp [mg/L], nt_probnp and bnp [pg/mL], ferritin
//     [ng/mL], ldh, lipase, amylase, ggt [U/L], uric_acid [mg/dL].
//
// And, for variables that were there: QTc in seconds (or a bare number
// below 2) is converted to ms; HbA1c in mmol/mol is converted to percent
// (NGSP = 0.09148 × IFCC + 2.152, to one decimal); "S/D mmHg" after a
// comparator is systolic and diastolic whatever names it ("hypertension
// (≥ 140/90 mmHg)", "systolic/diastolic blood pressure > 160/100");
// glucose in g/L; a change of weight ("weight loss", "change in body
// weight") is not a weight.
//
// # Forms added in parser version 5
//
// Numbers restated in brackets ("one (1) month", "thirty [30] days") and
// "within about/approximately N" in time windows; a unit written as a
// slip of another unit of the same quantity when only the number as
// written is plausible ("Hb > 10 mg/dL", "total cholesterol > 200
// mmol/L", "testosterone < 300 mg/dL"; "creatinine < 130 mmol/L" is
// µmol/L); units spelt out and restated ("30 kilograms per meter squared
// (kg/m²)"), "through" between two ends of a range; words after the
// comparator ("greater than a value of 11%") or before it ("questionnaire",
// "in the screening ECG"); ages with a comparator on both ends before
// "years of age" ("> 3 to < 9 years of age") or a plus ("18+ years of
// age"); "3 times normal" as 3 × ULN; "transaminases" and "aminotransferases" as AST and ALT; "WHO" as
// WHO performance status only when joined to another name of the scale
// ("WHO/ECOG PS 0-1"). Not thresholds: a weight measured from the ideal
// ("45 kg over ideal body weight"), the pain subscale of another
// instrument (NIH-CPSI, WOMAC, KOOS, HOOS), a change of a score or
// weight ("improvement in the IIEF-5 score of ≥ 3").
package eligibility

// ParserVersion changes whenever Parse can give a different result for
// the same text, so stores know to re-derive saved parses.
const ParserVersion = "9" // 9: a therapy that labels a topic ("Chemotherapy:") is none, a window before a therapy counts the time since it ("at least 4 weeks since prior chemotherapy"), "naive to" negates, "may or may not" hedges, a therapy one reacts to ("hypersensitivity to PDE-5 inhibitors") is not received; 8: the kind or site named before a therapy ("intermediate-acting insulin", "brain radiotherapy"), PI3K/AKT inhibitors, "will not be considered as exclusion" as an allowance and "Only … will be included" as none; 7: therapies named but not received ("insulin-dependent diabetes", "not suitable for radiotherapy"), "Allowed:" headings; 6: lines of prior treatment ("priorLines"), "EGFR-sensitising mutation"; 5: the forms of the labelled sets' misses (see above) and stage sets; 4: the variables and forms of issue 13 (see above); 3: biomarkers, disease course, hedges, allowances; 2: weights in grams
