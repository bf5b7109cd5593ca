// Package query parses search queries written in a documented subset of
// Essie, the expression syntax of ClinicalTrials.gov API v2's query.*
// parameters, into a tree that the search engine evaluates.
//
// # Syntax
//
//	query     = or .
//	or        = and { "OR" and } .
//	and       = unary { [ "AND" ] unary } .          (* side by side means AND *)
//	unary     = "NOT" unary
//	          | modifier unary
//	          | "AREA[" field "]" ( range | "MISSING" | unary )
//	          | term | phrase | "(" or ")" .
//	modifier  = "EXPANSION[" ( "None" | "Term" | "Concept" | "Relaxation" | "Lossy" ) "]"
//	          | "COVERAGE[" ( "FullMatch" | "StartsWith" | "EndsWith" | "Contains" ) "]" .
//	range     = "RANGE[" ( value | "MIN" ) "," ( value | "MAX" ) "]" .
//	value     = date | age | number .              (* by the field's kind, below *)
//	term      = word { word } .
//	phrase    = '"' { character | '\"' | '\\' } '"' .
//	word      = a run of characters other than white space, '(', ')' and '"',
//	            in which '\' makes the next character literal; not an
//	            operator keyword and not starting with NAME[ .
//
// Operators are upper-case (AND, OR, NOT, MISSING); "and" is a word.
// Field names, modifier values, MIN and MAX are matched ignoring case.
// \AND, \MISSING and \AREA[x] search for those words.
//
// Precedence, from tightest to loosest, is the one ClinicalTrials.gov
// documents: "search terms and source operators, the NOT operator and
// context operators, the AND operator, and the OR operator"
// (https://www.clinicaltrials.gov/api/gui/ref/expr, "Search Operators";
// also https://classic.clinicaltrials.gov/api/gui/ref/syntax: "The OR
// operator has the lowest precedence"). So NOT, AREA, EXPANSION and
// COVERAGE apply to the one operand that follows them, and
//
//	a OR b c AND NOT d   is   a OR (b c AND (NOT d))
//	bethesda NOT maryland   is   bethesda AND (NOT maryland)
//
// As in Essie, adjacent words form one multi-word Term ("heart attack"),
// so AREA[LocationCity]New York restricts both words to the city. A
// multi-word Term matches when all its words occur in the area — an
// implicit AND, as between any two adjacent operands — and should score
// higher when they occur together.
//
// Brackets only group: "(a)" parses as the Term a, and String writes
// brackets where the tree needs them.
//
// Field names are those of the API's search areas and study fields; see
// Fields. Unknown names are errors, as are the Essie operators SEARCH,
// TILT and DISTANCE, which this subset leaves out. Terms and phrases under
// an enum field must be values of its enumeration, any case, and are
// stored upper-case as the records have them (AREA[Phase]phase3 gives the
// Term PHASE3). Under a date, age or number field a term must be one such
// value, stored canonically ("18 Years"); a date term matches the dates
// within it, so AREA[StartDate]2022 is RANGE[2022, 2022].
//
// # Ranges and missing values: semantics for the engine
//
// RANGE[low, high] is inclusive at both ends and takes:
//   - dates "2020", "2020-01" or "2020-01-15": a partial date covers all
//     its days, so RANGE[2020, 2021-06] runs from 2020-01-01 to 2021-06-30
//     (Range.DateBounds, DateBounds); a study's partial date such as
//     "2021-11" is compared as its first day (study.Date.Sortable);
//   - ages "16 years", "6 months", "2 weeks", "3 days", or a bare number of
//     years; compared in days (Range.AgeDays, a year being 365.25 days);
//   - whole numbers (EnrollmentCount).
//
// Age limits are open-ended when missing, and a RANGE over MinimumAge or
// MaximumAge must not drop those studies: a missing MinimumAge counts as
// 0 days and a missing MaximumAge as no upper limit (+Inf); see
// AgeFieldDays. The query ClinicalTrials.gov gives for "eligible at 16",
//
//	AREA[MinimumAge]RANGE[MIN, 16 years] AND AREA[MaximumAge]RANGE[16 years, MAX]
//
// then keeps a study with no age limits at all, as it should. A date or
// number RANGE does not match a study whose field is empty.
//
// AREA[Field]MISSING matches studies in which the field is empty.
//
// # Limits
//
// A query is at most MaxLength bytes, nests at most MaxDepth groups and
// prefix operators, and has at most MaxTerms words and phrases; beyond
// that, and for any other fault, Parse returns a *SyntaxError naming the
// column and what it expected, never a panic.
package query
