"""The Streamlit page, headless through AppTest."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture
def app(model):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def classify(at: AppTest, text: str) -> AppTest:
    at.text_area(key="text").input(text)
    next(b for b in at.button if b.label == "Classify").click()
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("text, expected", [
    ("my calf seized up at mile 20 and let go after I stretched it", "Calf cramp"),
    ("sharp twinge in the middle of my calf during hill sprints, tender spot since", "Calf strain"),
    ("stiff achilles every morning for weeks, hurts when I push off", "Achilles tendinitis"),
    ("both calves get tight 10 minutes into every run and it goes a few minutes after I stop",
     "Chronic exertional compartment syndrome"),
])
def test_app_shows_the_expected_condition(app, text, expected):
    at = classify(app, text)
    assert at.subheader[0].value == expected
    assert any("Source:" in m.value for m in at.markdown)  # what-now facts name their article


def test_app_explanation_marks_words_and_negation(app):
    at = classify(app, "no swelling, my calf seized up at mile 20 and let go after I stretched it")
    html = next(m.value for m in at.html if "cc-token" in m.value)
    assert 'class="cc-token cc-neg"' in html and ">swelling</span>" in html
    assert ">seized</span>" in html


def test_app_red_flag_banner_comes_first(app):
    at = classify(app, "calf swollen and warm after a long flight, I thought it was a cramp")
    assert "Red flag" in at.error[0].value


def test_app_boxes_the_words_that_raised_a_red_flag(app):
    at = classify(app, "my calf is twice the size of the other one and throbs at night")
    assert "“twice the size”" in at.error[0].value
    html = next(m.value for m in at.html if "cc-token" in m.value)
    boxed = [part.split(">", 1)[1].split("<", 1)[0] for part in html.split("<span")[1:] if "cc-flag" in part]
    assert set(boxed) == {"twice", "size"}   # the words of the quoted finding, and only those


def test_app_user_text_is_only_ever_text(app):
    """The highlighted text goes through st.html (no markdown pass): a blank line, a heading mark, a link
    or a tag in the description stay visible text."""
    text = "my calf cramped at mile 20\n\n# I AM NOT\n[](/) <b>bold</b> and it let go"
    at = classify(app, text)
    import html as html_lib
    import re

    shown = next(m.value for m in at.html if "cc-token" in m.value)
    inner = re.sub(r"</?span[^>]*>", "", shown)
    assert inner.split(">", 1)[1].rsplit("<", 1)[0] == html_lib.escape(text)  # all of it, as text
    assert not any("I AM NOT" in m.value for m in at.markdown)  # nothing of the text reached markdown
    assert not any("I AM NOT" in h.value for h in [*at.header, *at.subheader])


def test_app_empty_input_gives_a_friendly_prompt(app):
    at = classify(app, "   ")
    assert not at.subheader
    assert any("Type a description" in i.value for i in at.info)




def test_batch_upload_good_and_bad_files_each_get_a_row(model):
    """What the batch tab runs: one row per description, a bad file shows its error, the rest classify."""
    from classifier.batch.parallel import classify_records
    from classifier.batch.inputs import records_from_upload

    uploads = [("good.txt", b"my calf seized up at mile 20"), ("bad.txt", b"\x00\x01binary"),
               ("posts.csv", b"text\ncalf cramp at night\n")]
    results = list(classify_records(model, [r for n, d in uploads for r in records_from_upload(n, d)]))
    assert [r["id"] for r in results] == ["good.txt", "bad.txt", "posts.csv:2"]
    assert results[0]["label"] == "muscle_cramp" and results[2]["label"] == "muscle_cramp"
    assert results[1]["status"] == "error" and "binary" in results[1]["error"]


def test_batch_download_csv_neutralises_formulas_in_uploaded_names(model):
    """The page's "Download CSV" is calfcheck's CSV: an uploaded file named like a formula is not run."""
    import csv
    import io

    from classifier.batch.inputs import records_from_upload
    from classifier.batch.output import results_csv
    from classifier.batch.parallel import classify_records

    records = list(records_from_upload('=HYPERLINK("http://x","y").txt', b"calf cramp at night"))
    rows = list(csv.DictReader(io.StringIO(results_csv(list(classify_records(model, records))))))
    assert rows[0]["id"] == "'=HYPERLINK(\"http://x\",\"y\").txt" and rows[0]["label"] == "muscle_cramp"


def test_app_red_flag_banner_shows_the_users_words_as_text_most_urgent_first(app):
    at = classify(app, "Felt a pop in my calf during a sprint and now my foot is cold and pale, "
                       "and my calf is bigger **[x](/a)** than the other")
    banners = [e.value for e in at.error if "Red flag" in e.value]
    assert banners and "[x](/a)" not in "".join(banners) and "\\[x\\]\\(/a\\)" in "".join(banners)
    shown = [next(name for name in ("acute compartment", "possible dvt", "possible rupture") if name in b)
             for b in banners]
    # the rules raise possible_dvt (urgent), possible_rupture_or_tear (see_doctor), acute_compartment (urgent)
    assert sorted(shown) == ["acute compartment", "possible dvt", "possible rupture"]
    assert shown[-1] == "possible rupture"  # the see-a-doctor flag after the two urgent ones


def test_app_danger_is_the_headline_above_the_condition(app):
    """Issue 21: an urgent or emergency red flag leads, named with what to do; the condition comes below it."""
    at = classify(app, "my calf is swollen and warm after a long flight and I'm a bit short of breath")
    assert at.header[0].value == ":material/warning: Possible blood clot in the lungs: call your local emergency number now"
    assert "Red flag" in at.error[0].value and "“after a long flight”" in at.error[0].value
    assert any(m.value == "#### What else it sounds like" for m in at.markdown)
    at = classify(at, "my calf is swollen and warm after a long flight")
    assert at.header[0].value == ":material/warning: Possible blood clot: get seen today"


def test_app_no_danger_headline_without_an_urgent_flag(app):
    at = classify(app, "my calf seized up at mile 20 and let go after I stretched it")
    assert not at.header and at.subheader[0].value == "Calf cramp"


def test_batch_table_and_csv_carry_the_red_flag_reason(model):
    import csv
    import io

    from classifier.batch.inputs import records_from_upload
    from classifier.batch.output import red_flag_reasons, render, results_csv
    from classifier.batch.parallel import classify_records

    records = list(records_from_upload("a.txt", b"my right calf is twice the size of the other and red"))
    results = list(classify_records(model, records))
    row = next(csv.DictReader(io.StringIO(results_csv(results))))
    assert row["red_flags"] == "possible_dvt"  # the id column is unchanged
    assert row["red_flag_reasons"].startswith("possible_dvt (urgent): You wrote “twice the size”")
    assert red_flag_reasons(results[0]["red_flags"]) == row["red_flag_reasons"]
    assert "RED FLAG possible_dvt: You wrote “twice the size”" in render(results[0], "table")
    assert red_flag_reasons([]) == ""


def evidence_shown(at: AppTest) -> list[tuple[str, str]]:
    """The evidence list of the page: (quoted words, what follows them) per item."""
    import html as html_lib
    import re

    shown = next(m.value for m in at.html if "cc-evidence" in m.value)
    return [(html_lib.unescape(w), html_lib.unescape(rest)) for w, rest in
            re.findall(r'<q class="cc-ev-words"[^>]*>(.*?)</q>(?:, <q[^>]*>.*?</q>)*: (.*?)</li>', shown)]


def test_app_evidence_is_the_users_words_weighed_in_plain_words(app):
    """Issue 22: every evidence item shown is a span of the typed text, not a lemma ("bite" from "a bit"),
    weighed as strong / some / slight evidence for or against; its feature is only the tooltip."""
    text = "My calf has hurt on and off for two weeks, a bit worst when I run. No swelling, calf is stiff."
    at = classify(app, text)
    items = evidence_shown(at)
    assert items
    for words, weight in items:
        assert words in text
        assert re.fullmatch(r"(strong|some|slight) evidence (for|against)( \(.+\))?", weight), weight
    assert not any(w in ("bite", "wrong") for w, _ in items)
    assert "model feature: " in next(m.value for m in at.html if "cc-evidence" in m.value)
    assert not at.dataframe  # no table of raw features and numbers


def test_app_one_display_name_in_headline_chart_and_not_sure_line(app):
    from classifier.facts import LABELS, display_name

    at = classify(app, "My calf has hurt on and off for two weeks. It hurts when I run. Not sure what it is.")
    head = at.subheader[0].value
    assert head.startswith("Not sure yet: ") and head.count("_") == 0
    named = [display_name(label) for label in LABELS]
    assert sum(name in head for name in named) == 2
    import json

    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0  # full names, never "Chronic exertiona…"


# Issue 22: the Batch tab, the sidebar, the example buttons, text in banners -----------------------------------

def test_batch_rows_are_in_words_with_the_id_column_and_the_whole_error(model):
    """Display names and triage in words, an empty cell where there is nothing, a CSV's `id` column as the row
    ids (as `calfcheck classify --id-field id`), the red flag column, the whole error."""
    from classifier.batch.inputs import records_from_uploads
    from classifier.batch.output import table_rows
    from classifier.batch.parallel import classify_records

    uploads = [("posts.csv", b"id,text\np1,my calf seized up at mile 20\n,calf cramp at night\n"
                             b"p3,my right calf is twice the size of the other and red\n"),
               ("posts.jsonl", b'{"id": "j1", "text": "stiff achilles every morning"}\n'),
               ("empty.txt", b"   ")]
    rows = table_rows(list(classify_records(model, records_from_uploads(uploads))))
    assert [r["id"] for r in rows] == ["p1", "posts.csv:3", "p3", "j1", "empty.txt"]
    assert rows[0]["answer"] == "Calf cramp" and rows[3]["answer"] == "Achilles tendinitis"
    assert rows[0]["triage"] == "Self-care" and rows[0]["red flag"] == "" and rows[0]["error"] == ""
    assert rows[2]["red flag"].startswith("Possible blood clot: You wrote “twice the size”")
    assert rows[2]["triage"] == "See a doctor today"
    assert rows[4] == {"id": "empty.txt", "answer": "", "confidence": "", "triage": "", "red flag": "",
                       "status": "error", "error": "empty text: write where and how the calf hurts"}
    assert not any(v is None or v == "None" for r in rows for v in r.values())
    ids = [r for r in rows if "_" in r["answer"] + r["triage"]]
    assert not ids  # no internal ids (muscle_cramp, self_care)


def test_app_example_button_classifies_at_once(app):
    next(b for b in app.button if b.label == "Cramp at mile 20").click()
    app.run()
    assert not app.exception
    assert app.text_area(key="text").value.startswith("Marathon on a hot day")
    assert app.subheader[0].value == "Calf cramp"  # answered without pressing Classify
    assert any("cc-evidence" in h.value for h in app.html)


def test_app_sidebar_is_in_plain_words(app):
    said = " ".join(m.value for m in app.sidebar.markdown)
    assert "made-up (synthetic) descriptions" in said and "Runs on" in said
    assert "{" not in said and "Held-out scores" not in said


def test_app_banner_quotes_are_not_maths_or_shortcodes(app):
    at = classify(app, "my calf is swollen and warm after a long flight, cost me $5 and $6, :smile: :red[x]")
    banners = " ".join(e.value for e in at.error if "Red flag" in e.value)
    assert "Red flag" in banners
    assert "$" not in banners.replace("\\$", "")  # every dollar escaped: no KaTeX
    assert ":smile:" not in banners and ":red[" not in banners.replace("\\", "")


def test_streamlit_upload_cap_matches_the_pages_cap():
    import tomllib

    from classifier.batch.inputs import MAX_UPLOAD_BYTES

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    mb = config["server"]["maxUploadSize"]  # Streamlit's unit: MiB per file
    assert mb * 2**20 >= MAX_UPLOAD_BYTES > (mb - 1) * 2**20


def test_app_unknown_advice_is_said_once(app):
    at = classify(app, "my shin hurts")
    said = " ".join(m.value for m in at.markdown)
    assert said.count("when it started") <= 1


@pytest.mark.parametrize("typed, shown", [
    ("cost me $5 and $6", "cost me \\$5 and \\$6"),
    (":smile: :red[x] :material/home:", ":\u2060smile:\u2060 :\u2060red\\[x\\] :\u2060material/home:\u2060"),
    ("**bold** [x](/a)", "\\*\\*bold\\*\\* \\[x\\]\\(/a\\)"),
])
def test_markdown_text_quotes_the_users_words_as_typed(typed, shown):
    from classifier.wording import WORD_JOINER, markdown_text

    assert markdown_text(typed) == shown
    assert markdown_text(typed).replace(WORD_JOINER, "").replace("\\", "") == typed
