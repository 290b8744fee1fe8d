"""Two baselines the evaluation runs on the same data as the model, so the gain is visible.

* ``KeywordBaseline``: counts hand-picked keywords per condition; no hits → ``unknown``.
* ``plain_tfidf_pipeline``: word 1–2-gram TF-IDF + logistic regression, without the spaCy step
  (no lemmas, no negation marking).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifier.facts import LABELS

__all__ = ["KeywordBaseline", "plain_tfidf_pipeline"]

KEYWORDS = {
    "calf_strain": ["strain", "pulled", "pull", "tear", "twinge", "tweak", "ping", "tender", "sprint", "hill"],
    "achilles_tendinitis": ["achilles", "tendon", "heel", "tendinitis", "tendonitis", "morning", "stiff", "push off"],
    "compartment_syndrome": ["compartment", "pressure", "tight", "numb", "tingl", "minutes into", "every run", "burst"],
    "muscle_cramp": ["cramp", "spasm", "seized", "locked", "knot", "night", "dehydrat", "electrolyte"],
}


class KeywordBaseline(ClassifierMixin, BaseEstimator):
    """Keyword-rule baseline: the score of a condition is its share of keyword hits."""

    def fit(self, X: Sequence[str], y=None) -> "KeywordBaseline":
        self.classes_ = np.array(LABELS)
        self.patterns_ = {lab: re.compile("|".join(map(re.escape, kws))) for lab, kws in KEYWORDS.items()}
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(X), len(LABELS)))
        for i, text in enumerate(X):
            hits = np.array([len(self.patterns_[lab].findall(text.lower())) for lab in LABELS[:-1]], float)
            if hits.sum() == 0:
                out[i, -1] = 1.0
            else:
                out[i, :-1] = hits / hits.sum()
        return out

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def plain_tfidf_pipeline(C: float = 4.0) -> Pipeline:
    return Pipeline([
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
        ("clf", LogisticRegression(C=C, max_iter=2000, class_weight="balanced")),
    ])
