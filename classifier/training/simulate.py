"""The simulated user: how much asking helps on labelled posts.

For each post whose answer is unsure (``classifier.model.questions.is_unsure``) or wrong, the user
answers each asked condition question from the post's gold label: "yes" or "no" when that
condition's facts in the question bank say so, "not sure" otherwise. Red-flag questions are not
simulated: no condition's facts answer them, so the simulated answer would be "not sure", which adds
nothing to the text. Top-1 (the most probable of the four conditions is the gold one) is reported on
all in-scope posts after 0, 1, 2 and 3 answered questions, for questions chosen by the model
(``rank_questions``) and, as the comparison, for questions chosen at random.

Two protocols: ``unsure_or_wrong`` (the issue's: every unsure or wrong post is asked ``k``
questions) and ``page`` (what the page does: only posts the page would ask about, and asking stops
as soon as the model is sure).
"""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np

from classifier.facts import CONDITIONS
from classifier.model import Model
from classifier.model.questions import closest_condition, load_questions, needs_questions, rank_questions, with_answers

__all__ = ["simulate", "simulation_lines"]


def _next_question(model: Model, text: str, answered: dict, rng: random.Random | None) -> str | None:
    if rng is None:
        ranked = rank_questions(model, text, answered, kinds=("condition",))
        return ranked[0].id if ranked else None
    pool = [q.id for q in load_questions().values() if q.kind == "condition" and q.id not in answered]
    return rng.choice(pool) if pool else None


def _curve(model: Model, rows: list[dict], preds: list, asked: list[bool], max_questions: int,
           rng: random.Random | None, stop_when_sure: bool) -> np.ndarray:
    """Correct (1/0) per post after 0..max_questions answers; posts not asked keep their first answer
    (``preds``: each post's answer before any question)."""
    correct = np.zeros((len(rows), max_questions + 1))
    bank = load_questions()
    for i, row in enumerate(rows):
        text, gold, answered, pred = row["text"], row["label"], {}, preds[i]
        correct[i, 0] = closest_condition(pred.scores) == gold
        for k in range(1, max_questions + 1):
            keep_asking = asked[i] and not (stop_when_sure and not needs_questions(model, with_answers(text, answered), pred))
            qid = _next_question(model, text, answered, rng) if keep_asking else None
            if qid is not None:
                answered[qid] = bank[qid].fact_answer(gold)
                pred = model.classify(with_answers(text, answered))
            correct[i, k] = closest_condition(pred.scores) == gold
    return correct


def simulate(model: Model, rows: Sequence[dict], *, max_questions: int = 3, random_runs: int = 20,
             seed: int = 0) -> dict:
    """Top-1 on the in-scope rows (``label`` one of the four conditions; others are skipped) after
    0..``max_questions`` simulated answers, per protocol, for chosen and random questions."""
    rows = [r for r in rows if r.get("label") in CONDITIONS]
    if not rows:
        return {"n": 0}
    preds = model.classify_many([r["text"] for r in rows])
    protocols = {
        "unsure_or_wrong": ([needs_questions(model, r["text"], p) or p.label != r["label"]
                             for r, p in zip(rows, preds)], False),
        "page": ([needs_questions(model, r["text"], p) for r, p in zip(rows, preds)], True),
    }
    out: dict = {"n": len(rows), "max_questions": max_questions, "random_runs": random_runs}
    for name, (asked, stop) in protocols.items():
        chosen = _curve(model, rows, preds, asked, max_questions, None, stop)
        runs = [_curve(model, rows, preds, asked, max_questions, random.Random(seed + j), stop).mean(axis=0)
                for j in range(random_runs)]
        out[name] = {"asked": int(sum(asked)), "chosen": chosen.mean(axis=0).round(4).tolist(),
                     "chosen_on_asked": (chosen[np.array(asked)].mean(axis=0).round(4).tolist() if any(asked) else None),
                     "random": np.mean(runs, axis=0).round(4).tolist(),
                     "random_min": np.min(runs, axis=0).round(4).tolist(),
                     "random_max": np.max(runs, axis=0).round(4).tolist()}
    return out


def simulation_lines(sim: dict) -> list[str]:
    """The report's table: top-1 on all in-scope posts after 0..k answered questions."""
    if not sim.get("n"):
        return ["", "Simulated user: no in-scope posts in this set."]
    k = sim["max_questions"]
    lines = ["", f"Simulated user ({sim['n']} in-scope posts; answers from the gold condition's facts in "
             f"`questions.toml`; top-1 on all {sim['n']} after 0–{k} answered questions; random: mean of "
             f"{sim['random_runs']} seeds, [min–max]):", "",
             "| protocol | posts asked | questions | " + " | ".join(str(i) for i in range(k + 1)) + " |",
             "|---|---|---|" + "---|" * (k + 1)]
    for name, label in (("unsure_or_wrong", "unsure or wrong posts asked"), ("page", "as the page asks (unsure only, stops when sure)")):
        s = sim[name]
        lines.append(f"| {label} | {s['asked']} | chosen by the model | " + " | ".join(f"{x:.3f}" for x in s["chosen"]) + " |")
        lines.append(f"| {label} | {s['asked']} | random | " + " | ".join(
            f"{m:.3f} [{lo:.3f}–{hi:.3f}]" for m, lo, hi in zip(s["random"], s["random_min"], s["random_max"])) + " |")
    return lines
