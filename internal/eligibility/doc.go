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
//     Variables table (labs, age, performance status, NYHA, Child-Pugh,
//     life expectancy, time windows). value is in the variable's
//     canonical unit; "original" keeps the value and unit as written.
//     With ulnMultiple the value is a multiple of the upper limit of
//     normal and unit is "ULN". "between" is inclusive and only used for
//     ranges written as one ("18-75", "0 to 2", "0 or 1", "between 18
//     and 80"); two separate bounds ("≥ 18 and ≤ 75 years", "< 90 or >
//     150 mmHg") stay two constraints. A unit the table does not list for
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
//   - "stage": term "stage III", "stage IVb"...; "metastasis": term is
//     the phrase.
//   - "therapy": term is the therapy or drug class ("anti PD-1",
//     "VEGF (R) inhibitors", "chemotherapy"); "examples" lists the drugs
//     named in the parenthesis after a class; "window" carries the time
//     window written in the same clause.
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
// Conventions the extractor and the hand-labelled evaluation set share:
// plain "performance status" and Zubrod are ECOG (same scale); Child-Pugh
// class A, B, C is 1, 2, 3; NYHA class I-IV is 1-4; durations are in days
// (a week is 7, a month 30, a year 365); a time window ("window") needs an
// explicit quantifier ("within 4 weeks", "in the last 6 months", "at least
// 28 days since", "4~8 weeks before"): "4 weeks prior to" alone is too
// ambiguous to structure. One threshold is taken per mention of a
// variable: alternatives in a following parenthesis ("(≤ 5 × ULN with
// liver metastases)") qualify the main threshold and are not extracted.
package eligibility

// ParserVersion changes whenever Parse can give a different result for
// the same text, so stores know to re-derive saved parses.
const ParserVersion = "3" // 3: biomarkers, disease course, hedges, allowances
