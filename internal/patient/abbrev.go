package patient

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
