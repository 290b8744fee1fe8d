"""Build the real-post evaluation set from the collectors' files, once (see corpus/real/README.md).

    python scripts/build_real_set.py /work/collect/{strain,achilles,compartment,cramp,clot,oos}.jsonl

Checks each row, drops near duplicates (three or more shared 8-word runs), gives stable ids,
maps the collectors' labels to evaluation rows ({id, text, label, red_flags, source, basis, confidence,
named_by_poster}) and splits the set once, at random, stratified by label and red flag, into
``corpus/real/dev.jsonl`` (two thirds) and ``corpus/real/test.jsonl`` (one third). Refuses to run when
the split files exist: the split is made once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.model_selection import train_test_split

from classifier.training.corpus_stats import word_ngrams

LABELS = {"calf_strain", "achilles_tendinitis", "compartment_syndrome", "muscle_cramp", "unknown"}
FLAGS = {None, "possible_dvt", "possible_pulmonary_embolism", "possible_rupture_or_tear", "acute_compartment"}
OUT = Path(__file__).resolve().parent.parent / "corpus" / "real"
SEED = 20261123


def to_row(raw: dict) -> dict:
    label, flag = raw["label"], raw.get("red_flag")
    if label not in LABELS or flag not in FLAGS:
        raise ValueError(f"bad label/flag {label!r}/{flag!r}")
    n = len(raw["text"].split())
    if not 20 <= n <= 250:
        raise ValueError(f"{n} words (20-250 expected)")
    # Blood-clot and Achilles-rupture stories are red-flag rows: none of the four conditions, and what
    # counts for them is the flag (label null, as in tests/data/heldout*.jsonl).
    if flag in ("possible_dvt", "possible_pulmonary_embolism") or (flag == "possible_rupture_or_tear" and label == "unknown"):
        label = None
    return {"id": "", "text": raw["text"], "label": label, "red_flags": [flag] if flag else [],
            "source": raw["source"], "basis": raw["basis"], "confidence": raw["confidence"],
            "named_by_poster": raw.get("named_by_poster"), "collected_as": raw["id"]}


def main(paths: list[str]) -> None:
    if (OUT / "dev.jsonl").exists() or (OUT / "test.jsonl").exists():
        sys.exit("corpus/real/dev.jsonl or test.jsonl exists: the split is made once.")
    rows, seen, dropped = [], [], []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            try:
                row = to_row(raw)
            except (ValueError, KeyError) as exc:
                dropped.append(f"{path}:{n} {raw.get('id')}: {exc}")
                continue
            grams = word_ngrams(row["text"], 8)
            dup = next((r for r, g in seen if len(grams & g) >= 3), None)
            if dup is not None:
                dropped.append(f"{path}:{n} {raw['id']}: duplicates {dup['collected_as']}")
                continue
            seen.append((row, grams))
            rows.append(row)
    rows.sort(key=lambda r: (r["collected_as"]))
    for i, r in enumerate(rows, 1):
        r["id"] = f"r{i:03d}"
    strata = [f"{r['label']}|{(r['red_flags'] or ['-'])[0] if r['label'] is None else '-'}" for r in rows]
    dev, test = train_test_split(rows, test_size=1 / 3, random_state=SEED, stratify=strata)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, part in (("dev", dev), ("test", test)):
        part.sort(key=lambda r: r["id"])
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} posts: {len(dev)} dev, {len(test)} test; {len(dropped)} dropped")
    for d in dropped:
        print("  dropped", d)


if __name__ == "__main__":
    main(sys.argv[1:])
