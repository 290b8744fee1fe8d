"""Throughput, parallel speed-up, memory, latency and cold start, measured in one run on the same texts.

    python benchmarks/throughput.py                 # 50,000 texts, 1,000,000 lines for the memory run
    python benchmarks/throughput.py --n 5000 --stream-lines 50000   # a quick look

(a) bare word 1–2-gram TF-IDF + LogisticRegression predict_proba, trained on the same corpus:
    the floor cost of the model family (median over three disjoint thirds of the texts)
(b) calfcheck ``Model.classify_many`` (spaCy normaliser + TF-IDF + LR + triage + reasons), 1 process,
    on the same thirds, each unseen by the model when it is classified
(b') the same after ``gc.freeze()``, as the CLI and its workers run it (the collector no longer
    scans the model's objects)
(c) the CLI end to end over a JSONL file (start-up, reading, classifying, writing), --jobs 1 and 2,
    median of --rounds alternating runs;
    (c0) two independent --jobs 1 runs on the two halves side by side: what this machine's two
    cores give to fully independent work, the ceiling for (c, 2 workers)/(c, 1 worker)
(d) peak RSS of the CLI streaming a JSONL file of --stream-lines lines (1 worker)
(e) single-text latency p50/p95 (warm), and process cold start to the first answer

Texts are generated descriptions of 30–120 words (new seeds, not the training corpus). Timings are
wall-clock on a shared machine: compare the ratios, which are measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifier import ensure_default_model, load_model
from classifier.training.baselines import plain_tfidf_pipeline
from classifier.training.generate import GeneratorConfig, generate
from classifier.training.train import default_corpus_path, read_corpus

CLI = [sys.executable, "-m", "classifier", "classify"]
PEAK_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def realistic_texts(n: int) -> list[str]:
    """``n`` distinct generated descriptions of 30–120 words."""
    texts, seen, seed = [], set(), 1000
    while len(texts) < n:
        for e in generate(GeneratorConfig(seed=seed)):
            if 30 <= len(e.text.split()) <= 120 and e.text not in seen:
                seen.add(e.text)
                texts.append(e.text)
        seed += 1
    return texts[:n]


def real_length_texts(n: int, pool: list[str], seed: int = 0) -> list[str]:
    """``n`` generated texts with the word-count distribution of the real dev posts (only their lengths
    are read): each is made of generated descriptions joined until it reaches a real post's length."""
    real = Path(__file__).resolve().parent.parent / "corpus" / "real"
    lengths = [len(json.loads(line)["text"].split()) for name in ("dev.jsonl",)
               for line in (real / name).read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target, words = rng.choice(lengths), []
        while len(words) < target:
            words += rng.choice(pool).split()
        out.append(" ".join(words[:target]))
    return out


def write_jsonl(path: Path, texts: list[str], lines: int | None = None) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(lines or len(texts)):
            f.write(json.dumps({"id": i, "text": texts[i % len(texts)]}) + "\n")
    return path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_cli(*args: str) -> None:
    subprocess.run([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def side_by_side(*commands: list[str]) -> float:
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50_000, help="texts for (a), (b), (c)")
    ap.add_argument("--stream-lines", type=int, default=1_000_000, help="lines for the memory run (d)")
    ap.add_argument("--rounds", type=int, default=3, help="CLI runs of each kind in (c); the median is shown")
    args = ap.parse_args()

    third = args.n // 3
    texts = realistic_texts(args.n + third)
    texts, fresh = texts[:args.n], texts[args.n:]  # fresh: unseen texts again, for the frozen run (b')
    words = statistics.median(len(t.split()) for t in texts)
    rows = read_corpus(default_corpus_path())
    bare = plain_tfidf_pipeline().fit([r["text"] for r in rows], [r["label"] for r in rows])
    model = load_model(ensure_default_model())
    model.classify_many([r["text"] for r in rows[:1000]])  # build the lazy spaCy state on other texts

    rates_a, rates_b = [], []
    for part in (texts[i * third:(i + 1) * third] for i in range(3)):  # each third new to the model
        rates_a.append(len(part) / timed(lambda: bare.predict_proba(part)))
        rates_b.append(len(part) / timed(lambda: model.classify_many(part)))
    a, b = statistics.median(rates_a), statistics.median(rates_b)
    # the same on texts as long as real posts (median ~110 words; issue: (b)/(a) there ≥ 0.35)
    long_texts = real_length_texts(args.n, texts)
    long_words = statistics.median(len(t.split()) for t in long_texts)
    rates_ar, rates_br = [], []
    for part in (long_texts[i * third:(i + 1) * third] for i in range(3)):
        rates_ar.append(len(part) / timed(lambda: bare.predict_proba(part)))
        rates_br.append(len(part) / timed(lambda: model.classify_many(part)))
    ar, br = statistics.median(rates_ar), statistics.median(rates_br)
    gc.freeze()  # what the CLI and its workers do after loading the model
    b_frozen = len(fresh) / timed(lambda: model.classify_many(fresh))
    gc.unfreeze()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = write_jsonl(tmp / "texts.jsonl", texts)
        half1 = write_jsonl(tmp / "half1.jsonl", texts[: args.n // 2])
        half2 = write_jsonl(tmp / "half2.jsonl", texts[args.n // 2:])
        run_cli("-t", "calfcheck warm-up run")  # the default model exists and the disk cache is warm
        c1, c2, c0 = [], [], []
        for _ in range(args.rounds):  # alternate, so a slow spell of the shared machine hits all three
            c1.append(timed(lambda: run_cli(str(data), "-f", "jsonl", "-o", str(tmp / "o1.jsonl"), "--force")))
            c2.append(timed(lambda: run_cli(str(data), "-f", "jsonl", "-o", str(tmp / "o2.jsonl"), "--force",
                                            "--jobs", "2")))
            c0.append(side_by_side(*[[*CLI, str(h), "-f", "jsonl", "-o", str(tmp / f"{h.stem}.out"), "--force"]
                                     for h in (half1, half2)]))
        c1, c2, c0 = (args.n / statistics.median(t) for t in (c1, c2, c0))
        same = (tmp / "o1.jsonl").read_bytes() == (tmp / "o2.jsonl").read_bytes()

        cold = sorted(timed(lambda: run_cli("-t", "my calf seized up at mile 20")) for _ in range(3))[1]

        stream = write_jsonl(tmp / "stream.jsonl", texts, args.stream_lines)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", PEAK_RSS, *CLI, str(stream), "-f", "jsonl"],
                             capture_output=True, text=True, check=True)
        stream_rate = args.stream_lines / (time.perf_counter() - start)
        rss_mb = int(out.stdout.strip()) / 1024

    lat = []
    for text in random.Random(0).sample(texts, 500):
        start = time.perf_counter()
        model.classify(text)
        lat.append((time.perf_counter() - start) * 1000)
    lat.sort()

    print(f"{args.n:,} texts, median {words:.0f} words; memory run {args.stream_lines:,} lines\n")
    print("| measurement | result | target |\n|---|---|---|")
    print(f"| (a) bare TF-IDF + LR predict_proba | {a:,.0f} texts/s | |")
    print(f"| (b) calfcheck classify_many, 1 process | {b:,.0f} texts/s | |")
    print(f"| **(b)/(a)** | **{b / a:.2f}** | ≥ 0.35 |")
    print(f"| (a, real-length) the same on {args.n:,} texts with real posts' lengths (median {long_words:.0f} words) "
          f"| {ar:,.0f} texts/s | |")
    print(f"| (b, real-length) calfcheck classify_many on them | {br:,.0f} texts/s | |")
    print(f"| **(b)/(a), real-length** | **{br / ar:.2f}** | ≥ 0.35 |")
    print(f"| (b') classify_many after gc.freeze(), as the CLI runs it | {b_frozen:,.0f} texts/s "
          f"(/(a) = {b_frozen / a:.2f}) | |")
    print(f"| (c) CLI end to end, JSONL, 1 worker (median of {args.rounds}) | {c1:,.0f} texts/s | |")
    print(f"| (c) CLI end to end, JSONL, 2 workers | {c2:,.0f} texts/s (output identical: {same}) | |")
    print(f"| **(c, 2 workers)/(c, 1 worker)** | **{c2 / c1:.2f}** | ≥ 1.7 |")
    print(f"| (c0) two independent 1-worker CLI runs side by side / 1 worker | {c0 / c1:.2f} | machine ceiling |")
    print(f"| (d) peak RSS, {args.stream_lines:,} lines streamed (1 worker) | {rss_mb:,.0f} MB "
          f"({stream_rate:,.0f} texts/s) | ≤ 400 MB |")
    print(f"| (e) single text p50 / p95, warm | {lat[len(lat) // 2]:.2f} ms / {lat[int(len(lat) * 0.95)]:.2f} ms "
          f"| p50 ≤ 5 ms |")
    print(f"| (e) cold start to first answer (CLI, median of 3) | {cold:.2f} s | ≤ 3 s |")


if __name__ == "__main__":
    main()
