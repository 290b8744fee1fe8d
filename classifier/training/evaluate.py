"""Evaluation: recipe-grouped cross-validation on the synthetic corpus, held-out scores for the model
and two baselines, calibration (reliability diagram) and the unknown-threshold trade-off."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import classification_report, confusion_matrix, f1_score, top_k_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from classifier.training.corpus_stats import style_table
from classifier.training.simulate import simulate, simulation_lines
from classifier.training.baselines import KeywordBaseline, plain_tfidf_pipeline
from classifier.facts import CONDITIONS, LABELS, UNKNOWN
from classifier.model import Model, ModelConfig, build_pipeline, decide

__all__ = ["read_heldout", "label_scores", "heldout_scores", "calibration_bins", "evaluate"]

logger = logging.getLogger(__name__)


def read_jsonl_rows(path: Path) -> list[dict]:
    """Every scored row of a held-out JSONL file (rows marked ``excluded`` say why they are not scored)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if not r.get("excluded")]


def read_heldout(path: Path) -> list[dict]:
    """Held-out rows that carry a label (red-flag-only rows have ``label: null``)."""
    return [r for r in read_jsonl_rows(path) if r.get("label")]


TEST_SPLIT = "test.jsonl"  # the real posts' test split: reported, never used to choose anything


def label_scores(P: np.ndarray, gold: Sequence[str], threshold: float, pred: Sequence[str] | None = None) -> dict:
    """Accuracy, top-2, macro-F1, per-class P/R, confusion matrix and out-of-scope recall.

    ``pred``: the final answers when they are not ``decide(P, threshold)`` (calfcheck's own, with the scope
    decision); top-1 and top-2 of the four conditions are always read from ``P``."""
    gold = np.asarray(gold)
    pred = np.asarray(decide(P, threshold)[0] if pred is None else list(pred))
    ins = gold != UNKNOWN

    def top_k(k: int) -> float | None:  # among the four conditions only, on in-scope posts
        if not ins.any():
            return None
        ordered = sorted(CONDITIONS)  # the function wants its labels sorted, with the score columns to match
        scores = P[ins][:, [CONDITIONS.index(c) for c in ordered]]
        return float(top_k_accuracy_score(gold[ins], scores, k=k, labels=ordered))

    report = classification_report(gold, pred, labels=list(LABELS), output_dict=True, zero_division=0)
    return {
        "n": int(len(gold)), "n_in_scope": int(ins.sum()), "n_out_of_scope": int((~ins).sum()),
        "top1_conditions": top_k(1),
        "top2_conditions": top_k(2),
        "accuracy": float((pred == gold).mean()),
        "in_scope_accuracy": float((pred == gold)[ins].mean()) if ins.any() else None,
        "out_of_scope_recall": float((pred == UNKNOWN)[~ins].mean()) if (~ins).any() else None,
        "in_scope_unknown": float((pred == UNKNOWN)[ins].mean()) if ins.any() else None,
        "macro_f1": float(f1_score(gold, pred, labels=list(LABELS), average="macro", zero_division=0)),
        "per_class": {lab: {"precision": float(report[lab]["precision"]), "recall": float(report[lab]["recall"]),
                            "support": int(report[lab]["support"])} for lab in LABELS},
        "confusion": confusion_matrix(gold, pred, labels=list(LABELS)).tolist(),
    }


def calibration_bins(P: np.ndarray, gold: Sequence[str], threshold: float, n_bins: int = 10) -> dict:
    """Reliability of the confidence of the final answer: per-bin confidence vs accuracy, and ECE."""
    pred, conf = decide(P, threshold)
    correct = np.array([p == g for p, g in zip(pred, gold)], int)
    accuracy, confidence = calibration_curve(correct, conf, n_bins=n_bins, strategy="uniform")
    # calibration_curve gives the non-empty bins only; their sizes, binned as it bins them
    edges = np.linspace(0, 1, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], conf)
    sizes = np.bincount(ids, minlength=n_bins)
    bins = [{"lo": float(edges[i]), "hi": float(edges[i + 1]), "n": int(sizes[i]), "confidence": float(c),
             "accuracy": float(a)} for i, a, c in zip(np.flatnonzero(sizes), accuracy, confidence)]
    ece = float(sum(b["n"] * abs(b["confidence"] - b["accuracy"]) for b in bins) / len(conf))
    return {"ece": ece, "bins": bins}


