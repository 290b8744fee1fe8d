"""How calfcheck words an explanation for people: a weight as strong / some / slight evidence for or
against, what an assertion status means ("negated", "someone else's"…), a triage level in words, and the
user's own words made safe to quote in the page's markdown (``markdown_text``).

Kept apart from ``model.explain`` so the output writers (in worker processes too) can word the plain
evidence dicts of ``--explain`` records without importing the model.
"""

from __future__ import annotations

import re

__all__ = ["STRENGTHS", "STATUS_NOTES", "TRIAGE_NAMES", "strength", "plain_weight", "markdown_text"]

# |weight| (added to the label's decision score, a log-odds) from which evidence is called strong / some;
# below the last, slight. 0.5 multiplies the odds by about 1.6, 0.2 by about 1.2.
STRENGTHS = ((0.5, "strong"), (0.2, "some"), (0.0, "slight"))
# the assertion status of the words (``preprocess.STATUS_PREFIXES``), said plainly
STATUS_NOTES = {"NEG": "negated", "HYP": "hedged: only likened to or wondered about", "HIST": "an earlier episode",
                "OTHER": "someone else's"}

# what each triage level asks of the reader, as the page's Batch tab shows it
TRIAGE_NAMES = {"emergency": "Emergency: call now", "urgent": "See a doctor today",
                "see_doctor": "See a doctor or physio soon", "self_care": "Self-care"}


def strength(weight: float) -> str:
    """``"strong"``, ``"some"`` or ``"slight"`` for a contribution of ``weight``."""
    return next(word for bound, word in STRENGTHS if abs(weight) >= bound)


def plain_weight(weight: float, status: str = "") -> str:
    """“strong evidence for”, “slight evidence against (hedged: only likened to or wondered about)”…"""
    note = STATUS_NOTES.get(status)
    return f"{strength(weight)} evidence {'for' if weight > 0 else 'against'}" + (f" ({note})" if note else "")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")
WORD_JOINER = "\u2060"  # invisible; after a colon it keeps ":smile:", ":red[x]" or ":material/x:" from matching


def markdown_text(text: str) -> str:
    """``text`` with markdown's special characters escaped: shown as typed, never as formatting, a link, maths
    (``$``: KaTeX) or an emoji or icon shortcode (a ``:`` is followed by an invisible word joiner: Streamlit
    reads shortcodes after the markdown is parsed, so a backslash would not stop them)."""
    return _MARKDOWN.sub(r"\\\1", text).replace(":", ":" + WORD_JOINER)
