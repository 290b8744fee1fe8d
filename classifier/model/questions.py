"""Asking when unsure: which yes/no question (``classifier/data/questions.toml``) would most change
the model's answer, judged by the model itself.

A text is *unsure* when the answer is ``unknown`` while a condition is still plausible (no
out-of-scope topic is recognised), when the two most probable conditions are within
``CLOSE`` of each other, or when ``unknown`` is within ``CLOSE`` of the answer. For an unsure text, every question not yet answered is tried both ways: the
text with the "yes" phrase appended and with the "no" phrase appended are classified in one
``classify_many`` batch, and the question's expected effect is the mean total-variation change of
the label distribution over its two answers (weighted equally: on real dev posts this chose better
questions than weighting the answers by the model's distribution and the bank's ``yes_for``/``no_for``,
than entropy reduction and than the expected top probability; see README). Red-flag questions come first whenever the text does not
settle them; up to ``MAX_ASKED`` condition questions are asked, one at a time.

An answer is a phrase appended to the description as its own sentence, so the answer, the red-flag
rules and the explanation all read the same text; "not sure" adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Iterable, Mapping

import numpy as np

from classifier.facts import CONDITIONS, LABELS, UNKNOWN, data_path, load_conditions, read_toml
from classifier.preprocess import Terms
from classifier.rules.scope import out_of_scope_topic
from classifier.rules.triage import LEVELS, load_rules

# "Model" and "Prediction" (classifier.model.predict) are named in annotations only: predict imports
# this module for ``Model.questions``, so importing it here would close a cycle.
__all__ = ["Question", "RankedQuestion", "ANSWERS", "CLOSE", "MAX_ASKED", "load_questions", "with_answers",
           "is_unsure", "needs_questions", "rank_questions", "questions", "changes", "closest_condition",
           "what_changed", "ANSWER_WORDS", "classify_with_answers"]

ANSWER_WORDS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}

ANSWERS = ("yes", "no", "unsure")
CLOSE = 0.25  # top two conditions, or the answer and unknown, within this: unsure
MAX_ASKED = 3  # condition questions asked at most (red-flag questions come first and are not counted)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "red_flag" or "condition"
    ask: str
    yes: str
    no: str
    yes_for: tuple[str, ...] = ()
    no_for: tuple[str, ...] = ()
    flag: str | None = None
    settled_by: tuple[str, ...] = ()  # red-flag rule groups whose match settles the question
    source: str = ""

    def fact_answer(self, label: str | None) -> str:
        """What ``label``'s facts answer: ``yes``, ``no`` or ``unsure`` (the simulated user's answer)."""
        return "yes" if label in self.yes_for else "no" if label in self.no_for else "unsure"

    def phrase(self, answer: str) -> str:
        if answer not in ANSWERS:
            raise ValueError(f"Answer {answer!r}: expected one of {', '.join(ANSWERS)}.")
        return {"yes": self.yes, "no": self.no}.get(answer, "")


@dataclass(frozen=True)
class RankedQuestion:
    """A question with its expected effect: the mean change of the label distribution over its two
    answers (0–1, total variation), the scores "yes" and "no" would give, and the red flags a "yes"
    would raise."""

    question: Question
    effect: float
    if_yes: dict[str, float]
    if_no: dict[str, float]
    raises: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.question.id

    def top_if(self, answer: str) -> tuple[str, float]:
        scores = self.if_yes if answer == "yes" else self.if_no
        return max(scores.items(), key=lambda kv: kv[1])


@cache
def load_questions() -> dict[str, Question]:
    """The question bank keyed by id, red-flag questions first (``classifier/data/questions.toml``)."""
    data = read_toml(data_path("questions.toml"))
    out = {}
    for q in data["questions"]:
        for label in (*q.get("yes_for", ()), *q.get("no_for", ())):
            if label not in CONDITIONS:
                raise ValueError(f"questions.toml: question {q['id']} names {label!r}, expected one of {CONDITIONS}.")
        if q["kind"] not in ("red_flag", "condition"):
            raise ValueError(f"questions.toml: question {q['id']} has kind {q['kind']!r}, expected red_flag or condition.")
        out[q["id"]] = Question(q["id"], q["kind"], q["ask"], q["yes"], q["no"], tuple(q.get("yes_for", ())),
                                tuple(q.get("no_for", ())), q.get("flag"),
                                tuple(q.get("settled_by", ())), q.get("from", ""))
    return dict(sorted(out.items(), key=lambda kv: kv[1].kind != "red_flag"))


def _separator(text: str) -> str:
    return " " if text.endswith((".", "!", "?")) else ". "


def with_answers(text: str, answered: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> str:
    """``text`` with the phrase of each answer appended, in order, each as its own sentence
    (so no negation reaches across). The original text keeps its character positions."""
    bank = load_questions()
    items = answered.items() if isinstance(answered, Mapping) else answered
    phrases = [bank[qid].phrase(a) for qid, a in items]
    phrases = [p for p in phrases if p]
    if not phrases:
        return text
    stem = text.rstrip()
    return stem + _separator(stem) + " ".join(phrases)


@lru_cache(maxsize=256)
def _phrase_terms(normalizer, phrase: str) -> Terms:
    return normalizer.analyse(phrase)


def _appended(text: str, terms: Terms, phrase: str, normalizer) -> tuple[str, Terms]:
    """``with_answers`` for one more phrase, and its terms built from ``terms`` (the text's) and the
    phrase's own (cached): a phrase is its own sentence, so no negation scope crosses into or out of
    it and the terms of the whole are the two lists joined (tests check this against normalising).
    Known exception: a text whose last word makes a tokenizer special case with the added period
    ("…saw the Dr" → "Dr.") keeps that word's feature as "dr" here, "dr." when normalised whole."""
    stem = text.rstrip()
    full = stem + _separator(stem) + phrase
    offset = len(full) - len(phrase)
    ph = _phrase_terms(normalizer, phrase)
    joined = Terms(terms.features + ph.features, terms.starts + [s + offset for s in ph.starts],
                   terms.ends + [e + offset for e in ph.ends],
                   terms.negated | frozenset(i + len(terms) for i in ph.negated),
                   {**terms.statuses, **{i + len(terms): v for i, v in ph.statuses.items()}})
    return full, joined


def closest_condition(scores: Mapping[str, float]) -> str:
    """The most probable of the four conditions (what an ``unknown`` answer is closest to)."""
    return max(CONDITIONS, key=lambda c: scores[c])


def _conditions_close(pred: "Prediction") -> bool:
    """The two most probable conditions are within ``CLOSE`` of each other."""
    top = sorted((pred.scores[c] for c in CONDITIONS), reverse=True)
    return top[0] - top[1] < CLOSE


def is_unsure(pred: "Prediction") -> bool:
    """``unknown`` (no condition probable enough), the top two conditions within ``CLOSE``, or a condition
    answered with ``unknown`` within ``CLOSE`` of it (nearly out of scope)."""
    return (pred.label == UNKNOWN or _conditions_close(pred)
            or pred.scores[pred.label] - pred.scores[UNKNOWN] < CLOSE)


def needs_questions(model: "Model", text: str, pred: "Prediction", terms: Terms | None = None) -> bool:
    """Whether questions would help: unsure, and, when the doubt is about ``unknown``, no out-of-scope topic
    recognised ("my knee hurts" gets no calf questions). ``terms``: the text's, if already at hand."""
    if not is_unsure(pred):
        return False
    if pred.label != UNKNOWN and _conditions_close(pred):  # two conditions close: calf questions settle it
        return True
    # unknown, or nearly: ask only when no out-of-scope topic was recognised
    return out_of_scope_topic(terms if terms is not None else model.normalizer.analyse(text)) is None


def _settled(q: Question, text: str, pred: "Prediction") -> bool:
    """A red-flag question is settled when its flag is raised already, or when the text speaks of its finding
    in the red-flag rules' own terms (a pattern of a ``settled_by`` group matches, affirmed or negated), not
    merely when a word like "warm" (a warm-up) or "drive" occurs."""
    if q.flag and any(f["id"] == q.flag for f in pred.red_flags):
        return True
    lower = text.lower()
    groups = load_rules().groups
    return any(p.search(lower) for g in q.settled_by for p in groups[g])


def classify_with_answers(model: "Model", text: str, answered: Mapping[str, str] | None = None) -> "Prediction":
    """The answer for ``text`` with the user's answers: label and scores of the text with the answers'
    phrases appended; red flags and triage never below the description's own.

    An answer can raise a flag, never take one away: the rules' look-alike exceptions (``!benign``,
    ``!injury_mechanism``) read the whole text, so an appended "let go after a minute" or "a sudden
    twinge" would otherwise silence a clot sign the user wrote. A "yes" to a red-flag question raises its
    flag even when those exceptions would keep it quiet."""
    from dataclasses import replace

    answered = dict(answered or {})
    if not answered:
        return model.classify(text)
    base, after = model.classify_many([text, with_answers(text, answered)])
    flags = {f["id"]: f for f in base.red_flags}  # the user's own words: evidence spans in ``text``
    for f in after.red_flags:
        if f["id"] not in flags:
            from_answers = all(e["start"] >= len(text) for e in f.get("evidence", ()))
            flags[f["id"]] = {**f, "reason": f["reason"].replace("You wrote", "Your answers say", 1)} if from_answers else f
    bank = load_questions()
    for qid, answer in answered.items():
        q = bank.get(qid)
        if q is not None and q.kind == "red_flag" and answer == "yes" and q.flag and q.flag not in flags:
            rule = next(r for r in load_rules().flags if r.id == q.flag)
            flags[q.flag] = {"id": q.flag, "triage": rule.triage, "evidence": [],
                             "reason": f"You answered yes to “{q.ask}” {rule.reason}"}
    ordered = sorted(flags.values(), key=lambda f: -LEVELS.index(f["triage"]))
    level = max([base.triage, after.triage, *(f["triage"] for f in ordered)], key=LEVELS.index)
    return replace(after, red_flags=ordered, triage=level)


def _vector(scores: Mapping[str, float]) -> np.ndarray:
    return np.array([scores[lab] for lab in LABELS], dtype=float)


def rank_questions(model: "Model", text: str, answered: Mapping[str, str] | None = None, *,
                   kinds: tuple[str, ...] = ("red_flag", "condition"), pred: "Prediction | None" = None,
                   terms: Terms | None = None) -> list[RankedQuestion]:
    """Every unanswered question of ``kinds`` ranked by expected effect, whatever the model's certainty.

    The hypothetical answers are classified in one ``classify_many`` batch (two texts per question).
    ``pred`` and ``terms``: the answer and the normaliser's terms of the text with ``answered``, if at hand.
    """
    answered = dict(answered or {})
    full = with_answers(text, answered)
    terms = terms if terms is not None else model.normalizer.analyse(full)
    pred = pred or model.classify_many([full], terms=[terms])[0]
    pool = [q for q in load_questions().values() if q.id not in answered and q.kind in kinds]
    if not pool:
        return []
    texts, all_terms = zip(*(_appended(full, terms, phrase, model.normalizer) for q in pool for phrase in (q.yes, q.no)))
    hypotheses = model.classify_many(texts, terms=all_terms)
    now = _vector(pred.scores)
    before = {f["id"] for f in pred.red_flags}
    ranked = []
    for i, q in enumerate(pool):
        yes, no = hypotheses[2 * i], hypotheses[2 * i + 1]
        effect = 0.25 * (np.abs(_vector(yes.scores) - now).sum() + np.abs(_vector(no.scores) - now).sum())
        raises = tuple(f["id"] for f in yes.red_flags if f["id"] not in before)
        ranked.append(RankedQuestion(q, round(float(effect), 6), yes.scores, no.scores, raises))
    return sorted(ranked, key=lambda r: -r.effect)


def questions(model: "Model", text: str, answered: Mapping[str, str] | None = None, *,
              max_asked: int = MAX_ASKED) -> list[RankedQuestion]:
    """The questions to ask next, best first: none when the model is sure; else the red-flag questions
    the text does not settle, then the condition questions by expected effect, until ``max_asked``
    condition questions have been answered (answers "not sure" count). Answered questions never return.

    ``answered`` maps question id → ``yes``/``no``/``unsure``, in the order they were answered.
    """
    answered = dict(answered or {})
    bank = load_questions()
    unknown_ids = [qid for qid in answered if qid not in bank]
    if unknown_ids:
        raise ValueError(f"Unknown question id(s) {unknown_ids}; expected ids from questions.toml.")
    full = with_answers(text, answered)
    terms = model.normalizer.analyse(full)
    pred = model.classify_many([full], terms=[terms])[0]
    if not needs_questions(model, full, pred, terms):
        return []
    asked = sum(bank[qid].kind == "condition" for qid in answered)
    kinds = ("red_flag", "condition") if asked < max_asked else ("red_flag",)
    ranked = rank_questions(model, text, answered, kinds=kinds, pred=pred, terms=terms)
    flags = [r for r in ranked if r.question.kind == "red_flag" and not _settled(r.question, full, pred)]
    flags.sort(key=lambda r: list(bank).index(r.id))  # the bank's order: the most serious first
    return flags + [r for r in ranked if r.question.kind == "condition"]


def changes(before: Mapping[str, float], after: Mapping[str, float], min_change: float = 0.01) -> list[tuple[str, float]]:
    """Which labels an answer moved, and by how much (after − before), largest move first."""
    moved = [(lab, round(after[lab] - before[lab], 6)) for lab in LABELS if abs(after[lab] - before[lab]) >= min_change]
    return sorted(moved, key=lambda kv: -abs(kv[1]))


def _name(label: str) -> str:
    return "not one of the four" if label == UNKNOWN else load_conditions()[label].name.lower()


def what_changed(question: Question, answer: str, before: "Prediction", after: "Prediction") -> str:
    """One line for the page and the terminal: which answer moved which condition by how much, and
    any red flag it raised."""
    said = f"{ANSWER_WORDS[answer]} to “{question.ask}”"
    moved = changes(before.scores, after.scores)
    parts = [f"{_name(lab)} {before.scores[lab]:.0%} → {after.scores[lab]:.0%} ({delta * 100:+.0f})"
             for lab, delta in moved[:3]]
    line = f"{said}: " + ("; ".join(parts) if parts else "no change") + "."
    if after.label != before.label:
        line += f" The answer is now {_name(after.label)}."
    raised = [f["id"].replace("_", " ") for f in after.red_flags if f["id"] not in {g["id"] for g in before.red_flags}]
    if raised:
        line += " Red flag: " + ", ".join(raised) + "."
    return line
