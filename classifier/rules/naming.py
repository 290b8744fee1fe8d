"""What the writer calls it: a condition named and asserted ("I strained my calf", "my Achilles", "cramps"),
as evidence beside the model, weighted by how reliable each name is on real posts.

A name counts only when it is asserted: "felt like a cramp", "it wasn't a cramp", "my friend had a
strain" and "a tear years ago" name nothing (the normaliser's assertion status). The weights
(``classifier/data/naming.toml``) are log-odds measured on the study half of real dev
(``scripts/name_reliability.py``); the model's four condition probabilities are multiplied by
``exp(weight)`` for each named condition and renormalised among themselves, so ``unknown`` keeps its probability.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from classifier.facts import CONDITIONS, data_path, read_toml
from classifier.preprocess import Terms

__all__ = ["NAMES", "named_conditions", "naming_weights", "apply_names", "named_evidence"]

# Lemmas that name each condition (the normaliser's lemmas: "strained" → strain, "cramps" → cramp).
NAMES = {
    "calf_strain": frozenset({"strain", "tear", "torn", "pull"}),
    "achilles_tendinitis": frozenset({"achilles", "tendinitis", "tendinopathy", "tendinosis"}),
    "compartment_syndrome": frozenset({"compartment", "cecs"}),
    "muscle_cramp": frozenset({"cramp", "spasm", "charley", "charlie"}),
}


def named_conditions(terms: Terms) -> set[str]:
    """The conditions the writer names and asserts."""
    asserted = set(terms.asserted())
    return {c for c, words in NAMES.items() if not words.isdisjoint(asserted)}


def named_evidence(terms: Terms, text: str) -> list[dict]:
    """For the explanation: each named condition, the words as written, and the weight they add."""
    weights = naming_weights()
    out = []
    for c, words in NAMES.items():
        said = [text[t.start:t.end] for t in terms if not t.status and t.lemma in words]
        if said and weights.get(c, 0.0):
            out.append({"condition": c, "words": list(dict.fromkeys(said)), "weight": weights[c]})
    return out


@lru_cache(maxsize=1)
def naming_weights() -> dict[str, float]:
    data = read_toml(data_path("naming.toml"))
    return {c: float(data["weights"].get(c, 0.0)) for c in CONDITIONS}


def apply_names(row: np.ndarray, named: set[str]) -> np.ndarray:
    """``row`` (probabilities in ``LABELS`` order, ``unknown`` last) with each named condition's probability
    multiplied by ``exp(weight)``, the four renormalised to their previous total."""
    if not named:
        return row
    weights = naming_weights()
    factor = np.array([np.exp(weights[c]) if c in named else 1.0 for c in CONDITIONS])
    four = row[:-1] * factor
    total = row[:-1].sum()
    out = row.copy()
    out[:-1] = four * (total / four.sum()) if four.sum() > 0 else row[:-1]
    return out
