"""A cheap pre-test for regular expressions: literal text that must occur for a pattern to match.

Most red-flag patterns look like ``\\b(calf|leg)\\b[^.!?]{0,25}\\b(warm|hot|red)\\b``. Python's
``re`` scans such a pattern position by position, trying every alternative, which costs 2–20 µs
on a 60-word text; testing whether a literal occurs (``"warm" in text``) costs a fraction of a
microsecond. ``Prefilter`` reads each pattern's parse tree and collects its required pieces: sets
of literal strings such that every match contains one string of each set (here
``{calf, leg}`` and ``{warm, hot, red}``). A pattern is run only when every one of its sets has a
string in the text, so the answer is exactly that of running every pattern, only faster.
"""

from __future__ import annotations

import re
from re import _constants as C
from re import _parser

__all__ = ["Prefilter", "required_literals", "start_literals", "finditer_function"]

MAX_ALTERNATIVES = 64  # a piece with more literal alternatives than this is not used as a test


def required_literals(pattern: str) -> list[frozenset[str]]:
    """Sets of non-empty strings; every match of ``pattern`` contains one string from each set.

    An empty list means nothing is known and the pattern must always be run.
    """
    found: list[frozenset[str]] = []
    _collect(list(_parser.parse(pattern)), found)
    return list(dict.fromkeys(found))


def start_literals(pattern: str) -> frozenset[str] | None:
    """Non-empty strings one of which every match of ``pattern`` starts with; None when nothing is known."""
    starts = _starts_sequence(list(_parser.parse(pattern)))
    return frozenset(starts) if starts else None


_CASE_FLAGS = re.compile(r"\(\?[a-zA-Z-]*i")  # an inline (?i) or (?i:...): literals would not be exact


def finditer_function(pattern: re.Pattern):
    """A function equal to ``pattern.finditer`` (same matches, same order) that is faster on long texts.

    Python's ``re`` cannot skip ahead when a pattern begins with ``\\b`` or an alternation of words,
    so it tries the whole pattern at every position (about 10 ns a character). When every match must
    start with one of a few literal strings, this finds where those strings occur (``str.find``) and
    tries ``pattern.match`` only there; ``match`` with a position sees the text before it, so ``\\b``
    and look-behinds behave as in a search. Patterns without such strings (or ignoring case) get
    ``pattern.finditer`` itself.
    """
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE or _CASE_FLAGS.search(pattern.pattern):
        return pattern.finditer
    starts = start_literals(pattern.pattern)
    if not starts:
        return pattern.finditer
    # Fewer, shorter strings to look for: "hot and red", "hot, red" … → "hot" (a match still starts with
    # one of them), and a string with a shorter one as its prefix adds no position.
    heads = {head if len(head := s.split(" ", 1)[0]) >= 3 else s for s in starts}
    heads = sorted(s for s in heads if not any(t != s and s.startswith(t) for t in heads))
    match = pattern.match

    if len(heads) == 1:
        head = heads[0]

        def finditer(text: str):
            pos = 0
            while (start := text.find(head, pos)) >= 0:
                m = match(text, start)
                if m is None:
                    pos = start + 1
                else:  # not empty: it starts with a non-empty literal
                    yield m
                    pos = m.end()
        return finditer

    def finditer(text: str):
        found = []
        for head in heads:
            i = text.find(head)
            while i >= 0:
                found.append(i)
                i = text.find(head, i + 1)
        found.sort()
        pos = 0
        for start in found:
            if start >= pos and (m := match(text, start)) is not None:
                yield m
                pos = m.end()  # not empty: it starts with a non-empty literal

    return finditer


def _collect(items: list, found: list) -> None:
    """Add the required literal pieces of a parsed sequence to ``found``."""
    heads = {""}  # the current run of consecutive literal text (alternatives multiply it)

    def close() -> None:
        nonlocal heads
        if "" not in heads and len(heads) <= MAX_ALTERNATIVES:
            found.append(frozenset(heads))
        heads = {""}

    for op, av in items:
        if op is C.AT:  # \b, ^, $ consume nothing: the run continues across them
            continue
        whole = _whole(op, av)  # a literal, or a group of literal alternatives: the run continues
        if whole is not None and len(heads) * len(whole) <= MAX_ALTERNATIVES:
            heads = {h + w for h in heads for w in whole}
            continue
        close()
        if op in (C.SUBPATTERN, C.BRANCH) and (starts := _starts(op, av)):
            found.append(frozenset(starts))
        if op is C.SUBPATTERN:
            _collect(list(av[-1]), found)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            _collect(list(av[2]), found)
    close()


