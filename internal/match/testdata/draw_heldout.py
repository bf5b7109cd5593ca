"""Draw the trials of the held-out vignettes (testdata/vignettes_heldout).

Run from the repository root: python3 internal/match/testdata/draw_heldout.py
It prints one line per drawn trial: NCT id, stratum, status, title.
It reads only files in the repository (and needs zstd).

The records: the bundled API v2 records (internal/demo/data/studies.jsonl.zst)
with 400 to 3,000 characters of criteria text, except every record that
something was developed or measured on before: the items of the parser's
labelled sets (internal/eligibility/testdata: labelled*.jsonl,
criteria.jsonl.gz), the gold vignettes (testdata/vignettes), the trials of
the TREC and SIGIR judgments (testdata/*_qrels_demo.tsv, which `eval`
measures the check on) and every NCT id any Go test names.

The draw: eight strata, in this order: oncology with biomarkers,
cardiology, diabetes and obesity, paediatrics, healthy volunteers,
psychiatry, surgery, infectious disease; a record is in a stratum when its
conditions or titles (and for the first its criteria,
for paediatrics its upper age, for healthy volunteers its flag) say so, and
may be in several. The eligible NCT ids, sorted, are shuffled with
random.Random(SEED); round after round, each stratum in order takes the
first record of that order it holds that is not drawn yet, RECRUITING or
NOT_YET_RECRUITING ones first, any other status only when none is left,
until 15 are drawn.
"""
import gzip, json, os, random, re, subprocess

SEED = 2026120422
WANT = 15

used = set()
TD = "internal/eligibility/testdata/"
for f in os.listdir(TD):
    if f.startswith("labelled") and f.endswith(".jsonl"):
        used |= {json.loads(l)["nctId"] for l in open(TD + f)}
used |= {json.loads(l)["nctId"] for l in gzip.open(TD + "criteria.jsonl.gz", "rt")}
used |= {f[:-5] for f in os.listdir("internal/match/testdata/vignettes") if f.endswith(".json")}
for f in ["trec_2021_qrels_demo.tsv", "sigir_qrels_demo.tsv"]:
    used |= {l.split("\t")[1] for l in open("internal/match/testdata/" + f).read().splitlines()[1:]}
for root, _, files in os.walk("."):
    for f in files:
        if f.endswith("_test.go"):
            used |= set(re.findall(r"NCT\d{8}", open(os.path.join(root, f)).read()))

onco = re.compile(r"(?i)cancer|carcinom|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|NSCLC")
marker = re.compile(r"(?i)\b(?:HER-?2|ER[+-]|estrogen receptor|EGFR|ALK|ROS1|KRAS|NRAS|BRAF|BRCA|PD-?L1|MSI|PIK3CA|FLT3|IDH[12]|NPM1|TNBC|triple[- ]negative|mutation)")
strata = [
    ("oncology-biomarker", lambda s: onco.search(s["about"]) and marker.search(s["about"] + " " + s["criteria"])),
    ("cardiology", lambda s: re.search(r"(?i)heart|cardi|coronary|hypertension|atrial|myocard|angina|arrhythm", s["about"])),
    ("diabetes-obesity", lambda s: re.search(r"(?i)diabet|obes|overweight|glyc|insulin|metabolic", s["about"])),
    ("paediatrics", lambda s: s["maxAge"] is not None and s["maxAge"] <= 18),
    ("healthy-volunteers", lambda s: s["healthy"] and re.search(r"(?i)healthy|volunteer|vaccin|prevent", s["about"])),
    ("psychiatry", lambda s: re.search(r"(?i)psychi|depress|schizo|bipolar|anxiety|stress disorder|PTSD|autism|ADHD|dementia|alzheimer|substance|alcohol|mental", s["about"])),
    ("surgery", lambda s: re.search(r"(?i)surg|operat|resection|fusion|ligation|lymphadenectomy|implant|graft|prosthe|ectomy\b", s["about"])),
    ("infectious-disease", lambda s: re.search(r"(?i)infect|HIV|hepatitis|HPV|papilloma|viral|virus|wart|bacter|tubercul|COVID|sepsis|influenza|antibiot|vaccin", s["about"])),
]


def years(a):
    m = re.match(r"(\d+) (Year|Month|Week|Day)", a or "")
    if not m:
        return None
    return int(m.group(1)) / {"Year": 1, "Month": 12, "Week": 52, "Day": 365}[m.group(2)]


recs = {}
raw = subprocess.run(["zstd", "-dc", "internal/demo/data/studies.jsonl.zst"], capture_output=True, check=True).stdout
for line in raw.decode().splitlines():
    d = json.loads(line)
    ps = d["protocolSection"]
    nct = ps["identificationModule"]["nctId"]
    em = ps.get("eligibilityModule", {})
    crit = em.get("eligibilityCriteria", "")
    if nct in used or not 400 <= len(crit) <= 3000:
        continue
    idm = ps["identificationModule"]
    cm = ps.get("conditionsModule", {})
    about = " | ".join(cm.get("conditions", []) + [idm.get("briefTitle", ""), idm.get("officialTitle", "")])
    recs[nct] = {"about": about, "criteria": crit, "status": ps["statusModule"]["overallStatus"],
                 "maxAge": years(em.get("maximumAge")), "healthy": em.get("healthyVolunteers") is True,
                 "title": idm.get("briefTitle", "")}

rng = random.Random(SEED)
order = sorted(recs)
rng.shuffle(order)
drawn = []
while len(drawn) < WANT:
    took = False
    for name, member in strata:
        if len(drawn) == WANT:
            break
        cands = [n for n in order if n not in {d[0] for d in drawn} and member(recs[n])]
        open_ = [n for n in cands if recs[n]["status"] in ("RECRUITING", "NOT_YET_RECRUITING")]
        if open_ or cands:
            drawn.append(((open_ or cands)[0], name))
            took = True
    if not took:
        break
for nct, name in drawn:
    print(nct, name, recs[nct]["status"], recs[nct]["title"], sep="\t")
