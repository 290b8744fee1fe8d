"""Why an answer is ``unknown``: which out-of-scope topic the text reads like."""

from __future__ import annotations

import re

from classifier.facts import OutOfScopeTopic, display_name, load_out_of_scope
from classifier.preprocess import Terms

__all__ = ["unknown_reason", "out_of_scope_topic", "elsewhere", "calf_complaint", "mentions_clot", "CALF_WORDS", "SYMPTOM_WORDS"]

# Words that, asserted by the writer, place a complaint in the calf, the Achilles or a calf muscle.
CALF_WORDS = frozenset({
    "calf", "achilles", "soleus", "gastroc", "gastrocnemius", "gastrocs", "plantaris", "cramp", "spasm", "charley",
    "charlie", "compartment", "cecs", "tendinitis", "tendinopathy", "tendinosis", "tendon",
})
# ... and words that make it a complaint (the writer's own symptom or injury), not a mention.
SYMPTOM_WORDS = frozenset({
    "pain", "painful", "hurt", "sore", "ache", "aching", "achy", "tight", "tightness", "cramp", "spasm", "strain",
    "tear", "torn", "pull", "pop", "twinge", "tweak", "niggle", "injury", "injure", "swollen", "swelling", "stiff",
    "stiffness", "tender", "burn", "burning", "numb", "tingle", "seize", "knot", "lock", "throb", "agony",
    "problem", "issue", "tendinitis", "tendinopathy", "tendinosis", "compartment", "cecs", "charley", "charlie",
})
# Topics named by a place where the four conditions are felt too (shins, ankle, foot): never evidence of another
# problem on their own.
LOWER_LEG_TOPICS = frozenset({"shin_splints", "ankle_foot"})
# A blood clot, named or wondered about ("in case it's a clot"), is never answered as one of the four by the
# scope decision: the model's own answer stands (and the red-flag rules speak).
CLOT_WORDS = frozenset({"clot", "clots", "dvt", "thrombosis", "thrombus", "embolism", "embolus", "pe"})


def calf_complaint(terms: Terms) -> bool:
    """Whether the writer speaks of their own calf, Achilles or calf-muscle problem: a ``CALF_WORDS`` term and a
    ``SYMPTOM_WORDS`` term that are asserted (not negated or ruled out, not only likened to, not from years ago,
    not someone else's)."""
    asserted = terms.asserted()
    return not CALF_WORDS.isdisjoint(asserted) and not SYMPTOM_WORDS.isdisjoint(asserted)


def elsewhere(terms: Terms, text: str) -> OutOfScopeTopic | None:
    """The other problem a text is about, when it is out of scope on positive evidence: an out-of-scope topic
    (shin bone, knee, foot, hamstring, back, a named other diagnosis, ...) is affirmed and no calf, Achilles or
    calf-muscle word is. ("I felt my hamstring pull" is not a calf strain, however strain-like its words.) Shin,
    ankle and foot words are not such evidence: compartment syndrome is told in the shins and feet ("my shins go
    tight and numb"), Achilles pain at the ankle ("the cord at the back of my ankle")."""
    if not CALF_WORDS.isdisjoint(terms.asserted()) or out_of_scope_topic(terms) is None:
        return None  # the cheap tests first: most texts stop here
    topic = out_of_scope_topic(terms, text=text)
    return None if topic is None or topic.id in LOWER_LEG_TOPICS else topic


def mentions_clot(terms: Terms) -> bool:
    """A blood clot named or wondered about by the writer (negated, historical or someone else's do not count)."""
    for i, feature in enumerate(terms.features):
        if i in terms.negated:
            continue
        status = terms.statuses.get(i, "")
        if status in ("", "HYP") and feature.removeprefix("HYP_") in CLOT_WORDS:
            return True
    return False


def out_of_scope_topic(terms: Terms, *, text: str | None = None) -> OutOfScopeTopic | None:
    """The first out-of-scope topic (other than chatter) whose cues the text affirms, if any. Given the ``text``,
    a cue that only says where the pain is ("tight below the knee", "behind the knee") does not count."""
    asserted = terms.asserted() if text is None else _not_places(terms, text)
    words = set(asserted)
    lowered = " ".join(asserted)
    for topic in load_out_of_scope():
        if topic.id != "chatter" and any((cue in words) if " " not in cue else (cue in lowered) for cue in topic.cues):
            return topic
    return None


_PLACE_BEFORE = re.compile(r"\b(below|under|behind|beneath|underneath|above)\s+(the|my|your|his|her)?\s*$")
_RULED_OUT_AFTER = re.compile(r"^\s*(isn\W?t|wasn\W?t|aren\W?t|weren\W?t|is not|was not|are not|were not"
                              r"|(is|are|was|were|feels?|felt|looks?|looked|seems?|seemed) (fine|ok|okay|normal|good|great))\b")


def _not_places(terms: Terms, text: str) -> list[str]:
    """The asserted lemmas less those that only say where the pain is, or is not: right after a place preposition
    ("below the knee"), or right before a negated verb or "fine" ("the bone isn't tender", "my knees are fine")."""
    skip = terms.negated | terms.statuses.keys()
    return [f for i, f in enumerate(terms.features)
            if i not in skip and not _PLACE_BEFORE.search(text[max(0, terms.starts[i] - 20):terms.starts[i]].lower())
            and not _RULED_OUT_AFTER.match(text[terms.ends[i]:terms.ends[i] + 20].lower())]


def unknown_reason(terms: Terms, top_condition: str, top_probability: float) -> str:
    """A plain-words reason for an ``unknown`` answer."""
    words = {t.lemma for t in terms if not t.negated}
    topic = out_of_scope_topic(terms)
    if topic is not None:
        return f"This reads like {topic.reason}, which calfcheck does not cover."
    if not words:
        return "There is nothing here to classify: describe where and how your calf hurts."
    if not words & {"calf", "leg", "achilles", "tendon", "cramp", "muscle", "shin", "heel", "ankle"}:
        return "No calf symptom was found in this text; calfcheck only covers calf pain."
    return (f"None of the four conditions fits well enough (closest: {display_name(top_condition)}, "
            f"{top_probability:.0%}). Add where it hurts, when it started and what makes it worse.")
