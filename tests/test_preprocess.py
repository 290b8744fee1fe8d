import pickle

import pytest

from classifier.preprocess import NEG_PREFIX, SpacyNormalizer


@pytest.fixture(scope="module")
def norm():
    return SpacyNormalizer()


def test_preprocess_negated_and_affirmed_findings_give_different_features(norm):
    negated, affirmed = norm.transform(["no swelling, no redness", "swelling and redness"])
    assert set(negated) == {NEG_PREFIX + "swelling", NEG_PREFIX + "redness"}
    assert set(affirmed) == {"swelling", "redness"}
    assert not set(negated) & set(affirmed)


@pytest.mark.parametrize("text, negated, affirmed", [
    ("There is no swelling but sharp pain", {"swelling"}, {"sharp", "pain"}),
    ("it doesn't hurt at rest, only when I push off", {"hurt", "rest"}, {"push"}),
    ("calf cramped, not swollen", {"swollen"}, {"calf", "cramp"}),
])
def test_preprocess_negation_scope_ends_at_terminators(norm, text, negated, affirmed):
    terms = norm.analyse(text)
    assert {t.lemma for t in terms if t.negated} == negated
    assert affirmed <= {t.lemma for t in terms if not t.negated}


def test_preprocess_spans_point_into_the_text(norm):
    text = "My calves were swollen"
    for t in norm.analyse(text):
        assert text[t.start:t.end].lower() in {"calves", "swollen"}
    assert [t.lemma for t in norm.analyse(text)] == ["calf", "swollen"]


def test_preprocess_pickle_drops_spacy_and_rebuilds(norm):
    norm.transform(["warm it up"])
    data = pickle.dumps(norm)
    assert len(data) < 2000
    assert pickle.loads(data).transform(["no swelling"]) == [[NEG_PREFIX + "swelling"]]


def test_preprocess_rejects_a_bare_string(norm):
    with pytest.raises(ValueError, match="string object received"):
        norm.transform("no swelling")


def test_preprocess_terms_carry_spans_into_the_text_and_negation(norm):
    text = "Calf is warm, no swelling at all"
    terms = norm.analyse(text)
    assert [text[t.start:t.end] for t in terms] == ["Calf", "warm", "swelling"]
    assert [t.negated for t in terms] == [False, False, True]
    assert terms.features == ["calf", "warm", NEG_PREFIX + "swelling"]
    assert terms[-1].lemma == "swelling" and terms[-1] == terms[2]
    assert terms.all_negated_in(text.index("swelling"), len(text)) is True
    assert terms.all_negated_in(0, text.index(",")) is False
    assert terms.all_negated_in(text.index(" is"), text.index(" is") + 3) is None  # a stop word only


@pytest.mark.parametrize("text, affirmed, negated", [
    ("my calf hurts and I can't breathe properly", {"breathe", "calf"}, set()),
    ("couldn't catch my breath on the stairs", {"catch", "breath", "stair"}, set()),
    ("not sure why my calf is red and swollen", {"calf", "red", "swollen"}, set()),
    ("the cramp didn't go away for days", {"cramp", "day"}, set()),
    ("no calf pain, no swelling", {"calf"}, {"pain", "swelling"}),
    ("never had problems with my achilles before", {"achilles"}, {"problem"}),
])
def test_preprocess_findings_that_contain_a_cue_and_body_parts_are_not_negated(norm, text, affirmed, negated):
    terms = norm.analyse(text)
    assert affirmed <= {t.lemma for t in terms if not t.negated}, list(terms)
    assert negated <= {t.lemma for t in terms if t.negated}, list(terms)


def test_threads_sharing_one_normaliser_get_their_own_words(monkeypatch):
    """The page serves every session from one model: texts analysed at once in several threads must each get
    their own terms (spaCy's memory zones belong to the whole vocabulary, not to one thread)."""
    import random
    import string
    from concurrent.futures import ThreadPoolExecutor

    import classifier.preprocess
    from classifier.preprocess import SpacyNormalizer

    monkeypatch.setattr(classifier.preprocess, "MAX_PERMANENT_STRINGS", 0)  # every batch in a memory zone

    rng = random.Random(3)
    texts = [" ".join("".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(12)) + " calf hurts"
             for _ in range(1200)]
    alone = SpacyNormalizer().transform(texts)
    shared = SpacyNormalizer()
    chunks = [texts[i:i + 20] for i in range(0, len(texts), 20)]
    with ThreadPoolExecutor(4) as pool:
        together = [f for chunk in pool.map(shared.transform, chunks) for f in chunk]
    assert together == alone


def test_vocabulary_stops_growing_at_the_cap_and_answers_stay_the_same(monkeypatch):
    """Past MAX_PERMANENT_STRINGS, new words live only as long as their batch (spaCy memory zones): the
    vocabulary stops growing, and the terms are those of a normaliser without the cap."""
    import random
    import string

    import classifier.preprocess
    from classifier.preprocess import SpacyNormalizer

    rng = random.Random(5)
    texts = [" ".join("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(10)) + " no calf swelling"
             for _ in range(3000)]
    free = SpacyNormalizer(batch_size=100).transform(texts)
    capped = SpacyNormalizer(batch_size=100)
    monkeypatch.setattr(classifier.preprocess, "MAX_PERMANENT_STRINGS", 5000)
    assert capped.transform(texts) == free
    assert len(capped._nlp.vocab.strings) < 5000 + 100 * 12  # at most one batch past the cap
