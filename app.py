"""calfcheck web page: what your calf pain sounds like, and why. Run with `streamlit run app.py`.

All model logic lives in the ``classifier`` package; this file only lays out plain result objects.
Nothing typed here leaves the machine and nothing is stored.
"""

from __future__ import annotations

import html
import time

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from classifier import LABELS, UNKNOWN, load_model
from classifier.batch.parallel import classify_records
from classifier.model.explain import Explanation, explain, label_to_explain
from classifier.model.questions import ANSWER_WORDS, classify_with_answers, load_questions, what_changed, with_answers
from classifier.rules.triage import LEVELS
from classifier.facts import display_name, load_conditions
from classifier.wording import markdown_text, plain_weight
from classifier.batch.inputs import (MAX_TEXT_BYTES, MAX_UPLOAD_BYTES, MAX_UPLOAD_RECORDS, UploadTooLargeError,
                                     records_from_uploads)
from classifier.batch.textio import whole_chars
from classifier.batch.output import results_csv, table_rows
from classifier.rules.danger import leading_danger

EXAMPLES = {
    "Cramp at mile 20": "Marathon on a hot day, skipped a few water stations. At mile 20 my calf suddenly seized up "
                        "into a hard knot and I had to stop and stretch it. After a minute it let go.",
    "Twinge on hills": "Doing hill repeats I felt a sharp twinge in the middle of my calf. Next day it hurts to walk "
                       "downstairs and there's a tender spot in the muscle. No swelling.",
    "Sore heel cord": "For three weeks the bottom of my calf where it meets the achilles is stiff every morning and "
                      "hurts when I push off, since I upped my mileage.",
    "Tight every run": "Every run, about 10 minutes in, both calves get tight and full like they will burst. "
                       "Stopping makes it go away within minutes. No pain walking.",
    "After a long flight": "Flew back from Sydney, now my calf is swollen and warm and aches. I thought it was a cramp.",
}
# Material Symbols ship with Streamlit (no emoji font needed: chromium without one draws 🚨 as an empty box)
ALERT = ":material/warning:"
TRIAGE = {"emergency": st.error, "urgent": st.error, "see_doctor": st.warning, "self_care": st.info}
TRIAGE_TEXT = {"emergency": "Emergency: call your local emergency number now.",
               "urgent": "See a doctor today.", "see_doctor": "See a doctor or physio soon.",
               "self_care": "Usually fine to look after yourself; see a doctor if it does not improve."}


@st.cache_resource(show_spinner="Loading the model…")
def get_model():
    from classifier import ensure_default_model

    return load_model(ensure_default_model()).prepare()


def render_danger(pred) -> bool:
    """When a red flag makes the answer urgent or an emergency, it is the headline, above everything else
    ("Possible blood clot: call your local emergency number now"). True when there was one."""
    danger = leading_danger(pred.triage, pred.red_flags)
    if danger is not None:
        st.header(f"{ALERT} {danger.headline}", anchor="cc-danger")
    return danger is not None


def scroll_to_result(nonce: int) -> None:
    """Bring the answer into view (the form is above the fold's end on a phone): scroll the page to the
    ``cc-result`` marker. ``nonce`` changes with each Classify, so the script runs again each time."""
    components.html(f"""<script>/* {nonce} */
      const go = () => {{ const el = window.parent.document.getElementById('cc-result');
                          if (el) el.scrollIntoView({{block: 'start'}}); }};
      [50, 300, 800, 1500].forEach(t => setTimeout(go, t));
    </script>""", height=0)


def render_red_flags(pred) -> None:
    """One banner per flag, the most urgent first; the reason quotes the user's words, shown as text."""
    for flag in sorted(pred.red_flags, key=lambda f: -LEVELS.index(f["triage"])):
        st.error(f"**Red flag: {flag['id'].replace('_', ' ')}.** {markdown_text(flag['reason'])}", icon=ALERT)


def render_answer(pred) -> None:
    if pred.unsure and pred.runner_up:  # a calf complaint, but a close call between two conditions
        st.subheader(f"Not sure yet: {display_name(pred.label)} or {display_name(pred.runner_up)}?")
        st.write("Two conditions fit about as well. The questions below can settle it.")
    else:
        st.subheader(display_name(pred.label))
    if pred.label == UNKNOWN:
        # the reason says what to add when it is about the description; the advice is given once
        st.write(pred.reason or "calfcheck could not match this to a calf condition. Try describing where exactly "
                                "it hurts, when it started, and what makes it better or worse.")
    else:
        st.write(f"Confidence: **{pred.confidence:.0%}**")
    TRIAGE[pred.triage](f"Triage: {TRIAGE_TEXT[pred.triage]}")
    st.altair_chart(ranking_chart(pred))


