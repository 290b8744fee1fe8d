"""The regex prefilter must never drop a pattern that matches: it may only skip hopeless ones."""

import json
import re

import pytest

from classifier.training.generate import GeneratorConfig, generate
from classifier.rules.prefilter import Prefilter, finditer_function, required_literals, start_literals
from classifier.rules.triage import load_rules

from conftest import ROOT
from test_triage import CASES


@pytest.mark.parametrize("pattern, expected", [
    (r"\bpregnan", [{"pregnan"}]),
    (r"\b(calf|leg)\b[^.!?]{0,25}\b(warm|hot)\b", [{"calf", "leg"}, {"warm", "hot"}]),
    (r"\bveins?\b", [{"vein", "veins"}]),
    (r"\bpost-?op\b", [{"post-op", "postop"}]),
    (r"\bimmobili[sz]ed\b", [{"immobilised", "immobilized"}]),
    (r"\b\d+ ?hours\b", [{" hours", "hours"}]),
    (r"\b(cough\w*|spit) blood", [{"cough", "spit"}, {" blood"}]),
    (r"\d+|\w+", []),
    (r"(a|)b", [{"ab", "b"}]),
])
def test_required_literals(pattern, expected):
    found = required_literals(pattern)
    assert [set(piece) for piece in found] == expected
    for piece in found:  # every match of the pattern in this sample contains one string of each piece
        for text in ("my calf is warm", "hot leg", "2 hours", "i coughed blood", "ab b", "veins", "postop"):
            if m := re.search(pattern, text):
                assert any(s in m.group() for s in piece)


def texts_to_check():
    texts = [case[0] for case in CASES]
    for name in ("heldout.jsonl", "heldout_fresh.jsonl"):
        texts += [json.loads(line)["text"] for line in (ROOT / "tests" / "data" / name).open()]
    texts += [e.text for e in generate(GeneratorConfig(seed=5))][:3000]
    return [t.lower() for t in texts]


def test_prefilter_keeps_every_pattern_that_matches():
    rules = load_rules()
    checked = 0
    for text in texts_to_check():
        candidates = rules.prefilter.candidates(text)
        for group, patterns in rules.groups.items():
            for pattern in patterns:
                if pattern.search(text):
                    checked += 1
                    assert pattern in candidates.get(group, []), (group, pattern.pattern, text)
    assert checked > 1000  # the sample really exercises the rules


def test_prefilter_skips_patterns_whose_words_are_absent():
    warm = re.compile(r"\b(calf|leg)\b[^.!?]{0,25}\b(warm|hot)\b")
    hours = re.compile(r"\b\d+ hours\b")
    pre = Prefilter({"sign": [warm], "time": [hours]}, typical="my calf hurts. my leg hurts.")
    assert pre.candidates("my calf hurts after the long run") == {}
    assert pre.candidates("my calf is warm") == {"sign": [warm]}
    assert pre.candidates("sat for 9 hours") == {"time": [hours]}


def test_pattern_without_literals_is_always_a_candidate():
    digits = re.compile(r"\d+")
    assert Prefilter({"n": [digits]}).candidates("no digits here") == {"n": [digits]}


@pytest.mark.parametrize("pattern, expected", [
    (r"\b(calf|leg)\b[^.!?]{0,25}\b(warm|hot)\b", {"calf", "leg"}),
    (r"\bchest (pain|hurts)", {"chest pain", "chest hurts"}),
    (r"\b(?P<f>ach\w*|pain)\b", {"ach", "pain"}),
    (r"(a|)b", {"ab", "b"}),
    (r"\b\d+ hours", None),
    (r"(?<!no )swelling", None),
    (r"(a|\d)b", None),
])
def test_start_literals(pattern, expected):
    assert start_literals(pattern) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize("pattern, text", [
    (r"\b(calf|calves)\b", "calves calf xcalf calfx calf"),  # \b sees the character before the start
    (r"aba|bab", "ababab"),  # overlapping starts: matches do not overlap, as with finditer
    (r"(?<=my )calf", "a calf, my calf"),
    (r"\bleg(s)?\b[^.]{0,10}\bhot", "legs hot. leg is hot, leg hot"),
    (r"(?i)calf", "CALF calf"),
    (r"(?i:calf)", "CALF calf"),
    (r"\d+ hours", "9 hours and 10 hours"),
])
def test_finditer_function_equals_finditer(pattern, text):
    p = re.compile(pattern)
    assert [m.span() for m in finditer_function(p)(text)] == [m.span() for m in p.finditer(text)]


def test_finditer_function_equals_finditer_on_the_rules():
    rules = load_rules()
    checked = 0
    for text in texts_to_check():
        for patterns in rules.groups.values():
            for p in patterns:
                expected = [(m.span(), m.groupdict()) for m in p.finditer(text)]
                assert [(m.span(), m.groupdict()) for m in rules.finditer[p](text)] == expected, (p.pattern, text)
                checked += bool(expected)
    assert checked > 1000


def test_finditer_function_keeps_finditer_where_no_start_is_known_and_speeds_up_most_rules():
    for pattern in (r"(?i)calf", r"(?i:calf)", r"\d+ hours", r"(?<!no )swelling"):
        p = re.compile(pattern)
        assert finditer_function(p) == p.finditer, pattern  # the fallback is finditer itself
    patterns = [p for ps in load_rules().groups.values() for p in ps]
    fast = [p for p in patterns if finditer_function(p) != p.finditer]
    assert len(fast) >= 0.8 * len(patterns), f"{len(fast)} of {len(patterns)} rule patterns take the fast path"
