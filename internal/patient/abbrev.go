package patient

import (
	"slices"
	"strings"
	"sync"
)

// abbreviations are the usual clinic-note abbreviations of conditions
// that the MeSH vocabulary does not list, with the name it does; they
// are read only as written, in capitals, since several are also words
// ("all", "pad"). Ambiguous ones ("PE", "RA", "MS", "AD") are left out.
var abbreviations = map[string]string{
	"AAA": "abdominal aortic aneurysm", "ACS": "acute coronary syndrome", "AF": "atrial fibrillation",
	"AFIB": "atrial fibrillation", "AKI": "acute kidney injury", "ALS": "amyotrophic lateral sclerosis",
	"AML": "acute myeloid leukemia", "ARDS": "respiratory distress syndrome", "BPH": "prostatic hyperplasia",
	"CAD": "coronary artery disease", "CF": "cystic fibrosis", "CKD": "chronic kidney disease",
	"CLL": "chronic lymphocytic leukemia", "CML": "chronic myelogenous leukemia", "CRC": "colorectal cancer",
	"DKA": "diabetic ketoacidosis", "DLBCL": "diffuse large b-cell lymphoma", "DM": "diabetes mellitus",
	"DVT": "deep vein thrombosis", "GBM": "glioblastoma", "GDM": "gestational diabetes",
	"HBV": "hepatitis b", "HCC": "hepatocellular carcinoma", "HCV": "hepatitis c", "HIV": "hiv infections",
	"HSV": "herpes simplex", "IBD": "inflammatory bowel diseases", "IBS": "irritable bowel syndrome",
	"ICH": "intracerebral hemorrhage", "ITP": "idiopathic thrombocytopenic purpura", "MDD": "major depressive disorder",
	"MDS": "myelodysplastic syndromes", "MI": "myocardial infarction", "MM": "multiple myeloma",
	"NAFLD": "non-alcoholic fatty liver disease", "NHL": "non-hodgkin lymphoma", "NSCLC": "non-small-cell lung carcinoma",
	"OA": "osteoarthritis", "OCD": "obsessive-compulsive disorder", "OSA": "obstructive sleep apnea",
	"PAD": "peripheral arterial disease", "PCOS": "polycystic ovary syndrome", "RCC": "renal cell carcinoma",
	"RSV": "respiratory syncytial virus infections", "SAH": "subarachnoid hemorrhage", "SCLC": "small cell lung carcinoma",
	"SLE": "systemic lupus erythematosus", "T1DM": "type 1 diabetes mellitus", "TB": "tuberculosis",
	"TIA": "transient ischemic attack", "UC": "ulcerative colitis", "UTI": "urinary tract infections",
}

// AbbreviationsOf returns the abbreviations whose condition is the MeSH
// descriptor id ("NSCLC" for D002289): records name some conditions by
// them alone.
func AbbreviationsOf(id string) []string { return abbreviationsByID()[id] }

var abbreviationsByID = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	v := loadVocab()
	if v == nil {
		return out
	}
	for a, name := range abbreviations {
		for _, s := range v.Expand(name) {
			id, ok := strings.CutPrefix(s.Source, "mesh:")
			if !ok {
				continue
			}
			id, _, _ = strings.Cut(id, " ")
			if !slices.Contains(out[id], a) {
				out[id] = append(out[id], a)
			}
		}
	}
	for _, as := range out {
		slices.Sort(as)
	}
	return out
})
