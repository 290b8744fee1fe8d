"""Choose the model's settings on the real dev posts (corpus/real/dev.jsonl), never on test.

    .venv/bin/python scripts/tune_on_dev.py [--corpus corpus/generated/train.jsonl.gz]

Every option is trained on the synthetic corpus and scored on real dev. The unknown threshold is chosen
by 5-fold cross-validation on dev (picked on four folds, scored on the fifth) so its score is not the
score of the posts it was picked on. Prints a markdown table.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from classifier.model.config import ModelConfig
from classifier.training.evaluate import _proba, label_scores, read_heldout
from classifier.facts import LABELS
from classifier.model import build_pipeline, decide
from classifier.training.train import default_corpus_path, read_corpus

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = np.round(np.arange(0.0, 0.71, 0.05), 2)


def objective(s: dict) -> float:
    """What the threshold is chosen for: the issue's targets, weighted towards in-scope accuracy."""
    return s["macro_f1"] + 0.5 * s["in_scope_accuracy"] - max(0.0, s["in_scope_unknown"] - 0.08)


def cv_threshold(P: np.ndarray, gold: list[str], folds: int = 5) -> tuple[float, dict]:
    """Pick the threshold on dev folds; returns the threshold picked on all dev and the CV scores."""
    gold_a = np.asarray(gold)
    pred_all = np.empty(len(gold), dtype=object)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(P, gold_a):
        best = max(THRESHOLDS, key=lambda t: objective(label_scores(P[tr], gold_a[tr], float(t))))
        pred_all[te] = float(best)
    # each post is decided at the threshold picked without its fold
    labels = np.array([decide(P[[i]], pred_all[i])[0][0] for i in range(len(gold))])
    t_all = float(max(THRESHOLDS, key=lambda t: objective(label_scores(P, gold_a, float(t)))))
    ins = gold_a != "unknown"
    cv = {"cv_in_scope_accuracy": float((labels == gold_a)[ins].mean()),
          "cv_in_scope_unknown": float((labels == "unknown")[ins].mean()),
          "cv_oos_unknown": float((labels == "unknown")[~ins].mean()),
          "cv_macro_f1": float(f1_score(gold_a, labels, labels=list(LABELS), average="macro", zero_division=0))}
    return t_all, cv


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, action="append")
    ap.add_argument("--dev", type=Path, default=ROOT / "corpus" / "real" / "dev.jsonl")
    ap.add_argument("--options", default="all")
    args = ap.parse_args()
    rows = read_heldout(args.dev)
    X, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    base = ModelConfig()
    options = {
        "default": base,
        "C=0.5": replace(base, C=0.5), "C=1": replace(base, C=1.0), "C=2": replace(base, C=2.0),
        "C=8": replace(base, C=8.0), "C=16": replace(base, C=16.0),
        "unigrams": replace(base, ngram_max=1), "1-3 grams": replace(base, ngram_max=3),
        "no negation": replace(base, negation=False), "no lemmas": replace(base, lemmatize=False),
        "min_df=1": replace(base, min_df=1), "min_df=5": replace(base, min_df=5),
        "unknown prior 1": replace(base, unknown_prior=1.0), "unknown prior 1.5": replace(base, unknown_prior=1.5),
        "unknown prior 2": replace(base, unknown_prior=2.0),
    }
    if args.options != "all":
        options = {k: v for k, v in options.items() if k in args.options.split(",")}
    print("| corpus | option | top-1 | top-2 | macro-F1 @0 | threshold picked on dev | CV in-scope acc. | CV in-scope unknown | CV out-of-scope unknown | CV macro-F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for corpus in args.corpus or [default_corpus_path()]:
        crow = read_corpus(corpus)
        for name, cfg in options.items():
            est = build_pipeline(cfg).fit([r["text"] for r in crow], [r["label"] for r in crow])
            P = _proba(est, X)
            s0 = label_scores(P, gold, 0.0)
            t, cv = cv_threshold(P, gold)
            print(f"| {corpus.parent.name}/{corpus.name} | {name} | {s0['top1_conditions']:.3f} | {s0['top2_conditions']:.3f} | "
                  f"{s0['macro_f1']:.3f} | {t:.2f} | {cv['cv_in_scope_accuracy']:.3f} | {cv['cv_in_scope_unknown']:.3f} | "
                  f"{cv['cv_oos_unknown']:.3f} | {cv['cv_macro_f1']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
