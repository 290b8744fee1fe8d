"""Asking when unsure: the question bank, the chooser and the simulated user."""

import random

import pytest

from classifier.facts import CONDITIONS, UNKNOWN
from classifier.model.explain import explain, label_to_explain
from classifier.model.questions import (ANSWERS, MAX_ASKED, changes, is_unsure, load_questions, questions,
                                        rank_questions, with_answers)
from classifier.preprocess import NEVER_NEGATED

BANK = load_questions()
RED_FLAG_IDS = [q.id for q in BANK.values() if q.kind == "red_flag"]
# a constructed unsure description: calf pain while running, nothing that tells the four apart
UNSURE = "My calf has hurt on and off for two weeks. It hurts when I run. Not sure what it is."
NEUTRAL = "My calf has been hurting for a while."


def test_questions_bank_has_red_flag_questions_first_and_names_only_known_conditions():
    kinds = [q.kind for q in BANK.values()]
    assert kinds[:3] == ["red_flag"] * 3 and set(kinds[3:]) == {"condition"}
    for q in BANK.values():
        assert set(q.yes_for) <= set(CONDITIONS) and set(q.no_for) <= set(CONDITIONS)
        assert not set(q.yes_for) & set(q.no_for), q.id
        assert q.ask.endswith("?") and q.yes and q.no and q.source


@pytest.mark.parametrize("qid", sorted(BANK))
def test_questions_no_phrase_is_read_as_negated(model, qid):
    """A "no" reads as "no pop", not "pop": the no phrase holds negated terms, and none of the yes
    phrase's findings appears in it un-negated (body parts are never negated, by design)."""
    q = BANK[qid]
    no_terms = model.normalizer.analyse(q.no)
    assert any(t.negated for t in no_terms), f"{qid}: nothing negated in {q.no!r}"
    yes_findings = {t.feature for t in model.normalizer.analyse(q.yes) if t.lemma not in NEVER_NEGATED}
    plain = {t.feature for t in no_terms if not t.negated} & yes_findings
    assert not plain, f"{qid}: {sorted(plain)} read as affirmed in the no phrase {q.no!r}"


@pytest.mark.parametrize("qid", RED_FLAG_IDS)
def test_questions_red_flag_yes_raises_the_flag_and_no_raises_nothing(model, qid):
    q = BANK[qid]
    assert q.flag not in {f["id"] for f in model.classify(NEUTRAL).red_flags}
    yes = model.classify(with_answers(NEUTRAL, {qid: "yes"}))
    assert q.flag in {f["id"] for f in yes.red_flags}
    no = model.classify(with_answers(NEUTRAL, {qid: "no"}))
    assert no.red_flags == []
    assert model.classify(with_answers(NEUTRAL, {qid: "unsure"})).to_dict() == model.classify(NEUTRAL).to_dict()


def _pred(label: str, **scores: float):
    from classifier.model import Prediction

    full = {label_: 0.0 for label_ in (*CONDITIONS, UNKNOWN)} | scores
    return Prediction(label=label, confidence=full[label], scores=full, model_version="t")


@pytest.mark.parametrize("pred, unsure", [
    (_pred("calf_strain", calf_strain=0.80, unknown=0.15, muscle_cramp=0.05), False),
    (_pred("calf_strain", calf_strain=0.50, muscle_cramp=0.30, unknown=0.20), True),  # two conditions close
    (_pred("calf_strain", calf_strain=0.41, unknown=0.37, achilles_tendinitis=0.08, muscle_cramp=0.14), True),  # nearly unknown
    (_pred("calf_strain", calf_strain=0.60, unknown=0.36, muscle_cramp=0.04), True),
    (_pred("calf_strain", calf_strain=0.62, unknown=0.36, muscle_cramp=0.02), False),
    (_pred(UNKNOWN, unknown=0.90, calf_strain=0.10), True),
])
def test_is_unsure_when_unknown_or_the_runner_up_is_close(pred, unsure):
    assert is_unsure(pred) is unsure


