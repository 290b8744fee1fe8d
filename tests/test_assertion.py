"""Assertion status beyond negation (ConText-style): each category, with look-alikes that must stay asserted."""

import pytest

from classifier.preprocess import SpacyNormalizer

NORMALIZER = SpacyNormalizer()


def status_of(text: str, word: str) -> str:
    """The status of the first term whose lemma is ``word`` ("" = asserted)."""
    terms = NORMALIZER.analyse(text)
    for t in terms:
        if t.lemma == word:
            return t.status
    raise AssertionError(f"no term {word!r} in {[t.feature for t in terms]}")


CASES = [
    # hypothetical or compared
    ("It felt like a bad cramp, and I've been hobbling for a week", "cramp", "HYP"),
    ("I thought I'd cramped up at first", "cramp", "HYP"),
    ("it was as if someone had kicked me", "kick", "HYP"),
    ("going to the doctor in case it's a clot", "clot", "HYP"),
    ("not sure if it's a strain or a cramp", "strain", "HYP"),
    # look-alikes: asserted
    ("my calf cramped at mile 20", "cramp", ""),
    ("I like running hills, then my calf cramped", "cramp", ""),
    ("I pulled my calf sprinting", "pull", ""),
    # negated and ruled out; a ruled-out body part is negated too
    ("it wasn't a cramp", "cramp", "NEG"),
    ("no swelling at all", "swelling", "NEG"),
    ("I checked: the pain was not on my Achilles tendon", "achilles", "NEG"),
    ("it's not my calf, it's higher up", "calf", "NEG"),
    ("no swelling\n\nMy calf hurts when I run", "hurt", ""),  # a blank line ends the scope
    ("It has been over three years now. I initially thought it might\nbe plantar fasciitis", "fasciitis", "HYP"),
    # ... a hard-wrapped line does not; a short line, or a new line that starts an item, does
    ("No injury\nCalf swollen and hot since yesterday", "swollen", ""),
    ("no fever\nthe redness is spreading up my leg", "spread", ""),
    ("- no injury\n- calf swollen and warm", "swollen", ""),
    # look-alike: what is negated is the getting better, not the pain
    ("the pain in my calves wasn't any better by Thursday", "pain", ""),
    ("the swelling wasn't there by Thursday", "swelling", "NEG"),
    # look-alikes: a body part that is where a negated finding is stays asserted
    ("no calf pain before, now it's swollen", "calf", ""),
    ("I've never had an Achilles problem before but I do now", "achilles", ""),
    # historical
    ("I tore a calf muscle years ago and now my heel hurts", "tear", "HIST"),
    ("I had a strain in the other leg years ago", "strain", "HIST"),
    # look-alikes: the present complaint, dated or told after a correction, stays asserted
    ("I ran my first marathon last year and my calf cramped at mile 22", "cramp", ""),
    ("The pain in my calf started a year ago and flares up at mile 3", "pain", ""),
    ("It felt like a cramp but it was a proper tear with a pop", "tear", ""),
    ("I thought it was cramp but it turned out to be a torn calf", "tear", ""),
    ("My wife noticed my calf was swollen and red", "swollen", ""),
    ("I have a history of cramps", "cramp", "HIST"),
    # someone else's
    ("my husband had a clot after his flight", "clot", "OTHER"),
    ("my friend says it's just a cramp", "cramp", "OTHER"),
    ("there is a family history of clots", "clot", "OTHER"),
    # look-alike: the writer's own
    ("I had a clot in my leg after the flight", "clot", ""),
]


@pytest.mark.parametrize("text, word, status", CASES, ids=[c[0][:40] for c in CASES])
def test_assertion_status(text, word, status):
    assert status_of(text, word) == status


def test_each_status_is_its_own_feature():
    features = NORMALIZER.analyse("It felt like a cramp, it wasn't a cramp, my friend gets cramps, I cramped").features
    assert {"HYP_cramp", "NEG_cramp", "OTHER_cramp", "cramp"} <= set(features)


def test_term_lemma_drops_the_status_prefix():
    terms = NORMALIZER.analyse("my husband had a clot")
    clot = next(t for t in terms if t.feature == "OTHER_clot")
    assert clot.lemma == "clot" and clot.status == "OTHER" and not clot.negated
