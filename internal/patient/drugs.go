package patient

import (
	"regexp"
	"slices"
	"strings"
)

// A note says what the patient takes with "on" ("type 2 diabetes on
// metformin", "uncontrolled on amlodipine 10 mg, losartan 100 mg"), a
// word that as often starts anything else ("on MRI", "on day 3"). So the
// names after it are read only while they look like drugs: a common
// drug's name, or a name with the stem a drug class's names share
// (International Nonproprietary Names: "-sartan", "-gliflozin").
var (
	onCueRe = regexp.MustCompile(`(?i)\bon\s+`)
	// doseRe is a dose, frequency or route after a drug's name.
	doseRe = regexp.MustCompile(`(?i)\s+(?:\d[\d.,]*\s*(?:mg|mcg|µg|g|units?|iu|ml|%)?|daily|twice|once|bid|tid|qd|prn|as needed|orally|po|iv|sc|subcutaneous(?:ly)?|nightly|weekly|per day|a day)\b.*$`)
	// drugStemRe are the endings of INN stems of common drug classes.
	drugStemRe  = regexp.MustCompile(`(?i)(?:mab|tinib|nib|lisib|parib|ciclib|statin|pril|sartan|olol|dipine|formin|gliptin|gliflozin|glutide|glitazone|azole|mycin|cillin|floxacin|cycline|vir|platin|taxel|rubicin|trexate|thiazide|semide|sone|olone|lukast|terol|tropium|zepam|zolam|oxetine|aline|pram|pramine|triptan|dronate|parin|xaban|gatran|grel|prazole|tidine|setron|pentin|gabalin|azine|idone|apine|lamide|tadine)$`)
	commonDrugs = func() map[string]bool {
		set := map[string]bool{}
		for _, d := range strings.Fields("insulin metformin aspirin warfarin heparin levothyroxine lithium allopurinol " +
			"colchicine digoxin amiodarone spironolactone furosemide tamoxifen letrozole anastrozole exemestane " +
			"fulvestrant methotrexate hydroxychloroquine morphine oxycodone tramadol paracetamol acetaminophen " +
			"ibuprofen naproxen diclofenac celecoxib bupropion trazodone mirtazapine venlafaxine duloxetine " +
			"buprenorphine methadone naltrexone levodopa carbidopa donepezil memantine valproate lamotrigine " +
			"levetiracetam carbamazepine topiramate clopidogrel ticagrelor apixaban rivaroxaban dabigatran " +
			"salbutamol albuterol budesonide fluticasone beclomethasone ipratropium montelukast nitroglycerin " +
			"hydralazine clonidine doxazosin tamsulosin finasteride sildenafil tadalafil testosterone estradiol " +
			"progesterone semaglutide liraglutide dulaglutide tirzepatide empagliflozin dapagliflozin sitagliptin " +
			"glipizide glimepiride gliclazide pioglitazone ezetimibe fenofibrate niacin adalimumab etanercept " +
			"infliximab rituximab ocrelizumab natalizumab interferon glatiramer fingolimod dimethyl teriflunomide " +
			"azathioprine mycophenolate tacrolimus cyclosporine sirolimus prednisone prednisolone dexamethasone " +
			"hydrocortisone methylprednisolone lenalidomide pomalidomide thalidomide bortezomib carfilzomib " +
			"daratumumab imatinib hydroxyurea enzalutamide abiraterone bicalutamide leuprolide goserelin degarelix " +
			"temozolomide capecitabine oxaliplatin docetaxel paclitaxel trastuzumab pertuzumab pembrolizumab " +
			"nivolumab osimertinib palbociclib ribociclib abemaciclib olaparib") {
			set[d] = true
		}
		return set
	}()
)

// looksLikeDrug reports whether a name read from a note is a drug's:
// its first word a common drug or with a drug class's stem.
func looksLikeDrug(name string) bool {
	first, _, _ := strings.Cut(strings.ToLower(name), " ")
	return commonDrugs[first] || len(first) > 5 && drugStemRe.MatchString(first)
}

// readOnMedications reads the drugs a note says the patient is "on",
// doses dropped, up to the first name that is not a drug's.
func readOnMedications(note string, p *Profile, neg [][2]int, add func(string, []int, string)) {
	for _, m := range onCueRe.FindAllStringIndex(note, -1) {
		end := len(note)
		if e := sentenceEndRe.FindStringIndex(note[m[1]:]); e != nil {
			end = m[1] + e[0]
		}
		pos := m[1]
		for _, part := range listSepRe.Split(note[m[1]:end], -1) {
			at := strings.Index(note[pos:end], part)
			if at < 0 {
				break
			}
			start := pos + at
			pos = start + len(part)
			name := strings.TrimSpace(doseRe.ReplaceAllString(part, ""))
			if !looksLikeDrug(name) || strings.Count(name, " ") > 3 {
				break
			}
			if inScopes(neg, start) || slices.ContainsFunc(p.Medications, func(m string) bool { return strings.EqualFold(m, name) }) {
				continue
			}
			p.Medications = append(p.Medications, name)
			add("medication", []int{start, start + len(name)}, name)
		}
	}
}

// sentenceEndRe ends what a cue's list can hold.
var sentenceEndRe = regexp.MustCompile(`[.;:\n(\[]\s|[;\n(\[]|\.$`)