def test_questions_red_flag_questions_come_first_unless_the_text_settles_them(model):
    assert is_unsure(model.classify(UNSURE))
    asked = [r.id for r in model.questions(UNSURE)]
    assert asked[:3] == RED_FLAG_IDS
    settled = UNSURE + " It is not swollen."
    assert is_unsure(model.classify(settled))
    assert [r.id for r in questions(model, settled)][:2] == ["breathless_chest", "flight_surgery_cast"]


def test_questions_none_when_the_model_is_sure_or_the_text_is_out_of_scope(model):
    assert model.questions("my calf seized up at mile 20 into a hard knot and let go after a minute") == []
    assert model.questions("my knee hurts when I run downhill") == []


def test_questions_chosen_question_changes_the_distribution_more_than_a_random_one(model):
    ranked = rank_questions(model, UNSURE, kinds=("condition",))
    best = ranked[0]
    others = [r.effect for r in ranked[1:]]
    rng = random.Random(0)
    assert best.effect > max(others) - 1e-9
    assert best.effect > sum(rng.choice(others) for _ in range(200)) / 200
    # the effect is what the model does: classify with the answer appended and compare
    before = model.classify(UNSURE).scores
    after = model.classify(with_answers(UNSURE, {best.id: "yes"})).scores
    assert after == best.if_yes
    assert sum(abs(after[k] - before[k]) for k in before) > 0.2


def test_questions_answered_are_not_asked_again_and_at_most_three_condition_questions(model):
    answered = {}
    while asked := model.questions(UNSURE, answered):  # "not sure" leaves the text, and the doubt, as it was
        assert asked[0].id not in answered and not {r.id for r in asked} & set(answered)
        answered[asked[0].id] = "unsure"
        assert len(answered) <= len(RED_FLAG_IDS) + MAX_ASKED
    assert list(answered)[:3] == RED_FLAG_IDS
    assert sum(BANK[i].kind == "condition" for i in answered) == MAX_ASKED


def test_questions_reject_unknown_ids_and_answers(model):
    with pytest.raises(ValueError, match="Unknown question id"):
        model.questions(UNSURE, {"favourite_colour": "yes"})
    with pytest.raises(ValueError, match="expected one of"):
        with_answers(UNSURE, {"gradual": "maybe"})
    assert set(ANSWERS) == {"yes", "no", "unsure"}


def test_questions_with_answers_keeps_the_original_text_in_place():
    full = with_answers("my calf hurts", {"sudden_twinge": "no", "gradual": "unsure", "locks_lets_go": "yes"})
    assert full == "my calf hurts. " + BANK["sudden_twinge"].no + " " + BANK["locks_lets_go"].yes


def test_questions_changes_lists_the_moves_largest_first():
    before = {"calf_strain": 0.4, "achilles_tendinitis": 0.35, "compartment_syndrome": 0.1, "muscle_cramp": 0.1,
              "unknown": 0.05}
    after = {"calf_strain": 0.1, "achilles_tendinitis": 0.8, "compartment_syndrome": 0.05, "muscle_cramp": 0.04,
             "unknown": 0.01}
    assert [lab for lab, _ in changes(before, after)] == ["achilles_tendinitis", "calf_strain", "muscle_cramp",
                                                          "compartment_syndrome", "unknown"]
    assert changes(before, after)[0][1] == pytest.approx(0.45)


def test_unknown_answer_is_explained_by_the_closest_condition(model):
    text = "Something is wrong with my shin, it hurts."
    pred = model.classify(text)
    assert pred.label == UNKNOWN
    closest = max(CONDITIONS, key=lambda c: pred.scores[c])
    assert label_to_explain(pred) == closest
    e = explain(model, text)
    assert e.label == closest
    assert any(ev.weight > 0 for ev in e.evidence)  # evidence for it, not only "against"


