"""How long picking one question takes (``Model.questions``: the unsure check, then every unanswered
question classified with its "yes" and its "no" appended, in one ``classify_many`` batch). Target:
≤ 50 ms per pick on this machine.

    python benchmarks/questions.py                 # up to 60 texts of each kind, 5 rounds
    python benchmarks/questions.py --n 200 --rounds 3

Texts: the real dev posts the model is unsure about, whole (the questions are asked on posts like
these; only timing is read here, never labels), and generated descriptions (new seeds, not the
training corpus), each cut to its first sentences so that it is unsure. Each pick is timed warm, with
no answers and with two answers given; the table prints p50, p95 and max over all picks. Timings are
wall-clock on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import realistic_texts  # noqa: E402

from classifier import ensure_default_model, load_model  # noqa: E402
from classifier.model.questions import is_unsure, load_questions  # noqa: E402


def unsure_texts(model, texts: list[str], n: int) -> list[str]:
    """Up to ``n`` texts the model is unsure about: each text, or its first sentences."""
    out = []
    for text in texts:
        sentences = text.split(". ")
        for k in range(len(sentences), 0, -1):
            candidate = ". ".join(sentences[:k])
            if is_unsure(model.classify(candidate)):
                out.append(candidate)
                break
        if len(out) == n:
            break
    return out


def timed_picks(model, texts: list[str], answered: dict[str, str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            model.questions(text, answered)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=60, help="texts per kind")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    model = load_model(ensure_default_model()).prepare()
    dev = Path(__file__).resolve().parent.parent / "corpus" / "real" / "dev.jsonl"
    posts = [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    kinds = {"real dev posts, unsure": [t for t in posts if is_unsure(model.classify(t))][:args.n],
             "generated, cut to unsure": unsure_texts(model, realistic_texts(args.n * 20), args.n)}
    ids = [q.id for q in load_questions().values()]
    two = {ids[0]: "no", ids[3]: "unsure"}  # a red-flag and a condition question already answered
    print(f"{len(load_questions())} questions in the bank; {args.rounds} rounds; model {model.version}\n")
    print("| texts | answers given | picks | words (median) | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for name, texts in kinds.items():
        words = statistics.median(len(t.split()) for t in texts)
        for label, answered in (("none", {}), ("two", two)):
            model.questions(texts[0], answered)  # warm
            times = sorted(timed_picks(model, texts, answered, args.rounds))
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"| {name} | {label} | {len(times)} | {words:.0f} | {statistics.median(times):.1f} | {p95:.1f} | "
                  f"{times[-1]:.1f} |")


if __name__ == "__main__":
    main()
