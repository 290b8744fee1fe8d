"""Why an answer is ``unknown``: which out-of-scope topic the text reads like."""

from __future__ import annotations

from classifier.facts import OutOfScopeTopic, load_out_of_scope
from classifier.preprocess import Terms

__all__ = ["unknown_reason", "out_of_scope_topic", "calf_complaint", "CALF_WORDS"]

# Words that, asserted by the writer, make a text a calf / Achilles / lower-leg muscle or tendon complaint.
CALF_WORDS = frozenset({
    "calf", "achilles", "soleus", "gastroc", "gastrocnemius", "gastrocs", "plantaris", "cramp", "spasm", "charley",
    "charlie", "compartment", "cecs", "tendinitis", "tendinopathy", "tendinosis", "tendon",
})


def calf_complaint(terms: Terms) -> bool:
    """Whether the writer speaks of their own calf, Achilles or calf-muscle problem: a ``CALF_WORDS`` term that
    is asserted (not negated or ruled out, not only likened to, not from years ago, not someone else's)."""
    return not CALF_WORDS.isdisjoint(terms.asserted())


def out_of_scope_topic(terms: Terms) -> OutOfScopeTopic | None:
    """The first out-of-scope topic (other than chatter) whose cues the text affirms, if any."""
    asserted = terms.asserted()
    words = set(asserted)
    lowered = " ".join(asserted)
    for topic in load_out_of_scope():
        if topic.id != "chatter" and any((cue in words) if " " not in cue else (cue in lowered) for cue in topic.cues):
            return topic
    return None


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
    return (f"None of the four conditions fits well enough (closest: {top_condition.replace('_', ' ')}, "
            f"{top_probability:.0%}). Add where it hurts, when it started and what makes it worse.")
