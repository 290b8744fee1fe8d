"""The classifier: spaCy normaliser → TF-IDF → logistic regression, and the ``Prediction`` it returns."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .facts import LABELS, UNKNOWN
from .preprocess import SpacyNormalizer, ngrams
from .scope import unknown_reason
from .triage import triage

__all__ = ["ModelConfig", "Prediction", "Model", "build_pipeline", "decide_row", "EmptyTextError"]

logger = logging.getLogger(__name__)


class EmptyTextError(ValueError):
    """Raised for a text with nothing to classify."""


@dataclass(frozen=True)
class ModelConfig:
    C: float = 4.0
    min_df: int = 2
    negation: bool = True
    lemmatize: bool = True
    unknown_threshold: float = 0.45
    max_iter: int = 2000


@dataclass
class Prediction:
    """The answer for one text.

    ``label`` is the most probable label, or ``unknown`` when no condition reaches the model's
    threshold. ``confidence`` is the probability of ``label``; for an ``unknown`` given because no
    condition was probable enough, it is 1 minus the top condition's probability.
    ``scores`` maps every label to its probability (they sum to 1).
    """

    label: str
    confidence: float
    scores: dict[str, float]
    model_version: str
    triage: str = "self_care"
    red_flags: list[dict] = field(default_factory=list)
    reason: str = ""

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda kv: -kv[1])

    def to_dict(self) -> dict:
        return asdict(self)


def decide_row(row: np.ndarray, threshold: float) -> tuple[str, float]:
    """Label and confidence from probabilities in ``LABELS`` order: ``unknown`` (confidence 1 − top
    condition probability) when no condition reaches ``threshold``."""
    best = int(np.argmax(row))
    top_condition = float(row[:-1].max())
    if LABELS[best] != UNKNOWN and top_condition < threshold:
        return UNKNOWN, 1.0 - top_condition
    return LABELS[best], float(row[best])


def build_pipeline(config: ModelConfig = ModelConfig()) -> Pipeline:
    """An unfitted pipeline for ``config``."""
    return Pipeline([
        ("normalize", SpacyNormalizer(negation=config.negation, lemmatize=config.lemmatize)),
        ("tfidf", TfidfVectorizer(analyzer=ngrams, min_df=config.min_df, sublinear_tf=True, dtype=np.float32)),
        ("clf", LogisticRegression(C=config.C, max_iter=config.max_iter, class_weight="balanced")),
    ])


class Model:
    """A fitted pipeline plus what is needed to turn probabilities into answers."""

    def __init__(self, pipeline: Pipeline, *, config: ModelConfig, version: str, meta: dict | None = None):
        self.pipeline = pipeline
        self.config = config
        self.version = version
        self.meta = meta or {}
        classes = list(pipeline.classes_)
        if sorted(classes) != sorted(LABELS):
            raise ValueError(f"Model classes {classes} differ from the label set {list(LABELS)}.")
        self._order = [classes.index(label) for label in LABELS]

    @property
    def normalizer(self) -> SpacyNormalizer:
        return self.pipeline.named_steps["normalize"]

    def classify(self, text: str) -> Prediction:
        """Classify one description."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str] | Iterable[str]) -> list[Prediction]:
        """Classify many descriptions at once; equal, text by text, to ``classify``."""
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"Text {i}: str expected, {type(t).__name__} received.")
            if not t.strip():
                raise EmptyTextError(f"Text {i} is empty: describe where and how the calf hurts.")
        if not texts:
            return []
        terms = list(self.normalizer.analyse_many(texts))
        proba = self._proba_from_features([[t.feature for t in ts] for ts in terms])
        return [self._prediction(text, ts, row) for text, ts, row in zip(texts, terms, proba)]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, columns in ``LABELS`` order."""
        return self.pipeline.predict_proba(texts)[:, self._order]

    def _proba_from_features(self, features: list[list[str]]) -> np.ndarray:
        return self.pipeline[1:].predict_proba(features)[:, self._order]

    def decide(self, row: np.ndarray) -> tuple[str, float]:
        """Label and confidence for one row of probabilities in ``LABELS`` order."""
        return decide_row(row, self.config.unknown_threshold)

    def _prediction(self, text: str, terms: list, row: np.ndarray) -> Prediction:
        label, confidence = self.decide(row)
        scores = {lab: round(float(p), 6) for lab, p in zip(LABELS, row)}
        result = triage(text, terms, label)
        if label == UNKNOWN:
            top = int(np.argmax(row[:-1]))
            reason = unknown_reason(terms, LABELS[top], float(row[top]))
        else:
            reason = " ".join(result.notes)
        return Prediction(label=label, confidence=round(confidence, 6), scores=scores, model_version=self.version,
                          triage=result.level, red_flags=result.red_flags, reason=reason)
