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
