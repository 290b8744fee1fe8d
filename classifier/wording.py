"""How calfcheck words an explanation for people: a weight as strong / some / slight evidence for or
against, and what an assertion status means ("negated", "someone else's"…).

Kept apart from ``model.explain`` so the output writers (in worker processes too) can word the plain
evidence dicts of ``--explain`` records without importing the model.
"""

from __future__ import annotations

__all__ = ["STRENGTHS", "STATUS_NOTES", "strength", "plain_weight"]

# |weight| (added to the label's decision score, a log-odds) from which evidence is called strong / some;
# below the last, slight. 0.5 multiplies the odds by about 1.6, 0.2 by about 1.2.
STRENGTHS = ((0.5, "strong"), (0.2, "some"), (0.0, "slight"))
# the assertion status of the words (``preprocess.STATUS_PREFIXES``), said plainly
STATUS_NOTES = {"NEG": "negated", "HYP": "hedged: only likened to or wondered about", "HIST": "an earlier episode",
                "OTHER": "someone else's"}


def strength(weight: float) -> str:
    """``"strong"``, ``"some"`` or ``"slight"`` for a contribution of ``weight``."""
    return next(word for bound, word in STRENGTHS if abs(weight) >= bound)


def plain_weight(weight: float, status: str = "") -> str:
    """“strong evidence for”, “slight evidence against (hedged: only likened to or wondered about)”…"""
    note = STATUS_NOTES.get(status)
    return f"{strength(weight)} evidence {'for' if weight > 0 else 'against'}" + (f" ({note})" if note else "")
