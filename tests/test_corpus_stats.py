"""Style measures used to compare the generated corpus with real posts."""

from classifier.training.corpus_stats import names, shared_ngrams, style_table


def test_names_finds_each_condition_in_runners_words():
    assert names("I think I pulled my calf") == {"calf_strain"}
    assert names("my Achilles tendonitis is back") == {"achilles_tendinitis"}
    assert names("pressure test confirmed CECS") == {"compartment_syndrome"}
    assert names("Charley horse at 3am") == {"muscle_cramp"}
    assert names("shin splints again") == set()


def test_style_table_measures_length_naming_and_questions():
    texts = ["I pulled my calf last week. Should I rest?", "cramps in my calves " * 10, "my knee hurts"]
    labels = ["calf_strain", "muscle_cramp", "unknown"]
    s = style_table(texts, labels)
    assert s["n"] == 3 and s["words_max"] == 40 and s["words_median"] == 9
    assert s["calf_strain_names_own"] == 1.0 and s["muscle_cramp_names_own"] == 1.0
    assert s["achilles_tendinitis_names_own"] is None
    assert abs(s["has_question"] - 1 / 3) < 1e-9 and s["unknown_names_a_condition"] == 0.0


def test_shared_ngrams_ignores_case_and_punctuation():
    a = ["One two three four five six seven EIGHT, nine"]
    b = ["zero one two three four five six seven eight"]
    assert shared_ngrams(a, b, n=8) == {("one", "two", "three", "four", "five", "six", "seven", "eight")}
    assert not shared_ngrams(a, ["one two three"], n=8)
