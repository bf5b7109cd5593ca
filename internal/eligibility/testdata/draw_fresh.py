"""Draw the fresh evaluation samples of internal/eligibility.

Run from the repository root: python3 internal/eligibility/testdata/draw_fresh.py [blind]
It prints one JSON object per drawn item, without "expected" (labelled by hand):
the 300 items of labelled_fresh.jsonl, or with "blind" the 120 items of
labelled_blind.jsonl, drawn the same way from the records the first sample left.
"""
import gzip, json, random, re, subprocess, sys

SEED = 20261203
lab = {json.loads(l)["nctId"] for l in open("internal/eligibility/testdata/labelled.jsonl")}
dev = {json.loads(l)["nctId"] for l in gzip.open("internal/eligibility/testdata/criteria.jsonl.gz", "rt")}
raw = subprocess.run(["zstd", "-dc", "internal/demo/data/studies.jsonl.zst"], capture_output=True, check=True).stdout
texts = {}
for line in raw.decode().splitlines():
    ps = json.loads(line)["protocolSection"]
    nct = ps["identificationModule"]["nctId"]
    crit = ps.get("eligibilityModule", {}).get("eligibilityCriteria", "")
    if nct not in lab and nct not in dev and crit:
        texts[nct] = crit

marker = re.compile(r"^\s*(?:[*•-]|\d{1,2}\\?[.)]|[a-zA-Z]\\?[.)])\s+")
header = re.compile(r"(?i)^\W*(?:key\s+)?(?:inclusion|exclusion)(?:\s+criteria)?\W*$")

def items(text):
    out = []
    for line in text.split("\n"):
        m = marker.match(line)
        if not m:
            continue
        t = line[m.end():].strip()
        if 15 <= len(t) <= 600 and not header.match(t):
            out.append(t)
    return out

new_vars = re.compile(r"(?i)\b(?:BMI|body mass|ASA\b|American Society of Anesth|MMSE|Mini[- ]Mental|MoCA|FEV|FVC|DLCO|SpO|oxygen saturation|FiO|gestation|VAS\b|NRS\b|visual analog|numeric rating|pain (?:score|intensity)|ejection fraction|LVEF|QTc|blood pressure|mm ?Hg|weigh|kg\b|HbA1c|A1c|eGFR|glomerular|Karnofsky|Lansky|KPS|NYHA|New York Heart|Child[- ]Pugh)")
digit = re.compile(r"\d")

rng = random.Random(SEED)
order = sorted(texts)
rng.shuffle(order)
drawn, used = [], set()
# Stratum "vars": one item per record naming a variable the issue lists.
for nct in order:
    if sum(1 for d in drawn if d["stratum"] == "vars") >= 130:
        break
    cands = [t for t in items(texts[nct]) if new_vars.search(t) and digit.search(t) or re.search(r"(?i)NYHA|Child[- ]Pugh|ASA\b", t) and new_vars.search(t)]
    if cands:
        drawn.append({"nctId": nct, "stratum": "vars", "text": rng.choice(cands)})
        used.add(nct)
# Stratum "numbers": one item with a digit per further record; "any": one item of any kind.
for nct in order:
    if nct in used:
        continue
    n_num = sum(1 for d in drawn if d["stratum"] == "numbers")
    n_any = sum(1 for d in drawn if d["stratum"] == "any")
    if n_num >= 120 and n_any >= 50:
        break
    its = items(texts[nct])
    if not its:
        continue
    if n_num < 120:
        cands = [t for t in its if digit.search(t)]
        if cands:
            drawn.append({"nctId": nct, "stratum": "numbers", "text": rng.choice(cands)})
            used.add(nct)
            continue
    if n_any < 50:
        drawn.append({"nctId": nct, "stratum": "any", "text": rng.choice(its)})
        used.add(nct)
def draw(quota_vars, quota_num, quota_any, suffix):
    out = []
    count = lambda s: sum(1 for d in out if d["stratum"] == s + suffix)
    for nct in order:
        if nct in used:
            continue
        if count("vars") >= quota_vars and count("numbers") >= quota_num and count("any") >= quota_any:
            break
        its = items(texts[nct])
        pick = None
        if count("vars") < quota_vars:
            cands = [t for t in its if new_vars.search(t) and digit.search(t)]
            if cands:
                pick = ("vars", cands)
        if pick is None and count("numbers") < quota_num:
            cands = [t for t in its if digit.search(t)]
            if cands:
                pick = ("numbers", cands)
        if pick is None and count("any") < quota_any and its:
            pick = ("any", its)
        if pick:
            out.append({"nctId": nct, "stratum": pick[0] + suffix, "text": rng.choice(pick[1])})
            used.add(nct)
    return out

if sys.argv[1:] == ["blind"]:
    drawn = draw(50, 50, 20, "")
for d in drawn:
    print(json.dumps(d, ensure_ascii=False))
