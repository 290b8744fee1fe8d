"""Classifying one chunk of ``Record`` objects: one result per record, in order (the JSONL contract).

``parallel.classify_records`` drives a whole stream of chunks through here, locally or on workers.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Iterable, Iterator

from classifier.batch.inputs import Record

if TYPE_CHECKING:
    from classifier.model import Model

__all__ = ["classify_chunk", "result_for", "chunked", "CHUNK_SIZE"]

CHUNK_SIZE = 512


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def result_for(record: Record, prediction=None) -> dict:
    """The output record: the public JSONL contract (``id``, ``status``, ``label`` …)."""
    out = {"id": record.id, "status": "ok" if record.ok else "error"}
    if prediction is not None:
        out.update(label=prediction.label, confidence=prediction.confidence, unsure=prediction.unsure,
                   runner_up=prediction.runner_up, scores=prediction.scores, triage=prediction.triage,
                   red_flags=prediction.red_flags, reason=prediction.reason, model_version=prediction.model_version)
    else:
        out.update(label=None, confidence=None, unsure=None, runner_up=None, scores=None, triage=None,
                   red_flags=None, reason=None, model_version=None)
    out["error"] = record.error
    out["warning"] = record.warning
    return out


def _evidence(model: Model, text: str, label: str) -> tuple[list[dict], list[dict]]:
    """The strongest evidence of the linear model, and the conditions the writer named (``rules.naming``)."""
    from classifier.model.explain import explain

    e = explain(model, text, label)
    return ([{"term": ev.feature, "weight": round(ev.weight, 4), "direction": ev.direction, "negated": ev.negated,
              "status": ev.status, "words": list(ev.words)} for ev in e.top(8)], e.named)


def classify_chunk(model: Model, chunk: list[Record], explain: bool = False) -> list[dict]:
    good = [r for r in chunk if r.ok and not r.answered]
    preds = iter(model.classify_many([r.text for r in good]))
    out = []
    for r in chunk:
        if not r.ok:
            out.append(result_for(r))
            continue
        if r.answered:  # --ask: the text with its answers; an answer never removes a red flag
            from classifier.model.questions import classify_with_answers, with_answers

            prediction, text = classify_with_answers(model, r.text, r.answered), with_answers(r.text, r.answered)
        else:
            prediction, text = next(preds), r.text
        res = result_for(r, prediction)
        if explain:
            from classifier.model.explain import label_to_explain

            res["explained_label"] = label_to_explain(prediction)  # for `unknown`: the closest condition
            res["evidence"], res["named"] = _evidence(model, text, res["explained_label"])
        out.append(res)
    return out
