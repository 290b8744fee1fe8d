"""The classifier: spaCy normaliser → TF-IDF → logistic regression, and the ``Prediction`` it returns."""

from __future__ import annotations

import logging
from functools import partial
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from classifier.model.config import ModelConfig
from classifier.facts import CONDITIONS, LABELS, UNKNOWN, model_version
from classifier.preprocess import SpacyNormalizer, Terms, ngrams
from classifier.rules.naming import apply_names, named_conditions
from classifier.rules.scope import calf_complaint, elsewhere, mentions_clot, out_of_scope_topic, unknown_reason
from classifier.rules.triage import triage

__all__ = ["ModelConfig", "Prediction", "Model", "build_pipeline", "decide", "EmptyTextError", "UnknownPriorLR"]

logger = logging.getLogger(__name__)


class EmptyTextError(ValueError):
    """Raised for a text with nothing to classify."""


@dataclass
class Prediction:
    """The answer for one text.

    Two decisions. *Scope*: a text in which the writer asserts a calf, Achilles or calf-muscle
    complaint and no other problem is recognised (``rules.scope``) is in scope, and its ``label`` is
    the most probable of the four conditions; a text that affirms another problem (knee, shin bone,
    hamstring, ...) and no calf word is out of scope, ``unknown`` (``rules.scope.elsewhere``); otherwise
    ``label`` is the model's answer, ``unknown`` when that class is the most probable or no condition
    reaches the model's threshold. *Certainty*:
    ``unsure`` is true when an in-scope answer is a close call (the model leaned to ``unknown``, or the
    two most probable conditions are within ``CLOSE``); ``runner_up`` is then the second condition.
    ``unknown`` therefore means "about something else", never "not sure which of the four".
    ``confidence`` is the probability of ``label``; for an ``unknown`` given because no condition was
    probable enough, it is 1 minus the top condition's probability. ``scores`` maps every label to
    its probability (they sum to 1).
    """

    label: str
    confidence: float
    scores: dict[str, float]
    model_version: str
    triage: str = "self_care"
    red_flags: list[dict] = field(default_factory=list)
    reason: str = ""
    unsure: bool = False
    runner_up: str | None = None

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda kv: -kv[1])

    def to_dict(self) -> dict:
        return asdict(self)


def decide(P: np.ndarray, threshold: float) -> tuple[list[str], np.ndarray]:
    """Labels and confidences from probabilities (rows, columns in ``LABELS`` order).

    A row is ``unknown`` (confidence 1 − top condition probability) when no condition reaches
    ``threshold``; otherwise its most probable label with that probability.
    """
    best = P.argmax(axis=1)
    top_condition = P[:, :-1].max(axis=1)
    unsure = (best != LABELS.index(UNKNOWN)) & (top_condition < threshold)
    labels = np.where(unsure, LABELS.index(UNKNOWN), best)
    confidence = np.where(unsure, 1.0 - top_condition, P[np.arange(len(P)), best])
    return [LABELS[i] for i in labels], confidence


CLOSE = 0.25  # the two most probable conditions within this: an unsure answer
# The model this sure that it is something else keeps its `unknown` even for a text with calf words ("I pulled up
# after the sprint and my calf was fine"). 0.7-0.9 give the same answers on real dev; 0.8 is the middle.
SURE_ELSEWHERE = 0.8
# Red flags of conditions that are not one of the four: while one is urgent or worse, the scope decision never
# turns the model's answer into a calf condition.
LOOKALIKE_FLAGS = frozenset({"possible_dvt", "possible_pulmonary_embolism", "infection", "limb_ischaemia",
                             "swollen_discoloured_leg", "swollen_calf_in_pregnancy"})


def decide_in_scope(row: np.ndarray, label: str, confidence: float, in_scope: bool
                    ) -> tuple[str, float, bool, str | None]:
    """Label, confidence, unsure and runner-up for one row of probabilities (``LABELS`` order) whose
    model answer (``decide``) is ``label`` with ``confidence``, given the scope decision."""
    four = row[:-1]
    order = np.argsort(-four, kind="stable")
    best, second = CONDITIONS[order[0]], CONDITIONS[order[1]]
    close = float(four[order[0]] - four[order[1]]) < CLOSE
    if in_scope:
        unsure = label == UNKNOWN or close
        return best, float(four[order[0]]), unsure, second if unsure else None
    if label != UNKNOWN and close:
        return label, confidence, True, second
    return label, confidence, False, None


