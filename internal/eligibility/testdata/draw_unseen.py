"""Draw the unseen evaluation sample of internal/eligibility (labelled_unseen.jsonl).

Run from the repository root: python3 internal/eligibility/testdata/draw_unseen.py
It prints one JSON object per drawn item, without "expected" (labelled by hand).

The records: every bundled record (internal/demo/data: the API v2 records and
the legacy XML records) except those any earlier sample or development set
took items from (labelled.jsonl, criteria.jsonl.gz, labelled_fresh.jsonl,
labelled_blind.jsonl) and those the gold vignettes of internal/match are
written on. The legacy XML criteria are turned into the text API v2 serves as
ctgov.textblock does (CRLF to LF, the common indentation removed); a list item
wrapped over several lines is joined with spaces.

The draw: the eligible NCT ids, sorted, shuffled with random.Random(SEED);
walking that order, one item per record: stratum "vars" (an item naming a
variable issue 13 lists and holding a number) until 130, then "numbers" (an
item holding a digit) until 120, then "any" (any item) until 50, each record
giving to the first stratum it can still fill.
"""
import gzip, json, os, random, re, subprocess, tarfile, io
import xml.etree.ElementTree as ET

SEED = 2026120313
TD = "internal/eligibility/testdata/"
used = set()
for f in ["labelled.jsonl", "labelled_fresh.jsonl", "labelled_blind.jsonl"]:
    used |= {json.loads(l)["nctId"] for l in open(TD + f)}
used |= {json.loads(l)["nctId"] for l in gzip.open(TD + "criteria.jsonl.gz", "rt")}
used |= {f[:-5] for f in os.listdir("internal/match/testdata/vignettes") if f.endswith(".json")}

texts = {}
raw = subprocess.run(["zstd", "-dc", "internal/demo/data/studies.jsonl.zst"], capture_output=True, check=True).stdout
for line in raw.decode().splitlines():
    ps = json.loads(line)["protocolSection"]
    texts[ps["identificationModule"]["nctId"]] = ps.get("eligibilityModule", {}).get("eligibilityCriteria", "")


def textblock(s):
    lines = [l.rstrip(" \t") for l in s.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    ind = min((len(l) - len(l.lstrip(" ")) for l in lines if l), default=0)
    return "\n".join(l[ind:] if len(l) >= ind else l for l in lines).strip("\n")


raw = subprocess.run(["zstd", "-dc", "internal/demo/data/xml.tar.zst"], capture_output=True, check=True).stdout
with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
    for m in tar.getmembers():
        if m.isfile() and m.name.endswith(".xml"):
            root = ET.parse(tar.extractfile(m)).getroot()
            texts[root.findtext("id_info/nct_id")] = textblock(root.findtext("eligibility/criteria/textblock") or "")

marker = re.compile(r"^(\s*)(?:[*•-]|\d{1,2}\\?[.)]|[a-zA-Z]\\?[.)])\s+")
header = re.compile(r"(?i)^\W*(?:key\s+)?(?:inclusion|exclusion)(?:\s+criteria)?\W*$")


def items(text):
    out, cur, ind = [], None, 0
    for line in text.split("\n"):
        m = marker.match(line)
        if m:
            if cur is not None:
                out.append(cur)
            cur, ind = line[m.end():].strip(), len(m.group(1))
        elif cur is not None and line.strip() and len(line) - len(line.lstrip(" ")) > ind:
            cur += " " + line.strip()  # a wrapped line of the item
        else:
            if cur is not None:
                out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return [t for t in out if 15 <= len(t) <= 600 and not header.match(t)]


new_vars = re.compile(r"(?i)\b(?:BMI|body mass|ASA\b|American Society of Anesth|MMSE|Mini[- ]Mental|MoCA|FEV|FVC|DLCO|SpO|oxygen saturation|FiO|gestation|VAS\b|NRS\b|visual analog|numeric rating|pain (?:score|intensity)|ejection fraction|LVEF|QTc|blood pressure|mm ?Hg|weigh|kg\b|HbA1c|A1c|eGFR|glomerular|Karnofsky|Lansky|KPS|NYHA|New York Heart|Child[- ]Pugh)")
digit = re.compile(r"\d")

rng = random.Random(SEED)
order = sorted(n for n, t in texts.items() if n not in used and t)
rng.shuffle(order)
quota = {"vars": 130, "numbers": 120, "any": 50}
drawn = []
for nct in order:
    count = {s: sum(1 for d in drawn if d["stratum"] == s) for s in quota}
    if all(count[s] >= quota[s] for s in quota):
        break
    its = items(texts[nct])
    pick = None
    if count["vars"] < quota["vars"]:
        cands = [t for t in its if new_vars.search(t) and digit.search(t)]
        if cands:
            pick = ("vars", cands)
    if pick is None and count["numbers"] < quota["numbers"]:
        cands = [t for t in its if digit.search(t)]
        if cands:
            pick = ("numbers", cands)
    if pick is None and count["any"] < quota["any"] and its:
        pick = ("any", its)
    if pick:
        drawn.append({"nctId": nct, "set": "unseen", "stratum": pick[0], "text": rng.choice(pick[1])})
for d in drawn:
    print(json.dumps(d, ensure_ascii=False))