def _starts(op, av) -> set[str] | None:
    """Non-empty strings one of which starts every match of a group or alternation."""
    if op is C.BRANCH:
        parts = [_starts_sequence(alternative) for alternative in av[1]]
        return None if None in parts else set().union(*parts)
    return _starts_sequence(av[-1])


def _concat(items) -> tuple[set[str], bool]:
    """(strings one of which starts every match of a parsed sequence, whether they are the whole match)."""
    out = {""}
    for op, av in items:
        if op is C.AT:  # \b, ^, $ consume nothing
            continue
        whole = _whole(op, av)
        part = whole if whole is not None or op not in (C.SUBPATTERN, C.BRANCH) else _starts(op, av)
        if part is None or len(out) * len(part) > MAX_ALTERNATIVES:
            return out, False
        out = {a + b for a in out for b in part}
        if whole is None:
            return out, False
    return out, True


def _starts_sequence(items) -> set[str] | None:
    strings, _ = _concat(items)
    return None if "" in strings else strings


def _whole_sequence(items) -> set[str] | None:
    """Every string a parsed sequence can match, when it only matches fixed literal text."""
    strings, complete = _concat(items)
    return strings if complete else None


def _whole(op, av) -> set[str] | None:
    """Every string one parsed item can match, when it only matches fixed literal text."""
    if op is C.LITERAL:
        return {chr(av)}
    if op is C.SUBPATTERN:
        return _whole_sequence(av[-1])
    if op is C.BRANCH:
        parts = [_whole_sequence(alternative) for alternative in av[1]]
        return None if None in parts else set().union(*parts)
    if op is C.IN and all(o is C.LITERAL for o, _ in av):  # [sz]
        return {chr(a) for _, a in av}
    if op is C.MAX_REPEAT and av[0] == 0 and av[1] == 1:  # x?
        part = _whole_sequence(av[2])
        return None if part is None else part | {""}
    return None


class Prefilter:
    """Which patterns of named groups can match a text, from one scan for their key strings.

    Each pattern is keyed by its most selective required piece (one piece is enough: every match
    contains one of its strings), judged by how often its strings occur in ``typical`` text.
    ``candidates`` finds every key string in the text in one pass (an Aho–Corasick automaton
    from pyahocorasick) and returns the patterns whose key occurred, plus those without a key.
    """

    def __init__(self, groups: dict[str, list[re.Pattern]], typical: str = ""):
        import ahocorasick

        self._patterns = [(name, p) for name, patterns in groups.items() for p in patterns]
        self._always: list[int] = []
        keyed: dict[str, list[int]] = {}
        for i, (_, p) in enumerate(self._patterns):
            piece = _most_selective(required_literals(p.pattern), typical)
            if piece is None:
                self._always.append(i)
            for s in piece or ():
                keyed.setdefault(s, []).append(i)
        self._automaton = ahocorasick.Automaton() if keyed else None
        for literal, indices in keyed.items():
            self._automaton.add_word(literal, tuple(indices))
        if keyed:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> dict[str, list[re.Pattern]]:
        """Group → the patterns of that group that can match ``text`` (groups with none left out)."""
        hits = set(self._always)
        for _, indices in self._automaton.iter(text) if self._automaton else ():
            hits.update(indices)
        out: dict[str, list[re.Pattern]] = {}
        for i in sorted(hits):
            name, pattern = self._patterns[i]
            out.setdefault(name, []).append(pattern)
        return out


def _most_selective(pieces: list[frozenset[str]], typical: str) -> frozenset[str] | None:
    """The piece whose strings occur least often in ``typical`` text (then: longest shortest string).

    Which piece is chosen only changes speed, never the answer: any required piece will do.
    """
    return min(pieces, key=lambda piece: (sum(typical.count(s) for s in piece), -min(map(len, piece)),
                                          sorted(piece)), default=None)
