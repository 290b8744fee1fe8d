"""calfcheck's triage on the blind-written triage vignettes (``corpus/probe/triage_vignettes.jsonl``).

    .venv/bin/python scripts/triage_probe.py            # scores, study and check halves
    .venv/bin/python scripts/triage_probe.py --study    # also the study half's disagreements, to read
    .venv/bin/python scripts/triage_probe.py --second   # the second probe: scores only, never read

70 first-person posts (30 emergencies, 20 urgent, 20 look-alikes) written, with the urgency a clinician
reading only the text would advise, by a helper that saw neither the rules nor the phrase banks. They
are not real posts: a probe of how far the rules' vocabulary reaches. Odd ids are the *study* half
(its disagreements may be read and steered on), even ids the *check* half (scores only; never listed).

``--second``: 80 more (``corpus/probe/triage_vignettes_2.jsonl``: 25 emergencies, 25 urgent, 15 see a doctor,
15 self care) by another blind helper, written after every rule here; all of it is a check (never listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.rules.triage import LEVELS  # noqa: E402
from scripts.triage_on_dev import half_scores  # noqa: E402  (the dev triage table's cells, one definition)

PROBE = ROOT / "corpus" / "probe" / "triage_vignettes.jsonl"
SECOND = ROOT / "corpus" / "probe" / "triage_vignettes_2.jsonl"


def half(row: dict) -> str:
    return "study" if row["id"].startswith("v") and int(row["id"][1:]) % 2 else "check"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--study", action="store_true", help="list the study half's disagreements")
    ap.add_argument("--second", action="store_true", help="score the second probe (all of it a check)")
    args = ap.parse_args()
    if args.second and args.study:
        ap.error("the second probe is never listed")
    from classifier.training.train import train

    path = SECOND if args.second else PROBE
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    preds = train(None, progress=False).classify_many([r["text"] for r in rows])
    rank = LEVELS.index
    print("| half | n | safe | over-triage | emergency → emergency | urgent → urgent or more |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in (("check",) if args.second else ("study", "check", "all")):
        sel = [(r, p) for r, p in zip(rows, preds) if name == "all" or half(r) == name]
        cells = half_scores([r for r, _ in sel], [p for _, p in sel], {r["id"]: r["urgency"] for r, _ in sel})
        ur = [p for r, p in sel if r["urgency"] == "urgent"]
        print(f"| {name} | {cells['n']} | {cells['safe']} | {cells['over-triage']} | {cells['emergency → emergency']} | "
              f"{sum(rank(p.triage) >= rank('urgent') for p in ur)}/{len(ur)} |")
    if args.study:
        for r, p in zip(rows, preds):
            if half(r) == "study" and p.triage != r["urgency"]:
                print(f"\n## {r['id']} reader {r['urgency']}, calfcheck {p.triage} ({p.label}; "
                      f"{[f['id'] for f in p.red_flags]}; reader's dangers {r['danger']})\n{r['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
