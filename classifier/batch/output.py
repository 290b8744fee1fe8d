"""Writing results as JSONL, CSV, a JSON array or a readable table, streamed record by record."""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Iterator

from classifier.facts import LABELS

__all__ = ["FORMATS", "CSV_FIELDS", "render", "ResultWriter"]

FORMATS = ("jsonl", "csv", "table", "json")
CSV_FIELDS = ["id", "status", "label", "confidence", "triage", "red_flags", "reason",
              *[f"p_{lab}" for lab in LABELS], "model_version", "error", "warning"]


def _csv_row(r: dict) -> dict:
    row = {k: r.get(k) for k in CSV_FIELDS if not k.startswith("p_")}
    row["red_flags"] = ";".join(f["id"] for f in r["red_flags"]) if r.get("red_flags") else ""
    for lab in LABELS:
        row[f"p_{lab}"] = r["scores"][lab] if r.get("scores") else ""
    return row


def _table_lines(r: dict) -> Iterator[str]:
    if r["status"] != "ok":
        yield f"{r['id']}: ERROR {r['error']}"
        return
    yield f"{r['id']}: {r['label']} ({r['confidence']:.0%})  triage: {r['triage']}"
    for flag in r.get("red_flags") or []:
        yield f"  !! RED FLAG {flag['id']}: {flag['reason']}"
    if r.get("reason"):
        yield f"  {r['reason']}"
    ranked = sorted(r["scores"].items(), key=lambda kv: -kv[1])
    yield "  " + "  ".join(f"{lab} {p:.0%}" for lab, p in ranked)
    if r.get("evidence"):
        explained = r.get("explained_label") or r["label"]
        yield ("  why (strongest evidence for/against this answer):" if explained == r["label"] else
               f"  why not {explained} (the closest condition): strongest evidence for/against it:")
        for e in r["evidence"]:
            neg = " (negated)" if e["negated"] else ""
            yield f"    {e['direction']:>7} {e['weight']:+.2f}  {e['term'].removeprefix('NEG_')}{neg}"
    if r.get("warning"):
        yield f"  warning: {r['warning']}"


def render(r: dict, fmt: str) -> str:
    """One result as text in ``fmt`` (a JSONL line, a CSV row, table lines or a JSON object).

    Rendering is separate from writing so worker processes can do it and send only text back.
    """
    if fmt == "jsonl":
        return json.dumps(r, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n").writerow(_csv_row(r))
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(r, ensure_ascii=False, indent=2)
    return "\n".join(_table_lines(r)) + "\n"


class ResultWriter:
    """Writes rendered results to ``out`` as they come: the CSV header, the JSON array's brackets
    and commas are added here, so every format streams. ``header=False`` when appending."""

    def __init__(self, out: IO[str], fmt: str, *, header: bool = True):
        self.out, self.fmt, self.count = out, fmt, 0
        if header and fmt == "csv":
            out.write(",".join(CSV_FIELDS) + "\n")
        if fmt == "json":
            out.write("[")

    def write(self, text: str) -> None:
        if self.fmt == "json":
            text = ("," if self.count else "") + "\n" + text
        self.out.write(text)
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")
