"""calfcheck's triage against a careful reader's urgency on the real dev posts, per half (study / check).

    CALFCHECK_HOME=/tmp/cc .venv/bin/python scripts/triage_on_dev.py [--readers corpus/real/dev_blind.jsonl]
    .venv/bin/python scripts/triage_on_dev.py --show study      # the study half's disagreements, to read

The reader's urgency comes from blind readers who saw only each post's text (a JSONL of
``{"id", "urgency", "danger"}``; without the file only the clot columns are printed). Per half:
n, safe rate (calfcheck's level >= the reader's), over-triage (calfcheck's level > the reader's), reader
emergency -> calfcheck emergency, clot stories found (posts whose gold ``red_flags`` hold ``possible_dvt``
or ``possible_pulmonary_embolism``, found when either flag is raised) and false ``possible_dvt`` on
in-scope posts (gold label one of the four conditions, no gold red flag).

Rules are chosen on the study half (``--show study`` lists its disagreements); the check half is only
ever scored: ``--show`` refuses it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from classifier import CONDITIONS, ensure_default_model, load_model
from classifier.rules.triage import LEVELS

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "corpus" / "real" / "dev.jsonl"
HALVES = ROOT / "corpus" / "real" / "dev_halves.json"
READERS = Path(__file__).resolve().parent.parent / "corpus" / "real" / "dev_blind.jsonl"
CLOT = {"possible_dvt", "possible_pulmonary_embolism"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _rate(num: int, den: int) -> str:
    return f"{num}/{den} ({num / den:.3f})" if den else "–"


def half_scores(rows: list[dict], preds: list, reader: dict[str, str]) -> dict[str, str]:
    """The table's cells for one half: ``rows`` (dev posts), their predictions, ``reader`` (id → urgency)."""
    rank = LEVELS.index
    judged = [(r, p) for r, p in zip(rows, preds) if r["id"] in reader]
    safe = sum(rank(p.triage) >= rank(reader[r["id"]]) for r, p in judged)
    over = sum(rank(p.triage) > rank(reader[r["id"]]) for r, p in judged)
    emerg = [(r, p) for r, p in judged if reader[r["id"]] == "emergency"]
    stories = [(r, p) for r, p in zip(rows, preds) if CLOT & set(r.get("red_flags") or ())]
    found = sum(bool(CLOT & {f["id"] for f in p.red_flags}) for _, p in stories)
    clean = [p for r, p in zip(rows, preds) if r.get("label") in CONDITIONS and not r.get("red_flags")]
    false_dvt = sum(any(f["id"] == "possible_dvt" for f in p.red_flags) for p in clean)
    return {"n": str(len(rows)), "read": str(len(judged)), "safe": _rate(safe, len(judged)),
            "over-triage": _rate(over, len(judged)),
            "emergency → emergency": _rate(sum(p.triage == "emergency" for _, p in emerg), len(emerg)),
            "clot stories found": _rate(found, len(stories)),
            "false possible_dvt (in scope)": _rate(false_dvt, len(clean))}


def disagreements(rows: list[dict], preds: list, reader: dict[str, str]) -> list[str]:
    """Posts where calfcheck and the reader differ (under-triage first), missed clot stories and false
    ``possible_dvt``: for reading the study half."""
    rank = LEVELS.index
    out = []
    for r, p in sorted(zip(rows, preds), key=lambda rp: rank(rp[1].triage) - rank(reader.get(rp[0]["id"], rp[1].triage))):
        want = reader.get(r["id"])
        if want is None or want == p.triage:
            continue
        out.append(_post("UNDER" if rank(p.triage) < rank(want) else "over", r, p, want))
    for r, p in zip(rows, preds):
        clot = CLOT & {f["id"] for f in p.red_flags}
        if CLOT & set(r.get("red_flags") or ()) and not clot:
            out.append(_post("MISSED CLOT", r, p, reader.get(r["id"])))
        elif "possible_dvt" in clot and r.get("label") in CONDITIONS and not r.get("red_flags"):
            out.append(_post("false possible_dvt", r, p, reader.get(r["id"])))
    return out


def _post(kind: str, r: dict, p, want: str | None) -> str:
    flags = "; ".join(f"{f['id']}: {f['reason']}" for f in p.red_flags) or "no flag"
    return (f"## {kind} {r['id']} reader {want}, calfcheck {p.triage} ({p.label}; gold {r.get('label')}, "
            f"{r.get('red_flags')})\n{flags}\n{r['text']}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readers", type=Path, default=READERS, help="The readers' urgencies (JSONL).")
    ap.add_argument("--show", choices=["study", "check"], help="List the disagreements of the study half.")
    args = ap.parse_args()
    if args.show == "check":
        sys.exit("The check half is scored, never read: --show study only.")
    rows, halves = read_jsonl(DEV), json.loads(HALVES.read_text(encoding="utf-8"))
    reader = {}
    if args.readers.exists():
        for r in read_jsonl(args.readers):
            if r["urgency"] not in LEVELS:
                raise ValueError(f"{r['id']}: urgency one of {LEVELS} expected, {r['urgency']!r} received.")
            reader[r["id"]] = r["urgency"]
    else:
        print(f"({args.readers} not found: no reader columns)", file=sys.stderr)
    model = load_model(ensure_default_model())
    preds = model.classify_many([r["text"] for r in rows])
    by_half = {h: [(r, p) for r, p in zip(rows, preds) if halves[r["id"]] == h] for h in ("study", "check")}
    if args.show:
        half = by_half[args.show]
        print("\n".join(disagreements([r for r, _ in half], [p for _, p in half], reader)))
        return
    table = {h: half_scores([r for r, _ in rp], [p for _, p in rp], reader) for h, rp in by_half.items()}
    table["all"] = half_scores(rows, preds, reader)
    print("| | " + " | ".join(table["study"]) + " |")
    print("|---" * (len(table["study"]) + 1) + "|")
    for h, cells in table.items():
        print(f"| {h} | " + " | ".join(cells.values()) + " |")


if __name__ == "__main__":
    main()
