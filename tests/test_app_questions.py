"""The page asks when unsure: Yes / No / Not sure, what changed, undo, red flags at once (AppTest)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
UNSURE = "My calf has hurt on and off for two weeks. It hurts when I run. Not sure what it is."


@pytest.fixture
def app(model):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_area(key="text").input(UNSURE)
    next(b for b in at.button if b.label == "Classify").click()
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception
    return at


def question(at: AppTest) -> str | None:
    return next((m.value for m in at.markdown if m.value.startswith("**One question would help:**")), None)


def changed(at: AppTest) -> str:
    """The "what changed" line."""
    return next(i.value for i in at.info if i.value.startswith("**What changed.**"))


def bars(at: AppTest) -> bytes:
    """The probability bars' data (Arrow bytes)."""
    return at.get("vega_lite_chart")[0].proto.datasets[0].data.data


def explained(at: AppTest) -> str:
    return next(m.value for m in at.html if "cc-token" in m.value)


def test_app_asks_a_red_flag_question_first_on_an_unsure_description(app):
    assert question(app) == "**One question would help:** Is your calf swollen, warm or red?"
    assert {"Yes", "No", "Not sure"} <= {b.label for b in app.button}


def test_app_yes_to_a_red_flag_question_shows_the_banner_at_once(app):
    assert not any("Red flag" in e.value for e in app.error)
    at = click(app, "Yes")
    assert "Red flag: possible dvt" in at.error[0].value
    assert "Red flag: possible dvt" in changed(at)


def test_app_answer_updates_label_bars_and_explanation_and_can_be_undone(model, app):
    before_label, before_html = app.subheader[0].value, explained(app)
    before_bars = bars(app)
    for _ in range(3):  # "not sure" to the red-flag questions: nothing changes
        click(app, "Not sure")
    assert app.subheader[0].value == before_label
    asked = question(app)
    at = click(app, "Yes")
    assert at.subheader[0].value != before_label
    assert bars(at) != before_bars
    assert explained(at) != before_html
    assert "→" in changed(at)
    assert question(at) != asked  # an answered question is not asked again
    at = click(at, "Undo last answer")
    assert at.subheader[0].value == before_label and "Undone" in changed(at)
    assert question(at) == asked


def test_app_new_description_starts_the_questions_over(app):
    click(app, "Not sure")
    app.text_area(key="text").input(UNSURE + " ")
    at = click(app, "Classify")
    assert question(at) == "**One question would help:** Is your calf swollen, warm or red?"
    assert not any("Your answers" in c.value for c in at.caption)


def test_app_unknown_answer_explains_the_closest_condition(model):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_area(key="text").input("Something is wrong with my shin, it hurts.")
    at = click(at, "Classify")
    assert at.subheader[0].value == "Not one of the four calf conditions"
    assert any("The closest condition is" in c.value for c in at.caption)


def test_app_example_button_clears_the_last_answer_and_its_questions(app):
    """Issue 22: an example is classified at once, as a new description: the last answers are gone."""
    at = click(app, "Not sure")  # an answer to the unsure text's first question
    assert any(c.value.startswith("Your answers:") for c in at.caption)
    at = click(at, "Cramp at mile 20")
    assert at.subheader[0].value == "Calf cramp"
    assert not any(c.value.startswith("Your answers:") for c in at.caption)
    assert not any(i.value.startswith("**What changed.**") for i in at.info)


def test_app_vague_calf_complaint_is_not_sure_yet_never_not_one_of_the_four(model):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_area(key="text").input("Something is wrong with my calf, it hurts.")
    at = click(at, "Classify")
    heading = at.subheader[0].value
    assert heading.startswith("Not sure yet: ") and heading.endswith("?")
    assert "Not one of the four" not in heading
