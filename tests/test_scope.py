"""Scope apart from certainty: `unknown` is "about something else", never "not sure which of the four"."""

import numpy as np
import pytest

from classifier.facts import CONDITIONS, LABELS, UNKNOWN
from classifier.model.predict import decide_in_scope
from classifier.training.evaluate import read_heldout
from classifier.training.narrative import insert_narrative, narrative_agreement


def row(**p):
    return np.array([p.get(lab, 0.0) for lab in LABELS])


def test_in_scope_text_the_model_leaned_unknown_on_gets_the_best_condition_unsure():
    r = row(calf_strain=0.30, achilles_tendinitis=0.22, unknown=0.40, muscle_cramp=0.08)
    label, conf, unsure, runner_up = decide_in_scope(r, UNKNOWN, 0.40, in_scope=True)
    assert (label, unsure, runner_up) == ("calf_strain", True, "achilles_tendinitis")
    assert conf == pytest.approx(0.30)


def test_in_scope_clear_answer_is_not_unsure():
    r = row(calf_strain=0.85, achilles_tendinitis=0.05, unknown=0.05, muscle_cramp=0.05)
    assert decide_in_scope(r, "calf_strain", 0.85, in_scope=True) == ("calf_strain", 0.85, False, None)


def test_out_of_scope_keeps_unknown():
    r = row(calf_strain=0.2, unknown=0.7, muscle_cramp=0.1)
    assert decide_in_scope(r, UNKNOWN, 0.7, in_scope=False)[:3] == (UNKNOWN, 0.7, False)


@pytest.mark.parametrize("text", [
    "Something is wrong with my calf, it hurts.",
    "my calf hurts when I run",
    "my Achilles has been a bit sore lately, not sure what it is",
])
def test_vague_calf_complaint_is_never_unknown(model, text):
    p = model.classify(text)
    assert p.label in CONDITIONS
    if p.unsure:
        assert p.runner_up in CONDITIONS and p.runner_up != p.label


@pytest.mark.parametrize("text", [
    "My knee hurts on the outside after long runs, the IT band is tight.",
    "Pain along the inside of my shin bone, it's shin splints again.",
    "The bottom of my heel hurts with the first steps in the morning, plantar fasciitis I think.",
    "What's a good marathon training plan for a beginner?",
    "I pulled up after the sprint and my calf was fine, just tired legs",
])
def test_other_problem_is_unknown_with_its_reason(model, text):
    p = model.classify(text)
    assert p.label == UNKNOWN
    assert p.reason


@pytest.mark.parametrize("text, reason", [
    ("Fifteen yards into the sprint I felt my upper hamstring pull, then a pop, and I hobbled off the track",
     "thigh"),
    ("Sharp pain on top of my foot after the taper run, it's bruised and sore, I thought stress fracture", "foot"),
    ("My knee seized up right after the long run and I could barely walk down the stairs", "knee"),
])
def test_another_problem_with_injury_words_and_no_calf_word_is_unknown(model, text, reason):
    """Positive evidence of another problem and no calf word: out of scope, whatever strain-like words it has,
    and the reason names the other problem."""
    p = model.classify(text)
    assert p.label == UNKNOWN and not p.unsure and p.runner_up is None
    assert reason in p.reason


@pytest.mark.parametrize("text", [
    "I felt my calf pull in the sprint and my knee hurts a bit too",
    "my Achilles is sore at the back of my ankle every morning",
    "every run my legs get painfully tight below the knee and I have to stop",
])
def test_a_calf_word_beside_another_place_is_not_out_of_scope_on_evidence(model, text):
    from classifier.rules.scope import elsewhere, out_of_scope_topic

    terms = model.normalizer.analyse(text)
    assert out_of_scope_topic(terms) is not None and elsewhere(terms, text) is None


@pytest.mark.parametrize("text, label", [
    ("Woke up with a massive Charley horse in my calf, all that squeezing by my toes and arches, painful",
     "muscle_cramp"),
    ("My Achilles tendinitis is back and the arch of my foot aches too, it hurts to run", "achilles_tendinitis"),
    ("I thought it was Achilles tendinitis at first but it's my knee, the kneecap hurts when I run", UNKNOWN),
])
def test_a_named_and_asserted_condition_outweighs_another_place(model, text, label):
    """Another place in the story (arches, foot) does not send a complaint the writer names and asserts out of
    scope; a name only wondered about does not keep it in."""
    assert model.classify(text).label == label


