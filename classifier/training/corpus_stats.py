"""How a set of posts reads: length, self-naming, question endings, story markers.

Used to compare the generated corpus with real posts side by side (``calfcheck evaluate`` puts the
table in its report), so the generator can be steered towards how runners actually write.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from classifier.facts import CONDITIONS

__all__ = ["NAME_PATTERNS", "names", "style_table", "shared_ngrams"]

# How a post names each condition in its own words (for measuring, not for classifying).
NAME_PATTERNS = {
    "calf_strain": re.compile(r"\b(pull(ed|s)?|strain(ed|s)?|tear|tore|torn|tweak(ed)?|gastroc\w*|soleus|tennis leg)\b"),
    "achilles_tendinitis": re.compile(r"\b(achill\w*|tend[io]n[io]tis|tendinopathy|tendonopathy)\b"),
    "compartment_syndrome": re.compile(r"\b(compartment|cecs|fasciotomy)\b"),
    "muscle_cramp": re.compile(r"\b(cramp\w*|charl[ei]y horses?|spasm\w*)\b"),
}
STORY_MARKERS = re.compile(
    r"\b(ago|yesterday|last (night|week|month|year|weekend|sunday|saturday)|since|this morning|"
    r"on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|the next day|months?|weeks?)\b")
FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|ive|my|me)\b")


def names(text: str) -> set[str]:
    """The conditions a text names in its own words."""
    low = text.lower()
    return {c for c, p in NAME_PATTERNS.items() if p.search(low)}


def style_table(texts: Sequence[str], labels: Sequence[str | None]) -> dict:
    """Style measures of a set of posts (labels in ``CONDITIONS`` or anything else)."""
    lengths = np.array([len(t.split()) for t in texts])
    out = {
        "n": len(texts),
        "words_p10": float(np.percentile(lengths, 10)), "words_median": float(np.median(lengths)),
        "words_p90": float(np.percentile(lengths, 90)), "words_max": int(lengths.max()),
        "has_question": float(np.mean(["?" in t for t in texts])),
        "story_markers": float(np.mean([bool(STORY_MARKERS.search(t.lower())) for t in texts])),
        "first_person": float(np.mean([bool(FIRST_PERSON.search(t.lower())) for t in texts])),
    }
    for c in CONDITIONS:
        own = [c in names(t) for t, y in zip(texts, labels) if y == c]
        other = [bool(names(t) - {c}) for t, y in zip(texts, labels) if y == c]
        out[f"{c}_names_own"] = float(np.mean(own)) if own else None
        out[f"{c}_names_other"] = float(np.mean(other)) if other else None
    unknown = [bool(names(t)) for t, y in zip(texts, labels) if y == "unknown"]
    out["unknown_names_a_condition"] = float(np.mean(unknown)) if unknown else None
    return out


def word_ngrams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    """The word n-grams of a text (lower-cased, punctuation dropped)."""
    w = re.findall(r"[a-z0-9']+", text.lower())
    return set(zip(*(w[i:] for i in range(n))))


def shared_ngrams(texts_a: Sequence[str], texts_b: Sequence[str], n: int = 8) -> set[tuple[str, ...]]:
    """Word n-grams (lower-cased, punctuation dropped) that occur in both sets."""
    def grams(texts):
        return set().union(*(word_ngrams(t, n) for t in texts))

    return grams(texts_a) & grams(texts_b)