def heldout_scores(model: Model, path: Path) -> dict:
    """The compact held-out summary stored in ``meta.json``."""
    rows = read_heldout(path)
    answers = model.classify_many([r["text"] for r in rows])
    P = np.array([[a.scores[lab] for lab in LABELS] for a in answers])
    s = label_scores(P, [r["label"] for r in rows], model.config.unknown_threshold, [a.label for a in answers])
    keep = ("n", "top1_conditions", "top2_conditions", "in_scope_accuracy", "out_of_scope_recall", "macro_f1")
    return {"heldout": Path(path).name, **{k: round(s[k], 4) if isinstance(s[k], float) else s[k] for k in keep}}


def _first_words(row: dict) -> str:
    """How a missed post is listed in the report: its id and first words, for a reader to judge it."""
    return f"{row.get('id', '?')}: {' '.join(row['text'].split()[:14])}…"


def red_flag_scores(model: Model, path: Path) -> dict:
    """Per red flag: recall on posts that carry it, false alarms on in-scope posts that carry none."""
    rows = read_jsonl_rows(path)
    preds = model.classify_many([r["text"] for r in rows])
    clean = [p for r, p in zip(rows, preds) if not r.get("red_flags") and r.get("label") not in (None, UNKNOWN)]
    out = {}
    clot = ("possible_dvt", "possible_pulmonary_embolism")
    stories = [(r, p) for r, p in zip(rows, preds) if set(clot) & set(r.get("red_flags", []))]
    if stories:  # a clot story counts as found when either clot flag is raised
        found = [any(f["id"] in clot for f in p.red_flags) for _, p in stories]
        out["blood clot (DVT or PE)"] = {
            "positives": len(stories), "recall": sum(found) / len(stories),
            "missed": [_first_words(r) for (r, _), ok in zip(stories, found) if not ok],
            "false_alarms": None, "in_scope_clean": len(clean), "false_alarm_rate": None}
    for flag in sorted({f for r in rows for f in r.get("red_flags", [])} | {"possible_dvt"}):
        pos = [p for r, p in zip(rows, preds) if flag in r.get("red_flags", [])]
        hit = sum(any(f["id"] == flag for f in p.red_flags) for p in pos)
        alarms = sum(any(f["id"] == flag for f in p.red_flags) for p in clean)
        missed = [_first_words(r) for r, p in zip(rows, preds)
                  if flag in r.get("red_flags", []) and not any(f["id"] == flag for f in p.red_flags)]
        out[flag] = {"positives": len(pos), "recall": hit / len(pos) if pos else None, "missed": missed,
                     "false_alarms": alarms, "in_scope_clean": len(clean),
                     "false_alarm_rate": alarms / len(clean) if clean else None}
    return out


def _proba(est, texts: Sequence[str]) -> np.ndarray:
    """A fitted estimator's probabilities with the columns in ``LABELS`` order."""
    order = [list(est.classes_).index(lab) for lab in LABELS]
    return est.predict_proba(list(texts))[:, order]


def _cv_scores(texts, labels, groups, make: Callable, threshold: float, folds: int = 5) -> dict:
    labels = np.asarray(labels)
    P = cross_val_predict(make(), list(texts), labels, groups=groups, cv=GroupKFold(n_splits=folds),
                          method="predict_proba")  # columns in sorted label order
    P = P[:, [sorted(LABELS).index(lab) for lab in LABELS]]
    s = label_scores(P, labels, threshold)
    return {k: s[k] for k in ("accuracy", "top1_conditions", "macro_f1", "out_of_scope_recall")}


def _systems(config: ModelConfig, embeddings: bool = False) -> dict[str, tuple[Callable, float]]:
    """The systems compared, each trained the same way; the first is calfcheck's model."""
    systems = {
        "calfcheck (spaCy + TF-IDF + LR)": (lambda: build_pipeline(config), config.unknown_threshold),
        "plain TF-IDF + LR (no spaCy)": (lambda: plain_tfidf_pipeline(config.C), config.unknown_threshold),
        "keyword rules": (lambda: KeywordBaseline(), 0.0),
    }
    if embeddings:
        from classifier.training.embeddings import EMBEDDING_MODEL, embedding_pipeline, require

        require()
        name = f"{EMBEDDING_MODEL.split('/')[-1]} embeddings + LR"
        systems[name] = (lambda: embedding_pipeline(config.C), config.unknown_threshold)
        from classifier.training.embeddings import ZeroShotEmbedding

        systems[f"{EMBEDDING_MODEL.split('/')[-1]} zero-shot (no training)"] = (lambda: ZeroShotEmbedding(), 0.0)
    return systems


