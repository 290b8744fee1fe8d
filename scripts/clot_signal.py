"""A learned "sounds like a blood clot" signal beside the red-flag rules, measured on real dev.

    .venv/bin/python scripts/clot_signal.py

Generates clot stories from corpus/clot_stories.toml with the corpus generator's story renderer, trains
a TF-IDF + logistic-regression head (clot stories against the whole synthetic corpus) on calfcheck's
normalised features, and prints, for each threshold, what rules OR head would give on real dev: clot-story
recall and false `possible_dvt` alarms on in-scope posts without a flag. The combination is chosen here.
"""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifier.model.config import ModelConfig
from classifier.training.phrases import load_context
from classifier.training.generate import _Renderer
from classifier.model import Model, build_pipeline
from classifier.preprocess import ngrams
from classifier.training.train import default_corpus_path, read_corpus

ROOT = Path(__file__).resolve().parent.parent
CLOT = ("possible_dvt", "possible_pulmonary_embolism")


def clot_stories(n: int, seed: int = 5) -> list[str]:
    bank = tomllib.loads((ROOT / "corpus" / "clot_stories.toml").read_text())["phrases"]
    rng = random.Random(seed)
    renderer = _Renderer(rng, load_context())
    out = []
    for _ in range(n):
        clauses = rng.sample(bank["symptom"], rng.randint(1, 3)) + rng.sample(bank["trajectory"], rng.randint(0, 2))
        if rng.random() < 0.7:
            clauses.insert(0, rng.choice(bank["risk"]))
        if rng.random() < 0.35:
            clauses.append(rng.choice(bank["lungs"]))
        story = {"misleading": [rng.choice(bank["thought"])]} if rng.random() < 0.6 else {}
        if rng.random() < 0.3 and (o := rng.choice(bank["outcome"])):
            story["tried"] = [o]
        out.append(renderer.compose(clauses, length=rng.choice(["short", "medium", "long", "very_long"]), story=story))
    return out


def main() -> None:
    rows = read_corpus(default_corpus_path())
    cfg = ModelConfig()
    est = build_pipeline(cfg).fit([r["text"] for r in rows], [r["label"] for r in rows])
    model = Model(est, config=cfg, fit_id="dev")
    norm = model.normalizer
    pos = clot_stories(3000)
    X = [t.features for t in norm.analyse_many([r["text"] for r in rows] + pos)]
    y = np.r_[np.zeros(len(rows)), np.ones(len(pos))]
    head_vec = TfidfVectorizer(analyzer=ngrams, min_df=2, sublinear_tf=True)
    head = LogisticRegression(C=cfg.C, max_iter=2000, class_weight="balanced").fit(head_vec.fit_transform(X), y)
    dev = [json.loads(line) for line in (ROOT / "corpus" / "real" / "dev.jsonl").read_text().splitlines()]
    preds = model.classify_many([r["text"] for r in dev])
    score = head.predict_proba(head_vec.transform([t.features for t in norm.analyse_many([r["text"] for r in dev])]))[:, 1]
    is_clot = np.array([bool(set(CLOT) & set(r["red_flags"])) for r in dev])
    clean = np.array([not r["red_flags"] and r["label"] not in (None, "unknown") for r in dev])
    ruled = np.array([any(f["id"] in CLOT for f in p.red_flags) for p in preds])
    ruled_dvt = np.array([any(f["id"] == "possible_dvt" for f in p.red_flags) for p in preds])
    print(f"real dev: {is_clot.sum()} clot stories, {clean.sum()} in-scope posts without a flag\n")
    print("| combination | clot recall | false possible_dvt on in-scope posts |")
    print("|---|---|---|")
    print(f"| rules only | {ruled[is_clot].mean():.3f} | {ruled_dvt[clean].sum()}/{clean.sum()} ({ruled_dvt[clean].mean():.3f}) |")
    print(f"| head only, threshold 0.5 | {(score >= 0.5)[is_clot].mean():.3f} | {(score >= 0.5)[clean].sum()}/{clean.sum()} |")
    for t in (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9):
        either = ruled | (score >= t)
        fa = ruled_dvt | (score >= t)
        print(f"| rules or head ≥ {t} | {either[is_clot].mean():.3f} | {fa[clean].sum()}/{clean.sum()} ({fa[clean].mean():.3f}) |")
    missed = [r["id"] for r, c, e in zip(dev, is_clot, ruled) if c and not e]
    print("\nclot stories the rules miss, with the head's score:", [(i, round(float(s), 3)) for i, s, r in
          zip([r["id"] for r in dev], score, dev) if i in missed])


if __name__ == "__main__":
    main()
