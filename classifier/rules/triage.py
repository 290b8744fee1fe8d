"""Red-flag triage: negation-aware rules (``classifier/data/red_flags.toml``) that run beside the model.

The rules can only raise the triage level: ``self_care`` < ``see_doctor`` < ``urgent`` < ``emergency``.
A rule pattern counts only if the words it matched are not inside a negation found by the spaCy
normaliser, so "no swelling, not warm" raises nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from classifier.facts import UNKNOWN, data_path, load_conditions, read_toml
from classifier.rules.prefilter import Prefilter, finditer_function
from classifier.preprocess import Terms

__all__ = ["LEVELS", "RedFlag", "Triage", "triage"]

LEVELS = ("self_care", "see_doctor", "urgent", "emergency")


@dataclass(frozen=True)
class RedFlag:
    id: str
    triage: str
    reason: str
    any_of: tuple[tuple[tuple[str, bool], ...], ...]  # alternatives of (group, must match); "!group" → False


@dataclass(frozen=True)
class Rules:
    groups: dict
    flags: tuple[RedFlag, ...]
    negation_exempt: frozenset[str]
    prefilter: Prefilter  # which patterns of a group can match a text at all
    finditer: dict  # pattern → a function equal to its ``finditer``, faster (``finditer_function``)


@dataclass(frozen=True)
class Triage:
    level: str
    red_flags: list[dict]
    notes: list[str]


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> Rules:
    data = read_toml(path or data_path("red_flags.toml"))
    if tuple(data["levels"]) != LEVELS:
        raise ValueError(f"red_flags.toml levels must be {LEVELS}")
    groups = {name: [re.compile(p) for p in pats] for name, pats in data["groups"].items()}
    flags = []
    for f in data["flags"]:
        alts = tuple(tuple((g.lstrip("!"), not g.startswith("!")) for alt_group in alt for g in alt_group)
                     for alt in f["any_of"])
        for g, _ in (g for alt in alts for g in alt):
            if g not in groups:
                raise ValueError(f"red flag {f['id']} uses unknown group {g!r}")
        flags.append(RedFlag(f["id"], f["triage"], f["reason"], alts))
    finditer = {p: finditer_function(p) for patterns in groups.values() for p in patterns}
    return Rules(groups, tuple(flags), frozenset(data.get("negation_exempt", ())), Prefilter(groups, _typical_text()),
                 finditer)


def _typical_text() -> str:
    """Text about calf pain (the condition facts): what the prefilter judges a literal's selectivity on.
    It only orders the tests; the answer is the same for any text."""
    return "\n".join(f.text for c in load_conditions().values() for f in c.facts).lower()


def _affirmed(match: re.Match, terms: Terms) -> bool:
    """True unless the finding's words are all negated.

    The finding is the pattern's ``(?P<f>...)`` group when it has one ("calf isn't *warm*"),
    else the whole match.
    """
    return not terms.all_negated_in(*_finding_span(match))


def _finding_span(m: re.Match) -> tuple[int, int]:
    """The span of a match's finding: its ``(?P<f>...)`` group when it has one, else the whole match."""
    return m.span("f") if "f" in m.re.groupindex else m.span()


def _group_match(name: str, text: str, terms: Terms, rules: Rules, patterns: list[re.Pattern]) -> re.Match | None:
    """The first affirmed match of a group's patterns in ``text``, or None."""
    check = name not in rules.negation_exempt
    for pattern in patterns:
        for m in rules.finditer[pattern](text):
            if not check or _affirmed(m, terms):
                return m
    return None


_BODY_WORDS = frozenset({"calf", "calves", "calve", "leg", "legs", "shin", "ankle", "achilles"})


def _quote(text: str, m: re.Match) -> dict:
    """The words of a match, as the user wrote them, with their span (what the page highlights)."""
    start, end = _finding_span(m)
    return {"text": text[start:end], "start": start, "end": end}


def triage(text: str, terms: Terms, label: str, rules: Rules | None = None) -> Triage:
    """Triage level, red flags and notes for ``text`` (its normaliser ``terms``) and model ``label``."""
    rules = rules or load_rules()
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length when lower-cased; keep spans aligned
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    candidates = rules.prefilter.candidates(lower)
    cache: dict[str, re.Match | None] = {}

    def match(name: str) -> re.Match | None:
        if name not in cache:
            patterns = candidates.get(name)
            cache[name] = _group_match(name, lower, terms, rules, patterns) if patterns else None
        return cache[name]

    def matches(name: str) -> bool:
        return match(name) is not None

    level = load_conditions()[label].default_triage if label != UNKNOWN else "self_care"
    notes = []
    if label != UNKNOWN and matches("long_lasting") and level == "self_care":
        level = "see_doctor"
        notes.append("Pain that has lasted weeks or keeps coming back is worth showing to a doctor or physio.")
    flags = []
    for flag in rules.flags:
        # a group none of whose patterns can match is false at once: test those conjunctions first
        fired = next((alt for alt in flag.any_of if all(g in candidates or not wanted for g, wanted in alt)
                      and all(matches(g) == wanted for g, wanted in alt)), None)
        if fired is not None:
            # the words that raised it, in reading order; a body-part group ("leg") alone says little
            evidence = sorted((_quote(text, match(g)) for g, wanted in fired if wanted), key=lambda q: q["start"])
            quoted = [q for q in evidence if q["text"].lower() not in _BODY_WORDS] or evidence
            said = ", ".join(f"“{q['text']}”" for q in quoted)
            flags.append({"id": flag.id, "triage": flag.triage, "reason": f"You wrote {said}. {flag.reason}",
                          "evidence": quoted})
            if LEVELS.index(flag.triage) > LEVELS.index(level):
                level = flag.triage
    return Triage(level, flags, notes)
