"""Red-flag triage: negation-aware rules (``classifier/data/red_flags.toml``) that run beside the model.

The rules can only raise the triage level: ``self_care`` < ``see_doctor`` < ``urgent`` < ``emergency``.
A rule pattern counts only if the words it matched are not inside a negation found by the spaCy
normaliser, so "no swelling, not warm" raises nothing, nor inside a match of a group named for it in
``[not_the_writer]`` ("my husband had a clot" is not the writer's clot). A flag with ``raise_if`` rises to
``raise_to`` when one of those alternatives holds too (cellulitis with confusion or vomiting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    raise_to: str | None = None  # a higher level when one of ``raise_if`` holds as well
    raise_if: tuple[tuple[tuple[str, bool], ...], ...] = ()
    raise_reason: str = ""
    title: str = ""  # a short name for the page's headline ("Possible blood clot")


@dataclass(frozen=True)
class Rules:
    groups: dict
    flags: tuple[RedFlag, ...]
    negation_exempt: frozenset[str]
    prefilter: Prefilter  # which patterns of a group can match a text at all
    finditer: dict  # pattern → a function equal to its ``finditer``, faster (``finditer_function``)
    # group → groups whose matches cancel its matches that start inside them: someone else's words, a sentence that
    # explains the finding away, an injury of long ago (the TOML table keeps its first name, [not_the_writer])
    not_the_writer: dict = field(default_factory=dict)
    own_negation: frozenset = frozenset()  # lay phrases that hold their own negation ("can't feel my toes")
    false_friends: dict = field(default_factory=dict)  # lay phrase pattern → its concept's false-friend patterns


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
        alts, raise_if = _alternatives(f["id"], f["any_of"], groups), _alternatives(f["id"], f.get("raise_if", ()), groups)
        if f["triage"] not in LEVELS or f.get("raise_to", f["triage"]) not in LEVELS:
            raise ValueError(f"red flag {f['id']}: triage and raise_to must be one of {LEVELS}")
        if raise_if and not (f.get("raise_to") and f.get("raise_reason")):
            raise ValueError(f"red flag {f['id']}: raise_if needs raise_to and raise_reason")
        flags.append(RedFlag(f["id"], f["triage"], f["reason"], alts, f.get("raise_to"), raise_if, f.get("raise_reason", ""),
                             f.get("title", f["id"].replace("_", " ").capitalize())))
    not_the_writer = {g: tuple(others) for g, others in data.get("not_the_writer", {}).items()}
    # the lay phrases extend the packaged rules only (a rules file given by path stands alone)
    own_negation, false_friends = _add_lay_phrases(groups, read_toml(data_path("lay_phrases.toml")) if path is None
                                                   else {})
    for g in (g for gs in not_the_writer.items() for g in (gs[0], *gs[1])):
        if g not in groups:
            raise ValueError(f"not_the_writer names unknown group {g!r}")
    finditer = {p: finditer_function(p) for patterns in groups.values() for p in patterns}
    return Rules(groups, tuple(flags), frozenset(data.get("negation_exempt", ())), Prefilter(groups, _typical_text()),
                 finditer, not_the_writer, own_negation, false_friends)


_NEGATION_IN_PHRASE = re.compile(r"\b(can't|cant|cannot|couldn't|couldnt|won't|wont|don't|dont|doesn't|doesnt|didn't|"
                                 r"didnt|isn't|isnt|aren't|no|not|nothing|never|none|without|unable|non)\b")
# contractions written without their apostrophe in a phrase still match the usual spelling ("cant" → can't)
_CONTRACTION = re.compile(r"^(can|don|won|didn|couldn|wouldn|shouldn|isn|wasn|aren|weren|doesn|hasn|haven)(t)$|^(it|that)(s)$|"
                          r"^(i)(m|ve|d)$")


def _word_pattern(word: str) -> str:
    if "'" in word:
        return re.escape(word).replace("'", "[’']?")
    m = _CONTRACTION.match(word)
    if m:
        head, tail = [g for g in m.groups() if g]
        return re.escape(head) + "[’']?" + re.escape(tail)
    return re.escape(word)


def lay_pattern(phrase: str, suffix: str = "") -> re.Pattern:
    """A phrase as written ("can't catch my breath") → a pattern for lower-cased text: whole words, any run of
    spaces between them, an apostrophe optional or curly either way ("cant", "can’t", "can't"); ``suffix``: a
    look-ahead the concept adds (a recent injury is not one "years ago")."""
    words = [_word_pattern(w) for w in phrase.lower().split()]
    return re.compile(r"\b(?P<f>" + r"\s+".join(words) + r")(?!\w)" + suffix)


def _add_lay_phrases(groups: dict, data: dict) -> tuple[frozenset, dict]:
    """Add the lay phrases of ``lay_phrases.toml`` to the groups each concept extends. Returns the phrase
    patterns that hold their own negation (not checked for negation) and, for each phrase pattern, its
    concept's false friends (a match inside one does not count; the groups' own patterns are not affected)."""
    own, false_friends = set(), {}
    for concept, c in data.get("concepts", {}).items():
        patterns = [lay_pattern(p, c.get("suffix", "")) for p in c["phrases"]]
        own.update(p for p, text in zip(patterns, c["phrases"]) if _NEGATION_IN_PHRASE.search(text))
        friends = tuple(lay_pattern(p) for p in c.get("false_friends", ()))
        false_friends.update((p, friends) for p in patterns)
        for g in c["groups"]:
            if g not in groups:
                raise ValueError(f"lay_phrases.toml: concept {concept} extends unknown group {g!r}")
            groups[g] = groups[g] + patterns
    return frozenset(own), false_friends


def _alternatives(flag: str, any_of, groups: dict) -> tuple[tuple[tuple[str, bool], ...], ...]:
    """``[[["leg"], ["!benign"]], ...]`` → ``((("leg", True), ("benign", False)), ...)``, groups checked."""
    alts = tuple(tuple((g.lstrip("!"), not g.startswith("!")) for alt_group in alt for g in alt_group) for alt in any_of)
    for g, _ in (g for alt in alts for g in alt):
        if g not in groups:
            raise ValueError(f"red flag {flag} uses unknown group {g!r}")
    return alts


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


def _group_match(name: str, text: str, terms: Terms, rules: Rules, patterns: list[re.Pattern],
                 others: list[tuple[int, int]] = ()) -> re.Match | None:
    """The first affirmed match of a group's patterns in ``text`` whose finding is not inside one of
    ``others`` (spans where the words are about someone else), or None."""
    check = name not in rules.negation_exempt
    for pattern in patterns:
        friends = None
        for m in rules.finditer[pattern](text):
            start, end = _finding_span(m)
            if any(s <= start < e for s, e in others):  # it starts inside someone else's words: theirs
                continue
            if pattern in rules.false_friends:
                if friends is None:
                    friends = [f.span() for fp in rules.false_friends[pattern] for f in fp.finditer(text)]
                if any(s <= start and end <= e for s, e in friends):
                    continue
            if not check or pattern in rules.own_negation or _affirmed(m, terms):
                return m
    return None


_BODY_WORDS = frozenset({"calf", "calves", "calve", "leg", "legs", "shin", "ankle", "achilles"})


def _quote(text: str, m: re.Match) -> dict:
    """The words of a match, as the user wrote them, with their span (what the page highlights)."""
    start, end = _finding_span(m)
    return {"text": text[start:end], "start": start, "end": end}


def _said(quoted: list[dict]) -> str:
    """“swollen”, “warm” and “after a long flight”: the words that raised a flag together, in reading order."""
    words = [f"“{q['text']}”" for q in quoted]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
            others = [m.span() for g in rules.not_the_writer.get(name, ()) for p in candidates.get(g, ())
                      for m in rules.finditer[p](lower)] if patterns else []
            cache[name] = _group_match(name, lower, terms, rules, patterns, others) if patterns else None
        return cache[name]

    def holds(alternatives) -> tuple | None:
        # a group none of whose patterns can match is false at once: test those conjunctions first
        return next((alt for alt in alternatives if all(g in candidates or not wanted for g, wanted in alt)
                     and all(matches(g) == wanted for g, wanted in alt)), None)

    def matches(name: str) -> bool:
        return match(name) is not None

    level = load_conditions()[label].default_triage if label != UNKNOWN else "self_care"
    notes = []
    if matches("long_lasting") and level == "self_care":  # an out-of-scope pain that lasts needs a doctor too
        level = "see_doctor"
        notes.append("Pain that has lasted weeks or keeps coming back is worth showing to a doctor or physio.")
    flags = []
    for flag in rules.flags:
        fired = holds(flag.any_of)
        if fired is not None:
            raised = holds(flag.raise_if) if flag.raise_if else None
            # the words that raised it, with those of every other alternative of the flag that holds too
            # (swollen and warm, after a long flight), in reading order; a body-part group ("leg") alone says little
            also = [g for alt in flag.any_of if alt is not fired and holds((alt,)) for g, wanted in alt if wanted]
            groups = dict.fromkeys(g for g, wanted in (*fired, *(raised or ())) if wanted) | dict.fromkeys(also)
            evidence = []
            for q in sorted((_quote(text, match(g)) for g in groups), key=lambda q: (q["start"], -q["end"])):
                if not evidence or q["start"] >= evidence[-1]["end"]:  # overlapping words quoted once
                    evidence.append(q)
            quoted = [q for q in evidence if q["text"].lower() not in _BODY_WORDS] or evidence
            level_now, why = (flag.raise_to, flag.raise_reason) if raised else (flag.triage, flag.reason)
            flags.append({"id": flag.id, "triage": level_now, "reason": f"You wrote {_said(quoted)}. {why}",
                          "evidence": quoted})
            if LEVELS.index(level_now) > LEVELS.index(level):
                level = level_now
    return Triage(level, flags, notes)
