"""Writing results as JSONL, CSV, a JSON array or a readable table, streamed record by record.

Safe rendering: in the table (what a terminal shows) control characters in anything that came from
the input (ids, file names, JSON keys in errors, quoted words) are shown escaped (``\\x1b``), so an id
cannot clear the screen or fake a line. In CSV, a cell that starts with ``=``, ``+``, ``-``, ``@``, tab
or carriage return gets a leading ``'`` (OWASP's rule against spreadsheet formulas) unless
``csv_raw`` is set.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import IO, Iterator

from classifier.facts import LABELS, display_name
from classifier.wording import TRIAGE_NAMES, plain_weight, strength

__all__ = ["FORMATS", "CSV_FIELDS", "render", "ResultWriter", "terminal_safe", "terminal_safe_lines", "csv_safe",
           "results_csv", "red_flag_reasons", "table_rows", "looks_like_results"]

FORMATS = ("jsonl", "csv", "table", "json")
# New columns go at the end, so readers that take columns by position keep working: unsure and runner_up
# (issue 20), red_flag_reasons (issue 21: each flag's id and the reason quoting the words that raised it).
CSV_FIELDS = ["id", "status", "label", "confidence", "triage", "red_flags", "reason",
              *[f"p_{lab}" for lab in LABELS], "model_version", "error", "warning", "unsure", "runner_up",
              "red_flag_reasons"]


# C0 and C1 control characters, DEL, and the Unicode controls that reorder or hide text
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``): safe to print."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def terminal_safe_lines(text: str) -> str:
    """``terminal_safe`` for each line of ``text``, keeping its line breaks."""
    return "\n".join(terminal_safe(line) for line in text.split("\n"))


def csv_safe(value):
    """A CSV cell a spreadsheet will not run as a formula: text starting with = + - @ tab CR gets a ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def red_flag_reasons(red_flags: list[dict] | None) -> str:
    """The red flags as one cell: “id (level): reason”, joined by " | " (empty when there are none)."""
    return " | ".join(f"{f['id']} ({f['triage']}): {f['reason']}" for f in red_flags or ())


def _csv_row(r: dict, raw: bool = False) -> dict:
    row = {k: r.get(k) for k in CSV_FIELDS if not k.startswith("p_")}
    row["red_flags"] = ";".join(f["id"] for f in r["red_flags"]) if r.get("red_flags") else ""
    row["red_flag_reasons"] = red_flag_reasons(r.get("red_flags"))
    for lab in LABELS:
        row[f"p_{lab}"] = r["scores"][lab] if r.get("scores") else ""
    return row if raw else {k: csv_safe(v) for k, v in row.items()}


def _said(words) -> str:
    return ", ".join(f"“{w}”" for w in words)


def _table_lines(r: dict) -> Iterator[str]:
    if r["status"] != "ok":
        yield f"{r['id']}: ERROR {r['error']}"
        return
    from classifier.rules.danger import leading_danger

    name = display_name(r["label"])
    danger = leading_danger(r["triage"], r.get("red_flags") or [])
    flags = [f"  !! RED FLAG {flag['id']}: {flag['reason']}" for flag in r.get("red_flags") or []]
    lead = f"{r['id']}: "
    if danger is not None:  # an urgent or emergency red flag leads, as on the page; the condition comes after it
        yield f"{r['id']}: !! {danger.headline}"
        yield from flags
        lead, flags = "  what else it sounds like: ", []
    if r.get("unsure") and r.get("runner_up"):
        yield (f"{lead}not sure yet: {name} or {display_name(r['runner_up'])}? ({r['confidence']:.0%})  "
               f"triage: {r['triage']}")
    else:
        yield f"{lead}{name} ({r['confidence']:.0%})  triage: {r['triage']}"
    yield from flags
    if r.get("reason"):
        yield f"  {r['reason']}"
    ranked = sorted(r["scores"].items(), key=lambda kv: -kv[1])
    yield "  " + "  ".join(f"{display_name(lab)} {p:.0%}" for lab, p in ranked)
    if r.get("evidence"):
        explained = r.get("explained_label") or r["label"]
        yield (f"  why: the words that counted most for or against {display_name(explained)}:"
               if explained == r["label"] else
               f"  why not {display_name(explained)} (the closest condition): the words that counted most for or "
               "against it:")
        for e in r["evidence"]:
            status = e.get("status") or ("NEG" if e["negated"] else "")
            yield f"    {_said(e.get('words') or [e['term']])}: {plain_weight(e['weight'], status)}"
    for n in r.get("named") or []:
        yield (f"    {_said(n['words'])}: you named {display_name(n['condition'])} "
               f"({strength(n['weight'])} evidence for it)")
    if r.get("warning"):
        yield f"  warning: {r['warning']}"


