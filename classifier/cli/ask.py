"""``calfcheck classify --ask``: ask the questions of ``Model.questions`` on the terminal (y/n/?, or yes, no,
not sure).

Prompts, "what changed" lines and red flags go to stderr; the final answer is classified and written
like any other result. When stdin is not a terminal nothing is asked, so batch runs never block.
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence

import click

from classifier.batch.output import terminal_safe
from classifier.model.questions import classify_with_answers, what_changed

__all__ = ["stdin_is_terminal", "ask_interactively", "ask_about"]

# what a reply may be (any case, spaces around ignored): the answer it gives
REPLIES = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "?": "unsure", "not sure": "unsure", "unsure": "unsure"}


class Reply(click.ParamType):
    """y, yes, n, no, ?, not sure (any case) as the answer ``yes``, ``no`` or ``unsure``."""

    name = "reply"

    def convert(self, value, param, ctx) -> str:
        reply = REPLIES.get(" ".join(str(value).lower().split()))
        if reply is None:
            self.fail(f"{value!r} is not an answer: type y or yes, n or no, ? or not sure.", param, ctx)
        return reply


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def ask_interactively(model, text: str, prompt: Callable[..., str] | None = None) -> dict[str, str]:
    """Ask until the model is sure or the questions run out; the answers, by question id."""
    prompt = prompt or _prompt
    answered: dict[str, str] = {}
    before = model.classify(text)
    while True:
        ranked = model.questions(text, answered)
        if not ranked:
            break
        question = ranked[0].question
        answer = Reply().convert(prompt(question.ask), None, None)
        answered[question.id] = answer
        after = classify_with_answers(model, text, answered)  # an answer never removes a flag
        click.echo(f"  {what_changed(question, answer, before, after)}", err=True)
        for flag in after.red_flags:
            if flag["id"] not in {f["id"] for f in before.red_flags}:
                click.echo(terminal_safe(f"  !! RED FLAG {flag['id']}: {flag['reason']}"), err=True)
        before = after
    return answered


def _prompt(question: str) -> str:
    """One answer: y/yes, n/no, ?/not sure, any case (asked again until it is one). Ctrl+C, SIGTERM and SIGHUP
    stop the run as they stop any run (exit 128 + signal): click.prompt would turn them into its own "Aborted!"
    and exit 1."""
    try:
        return click.prompt(f"{question} [y/n/?]", type=Reply(), show_choices=False, err=True)
    except click.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # the signal, not the end of input
            raise exc.__context__ from None
        raise


def ask_about(texts: Sequence[str], model, paths: Sequence[str]) -> list[dict[str, str]]:
    """The user's answers about each ``-t`` text (by question id; none without a terminal, with a note).
    ``model`` is a loaded model or the directory to load it from."""
    if not stdin_is_terminal():
        click.echo("calfcheck: --ask skipped: stdin is not a terminal (nothing is asked in batch runs).", err=True)
        return [{} for _ in texts]
    if paths:
        click.echo("calfcheck: --ask asks about -t descriptions only; files and stdin are classified as they are.",
                   err=True)
    if not hasattr(model, "questions"):
        from classifier.storage import load_model

        model = load_model(model)
    out = []
    for i, text in enumerate(texts, 1):
        answered = {}
        if text.strip():
            click.echo(f"text:{i}: a few questions may help (y = yes, n = no, ? = not sure).", err=True)
            answered = ask_interactively(model, text)
        out.append(answered)
    return out
