"""Throughput and latency, measured in one run on the same texts (prints a table and the ratio).

    python benchmarks/throughput.py [N]

(a) bare word 1–2-gram TF-IDF + LogisticRegression predict_proba, trained on the same corpus
(b) calfcheck Model.classify_many (spaCy normaliser + TF-IDF + LR + triage rules), 1 process
(c) single-text latency p50/p95, warm
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from classifier import load_model
from classifier.baselines import plain_tfidf_pipeline
from classifier.generate import GeneratorConfig, generate
from classifier.train import default_corpus_path, read_corpus


def main(n: int = 20_000) -> None:
    rows = read_corpus(default_corpus_path())
    pool = [e.text for e in generate(GeneratorConfig(seed=99)) if 30 <= len(e.text.split()) <= 120]
    texts = [pool[i % len(pool)] for i in range(n)]
    words = statistics.median(len(t.split()) for t in texts)
    bare = plain_tfidf_pipeline().fit([r["text"] for r in rows], [r["label"] for r in rows])
    model = load_model()
    model.classify_many(texts[:100])
    t = time.perf_counter(); bare.predict_proba(texts); a = n / (time.perf_counter() - t)
    t = time.perf_counter(); model.classify_many(texts); b = n / (time.perf_counter() - t)
    lat = []
    for text in random.Random(0).sample(pool, 500):
        t = time.perf_counter(); model.classify(text); lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(f"{n} texts, median {words:.0f} words\n")
    print("| measurement | value |\n|---|---|")
    print(f"| (a) bare TF-IDF + LR predict_proba | {a:,.0f} texts/s |")
    print(f"| (b) calfcheck classify_many, 1 process | {b:,.0f} texts/s |")
    print(f"| (b)/(a) | {b / a:.2f} |")
    print(f"| single text p50 / p95 (warm) | {lat[len(lat) // 2]:.2f} ms / {lat[int(len(lat) * 0.95)]:.2f} ms |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