class UnknownPriorLR(LogisticRegression):
    """Logistic regression whose ``unknown`` class is made ``unknown_prior`` times less likely a priori.

    After fitting, ``log(unknown_prior)`` is subtracted from the ``unknown`` intercept: every
    probability the model gives is the fitted one with ``P(unknown)`` divided by ``unknown_prior``
    and the row renormalised (a change of class prior), and the decision scores the explanation
    reads stay exact. 1 leaves the fit as it is. Only ``C``, ``max_iter`` and ``class_weight`` of
    ``LogisticRegression`` are parameters here; the others keep scikit-learn's defaults.
    """

    def __init__(self, *, C: float = 1.0, max_iter: int = 100, class_weight=None, unknown_prior: float = 1.0):
        super().__init__(C=C, max_iter=max_iter, class_weight=class_weight)
        self.unknown_prior = unknown_prior

    def fit(self, X, y, sample_weight=None):
        if self.unknown_prior <= 0:
            raise ValueError(f"unknown_prior must be positive, not {self.unknown_prior}.")
        super().fit(X, y, sample_weight=sample_weight)
        if UNKNOWN in self.classes_:
            k = list(self.classes_).index(UNKNOWN)
            if len(self.classes_) == 2:  # one score, for classes_[1]: P(unknown) / prior either way round
                self.intercept_[0] += -np.log(self.unknown_prior) if k == 1 else np.log(self.unknown_prior)
            else:
                self.intercept_[k] -= np.log(self.unknown_prior)
        return self


def build_pipeline(config: ModelConfig = ModelConfig()) -> Pipeline:
    """An unfitted pipeline for ``config``."""
    from classifier.model.domain import DomainTerms

    steps = [("normalize", SpacyNormalizer(negation=config.negation, lemmatize=config.lemmatize))]
    if config.domain_only:
        steps.append(("domain", DomainTerms()))
    return Pipeline(steps + [
        # the default stays the plain function, so models saved before `ngram_max` existed load unchanged
        ("tfidf", TfidfVectorizer(analyzer=ngrams if config.ngram_max == 2 else partial(ngrams, n=config.ngram_max),
                                  min_df=config.min_df, sublinear_tf=True, dtype=np.float32)),
        ("clf", UnknownPriorLR(C=config.C, max_iter=config.max_iter, class_weight="balanced",
                               unknown_prior=config.unknown_prior)),
    ])


