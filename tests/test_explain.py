import pytest

from classifier.model.explain import explain

TEXT = "no swelling, but my calf seized up at mile 20 and let go after I stretched it"


def test_explain_contributions_sum_to_the_decision_score(model):
    e = explain(model, TEXT)
    clf = model.pipeline.named_steps["clf"]
    k = list(clf.classes_).index(e.label)
    decision = clf.decision_function(model.pipeline[:-1].transform([TEXT]))[0][k]
    assert e.score == pytest.approx(decision, abs=1e-5)
    assert e.intercept + sum(t.weight for t in e.tokens) == pytest.approx(decision, abs=1e-5)
    assert e.intercept + sum(ev.weight for ev in e.evidence) == pytest.approx(decision, abs=1e-5)


def test_explain_marks_negated_terms(model):
    e = explain(model, TEXT)
    swelling = [t for t in e.tokens if t.text == "swelling"]
    assert swelling and swelling[0].negated
    assert any(ev.feature == "NEG_swelling" and ev.negated for ev in e.evidence)


def test_explain_is_deterministic_and_points_at_the_cramp_words(model):
    a, b = explain(model, TEXT), explain(model, TEXT)
    assert a == b
    assert a.label == "muscle_cramp"
    strongest = max(a.tokens, key=lambda t: t.weight)
    assert strongest.text in {"seized", "stretched", "let", "go", "up"}


def test_explain_rejects_unknown_label(model):
    with pytest.raises(ValueError, match="expected one of"):
        explain(model, TEXT, label="flu")


def test_explain_shows_assertion_status_and_no_narrative(model):
    text = ("My job and the kids leave little time for training, and I just bought new shoes. It felt like a cramp at first, "
            "but it was a sharp pull in my calf and it never let go.")
    e = explain(model, text)
    statuses = {t.text.lower(): t.status for t in e.tokens}
    assert statuses.get("cramp") == "HYP"  # likened to, not asserted
    assert any(ev.status == "HYP" and ev.feature.startswith("HYP_cramp") for ev in e.evidence)
    weights = {t.text.lower(): t.weight for t in e.tokens}
    assert weights["job"] == 0 and weights["kids"] == 0  # narrative is not a feature
    assert not any(ev.feature.split()[0] in ("job", "kid") for ev in e.evidence)
    assert e.intercept + sum(t.weight for t in e.tokens) == pytest.approx(e.score, abs=1e-5)


# Issue 22: evidence in the user's own words ------------------------------------------------------------------

WORDY = "My calf has hurt on and off for two weeks, a bit worst when I run. No swelling, bottom of my calf is stiff."


def test_explain_evidence_quotes_spans_of_the_typed_text(model):
    e = explain(model, WORDY)
    assert e.evidence
    for ev in e.evidence:
        assert ev.words and all(w in WORDY for w in ev.words)
        assert [WORDY[a:b] for a, b in ev.spans][0] == ev.words[0]
    shown = {w for ev in e.evidence for w in ev.words}
    assert not {"bite", "wrong"} & shown  # lemmas ("a bit" → bite, "worst" → wrong) are features, not words shown
    assert {"bit", "worst"} <= shown


@pytest.mark.parametrize("weight, status, said", [
    (1.2, "", "strong evidence for"), (-0.3, "", "some evidence against"), (0.05, "", "slight evidence for"),
    (0.6, "NEG", "strong evidence for (negated)"), (-0.1, "OTHER", "slight evidence against (someone else's)"),
    (0.25, "HIST", "some evidence for (an earlier episode)"),
    (0.25, "HYP", "some evidence for (hedged: only likened to or wondered about)"),
])
def test_weights_in_plain_words(weight, status, said):
    from classifier.wording import plain_weight

    assert plain_weight(weight, status) == said


def test_one_display_name_per_label():
    from classifier.facts import LABELS, display_name

    names = [display_name(label) for label in LABELS]
    assert names == ["Calf strain", "Achilles tendinitis", "Chronic exertional compartment syndrome", "Calf cramp",
                     "Not one of the four calf conditions"]
    with pytest.raises(ValueError, match="Unknown label 'cramp'"):
        display_name("cramp")
