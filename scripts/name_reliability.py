"""How reliable each condition's name is when a poster asserts it: measured on the *study* half of real dev.

    .venv/bin/python scripts/name_reliability.py

For each condition, among the study half's in-scope posts whose writer asserts one of its names
(``classifier.rules.naming``: "strained/tore/pulled", "achilles/tendinitis", "compartment/CECS",
"cramp/spasm/charley horse"; not negated, likened, historical or someone else's), the share whose gold
label is that condition (add-one smoothed). Its log-odds is the weight written to
``classifier/data/naming.toml``: the model's four probabilities are multiplied by exp(weight) for the
named conditions (Bayes' rule with the name as independent evidence). The check half is not read.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.facts import CONDITIONS, UNKNOWN  # noqa: E402
from classifier.preprocess import SpacyNormalizer  # noqa: E402
from classifier.rules.naming import named_conditions  # noqa: E402
from classifier.training.evaluate import read_heldout  # noqa: E402


def main() -> int:
    halves = json.loads((ROOT / "corpus" / "real" / "dev_halves.json").read_text())
    rows = [r for r in read_heldout(ROOT / "corpus" / "real" / "dev.jsonl")
            if halves[r["id"]] == "study" and r["label"] != UNKNOWN]
    normalizer = SpacyNormalizer()
    named = [named_conditions(t) for t in normalizer.analyse_many(r["text"] for r in rows)]
    print("| condition | study posts naming it | of which that condition | reliability | weight |")
    print("|---|---:|---:|---:|---:|")
    for c in CONDITIONS:
        golds = [r["label"] for r, n in zip(rows, named) if c in n]
        p = (sum(g == c for g in golds) + 1) / (len(golds) + 2)
        print(f"| {c} | {len(golds)} | {sum(g == c for g in golds)} | {p:.3f} | {math.log(p / (1 - p)):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
