"""Writing results as JSONL, CSV, JSON or a readable table."""

from __future__ import annotations

import csv
import json
from typing import IO, Iterable, Iterator

from .facts import LABELS

__all__ = ["FORMATS", "write_results", "CSV_FIELDS"]

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
        yield "  why (strongest evidence for/against this answer):"
        for e in r["evidence"]:
            neg = " (negated)" if e["negated"] else ""
            yield f"    {e['direction']:>7} {e['weight']:+.2f}  {e['term'].removeprefix('NEG_')}{neg}"
    if r.get("warning"):
        yield f"  warning: {r['warning']}"


def write_results(results: Iterable[dict], out: IO[str], fmt: str) -> Iterator[dict]:
    """Write each result as it arrives (streaming) and pass it on, so callers can count."""
    if fmt == "json":  # one JSON array: needs everything first
        items = list(results)
        json.dump(items, out, ensure_ascii=False, indent=2)
        out.write("\n")
        yield from items
        return
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
    for r in results:
        if fmt == "jsonl":
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            writer.writerow(_csv_row(r))
        else:
            out.write("\n".join(_table_lines(r)) + "\n")
        yield r