def test_ruled_out_and_hedged_names_do_not_count_as_asserted(model):
    hedged = model.classify("It felt like a bad cramp when it went, sharp, and I've been hobbling for a week since")
    assert hedged.label != "muscle_cramp"


def test_narrative_insertion_keeps_the_answer(model):
    """For every in-scope real dev post, a paragraph of unrelated training and race talk inserted at a sentence
    boundary changes the answer on no more than 5% of posts (README prints the rate)."""
    from classifier.training.train import real_posts_dir

    rows = [r for r in read_heldout(real_posts_dir() / "dev.jsonl") if r["label"] != UNKNOWN]
    rate, _ = narrative_agreement(model, [r["text"] for r in rows], seed=0)
    assert rate >= 0.95


def test_insert_narrative_adds_a_paragraph_at_a_sentence_boundary():
    import random

    text = "My calf seized up. It let go after a minute."
    out = insert_narrative(text, random.Random(1))
    assert len(out.split()) > len(text.split()) + 20
    assert "My calf seized up." in out and "It let go after a minute." in out


def test_an_asserted_name_counts_and_a_hedged_one_does_not(model):
    from classifier.preprocess import SpacyNormalizer
    from classifier.rules.naming import apply_names, named_conditions

    n = SpacyNormalizer()
    assert named_conditions(n.analyse("I strained my calf on the hills")) == {"calf_strain"}
    assert named_conditions(n.analyse("it felt like a cramp, then it wasn't a strain")) == set()
    assert named_conditions(n.analyse("my friend had compartment syndrome")) == set()
    row = np.array([0.3, 0.3, 0.1, 0.1, 0.2])
    out = apply_names(row, {"achilles_tendinitis"})
    assert out[1] > 0.3 and out[-1] == pytest.approx(0.2) and out.sum() == pytest.approx(1.0)


def test_explanation_shows_the_named_condition(model):
    from classifier.model.explain import explain

    e = explain(model, "My Achilles is stiff every morning and sore when I push off.")
    assert any(n["condition"] == "achilles_tendinitis" and "Achilles" in n["words"] for n in e.named)


@pytest.mark.parametrize("text, named", [
    ("I tore my calf on the hills", {"calf_strain"}),
    ("my Achilles hurts every morning", {"achilles_tendinitis"}),
    ("she was tearing up at the finish, wear and tear I guess, then I pulled up", set()),
    ("my Achilles is fine, it's the middle of the calf", set()),
    ("My husband had achilles tendinitis last year", set()),
])
def test_names_need_their_place(text, named):
    from classifier.preprocess import SpacyNormalizer
    from classifier.rules.naming import named_conditions

    assert named_conditions(SpacyNormalizer().analyse(text)) == named


@pytest.mark.parametrize("text", [
    "I think I have a clot in my calf, it's swollen and tender since my surgery",
    "Just in case it's a clot: my calf is swollen and warm and it hurts",
    "My calf is swollen, hot and tender since I got off a 12 hour flight",
])
def test_a_possible_clot_is_never_turned_into_a_calm_calf_condition(model, text):
    p = model.classify(text)
    assert p.triage in ("urgent", "emergency")
    assert any(f["id"] in ("possible_dvt", "possible_pulmonary_embolism") for f in p.red_flags)


def test_explain_records_carry_the_named_condition(model):
    from classifier.batch.output import render
    from classifier.cli import main
    from click.testing import CliRunner
    import json

    r = CliRunner().invoke(main, ["classify", "-t", "My Achilles hurts every morning when I get up", "--explain",
                                  "-f", "jsonl"])
    row = json.loads(r.stdout)
    assert any(n["condition"] == "achilles_tendinitis" for n in row["named"])
    assert "you named Achilles tendinitis" in render(row, "table")


def test_an_unknown_answer_raised_to_see_doctor_says_why(model):
    p = model.classify("My knee has hurt on the outside for six weeks and it keeps coming back on every run.")
    assert p.label == UNKNOWN and p.triage == "see_doctor"
    assert "doctor" in p.reason.split(".", 1)[1]  # the unknown reason first, then the note on the raised level
