"""Dump ``Prediction.to_dict()`` for a fixed, large set of texts, one JSON line each: run it before and
after a change to the classifying code and compare the files to prove the answers did not change.

    python scripts/dump_predictions.py --model /tmp/fixed-model -o /tmp/before.jsonl
    python scripts/dump_predictions.py --model /tmp/fixed-model -o /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl

Texts: the throughput benchmark's generated texts (30–120 words, and joined to real posts' lengths), the
memory benchmark's texts full of unseen words, the real dev posts (never test) and the test data
(tests/data/*.jsonl), plus a few edge cases. ``model_version`` holds a hash of the code, so it is written
once in the header line, not in each record. Pass the same ``--model`` directory (a copy of a fitted
model) before and after: editing the feature code names a new default model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

EDGE = [
    "İstanbul marathon: my calf İS swollen and warm, not red", "x", "!!!", "no", "calf",
    "No swelling, no redness, not warm, I can't breathe after the flight and my calf is swollen",
    "ẞ calf ﬁne; Achilles pain\n\nthen it got hot and red and the leg is swollen after surgery",
    "my calf hurts " * 200,
]


def texts(n_generated: int) -> list[str]:
    from memory import unique_texts
    from throughput import real_length_texts, realistic_texts

    generated = realistic_texts(n_generated)
    out = generated + real_length_texts(n_generated, generated, seed=1) + list(unique_texts(2000, seed=3))
    # real dev only: running the model on test is a look at it (corpus/real/README.md), and dev proves as much
    for path in sorted([ROOT / "corpus" / "real" / "dev.jsonl", *(ROOT / "tests" / "data").glob("*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and isinstance(text := json.loads(line).get("text"), str) and text.strip():
                out.append(text)
    return out + EDGE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="model directory (keep a copy: the same one before and after)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--n", type=int, default=10_000, help="generated texts of each kind")
    ap.add_argument("--chunk", type=int, default=512)
    args = ap.parse_args()
    from classifier import load_model

    model = load_model(args.model)
    all_texts = texts(args.n)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(json.dumps({"texts": len(all_texts), "model_version": model.version}) + "\n")
        for i in range(0, len(all_texts), args.chunk):
            for p in model.classify_many(all_texts[i:i + args.chunk]):
                d = p.to_dict()
                del d["model_version"]
                f.write(json.dumps(d, sort_keys=True) + "\n")
        for t in all_texts[:200] + all_texts[-len(EDGE):]:  # one at a time too
            d = model.classify(t).to_dict()
            del d["model_version"]
            f.write(json.dumps(d, sort_keys=True) + "\n")
    print(f"{len(all_texts):,} texts written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
