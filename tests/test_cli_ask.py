"""``calfcheck classify --ask``: questions on a terminal, none in batch runs."""

import io
import json
import os
import signal
import time

import pytest
from click.testing import CliRunner

import classifier.cli.ask as ask
from classifier.cli import main

UNSURE = "My calf has hurt on and off for two weeks. It hurts when I run. Not sure what it is."


@pytest.fixture
def run(model):
    def _run(*args, input=None):
        return CliRunner().invoke(main, ["classify", *args, "-m", str(model.path)], input=input,
                                  catch_exceptions=False)

    return _run


def test_cli_ask_is_skipped_with_a_note_when_stdin_is_not_a_terminal(run):
    asked = run("--ask", "-t", UNSURE, "-f", "jsonl", input="y\ny\ny\n")
    plain = run("-t", UNSURE, "-f", "jsonl")
    assert asked.exit_code == 0
    assert "--ask skipped: stdin is not a terminal" in asked.stderr
    assert "[y/n/?]" not in asked.stderr
    strip = lambda out: [{k: v for k, v in json.loads(line).items()} for line in out.splitlines()]
    assert strip(asked.stdout) == strip(plain.stdout)


def test_cli_ask_on_a_terminal_asks_shows_what_changed_and_classifies_the_answered_text(run, model, monkeypatch):
    monkeypatch.setattr(ask, "stdin_is_terminal", lambda: True)
    first = model.questions(UNSURE)
    assert first[0].question.kind == "red_flag"
    # "not sure" to the three red-flag questions (the text stays as it was), then yes to the next one
    r = run("--ask", "-t", UNSURE, "-f", "jsonl", input="?\n?\n?\ny\n?\n?\n")
    assert r.exit_code == 0, r.stderr
    assert first[0].question.ask in r.stderr and "[y/n/?]" in r.stderr
    assert "Yes to “" in r.stderr and "→" in r.stderr
    condition = next(q for q in model.questions(UNSURE, {i.id: "unsure" for i in first[:3]}))
    assert condition.question.ask in r.stderr
    row = json.loads(r.stdout)
    assert row["scores"] == condition.if_yes  # the answered text was classified
    assert row["red_flags"] == []


def test_cli_ask_yes_to_a_red_flag_question_raises_the_flag(run, monkeypatch):
    monkeypatch.setattr(ask, "stdin_is_terminal", lambda: True)
    r = run("--ask", "-t", UNSURE, "-f", "jsonl", input="y\n?\n?\n?\n?\n?\n")
    assert r.exit_code == 0, r.stderr
    assert "RED FLAG possible_dvt" in r.stderr
    row = json.loads(r.stdout)
    assert row["triage"] == "urgent" and [f["id"] for f in row["red_flags"]] == ["possible_dvt"]


def test_cli_explain_for_an_unknown_answer_shows_the_closest_condition(run, model):
    text = "Something is wrong with my shin, it hurts."
    pred = model.classify(text)
    assert pred.label == "unknown"
    closest = max(("calf_strain", "achilles_tendinitis", "compartment_syndrome", "muscle_cramp"),
                  key=lambda c: pred.scores[c])
    row = json.loads(run("-t", text, "--explain", "-f", "jsonl").stdout)
    assert row["label"] == "unknown" and row["explained_label"] == closest
    assert any(e["direction"] == "for" for e in row["evidence"])
    table = run("-t", text, "--explain").stdout
    from classifier.facts import display_name

    assert f"why not {display_name(closest)} (the closest condition)" in table


class _Signalling(io.RawIOBase):
    """A stdin that delivers ``signum`` to this process while a question waits for its answer."""

    def __init__(self, signum):
        self.signum = signum

    def readable(self):
        return True

    def readinto(self, buffer):
        os.kill(os.getpid(), self.signum)
        time.sleep(5)  # the signal handler raises here
        buffer[:2] = b"y\n"
        return 2


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_cli_ask_waiting_for_an_answer_stops_with_128_plus_the_signal(run, monkeypatch, signum):
    monkeypatch.setattr(ask, "stdin_is_terminal", lambda: True)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal's Ctrl+C finds it
    try:
        r = run("--ask", "-t", UNSURE, "-f", "jsonl", input=io.BufferedReader(_Signalling(signum)))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert r.exit_code == 128 + signum, r.output
    assert "Aborted!" not in r.output


@pytest.mark.parametrize("typed, answer", [("y", "yes"), ("YES", "yes"), (" Yes ", "yes"), ("n", "no"), ("No", "no"),
                                           ("?", "unsure"), ("not sure", "unsure"), ("Not  Sure", "unsure")])
def test_cli_ask_accepts_yes_no_and_not_sure_in_any_case(typed, answer):
    assert ask.Reply().convert(typed, None, None) == answer


def test_cli_ask_on_a_terminal_takes_words_and_asks_again_after_a_bad_reply(run, monkeypatch):
    monkeypatch.setattr(ask, "stdin_is_terminal", lambda: True)
    r = run("--ask", "-t", UNSURE, "-f", "jsonl", input="yes\nmaybe\nNot sure\nNO\nnot sure\nno\n?\n?\n")
    assert r.exit_code == 0, r.stderr
    assert "'maybe' is not an answer: type y or yes, n or no, ? or not sure." in r.stderr
    row = json.loads(r.stdout)
    assert [f["id"] for f in row["red_flags"]] == ["possible_dvt"]  # "yes" to the first red-flag question