def ranking_chart(pred) -> alt.Chart:
    """How likely each label is, as horizontal bars named in full (Vega-Lite cuts labels at 180 px by default)."""
    ranked = pd.DataFrame({"condition": [display_name(l) for l, _ in pred.ranked()],
                           "probability": [p for _, p in pred.ranked()]})
    return alt.Chart(ranked).mark_bar().encode(
        x=alt.X("probability:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title="how likely"),
        y=alt.Y("condition:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
        tooltip=["condition", alt.Tooltip("probability:Q", format=".0%")])


def highlighted_html(e: Explanation, flagged: list[tuple[int, int]] = ()) -> str:
    """The text with each word tinted green (for) or red (against); negated words struck through;
    words that raised a red flag (``flagged`` character spans) boxed in red."""
    scale = max((abs(t.weight) for t in e.tokens), default=1.0) or 1.0
    out, pos = [], 0
    for t in e.tokens:
        out.append(html.escape(e.text[pos:t.start]))
        alpha = min(1.0, abs(t.weight) / scale) * 0.8
        color = f"rgba(0,160,60,{alpha:.2f})" if t.weight > 0 else f"rgba(220,40,40,{alpha:.2f})"
        flag = any(s < t.end and t.start < f for s, f in flagged)
        cls = "cc-token" + (" cc-neg" if t.negated else "") + (" cc-flag" if flag else "")
        deco = ("text-decoration: line-through;" if t.negated else "") + ("outline: 2px solid #c00;" if flag else "")
        title = (plain_weight(t.weight, t.status or ("NEG" if t.negated else "")) if t.weight else "not weighed")
        title += " (raised a red flag)" if flag else ""
        out.append(f'<span class="{cls}" title="{title}" style="background:{color};{deco}padding:1px 2px;'
                   f'border-radius:3px">{html.escape(e.text[t.start:t.end])}</span>')
        pos = t.end
    out.append(html.escape(e.text[pos:]))
    return "<div class='cc-text' style='line-height:2;white-space:pre-wrap'>" + "".join(out) + "</div>"


def render_why(model, text: str, pred) -> None:
    st.markdown("#### Why")
    label = label_to_explain(pred)  # for `unknown`: the closest condition
    e = explain(model, text, label)
    flagged = [(ev["start"], ev["end"]) for f in pred.red_flags for ev in f.get("evidence", ())]
    closest = "" if label == pred.label else f"The closest condition is “{display_name(label)}”. "
    st.caption(f"{closest}Words tinted green pushed towards “{display_name(label)}”, red pushed against it; "
               "struck-through words were read as negated (“no swelling”)"
               + ("; words boxed in red raised a red flag." if flagged else "."))
    # st.html, not st.markdown: no markdown pass, so a blank line, "# ..." or "[](/)" in the user's text
    # stays text (every piece of it is html-escaped; DOMPurify cleans the rest)
    st.html(highlighted_html(e, flagged))
    for n in e.named:
        said = ", ".join(f"“{w}”" for w in n["words"])
        st.markdown(markdown_text(f"You named it: you wrote {said}, which counts towards {display_name(n['condition'])} "
                                  f"(a name like this is right about {100 / (1 + 2.718281828 ** -n['weight']):.0f}% "
                                  "of the time in real posts)."))
    if evidence := evidence_html(e):
        st.html(evidence)


def evidence_html(e: Explanation, n: int = 8) -> str:
    """The words that counted most, quoted from the text as typed, each with its weight in plain words
    (“strong evidence for”); the model feature it came from is the quote's tooltip."""
    items = []
    for ev in e.top(n):
        said = ", ".join(f'<q class="cc-ev-words" title="{html.escape(f"model feature: {ev.feature}")}">'
                         f"{html.escape(w)}</q>" for w in ev.words)
        items.append(f'<li class="cc-evidence">{said}: {html.escape(ev.plain)}</li>')
    return ("<div class='cc-why'><p>The words that counted most:</p><ul style='margin:0'>" + "".join(items)
            + "</ul></div>") if items else ""


def render_what_now(label: str) -> None:
    if label == UNKNOWN:
        return
    cond = load_conditions()[label]
    st.markdown("#### What now")
    for aspect, title in (("what_it_is", "What it is"), ("treatment", "What typically helps"),
                          ("prevention", "Prevention"), ("see_doctor", "When to see a doctor")):
        fact = cond.fact(aspect)
        if fact:
            st.markdown(f"**{title}.** {fact.text}  \n<small>Source: *{fact.source}*</small>",
                        unsafe_allow_html=True)


def answer_question(qid: str, answer: str) -> None:
    """Button callback: record an answer (or undo the last one, ``answer=None``) and what it changed."""
    model, text = get_model(), st.session_state.get("described")
    answers = dict(st.session_state.get("answers", {}))
    if text is None or (answer is None and not answers):  # a stale click (new text, nothing left to undo)
        return
    before = classify_with_answers(model, text, answers)
    if answer is None:
        qid, answer = answers.popitem()
    else:
        answers[qid] = answer
    after = classify_with_answers(model, text, answers)  # an answer can raise a red flag, never remove one
    line = what_changed(load_questions()[qid], answer, before, after)
    st.session_state["answers"] = answers
    st.session_state["last_change"] = ("Undone: " if qid not in answers else "") + line


def render_question(model, text: str, answers: dict[str, str]) -> None:
    """Under the answer: the one question that would help most, with Yes / No / Not sure, the line
    saying what the last answer changed, and the answers given so far (the last can be undone)."""
    if st.session_state.get("last_change"):
        st.info(f"**What changed.** {st.session_state['last_change']}", icon=":material/change_circle:")
    ranked = model.questions(text, answers)
    if ranked:
        q = ranked[0].question
        st.markdown(f"**One question would help:** {q.ask}")
        for col, (answer, word) in zip(st.columns([1, 1, 1, 4]), ANSWER_WORDS.items()):
            col.button(word, key=f"q-{q.id}-{answer}", on_click=answer_question, args=(q.id, answer))
    if answers:
        bank = load_questions()
        st.caption("Your answers: " + "; ".join(f"{ANSWER_WORDS[a]} to “{bank[qid].ask}”" for qid, a in answers.items()))
        st.button("Undo last answer", key="q-undo", on_click=answer_question, args=(None, None))


def render_model_details(model) -> None:
    """The model in plain words: what it learnt from, what it runs on, how well it did (when its files say)."""
    with st.sidebar.expander("Model details", expanded=False):
        meta = model.meta
        corpus = meta.get("corpus", {})
        examples = corpus.get("examples")
        st.markdown(f"**Version** `{model.version}`")
        st.markdown(f"**Learnt from** {f'{examples:,}' if isinstance(examples, int) else 'an unknown number of'} "
                    "made-up (synthetic) descriptions of the four conditions and of other complaints"
                    + (f" (data `{corpus['sha256'][:12]}`)." if corpus.get("sha256") else "."))
        libraries = meta.get("libraries") or {}
        if libraries:
            st.markdown("**Runs on** " + ", ".join(f"{name} {version}" for name, version in sorted(libraries.items()))
                        + ", on this machine only.")
        scores = meta.get("evaluation") or {}
        if scores:
            st.markdown("**How well it did on descriptions it never saw** "
                        + "; ".join(f"{name.replace('_', ' ')} {value:.0%}" if isinstance(value, float)
                                    else f"{name.replace('_', ' ')} {value}" for name, value in scores.items()) + ".")
        else:
            st.markdown("**How well it does** is measured apart from the model: see `docs/evaluation.md` in the "
                        "project.")


def describe(text: str) -> None:
    """A new description to answer (Classify, or an example button): its questions start over."""
    st.session_state.update(described=capped(text), described_cut=capped(text) != text, answers={},
                            last_change="", classified=st.session_state.get("classified", 0) + 1, scroll=True)


def try_example(text: str) -> None:
    """Example button callback: the example goes in the box and is classified at once."""
    st.session_state["text"] = text
    describe(text)


def single_tab(model) -> None:
    st.write("Examples to try:")
    cols = st.columns(len(EXAMPLES))
    for col, (name, text) in zip(cols, EXAMPLES.items()):
        col.button(name, key=f"ex-{name}", on_click=try_example, args=(text,))
    with st.form("describe"):
        text = st.text_area("Describe what you feel, in your own words", key="text", height=140,
                            help=f"Up to {MAX_TEXT_BYTES:,} bytes are read, as on the command line.",
                            placeholder="e.g. my calf seized up at mile 20 and let go when I stretched it")
        submitted = st.form_submit_button("Classify", type="primary")
    if submitted:  # a new description: its questions start over
        describe(text)
    elif st.session_state.get("described") is None:
        return
    text = st.session_state["described"]
    if st.session_state.get("described_cut"):
        st.warning(f"Only the first {MAX_TEXT_BYTES:,} bytes of the description were read (the page's limit, as on "
                   "the command line).")
    if not text.strip():
        st.info("Type a description first: where it hurts, how it started, what makes it better or worse.")
        return
    start = time.perf_counter()
    answers = st.session_state.get("answers", {})
    full = with_answers(text, answers)  # the description with the answers' phrases appended
    pred = classify_with_answers(model, text, answers)
    st.markdown("<div id='cc-result'></div>", unsafe_allow_html=True)
    if st.session_state.pop("scroll", False):  # a new answer (not an answered question): bring it into view
        scroll_to_result(st.session_state["classified"])
    if render_danger(pred):
        render_red_flags(pred)
        st.markdown("#### What else it sounds like")
    else:
        render_red_flags(pred)
    render_answer(pred)
    render_question(model, text, answers)
    render_why(model, full, pred)
    render_what_now(pred.label)
    st.caption(f"Answered in {1000 * (time.perf_counter() - start):.0f} ms.")


def capped(text: str) -> str:
    """The description up to ``MAX_TEXT_BYTES`` (a longer one costs seconds of server time per question)."""
    data = text.encode("utf-8", "surrogatepass")
    return text if len(data) <= MAX_TEXT_BYTES else whole_chars(data[:MAX_TEXT_BYTES]).decode("utf-8", "ignore")


def classify_uploads(uploads: tuple[tuple[str, bytes], ...]) -> list[dict]:
    """Results of the uploaded files, kept in this session only for the same files (a click elsewhere on the
    page does not classify them again; no other session sees them, and they go with the session)."""
    import hashlib

    key = hashlib.sha256(b"\0".join(name.encode() + b"\0" + data for name, data in uploads)).hexdigest()
    kept = st.session_state.get("batch_results")
    if kept is None or kept[0] != key:
        with st.spinner("Classifying…"):
            kept = (key, list(classify_records(get_model(), records_from_uploads(uploads))))
        st.session_state["batch_results"] = kept
    return kept[1]


def batch_tab(model) -> None:
    files = st.file_uploader("Upload .txt files (one description each) or a CSV/JSONL with a `text` column "
                             "(and an `id` column, if you like, to name the rows)",
                             type=["txt", "csv", "jsonl"], accept_multiple_files=True,
                             help=f"Up to {MAX_UPLOAD_BYTES // 1_000_000} MB and {MAX_UPLOAD_RECORDS:,} descriptions "
                                  "at a time; `calfcheck classify` has no such limit.")
    if not files:
        st.session_state.pop("batch_results", None)
        return
    try:
        results = classify_uploads(tuple((f.name, f.getvalue()) for f in files))  # an `id` column names its rows
    except UploadTooLargeError as exc:
        st.error(str(exc))
        return
    # the table's own "Download as CSV" writes cells as they are shown: formulas neutralised here too
    st.dataframe(pd.DataFrame(table_rows(results)), hide_index=True,
                 column_config={"error": st.column_config.TextColumn("error or warning", width="large")})
    failed = [r for r in results if r["status"] != "ok"]
    if failed:  # a table cell cuts long text: each error in full, with what to do
        st.markdown(f"**{len(failed)} not classified:**")
        for r in failed:
            st.markdown(markdown_text(f"{r['id']}: {r['error']}"))
    # the same CSV as `calfcheck classify -f csv`, cells that a spreadsheet would run as formulas neutralised
    st.download_button("Download CSV", results_csv(results), "calfcheck.csv", "text/csv")


def main() -> None:
    st.set_page_config(page_title="calfcheck", page_icon="🦵")
    st.title("calfcheck")
    st.caption("What does your calf pain sound like? **Not a diagnosis.** If your calf is swollen, warm or red, "
               "or you are short of breath, see a doctor now; in an emergency call your local emergency number. "
               "Nothing you type leaves this machine or is stored.")
    model = get_model()
    render_model_details(model)
    one, many = st.tabs(["Describe", "Batch"])
    with one:
        single_tab(model)
    with many:
        batch_tab(model)


main()
