"""Add newly collected real posts to the real-post set's `dev` split (never to `test`; see corpus/real/README.md).

    python scripts/extend_real_set.py --batch 2026-12-01 NEW.jsonl [NEW2.jsonl ...] [--drop cd-030 ...] [--dry-run]

Each input line is a collector's row: ``text``, ``label`` (a condition, ``unknown``, or null for a red-flag
story), ``red_flags`` (a list), ``source``, ``basis``, ``confidence``, ``named_by_poster``, ``collected_as``.
Rows are checked as the set's test checks them; a row is dropped when its page is already in the set, or
when it shares three or more 8-word runs with a post already in the set or added before it. Kept rows get the
next free ids (after the highest in dev and test), the field ``added`` = ``--batch``, and are appended to
``corpus/real/dev.jsonl``. ``--dry-run`` writes nothing and prints what would happen; with ``--out FILE`` it
writes the rows it would add to FILE (to score them before they join dev).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from classifier.facts import LABELS, data_path, read_toml
from classifier.training.corpus_stats import word_ngrams

REAL = Path(__file__).resolve().parent.parent / "corpus" / "real"
FLAG_IDS = {f["id"] for f in read_toml(data_path("red_flags.toml"))["flags"]}


def check(raw: dict) -> dict:
    label, flags = raw["label"], list(raw.get("red_flags") or [])
    if not (label in LABELS or (label is None and flags)) or not set(flags) <= FLAG_IDS:
        raise ValueError(f"bad label/flags {label!r}/{flags!r}")
    n = len(raw["text"].split())
    if not 20 <= n <= 250:
        raise ValueError(f"{n} words (20-250 expected)")
    if not raw.get("source") or not raw.get("basis") or raw.get("confidence") not in ("high", "medium", "low"):
        raise ValueError("source, basis and confidence (high/medium/low) are required")
    return {"id": "", "text": raw["text"], "label": label, "red_flags": flags, "source": raw["source"],
            "basis": raw["basis"], "confidence": raw["confidence"], "named_by_poster": raw.get("named_by_poster"),
            "collected_as": raw["collected_as"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--batch", required=True, help="date of the collection, stored in each added row")
    ap.add_argument("--drop", nargs="*", default=[], help="collected_as ids to leave out (say why in the README)")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--out", type=Path, help="with --dry-run: write the rows that would be added here")
    args = ap.parse_args()
    if args.out and not args.dry_run:
        ap.error("--out is only for --dry-run (without it, the rows are appended to corpus/real/dev.jsonl)")

    existing = [json.loads(line) for name in ("dev", "test")
                for line in (REAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = {r["source"] for r in existing}
    seen = [(r["id"], word_ngrams(r["text"], 8)) for r in existing]
    next_id = max(int(r["id"][1:]) for r in existing) + 1
    added, dropped = [], []
    for path in args.inputs:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            where = f"{path.name}:{n} {raw.get('collected_as')}"
            if raw.get("collected_as") in args.drop:
                dropped.append(f"{where}: left out (--drop)")
                continue
            try:
                row = check(raw)
            except (ValueError, KeyError) as exc:
                dropped.append(f"{where}: {exc}")
                continue
            if row["source"] in sources:
                dropped.append(f"{where}: page already in the set")
                continue
            g = word_ngrams(row["text"], 8)
            dup = next((rid for rid, other in seen if len(g & other) >= 3), None)
            if dup:
                dropped.append(f"{where}: near duplicate of {dup}")
                continue
            row["id"], row["added"] = f"r{next_id:03d}", args.batch
            next_id += 1
            sources.add(row["source"])
            seen.append((row["id"], g))
            added.append(row)
    print(f"{len(added)} rows to add to dev; {len(dropped)} dropped")
    for d in dropped:
        print("  dropped", d)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in added)
    if args.dry_run:
        if args.out:
            args.out.write_text(lines, encoding="utf-8")
        return
    with open(REAL / "dev.jsonl", "a", encoding="utf-8", newline="\n") as f:
        f.write(lines)


if __name__ == "__main__":
    main()
