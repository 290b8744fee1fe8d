"""Does a long-running process stay flat? RSS of one process classifying texts full of words it has
never seen (what a web server meets over months), after 1,000 texts and then every 10,000 more.

    python benchmarks/memory.py                # 100,000 texts (target: RSS at the end ≤ 1.2 × RSS at 1,000)
    python benchmarks/memory.py --n 20000      # a quick look

Each text is a short calf description with eight made-up words, so every text adds new token strings:
without spaCy's ``memory_zone()`` and the capped token cache, both the vocabulary and the cache grow
for ever. RSS is read from /proc/self/statm (current, not peak) after a garbage collection.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import string

from classifier import ensure_default_model, load_model

BASE = "my calf got tight on the long run and {} hurt after {} miles, then {} and {} next day"


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def unique_texts(n: int, seed: int = 0):
    rng = random.Random(seed)
    for _ in range(n):
        words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 11))) for _ in range(8)]
        yield BASE.format(*words[:4]) + " " + " ".join(words[4:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=512, help="texts per classify_many call (the CLI's chunk)")
    args = ap.parse_args()
    model = load_model(ensure_default_model()).prepare()
    texts = unique_texts(args.n)
    done, rows, base = 0, [], None
    marks = sorted({1000, *range(10_000, args.n + 1, 10_000), args.n})
    for mark in marks:
        while done < mark:
            batch = [t for _, t in zip(range(min(args.chunk, mark - done)), texts)]
            model.classify_many(batch)
            done += len(batch)
        rows.append((done, rss_mb(), len(model.normalizer._token_info), len(model.normalizer._nlp.vocab.strings)))
        base = base or rows[-1][1]
    print("| texts classified | RSS (MB) | RSS / RSS at 1,000 | cached token types | spaCy strings |")
    print("|---:|---:|---:|---:|---:|")
    for n, rss, cached, strings in rows:
        print(f"| {n:,} | {rss:.0f} | {rss / base:.3f} | {cached:,} | {strings:,} |")
    ratio = rows[-1][1] / base
    print(f"\nRSS after {rows[-1][0]:,} / after 1,000: {ratio:.3f} (target ≤ 1.2): {'met' if ratio <= 1.2 else 'MISSED'}")


if __name__ == "__main__":
    main()
