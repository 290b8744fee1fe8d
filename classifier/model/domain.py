"""The domain vocabulary: the words that describe a leg problem, and the step that keeps only them.

Real posts bury a few symptom sentences in race reports, training plans and daily life. A model fitted on
every word learns weights for "marathon", "plan" or "shoes" from whatever the synthetic corpus happened to
pair them with, and a paragraph of narrative can then outvote the symptoms. ``DomainTerms`` keeps only the
terms whose word (without its assertion prefix) is in the domain vocabulary: the words of the condition
facts and of the generator's symptom phrase banks, for the four conditions and the out-of-scope topics
(``classifier/data/domain_terms.txt``, written by ``calfcheck generate``). Running chatter, backstory
and life words are not in it, so they carry no weight whatever their number.
"""

from __future__ import annotations

from functools import cache

from sklearn.base import BaseEstimator, TransformerMixin

from classifier.facts import data_path
from classifier.preprocess import STATUS_PREFIXES

__all__ = ["DOMAIN_FILE", "load_domain_terms", "DomainTerms", "strip_status"]

DOMAIN_FILE = "domain_terms.txt"
_PREFIXES = tuple(STATUS_PREFIXES.values())


@cache
def load_domain_terms() -> frozenset[str]:
    """The packaged domain vocabulary (one lemma per line, ``#`` comments)."""
    lines = data_path(DOMAIN_FILE).read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in (line.strip() for line in lines) if w and not w.startswith("#"))


def strip_status(feature: str) -> str:
    """A feature's lemma: ``HYP_cramp`` → ``cramp``."""
    if feature[:3] in ("NEG", "HYP", "HIS", "OTH"):
        for p in _PREFIXES:
            if feature.startswith(p):
                return feature[len(p):]
    return feature


class DomainTerms(TransformerMixin, BaseEstimator):
    """Keep the terms whose lemma is in ``vocabulary`` (default: the packaged domain vocabulary).

    ``vocabulary=None`` reads the packaged file when fitted; the fitted set is kept in ``vocabulary_``,
    so a saved model answers with the vocabulary it was trained with.
    """

    def __init__(self, vocabulary: frozenset[str] | None = None):
        self.vocabulary = vocabulary

    def fit(self, X, y=None) -> "DomainTerms":
        self.vocabulary_ = frozenset(self.vocabulary) if self.vocabulary is not None else load_domain_terms()
        return self

    def transform(self, X) -> list[list[str]]:
        vocab = self.vocabulary_
        return [[f for f in features if strip_status(f) in vocab] for features in X]
