"""The simulated user on real dev posts only (never test): top-1 after 0–3 answered questions.

    .venv/bin/python scripts/questions_on_dev.py [--random-runs 20]

Uses the default model (built on first use) and ``classifier.training.simulate``, the same function
``calfcheck evaluate`` runs on every real set.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from classifier import ensure_default_model, load_model
from classifier.training.evaluate import read_heldout
from classifier.training.simulate import simulate, simulation_lines

DEV = Path(__file__).resolve().parent.parent / "corpus" / "real" / "dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--random-runs", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="Also print the raw numbers as JSON.")
    args = ap.parse_args()
    model = load_model(ensure_default_model())
    start = time.perf_counter()
    sim = simulate(model, read_heldout(DEV), random_runs=args.random_runs)
    print("\n".join(simulation_lines(sim)))
    print(f"\n({time.perf_counter() - start:.0f} s; model {model.version})")
    if args.json:
        print(json.dumps(sim, indent=1))


if __name__ == "__main__":
    main()
