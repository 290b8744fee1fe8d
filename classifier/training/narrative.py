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

__all__ = ["narrative_paragraph", "running_talk_paragraph", "insert_narrative", "narrative_agreement"]

_BOUNDARY = re.compile(r"(?<=[.!?])\s+")


def narrative_paragraph(rng: random.Random, sentences: int = 4) -> str:
    """A paragraph of running chatter, as long as a real post's backstory (about 40-60 words)."""
    from classifier.training.generate import _Renderer

    ctx = load_context()
    renderer = _Renderer(rng, ctx)
    pool = ctx["backstory"] + ctx["filler"]
    picked = [renderer.filler(s) for s in rng.sample(pool, sentences)]
    return " ".join(s[:1].upper() + s[1:] + "." for s in picked)


# Training talk that uses the domain's own words (written for this check, not taken from the phrase banks the
# domain vocabulary is built from): the harder case, since these words are features.
RUNNING_TALK = [
    "I do calf raises and heel drops after most runs", "My long run on Sunday was 18 miles on hilly roads",
    "I did hill sprints on Tuesday and a tempo run on Thursday", "My legs were a bit heavy after the race last week",
    "I stretch my calves and hamstrings after every run", "I've been foam rolling my legs before bed",
    "The marathon is in six weeks and the plan has me at 45 miles a week", "I ran the last mile of the race hard",
    "I wear compression socks on long runs", "I did a track session of 400s in new racing flats",
    "I mostly run on trails with a lot of downhill", "My physio gave me strength work for my glutes and hips",
]


def running_talk_paragraph(rng: random.Random, sentences: int = 4) -> str:
    """A paragraph of training talk that uses domain words (``RUNNING_TALK``)."""
    return " ".join(s + "." for s in rng.sample(RUNNING_TALK, sentences))


def insert_narrative(text: str, rng: random.Random, paragraph=narrative_paragraph) -> str:
    """``text`` with a paragraph (default: generated narrative) inserted at a random sentence boundary."""
    parts = _BOUNDARY.split(text.strip())
    at = rng.randint(0, len(parts))
    return " ".join(parts[:at] + [paragraph(rng)] + parts[at:])


def narrative_agreement(model, texts: Sequence[str], seed: int = 0, paragraph=narrative_paragraph
                        ) -> tuple[float, list[int]]:
    """Share of ``texts`` whose label is the same with a paragraph inserted (``narrative_paragraph``: the
    generator's chatter; ``running_talk_paragraph``: training talk in the domain's words), and the indices of
    those whose label changed."""
    rng = random.Random(seed)
    texts = list(texts)
    before = model.classify_many(texts)
    after = model.classify_many([insert_narrative(t, rng, paragraph) for t in texts])
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a.label != b.label]
    return 1 - len(changed) / len(texts) if texts else 1.0, changed
