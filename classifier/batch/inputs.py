"""Reading descriptions to classify: literal texts, text files, folders, JSONL, CSV and stdin.

Every input yields ``Record`` objects in input order; a bad input yields one record with an
``error`` (or a ``warning`` when its text could still be used) and never stops the others.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Iterable, Iterator

__all__ = ["Record", "MAX_TEXT_BYTES", "read_inputs", "records_from_text_lines", "records_from_jsonl",
           "records_from_csv", "records_from_upload", "decode_text", "estimate_count"]

MAX_TEXT_BYTES = 100_000  # longer descriptions are truncated to this many bytes and flagged
SNIFF_BYTES = 8192


@dataclass
class Record:
    id: str
    text: str | None = None
    error: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def decode_text(data: bytes, rid: str) -> Record:
    """A record from raw bytes: binary is refused, invalid UTF-8 is replaced and flagged, size capped."""
    if b"\x00" in data[:SNIFF_BYTES]:
        return Record(rid, error="binary file (contains NUL bytes): give a plain-text description")
    warnings = []
    if len(data) > MAX_TEXT_BYTES:
        data = data[:MAX_TEXT_BYTES]
        warnings.append(f"text longer than {MAX_TEXT_BYTES} bytes: only the first {MAX_TEXT_BYTES} were classified")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(warnings) and exc.start >= len(data) - 3:  # a character cut by the truncation
            text = data[: exc.start].decode("utf-8")
        else:
            text = data.decode("utf-8", errors="replace")
            warnings.append(f"invalid UTF-8 at byte {exc.start}: undecodable bytes replaced with U+FFFD; "
                            "save the file as UTF-8 for exact results")
    text = text.lstrip("\ufeff")
    if not text.strip():
        return Record(rid, error="empty text: write where and how the calf hurts")
    return Record(rid, text=text, warning="; ".join(warnings) or None)


def _text_record(text: str, rid: str) -> Record:
    return decode_text(text.encode("utf-8", errors="surrogateescape"), rid)


def records_from_text_lines(stream: IO[str], name: str) -> Iterator[Record]:
    """One description per line (blank lines are skipped)."""
    for n, line in enumerate(stream, 1):
        if line.strip():
            yield _text_record(line.rstrip("\n"), f"{name}:{n}")


def records_from_jsonl(stream: IO[str], name: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    """One JSON object per line; the text in ``text_field``, the id in ``id_field`` (else ``name:line``)."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        rid = f"{name}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(rid, error=f"invalid JSON on line {n}: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield Record(rid, error=f"line {n} is JSON but not an object: expected {{\"{text_field}\": ...}}")
            continue
        if id_field and obj.get(id_field) is not None:
            rid = str(obj[id_field])
        text = obj.get(text_field)
        if not isinstance(text, str):
            found = ", ".join(sorted(obj)) or "none"
            yield Record(rid, error=f"no text field {text_field!r} (fields found: {found}); set --text-field")
            continue
        yield _text_record(text, rid)


def records_from_csv(stream: IO[str], name: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    """A CSV with a header row; the text in column ``text_field``."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or text_field not in reader.fieldnames:
        cols = ", ".join(reader.fieldnames or []) or "none"
        yield Record(name, error=f"CSV has no column {text_field!r} (columns: {cols}); set --text-field")
        return
    for n, row in enumerate(reader, 2):
        rid = str(row.get(id_field)) if id_field and row.get(id_field) else f"{name}:{n}"
        text = row.get(text_field)
        if text is None:
            yield Record(rid, error=f"row {n} has no value in column {text_field!r}")
            continue
        yield _text_record(text, rid)


def records_from_upload(name: str, data: bytes, text_field: str = "text") -> Iterator[Record]:
    """Records of one uploaded file: CSV/JSONL by extension, otherwise one text description."""
    lower = name.lower()
    if lower.endswith((".csv", ".jsonl", ".ndjson")):
        stream = io.StringIO(data.decode("utf-8", errors="replace"))
        reader = records_from_csv if lower.endswith(".csv") else records_from_jsonl
        yield from reader(stream, name, text_field, None)
    else:
        yield decode_text(data, name)


def _open_text(path: Path) -> IO[str]:
    return open(path, encoding="utf-8", errors="replace", newline="")


def _file_format(path: Path, input_format: str) -> str:
    if input_format != "auto":
        return input_format
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(path.suffix.lower(), "text")


def _walk(folder: Path, glob: str) -> Iterator[Path]:
    """Files under ``folder`` matching ``glob``, sorted, skipping dotfiles and dot-folders."""
    for path in sorted(folder.rglob(glob)):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            yield path


def _file_records(path: Path, fmt: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    name = str(path)
    try:
        if fmt == "text":
            with open(path, "rb") as f:
                data = f.read(MAX_TEXT_BYTES + 1)
            yield decode_text(data, name)
            return
        with _open_text(path) as f:
            reader = records_from_jsonl if fmt == "jsonl" else records_from_csv
            yield from reader(f, name, text_field, id_field)
    except FileNotFoundError:
        yield Record(name, error="file not found: check the path")
    except IsADirectoryError:
        yield Record(name, error="is a directory")
    except PermissionError:
        yield Record(name, error="permission denied: cannot read this file")
    except OSError as exc:
        yield Record(name, error=f"cannot read file: {exc.strerror or exc}")


def _sniff_lines(stream: IO[str]) -> tuple[str, Iterator[str]]:
    """("jsonl" if the first non-blank line is a JSON object, else "text"), and all the lines."""
    head = []
    for line in stream:
        head.append(line)
        if line.strip():
            break
    fmt = "jsonl" if head and head[-1].lstrip().startswith("{") else "text"
    return fmt, chain(head, stream)


def estimate_count(inputs: Iterable[str], *, input_format: str = "auto", glob: str = "*",
                   texts: Iterable[str] = ()) -> int | None:
    """About how many records ``read_inputs`` will yield (for a progress bar's ETA); None with stdin.

    Counts files and lines without parsing them, so blank lines and multi-line CSV fields make it
    an overestimate.
    """
    total = len(list(texts))
    for item in inputs:
        if item == "-":
            return None
        path = Path(item)
        for p in (_walk(path, glob) if path.is_dir() else [path]):
            fmt = _file_format(p, input_format)
            if fmt == "text":
                total += 1
                continue
            try:
                with open(p, "rb") as f:
                    lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
            except OSError:
                lines = 1
            total += max(lines - (fmt == "csv"), 1)
    return total


def read_inputs(inputs: Iterable[str], *, input_format: str = "auto", text_field: str = "text",
                id_field: str | None = None, glob: str = "*", stdin: IO[str] | None = None,
                texts: Iterable[str] = ()) -> Iterator[Record]:
    """Records for every input, in order: ``texts`` first, then each path, folder or ``-`` (stdin)."""
    for n, text in enumerate(texts, 1):
        yield _text_record(text, f"text:{n}")
    for item in inputs:
        if item == "-":
            stream = stdin or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
            fmt = input_format
            if fmt == "auto":
                fmt, stream = _sniff_lines(stream)
            if fmt == "jsonl":
                yield from records_from_jsonl(stream, "stdin", text_field, id_field)
            elif fmt == "csv":
                yield from records_from_csv(stream, "stdin", text_field, id_field)
            else:
                yield from records_from_text_lines(stream, "stdin")
            continue
        path = Path(item)
        if path.is_dir():
            for p in _walk(path, glob):
                yield from _file_records(p, _file_format(p, input_format), text_field, id_field)
        else:
            yield from _file_records(path, _file_format(path, input_format), text_field, id_field)