class Model:
    """A fitted pipeline plus what is needed to turn probabilities into answers."""

    def __init__(self, pipeline: Pipeline, *, config: ModelConfig, fit_id: str, meta: dict | None = None,
                 path: Path | None = None):
        self.pipeline = pipeline
        self.path = path  # the model directory it was loaded from, if any (worker processes load it there)
        self.config = config
        self.fit_id = fit_id  # names the fitted pipeline (see classifier.storage.fit_id)
        self.meta = meta or {}
        classes = list(pipeline.classes_)
        if sorted(classes) != sorted(LABELS):
            raise ValueError(f"Model classes {classes} differ from the label set {list(LABELS)}.")
        self._order = [classes.index(label) for label in LABELS]

    @property
    def version(self) -> str:
        """The behaviour that answers: the fit and the rule and fact files in use (``facts.model_version``)."""
        return model_version(self.fit_id)

    @property
    def normalizer(self) -> SpacyNormalizer:
        return self.pipeline.named_steps["normalize"]

    def prepare(self) -> "Model":
        """Build the lazily created state now (spaCy tokenizer and lemma table, negation matcher,
        red-flag rules), so the first real request does not wait for it."""
        self.classify("my calf hurts when I run, no swelling")
        return self

    def classify(self, text: str) -> Prediction:
        """Classify one description."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str] | Iterable[str], *, terms: Sequence[Terms] | None = None
                      ) -> list[Prediction]:
        """Classify many descriptions at once; equal, text by text, to ``classify``.

        ``terms``: the normaliser's terms of each text when the caller already has them (the question
        chooser builds a text-plus-answer's terms from the text's and the answer's), to skip normalising.
        """
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"Text {i}: str expected, {type(t).__name__} received.")
            if not t.strip():
                raise EmptyTextError(f"Text {i} is empty: describe where and how the calf hurts.")
        if not texts:
            return []
        terms = list(self.normalizer.analyse_many(texts)) if terms is None else list(terms)
        if len(terms) != len(texts):
            raise ValueError(f"{len(texts)} texts and {len(terms)} term lists received; one per text expected.")
        # Whether it is one of the four is the model's call; which one also counts what the writer names and
        # asserts (rules.naming), so a name never turns "something else" into a calf condition.
        fitted, proba = self._probabilities(terms)
        labels, confidence = decide(fitted, self.config.unknown_threshold)
        for i, label in enumerate(labels):
            if label != UNKNOWN:
                best = int(np.argmax(proba[i, :-1]))
                labels[i], confidence[i] = LABELS[best], proba[i, best]
        rounded = np.round(proba, 6).tolist()
        version = self.version
        return [self._prediction(*args, version) for args in zip(texts, terms, proba, labels,
                                                                  confidence.tolist(), rounded)]

    def questions(self, text: str, answered: dict[str, str] | None = None) -> list:
        """The yes/no questions that would best settle an unsure answer, best first, with their expected
        effect (``classifier.model.questions.questions``); empty when the model is sure."""
        from classifier.model.questions import questions

        return questions(self, text, answered)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, columns in ``LABELS`` order: the ``scores`` of ``classify_many`` (the fitted pipeline's,
        with the named conditions' weight)."""
        return self._probabilities(list(self.normalizer.analyse_many(texts)))[1]

    def _probabilities(self, terms: list[Terms]) -> tuple[np.ndarray, np.ndarray]:
        """The fitted pipeline's probabilities of each text, and the same with the named conditions' weight."""
        fitted = self._proba_from_features([ts.features for ts in terms])
        fitted = fitted.astype(np.float64)  # float32 rounded to 6 places prints as 0.9159749746322632
        return fitted, np.array([apply_names(row, named_conditions(ts)) for row, ts in zip(fitted, terms)])

    def _proba_from_features(self, features: list[list[str]]) -> np.ndarray:
        return self.pipeline[1:].predict_proba(features)[:, self._order]

    def _prediction(self, text: str, terms: Terms, row: np.ndarray, label: str, confidence: float,
                    rounded: list[float], version: str) -> Prediction:
        scores = dict(zip(LABELS, rounded))
        result = triage(text, terms, label)
        # a calf complaint about nothing else is answered with one of the four, unless it is about a clot or a
        # dangerous look-alike raised an urgent flag: then the model's own answer stands
        # (a condition the writer names and asserts outweighs another place in the story: "my Achilles tendinosis …
        # I thought plantar fasciitis at first")
        in_scope = (row[-1] < SURE_ELSEWHERE and calf_complaint(terms)
                    and (out_of_scope_topic(terms) is None or bool(named_conditions(terms))) and not mentions_clot(terms)
                    and not any(f["id"] in LOOKALIKE_FLAGS and f["triage"] in ("urgent", "emergency")
                                for f in result.red_flags))
        new_label, confidence, unsure, runner_up = decide_in_scope(row, label, confidence, in_scope)
        if new_label != UNKNOWN and elsewhere(terms, text) is not None:  # about another problem, on positive evidence
            new_label, confidence, unsure, runner_up = UNKNOWN, 1.0 - float(row[:-1].max()), False, None
        if new_label != label:
            label, result = new_label, triage(text, terms, new_label)
        if label == UNKNOWN:
            top = int(np.argmax(row[:-1]))
            # the triage notes ("pain that has lasted weeks … see a doctor") explain a raised level here too
            reason = " ".join([unknown_reason(terms, LABELS[top], float(row[top]))] + result.notes)
        else:
            reason = " ".join(result.notes)
        return Prediction(label=label, confidence=round(confidence, 6), scores=scores, model_version=version,
                          triage=result.level, red_flags=result.red_flags, reason=reason, unsure=unsure,
                          runner_up=runner_up)