def _forget_cached_embeddings() -> None:
    import sys

    if (mod := sys.modules.get(f"{__package__}.embeddings")) is not None:
        mod._cache.clear()


def _fmt_any(x) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) and x <= 1 else f"{x:g}"


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _plot_reliability(cal: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    ax.plot([b["confidence"] for b in cal["bins"]], [b["accuracy"] for b in cal["bins"]], "o-", label="calfcheck")
    ax.set_xlabel("confidence"); ax.set_ylabel("accuracy"); ax.set_title(f"Reliability (ECE {cal['ece']:.3f})")
    ax.legend(); fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)


def _plot_threshold(curve: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([c["threshold"] for c in curve], [c["in_scope_accuracy"] for c in curve], "o-", label="in-scope accuracy")
    ax.plot([c["threshold"] for c in curve], [c["out_of_scope_recall"] for c in curve], "s-", label="out-of-scope recall")
    ax.set_xlabel("unknown threshold"); ax.legend(); ax.grid(alpha=0.3); fig.tight_layout()
    fig.savefig(path, dpi=100); plt.close(fig)


def evaluate(corpus_rows: list[dict], heldout_paths: Sequence[Path], out_dir: Path,
             config: ModelConfig = ModelConfig(), folds: int = 5, embeddings: bool = False,
             style_reference: Path | None = None, question_random_runs: int = 20) -> Path:
    """Run the whole evaluation and write ``report.md`` (+ PNGs, ``scores.json``) into ``out_dir``.

    ``embeddings`` adds two general-purpose sentence-embedding baselines (the optional
    ``embeddings`` extra; see :mod:`classifier.embeddings`). ``style_reference`` (real posts) adds a
    side-by-side table of how the generated corpus and real posts read. On real posts (a set in a
    ``real`` directory) the simulated user of :mod:`classifier.training.simulate` answers questions,
    compared with ``question_random_runs`` runs of randomly chosen questions.
    """
    systems = _systems(config, embeddings)  # raises EmbeddingsUnavailable before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = [r["text"] for r in corpus_rows]
    labels = [r["label"] for r in corpus_rows]
    groups = [r.get("recipe", i) for i, r in enumerate(corpus_rows)]
    results: dict = {"cv": {}, "heldout": {}}
    fitted: dict[str, tuple] = {}  # name → (estimator fitted on the whole corpus, unknown threshold)
    for name, (make, threshold) in systems.items():
        logger.info("cross-validating %s", name)
        results["cv"][name] = _cv_scores(texts, labels, groups, make, threshold, folds)
        fitted[name] = (make().fit(texts, labels), threshold)
    main = next(iter(fitted))
    model = Model(fitted[main][0], config=config, fit_id="evaluation")  # calfcheck as users get it: rules and questions
    lines = ["# calfcheck evaluation", "",
             f"Corpus: {len(corpus_rows)} synthetic examples, {len(set(groups))} recipes. "
             f"Threshold for `unknown`: {config.unknown_threshold}.", "",
             f"## Cross-validation on the synthetic corpus ({folds} folds, split by recipe)", "",
             "| system | accuracy | top-1 (conditions) | macro-F1 | out-of-scope recall |", "|---|---|---|---|---|"]
    for name, s in results["cv"].items():
        lines.append(f"| {name} | {_fmt(s['accuracy'])} | {_fmt(s['top1_conditions'])} | {_fmt(s['macro_f1'])} | "
                     f"{_fmt(s['out_of_scope_recall'])} |")
    for hp in heldout_paths:
        rows = read_heldout(hp)
        X, gold = [r["text"] for r in rows], [r["label"] for r in rows]
        title = (f"Real posts, `{Path(hp).stem}` split" if Path(hp).parent.name == "real"
                 else f"Hand-written held-out set `{Path(hp).name}`")
        lines += ["", f"## {title} ({len(rows)} labelled posts)", "",
                  "| system | top-1 (4 conditions) | top-2 | in-scope accuracy | out-of-scope recall | macro-F1 "
                  "| texts/s (one pass) |", "|---|---|---|---|---|---|---|"]
        res = results["heldout"][Path(hp).name] = {}
        probs = {}
        for name, (est, threshold) in fitted.items():
            _forget_cached_embeddings()  # so texts/s is measured, not read from a cache
            start = time.perf_counter()
            if name == main:  # calfcheck as users get it: the final answers and scores of the Model
                answers = model.classify_many(X)
                P = probs[name] = np.array([[a.scores[lab] for lab in LABELS] for a in answers])
                final = [a.label for a in answers]
            else:
                P = probs[name] = _proba(est, X)
                final = None
            rate = len(X) / (time.perf_counter() - start)
            s = res[name] = {**label_scores(P, gold, threshold, final), "texts_per_second": rate}
            lines.append(f"| {name} | {_fmt(s['top1_conditions'])} | {_fmt(s['top2_conditions'])} | "
                         f"{_fmt(s['in_scope_accuracy'])} | {_fmt(s['out_of_scope_recall'])} | {_fmt(s['macro_f1'])} "
                         f"| {rate:,.0f} |")
        P = probs[main]
        s = res[main]
        lines += ["", "Per class (calfcheck):", "", "| label | precision | recall | support |", "|---|---|---|---|"]
        lines += [f"| {lab} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {v['support']} |"
                  for lab, v in s["per_class"].items()]
        lines += ["", "Confusion matrix (rows: true, columns: predicted):", "",
                  "| | " + " | ".join(LABELS) + " |", "|---" * (len(LABELS) + 1) + "|"]
        lines += [f"| {lab} | " + " | ".join(map(str, row)) + " |" for lab, row in zip(LABELS, s["confusion"])]
        cal = res["calibration"] = calibration_bins(P, gold, config.unknown_threshold)
        stem = Path(hp).stem
        _plot_reliability(cal, out_dir / f"reliability_{stem}.png")
        lines += ["", f"Reliability (calfcheck), ECE {cal['ece']:.3f} — ![reliability](reliability_{stem}.png)", "",
                  "| confidence bin | n | mean confidence | accuracy |", "|---|---|---|---|"]
        lines += [f"| {b['lo']:.1f}–{b['hi']:.1f} | {b['n']} | {b['confidence']:.3f} | {b['accuracy']:.3f} |"
                  for b in cal["bins"]]
        if Path(hp).name == TEST_SPLIT:  # the threshold is chosen on dev: a sweep on test would invite choosing it there
            lines += ["", "Unknown-threshold trade-off: not shown for the real test split (the threshold is chosen on dev)."]
        else:
            curve = res["threshold_curve"] = []
            for t in np.round(np.arange(0.2, 0.81, 0.05), 2):
                ts = label_scores(P, gold, float(t))
                curve.append({"threshold": float(t), "in_scope_accuracy": ts["in_scope_accuracy"],
                              "out_of_scope_recall": ts["out_of_scope_recall"]})
            _plot_threshold(curve, out_dir / f"threshold_{stem}.png")
            lines += ["", f"Unknown-threshold trade-off — ![threshold](threshold_{stem}.png)", "",
                      "| threshold | in-scope accuracy | out-of-scope recall |", "|---|---|---|"]
            lines += [f"| {c['threshold']:.2f} | {_fmt(c['in_scope_accuracy'])} | {_fmt(c['out_of_scope_recall'])} |"
                      for c in curve]
        flags = res["red_flags"] = red_flag_scores(model, hp)
        lines += ["", "Red flags (rule layer, on every post of this set):", "",
                  "| flag | positives | recall | false alarms on in-scope posts without flags |", "|---|---|---|---|"]
        lines += [f"| {f} | {v['positives']} | {_fmt(v['recall'])} | "
                  + ("–" if v["false_alarms"] is None else
                     f"{v['false_alarms']}/{v['in_scope_clean']} ({_fmt(v['false_alarm_rate'])})") + " |"
                  for f, v in flags.items()]
        misses = [(f, m) for f, v in flags.items() for m in v["missed"]]
        if misses:
            lines += ["", "Missed red-flag posts (id: first words):", ""]
            lines += [f"- `{f}` {m}" for f, m in misses]
        if Path(hp).parent.name == "real":  # asking when unsure: the simulated user (classifier.training.simulate)
            sim = res["questions"] = simulate(model, rows, random_runs=question_random_runs)
            lines += simulation_lines(sim)
    if style_reference is not None:
        ref = read_jsonl_rows(style_reference)
        real = style_table([r["text"] for r in ref], [r.get("label") for r in ref])
        gen = style_table(texts, labels)
        results["style"] = {"generated": gen, "real": real}
        lines += ["", f"## Does the generated corpus read like real posts? (vs `{Path(style_reference).name}`)", "",
                  "| measure | generated corpus | real posts |", "|---|---|---|"]
        lines += [f"| {k.replace('_', ' ')} | {_fmt_any(gen[k])} | {_fmt_any(real[k])} |" for k in gen]
    (out_dir / "scores.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report = out_dir / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