def test_simulated_user_on_dev_rows_asks_and_improves_top1(model):
    """The simulation that `calfcheck evaluate` runs, on a few real dev posts (never test)."""
    from classifier.training.evaluate import read_heldout
    from classifier.training.simulate import simulate
    from classifier.training.train import real_posts_dir

    rows = [r for r in read_heldout(real_posts_dir() / "dev.jsonl") if r["label"] in CONDITIONS]
    preds = model.classify_many([r["text"] for r in rows])
    wrong = [r for r, p in zip(rows, preds) if max(CONDITIONS, key=lambda c: p.scores[c]) != r["label"]][:6]
    sim = simulate(model, wrong, random_runs=2)
    curve = sim["unsure_or_wrong"]["chosen"]
    assert sim["n"] == len(wrong) and curve[0] == 0.0
    assert curve[2] > curve[0]


@pytest.mark.parametrize("text", [UNSURE, "my calf hurts, no swelling", "calf sore on runs!", "not warm"])
def test_questions_hypotheses_equal_classifying_the_answered_text(model, text):
    """The chooser joins the text's terms and each answer's (no re-normalising); that must give
    exactly what classifying the text with the answer appended gives, red flags included."""
    for r in rank_questions(model, text, {"gradual": "no"}):
        for answer, scores in (("yes", r.if_yes), ("no", r.if_no)):
            direct = model.classify(with_answers(text, {"gradual": "no", r.id: answer}))
            assert direct.scores == scores, (r.id, answer)
        before = {f["id"] for f in model.classify(with_answers(text, {"gradual": "no"})).red_flags}
        direct = model.classify(with_answers(text, {"gradual": "no", r.id: "yes"}))
        assert tuple(f["id"] for f in direct.red_flags if f["id"] not in before) == r.raises


# Safety: answers can raise a red flag, never remove one (cold review of the merged feature) ---------------

FLAGGED = ["My calf is swollen and aches.", "Flew back from a conference last week and my calf aches."]


@pytest.mark.parametrize("text", FLAGGED)
def test_no_answer_removes_a_red_flag_or_lowers_triage(model, text):
    from classifier.model.questions import classify_with_answers
    from classifier.rules.triage import LEVELS

    base = model.classify(text)
    assert "possible_dvt" in {f["id"] for f in base.red_flags}
    for qid in BANK:
        for answer in ANSWERS:
            pred = classify_with_answers(model, text, {qid: answer})
            assert "possible_dvt" in {f["id"] for f in pred.red_flags}, (qid, answer)
            assert LEVELS.index(pred.triage) >= LEVELS.index(base.triage), (qid, answer)
            kept = next(f for f in pred.red_flags if f["id"] == "possible_dvt")
            assert all(e["end"] <= len(text) for e in kept["evidence"])  # the user's own words are quoted


@pytest.mark.parametrize("text", ["Both calves sore and tired after the race.",
                                  "My calf hurts but there's no pain when walking."])
def test_yes_to_a_red_flag_question_always_raises_its_flag(model, text):
    from classifier.model.questions import classify_with_answers

    for q in (q for q in BANK.values() if q.kind == "red_flag"):
        pred = classify_with_answers(model, text, {q.id: "yes"})
        assert q.flag in {f["id"] for f in pred.red_flags}, q.id
        assert pred.triage in ("urgent", "emergency")


def test_a_red_flag_question_is_not_settled_by_a_word_that_only_looks_like_its_finding(model):
    from classifier.model.questions import _settled

    text = "My calf hurts after the warm up on a hot day and the drive home."
    pred = model.classify(text)
    assert not any(_settled(BANK[qid], text, pred) for qid in ("swollen_warm_red", "flight_surgery_cast"))
    said = "My calf is not swollen and I had no flight or surgery."
    assert all(_settled(BANK[qid], said, model.classify(said)) for qid in ("swollen_warm_red", "flight_surgery_cast"))


def test_batch_record_answered_with_ask_keeps_the_descriptions_flag(model):
    from classifier.batch.inputs import Record
    from classifier.batch.run import classify_chunk

    row = classify_chunk(model, [Record("text:1", FLAGGED[0], answered={"sudden_twinge": "yes"})])[0]
    assert "possible_dvt" in {f["id"] for f in row["red_flags"]} and row["triage"] == "urgent"