def render(r: dict, fmt: str, csv_raw: bool = False) -> str:
    """One result as text in ``fmt`` (a JSONL line, a CSV row, table lines or a JSON object).

    Rendering is separate from writing so worker processes can do it and send only text back.
    """
    if fmt == "jsonl":
        return json.dumps(r, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        row = _csv_row(r, csv_raw)
        # the writer quotes a field only for the characters of its "\n" line terminator: a bare CR would
        # break the row for every reader, so such a row is quoted whole
        cr = any(isinstance(v, str) and "\r" in v for v in row.values())
        csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n",
                       quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL).writerow(row)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(r, ensure_ascii=False, indent=2)
    return "\n".join(terminal_safe(line) for line in _table_lines(r)) + "\n"


class ResultWriter:
    """Writes rendered results to ``out`` as they come: the CSV header, the JSON array's brackets
    and commas are added here, so every format streams. ``header=False`` when appending; records go
    through ``record_sink`` when given (``Output.write``, which also records each input's hash)."""

    def __init__(self, out: IO[str], fmt: str, *, header: bool = True, record_sink=None):
        self.out, self.fmt, self.count = out, fmt, 0
        self.sink = record_sink or out.write
        if header and fmt == "csv":
            out.write(",".join(CSV_FIELDS) + "\n")
        if fmt == "json":
            out.write("[")

    def write(self, text: str) -> None:
        if self.fmt == "json":
            text = ("," if self.count else "") + "\n" + text
        self.sink(text)
        self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")


def results_csv(results: list[dict], csv_raw: bool = False) -> str:
    """Result dicts as one CSV text (header and rows), as ``calfcheck classify -f csv`` writes them."""
    buf = io.StringIO()
    writer = ResultWriter(buf, "csv")
    for r in results:
        writer.write(render(r, "csv", csv_raw))
    writer.close()
    return buf.getvalue()


def table_rows(results: list[dict]) -> list[dict]:
    """The page's results table, in words: one row per result, labels and triage levels by their display
    names, red flags by their titles with the reason, an empty cell where there is nothing (never "None"),
    the whole error or warning. Every cell is ``csv_safe`` (the table's own CSV export writes cells as shown,
    so an uploaded file named ``=cmd|...`` must not reach it raw)."""
    from classifier.rules.triage import load_rules

    titles = {flag.id: flag.title for flag in load_rules().flags}
    rows = []
    for r in results:
        ok = r["status"] == "ok"
        answer = display_name(r["label"]) if ok else ""
        if ok and r.get("unsure") and r.get("runner_up"):
            answer = f"Not sure yet: {answer} or {display_name(r['runner_up'])}?"
        row = {"id": r["id"], "answer": answer,
               "confidence": f"{r['confidence']:.0%}" if r.get("confidence") is not None else "",
               "triage": TRIAGE_NAMES.get(r.get("triage") or "", ""),
               "red flag": " | ".join(f"{titles.get(f['id'], f['id'])}: {f['reason']}" for f in r.get("red_flags") or ()),
               "status": r["status"], "error": r.get("error") or r.get("warning") or ""}
        rows.append({k: csv_safe(v) for k, v in row.items()})
    return rows


# a table's first line: an error, an answer, or the danger headline that leads an urgent answer
_TABLE_LINE = re.compile(r"^.*: (ERROR |.+ \(\d+%\)  triage: \w+$|!! .+: (call your local emergency number now|"
                         r"get seen today)$)")


def looks_like_results(head: bytes) -> bool:
    """Whether a file starting with ``head`` holds results calfcheck wrote, in any format (a previous run's
    output in an input folder is not an input, and ``--force`` may replace it)."""
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    if first == ",".join(CSV_FIELDS) or _TABLE_LINE.match(first):
        return True
    if first.strip() == "[":  # -f json: an object with a status follows
        return b'"status": ' in head
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and {"id", "status"} <= set(obj)
