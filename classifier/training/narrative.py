"""The narrative-insertion check: does a paragraph of unrelated training and race talk change the answer?

Real posts wrap a few symptom sentences in race reports and training plans. For each text, a paragraph of
running chatter (the generator's backstory and filler sentences, ``corpus/context.toml``) is inserted at a
sentence boundary, and the answers with and without it are compared. A model that reads the symptom
sentences gives the same answer.
"""

from __future__ import annotations

import random
import re
from typing import Sequence

from classifier.training.phrases import load_context

__all__ = ["narrative_paragraph", "insert_narrative", "narrative_agreement"]

_BOUNDARY = re.compile(r"(?<=[.!?])\s+")


def narrative_paragraph(rng: random.Random, sentences: int = 4) -> str:
    """A paragraph of running chatter, as long as a real post's backstory (about 40-60 words)."""
    from classifier.training.generate import _Renderer

    ctx = load_context()
    renderer = _Renderer(rng, ctx)
    pool = ctx["backstory"] + ctx["filler"]
    picked = rng.sample(pool, sentences)
    return " ".join(renderer.filler(s)[:1].upper() + renderer.filler(s)[1:] + "." for s in picked)


def insert_narrative(text: str, rng: random.Random) -> str:
    """``text`` with a narrative paragraph inserted at a random sentence boundary (or at either end)."""
    parts = _BOUNDARY.split(text.strip())
    at = rng.randint(0, len(parts))
    return " ".join(parts[:at] + [narrative_paragraph(rng)] + parts[at:])


def narrative_agreement(model, texts: Sequence[str], seed: int = 0) -> tuple[float, list[int]]:
    """Share of ``texts`` whose label is the same with a narrative paragraph inserted, and the indices of
    those whose label changed."""
    rng = random.Random(seed)
    texts = list(texts)
    before = model.classify_many(texts)
    after = model.classify_many([insert_narrative(t, rng) for t in texts])
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a.label != b.label]
    return 1 - len(changed) / len(texts) if texts else 1.0, changed
