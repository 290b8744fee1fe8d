"""Exact explanations for the linear model: feature value × coefficient, summed onto token spans.

For the class being explained, ``intercept + sum(feature contributions)`` equals the model's
decision score for that class. Each feature's contribution is shared equally by its occurrences,
and a bigram's share is split between its two tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from classifier.facts import CONDITIONS, LABELS, UNKNOWN
from classifier.model import Model
from classifier.preprocess import STATUS_PREFIXES
from classifier.rules.naming import named_evidence
from classifier.wording import plain_weight

__all__ = ["TokenWeight", "Evidence", "Explanation", "explain", "label_to_explain"]


@dataclass(frozen=True)
class TokenWeight:
    text: str
    start: int
    end: int
    weight: float
    negated: bool
    status: str = ""  # assertion status of the word: "", NEG, HYP, HIST or OTHER


@dataclass(frozen=True)
class Evidence:
    """One feature's contribution, with the words of the text it came from: ``spans`` are the character
    spans of each occurrence (a bigram's runs from its first word to its second, the words between
    included) and ``words`` the text of each, as typed, without repeats. Show ``words``; ``feature`` is the
    model's name for them (a lemma, ``NEG_``/``HYP_``… for a status), for a tooltip."""

    feature: str
    weight: float
    negated: bool
    status: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    words: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        return "for" if self.weight > 0 else "against"

    @property
    def plain(self) -> str:
        """The weight in words: “strong evidence for”, “slight evidence against (negated)”…"""
        return plain_weight(self.weight, self.status)


@dataclass
class Explanation:
    label: str
    text: str
    intercept: float
    score: float
    tokens: list[TokenWeight] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # conditions the writer named and asserted, with the words and the weight they add (rules.naming); they
    # act beside the linear model, so they are not part of ``score``
    named: list[dict] = field(default_factory=list)

    def top(self, n: int = 8) -> list[Evidence]:
        return sorted(self.evidence, key=lambda e: -abs(e.weight))[:n]


def _status(feature: str) -> str:
    """The assertion status of a feature (of its first word, for a bigram)."""
    first = feature.split(" ", 1)[0]
    return next((status for status, prefix in STATUS_PREFIXES.items() if first.startswith(prefix)), "")


def label_to_explain(prediction) -> str:
    """The label whose evidence explains a ``Prediction``: its answer, or for an ``unknown`` answer the
    closest condition (explaining the out-of-scope class itself would show every calf word as "against")."""
    if prediction.label != UNKNOWN:
        return prediction.label
    return max(CONDITIONS, key=lambda c: prediction.scores[c])


def explain(model: Model, text: str, label: str | None = None) -> Explanation:
    """Explain ``model``'s score for ``label`` on ``text`` (default: its answer, or the closest
    condition when the answer is ``unknown``; see ``label_to_explain``)."""
    label = label or label_to_explain(model.classify(text))
    if label not in LABELS:
        raise ValueError(f"Unknown label {label!r}; expected one of {', '.join(LABELS)}.")
    terms = model.normalizer.analyse(text)
    tfidf = model.pipeline.named_steps["tfidf"]
    clf = model.pipeline.named_steps["clf"]
    k = list(clf.classes_).index(label)
    all_terms = list(terms)
    if "domain" in model.pipeline.named_steps:  # only the domain vocabulary's terms are features
        vocabulary = model.pipeline.named_steps["domain"].vocabulary_
        kept = [t for t in all_terms if t.lemma in vocabulary]
    else:
        kept = all_terms
    x = tfidf.transform([[t.feature for t in kept]])
    coef = clf.coef_[k]
    contrib = {j: float(v * coef[j]) for j, v in zip(x.indices, x.data)}
    vocab = tfidf.vocabulary_
    occurrences: dict[int, list[tuple[int, ...]]] = {}
    for i, t in enumerate(kept):
        if (j := vocab.get(t.feature)) is not None:
            occurrences.setdefault(j, []).append((i,))
        if i + 1 < len(kept) and (j := vocab.get(f"{t.feature} {kept[i + 1].feature}")) is not None:
            occurrences.setdefault(j, []).append((i, i + 1))
    token_weight = np.zeros(len(kept))
    for j, occ in occurrences.items():
        share = contrib.get(j, 0.0) / len(occ)
        for positions in occ:
            for i in positions:
                token_weight[i] += share / len(positions)
    inverse = {j: f for f, j in vocab.items() if j in contrib}
    spans = {j: tuple((kept[p[0]].start, kept[p[-1]].end) for p in occ) for j, occ in occurrences.items()}
    evidence = [Evidence(inverse[j], w, inverse[j].startswith("NEG_"), _status(inverse[j]), spans.get(j, ()),
                         tuple(dict.fromkeys(text[a:b] for a, b in spans.get(j, ()))))
                for j, w in contrib.items() if w]
    intercept = float(clf.intercept_[k])
    weight_at = {t.start: float(w) for t, w in zip(kept, token_weight)}
    # every content word is shown; words outside the domain vocabulary (the story around the symptoms) weigh 0
    tokens = [TokenWeight(text[t.start:t.end], t.start, t.end, weight_at.get(t.start, 0.0), t.negated, t.status)
              for t in all_terms]
    return Explanation(label, text, intercept, intercept + sum(contrib.values()), tokens, evidence,
                       named_evidence(terms, text))
