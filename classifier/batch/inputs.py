"""Reading descriptions to classify: literal texts, text files, folders, JSONL, CSV and stdin.

Every input yields ``Record`` objects in input order; a bad input yields one record with an
``error`` (or a ``warning`` when its text could still be used) and never stops the others.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import stat
import sys
from collections import deque
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from classifier.batch.textio import Line, buffered, decode_bytes, read_lines, sniff_encoding, whole_chars

__all__ = ["Record", "MAX_TEXT_BYTES", "MAX_LINE_BYTES", "read_inputs", "records_from_text_lines",
           "records_from_jsonl", "records_from_csv", "records_from_upload", "records_from_uploads", "UploadTooLargeError",
           "MAX_UPLOAD_BYTES", "MAX_UPLOAD_RECORDS", "decode_text", "estimate_count"]

logger = logging.getLogger(__name__)

MAX_TEXT_BYTES = 100_000  # longer descriptions are truncated to this many bytes and flagged
MAX_LINE_BYTES = 1_000_000  # a JSONL or CSV line: the text plus what JSON escaping or CSV quoting adds
MAX_UPLOAD_BYTES = 5_000_000  # the page's Batch tab: all uploaded files together
MAX_UPLOAD_RECORDS = 5_000  # the page's Batch tab: descriptions classified at most
SNIFF_BYTES = 8192
csv.field_size_limit(MAX_LINE_BYTES)


@dataclass
class Record:
    id: str
    text: str | None = None
    error: str | None = None
    warning: str | None = None
    answered: dict[str, str] | None = None  # answers to calfcheck's questions (--ask), by question id

    @property
    def ok(self) -> bool:
        return self.error is None


def text_record(text: str, rid: str, warnings: list[str] | tuple = ()) -> Record:
    """A record for a decoded text: empty text is an error, text over ``MAX_TEXT_BYTES`` is cut and flagged."""
    warnings = [w for w in warnings if w]
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_TEXT_BYTES:
        text = data[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")
        warnings.append(f"text longer than {MAX_TEXT_BYTES} bytes: only the first {MAX_TEXT_BYTES} were classified")
    if not text.strip():
        return Record(rid, error="empty text: write where and how the calf hurts")
    if "\x00" in text:  # anywhere, not only in the first bytes a file is sniffed by
        return Record(rid, error="binary data (contains NUL bytes): give a plain-text description "
                                 "(UTF-16 without a byte-order mark: save it as UTF-8)")
    return Record(rid, text=text, warning="; ".join(warnings) or None)


def decode_text(data: bytes, rid: str) -> Record:
    """A record from a whole file's bytes: UTF-8 (BOM or not), or UTF-16/32 with a BOM; binary is refused,
    invalid bytes are replaced and flagged, size capped."""
    encoding = sniff_encoding(data[:4])
    if encoding == "utf-8" and b"\x00" in data[:SNIFF_BYTES]:
        return Record(rid, error="binary file (contains NUL bytes): give a plain-text description "
                                 "(UTF-16 without a byte-order mark: save it as UTF-8)")
    cut = None
    if len(data) > MAX_TEXT_BYTES:  # a character cut in two is not an encoding error
        data = data[:MAX_TEXT_BYTES]
        if encoding.startswith("utf-8"):
            data = whole_chars(data)
        else:  # UTF-16/32: whole code units, and no high surrogate left without its pair
            unit = 4 if encoding == "utf-32" else 2
            data = data[: len(data) - len(data) % unit]
            text = data.decode(encoding, errors="ignore")
            data = text.encode(encoding)
        cut = f"text longer than {MAX_TEXT_BYTES} bytes: only the first {MAX_TEXT_BYTES} were classified"
    text, warning = decode_bytes(data, encoding=encoding)
    return text_record(text, rid, [warning, cut])


def records_from_text_lines(lines: Iterable[Line], name: str) -> Iterator[Record]:
    """One description per line (blank lines are skipped)."""
    for line in lines:
        if line.text.strip():
            cut = (f"line longer than {MAX_TEXT_BYTES} bytes: only the first {MAX_TEXT_BYTES} were classified"
                   if line.over_cap else None)
            yield text_record(line.text, f"{name}:{line.number}", [line.warning, cut])


def records_from_jsonl(lines: Iterable[Line], name: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    """One JSON object per line; the text in ``text_field``, the id in ``id_field`` (else ``name:line``)."""
    for line in lines:
        n = line.number
        if not line.text.strip():
            continue
        rid = f"{name}:{n}"
        if line.over_cap:
            yield Record(rid, error=f"line {n} is over {MAX_LINE_BYTES} bytes: not read (a description is "
                                    f"classified up to {MAX_TEXT_BYTES} bytes; shorten or split it)")
            continue
        try:
            obj = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield Record(rid, error=f"invalid JSON on line {n}: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield Record(rid, error=f"JSON on line {n} is nested too deeply to read")
            continue
        except ValueError as exc:  # any other refusal, e.g. an integer over Python's digit limit
            yield Record(rid, error=f"JSON on line {n} cannot be read: {str(exc)[:200]}")
            continue
        if not isinstance(obj, dict):
            yield Record(rid, error=f"line {n} is JSON but not an object: expected {{\"{text_field}\": ...}}")
            continue
        if id_field and obj.get(id_field) is not None:
            try:
                rid = str(obj[id_field])
            except (RecursionError, ValueError):
                yield Record(rid, error=f"the {id_field!r} field on line {n} cannot be used as an id")
                continue
        text = obj.get(text_field)
        if text_field not in obj:
            found = ", ".join(repr(k) for k in sorted(obj)[:20]) or "none"
            yield Record(rid, error=f"no text field {text_field!r} (fields found: {found}); set --text-field")
            continue
        if not isinstance(text, str):
            yield Record(rid, error=f"the {text_field!r} field is {_json_kind(text)}, not text: give the description "
                                    "as a JSON string")
            continue
        yield text_record(text, rid, [line.warning])


def _json_kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


class _LineOverCap(Exception):
    def __init__(self, number: int):
        self.number = number


class _RowOverCap(Exception):
    pass


def records_from_csv(lines: Iterable[Line], name: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    """A CSV with a header row; the text in column ``text_field``; a record's id is ``name:line`` (the line its
    row starts on) unless ``id_field`` gives one.

    Quoting is read strictly. A row that cannot be read is one error record, and reading starts again on the
    line after that row's first line, so one stray quote costs one row, not the rest of the file: a quote
    never closed, or closed in the middle of a cell; a quoted field running over ``MAX_LINE_BYTES``; a row
    running over several lines that does not have the header's number of columns; a line over the cap."""
    source = iter(lines)
    again: deque[Line] = deque()  # lines to read again after a broken row
    row: list[Line] = []  # the lines of the row being read (the csv reader never reads ahead)
    size = [0]

    def feed() -> Iterator[str]:
        while (line := again.popleft() if again else next(source, None)) is not None:
            row.append(line)
            if line.over_cap:
                raise _LineOverCap(line.number)  # ends this reader; a new one starts on the next line
            size[0] += len(line.text) + 1
            if size[0] > MAX_LINE_BYTES:
                raise _RowOverCap
            yield line.text + "\n"

    def start() -> Iterator[list[str]]:
        row.clear()
        size[0] = 0
        return csv.reader(feed(), strict=True)

    reader = start()
    try:
        header = next(reader, None)
    except (csv.Error, _LineOverCap, _RowOverCap) as exc:
        yield Record(name, error=f"cannot read the CSV header: {_csv_problem(exc, row)}")
        return
    if header is None or text_field not in header:
        cols = ", ".join(repr(c) for c in (header or [])[:20]) or "none"
        yield Record(name, error=f"CSV has no column {text_field!r} (columns: {cols}); set --text-field")
        return
    t_col = header.index(text_field)
    i_col = header.index(id_field) if id_field in header else None
    while True:
        row.clear()
        size[0] = 0
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _LineOverCap, _RowOverCap) as exc:
            problem = _csv_problem(exc, row)
        else:
            problem = None
            if len(row) > 1 and len(cells) != len(header):
                problem = (f"a quoted cell runs from line {row[0].number} to line {row[-1].number} and the row has "
                           f"{len(cells)} columns, not {len(header)} (a stray quote?)")
        first = row[0].number if row else 0
        if problem is not None:
            yield Record(f"{name}:{first}", error=f"line {first} is not valid CSV: {problem}; row not read")
            again.extendleft(reversed(row[1:]))  # reading goes on at the line after the row's first
            reader = start()
            continue
        rid = cells[i_col] if i_col is not None and i_col < len(cells) and cells[i_col] else f"{name}:{first}"
        if t_col >= len(cells):
            yield Record(rid, error=f"line {first} has no value in column {text_field!r}")
            continue
        yield text_record(cells[t_col], rid, [line.warning for line in row])


def _csv_problem(exc: Exception, row: list[Line]) -> str:
    first = row[0].number if row else 0
    if isinstance(exc, _LineOverCap):
        if exc.number == first:
            return f"the line is over {MAX_LINE_BYTES} bytes (a description is classified up to {MAX_TEXT_BYTES})"
        return f"a quote opened on line {first} is still open at line {exc.number}, which is over {MAX_LINE_BYTES} bytes"
    if isinstance(exc, _RowOverCap):
        return f"a quote opened on line {first} is not closed within {MAX_LINE_BYTES} bytes (a stray quote?)"
    if "unexpected end of data" in str(exc):
        return f"a quote opened on line {first} is never closed (a stray quote?)"
    return str(exc)


def records_from_upload(name: str, data: bytes, text_field: str = "text", id_field: str | None = None
                        ) -> Iterator[Record]:
    """Records of one uploaded file: CSV/JSONL by extension, otherwise one text description. A record's id is
    its ``id_field`` value when the file has one, as with ``calfcheck classify --id-field``."""
    lower = name.lower()
    if lower.endswith((".csv", ".jsonl", ".ndjson")):
        reader = records_from_csv if lower.endswith(".csv") else records_from_jsonl
        yield from reader(read_lines(io.BytesIO(data), MAX_LINE_BYTES), name, text_field, id_field)
    else:
        yield decode_text(data, name)


class UploadTooLargeError(ValueError):
    """The page's uploads are over ``MAX_UPLOAD_BYTES`` together."""


def records_from_uploads(uploads: Iterable[tuple[str, bytes]], *, max_bytes: int = MAX_UPLOAD_BYTES,
                         max_records: int = MAX_UPLOAD_RECORDS, id_field: str | None = "id") -> Iterator[Record]:
    """Records of the page's uploaded files (``(name, bytes)``), within the page's limits: uploads over
    ``max_bytes`` together are refused (``UploadTooLargeError``) before anything is read; after ``max_records``
    records, one error record says the rest was not classified. A CSV/JSONL row's ``id_field`` (default: an
    ``id`` column) is its id; rows without one are named ``file:line``."""
    uploads = list(uploads)
    size = sum(len(data) for _, data in uploads)
    if size > max_bytes:
        raise UploadTooLargeError(f"{size:,} bytes uploaded: the page classifies up to {max_bytes:,} bytes at a time. "
                                  "Upload fewer files, or use `calfcheck classify` for bigger batches.")
    n = 0
    for name, data in uploads:
        for record in records_from_upload(name, data, id_field=id_field):
            n += 1
            if n > max_records:
                yield Record(record.id, error=f"over {max_records:,} descriptions: this one and the rest were not "
                                              "classified; use `calfcheck classify` for bigger batches")
                return
            yield record


def _file_format(path: Path, input_format: str) -> str:
    if input_format != "auto":
        return input_format
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(path.suffix.lower(), "text")


def _walk(folder: Path, glob: str, exclude: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Files under ``folder`` matching ``glob``, sorted, skipping dotfiles and dot-folders and the paths in
    ``exclude`` (real paths: the run's own output files when -o lies inside an input folder, however either
    is spelt)."""
    names = {os.path.basename(p) for p in exclude}
    for path in sorted(folder.rglob(glob)):
        rel = path.relative_to(folder)
        if (path.is_file() and not any(part.startswith(".") for part in rel.parts)
                and not (path.name in names and os.path.realpath(path) in exclude)):
            yield path


def _file_records(path: Path, fmt: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    name = str(path)
    try:
        if fmt == "text":
            with open(path, "rb") as f:
                data = f.read(MAX_TEXT_BYTES + 1)
            yield decode_text(data, name)
            return
        with open(path, "rb") as f:
            yield from _stream_records(f, fmt, name, text_field, id_field)
    except FileNotFoundError:
        hint = ' (to classify a description, use -t "...")' if " " in path.name.strip() else ""
        yield Record(name, error=f"file not found: check the path{hint}")
    except IsADirectoryError:
        yield Record(name, error="is a directory")
    except PermissionError:
        yield Record(name, error="permission denied: cannot read this file")
    except OSError as exc:
        yield Record(name, error=f"cannot read file: {exc.strerror or exc}")


def _stream_records(raw: BinaryIO, fmt: str, name: str, text_field: str, id_field: str | None) -> Iterator[Record]:
    """Records of a byte stream in ``fmt`` (``auto``: JSONL if the first non-blank line is an object, else text)."""
    cap = MAX_TEXT_BYTES if fmt == "text" else MAX_LINE_BYTES
    raw = buffered(raw)
    head = raw.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    if b"\x00" in head and sniff_encoding(head[:4]) == "utf-8":
        yield Record(name, error="binary data (contains NUL bytes): give plain text, JSONL or CSV "
                                 "(UTF-16 without a byte-order mark: save it as UTF-8)")
        return
    lines = read_lines(raw, MAX_LINE_BYTES if fmt == "auto" else cap)
    if fmt == "auto":
        head = []
        for line in lines:
            head.append(line)
            if line.text.strip():
                break
        fmt = "jsonl" if head and head[-1].text.lstrip().startswith("{") else "text"
        lines = chain(head, lines)
    if fmt == "jsonl":
        yield from records_from_jsonl(lines, name, text_field, id_field)
    elif fmt == "csv":
        yield from records_from_csv(lines, name, text_field, id_field)
    else:
        yield from records_from_text_lines(lines, name)


def estimate_count(inputs: Iterable[str], *, input_format: str = "auto", glob: str = "*",
                   texts: Iterable[str] = ()) -> int | None:
    """About how many records ``read_inputs`` will yield (for a progress bar's ETA); None with stdin.

    Counts files and lines without parsing them, so blank lines and multi-line CSV fields make it
    an overestimate. None too when a JSONL or CSV input is not a regular file (a pipe, a FIFO, a device):
    it is read once, by the run.
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
                regular = stat.S_ISREG(os.stat(p).st_mode)
            except OSError:
                regular = True  # a missing or unreadable file: its error record counts as one
            if not regular:
                return None  # a pipe, FIFO or device can be read only once: by the run, not by a count
            try:
                with open(p, "rb") as f:
                    lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
            except OSError:
                lines = 1
            total += max(lines - (fmt == "csv"), 1)
    return total


def read_inputs(inputs: Iterable[str], *, input_format: str = "auto", text_field: str = "text",
                id_field: str | None = None, glob: str = "*", stdin: BinaryIO | None = None,
                texts: Iterable[str] = (), exclude: Iterable[str | Path] = ()) -> Iterator[Record]:
    """Records for every input, in order: ``texts`` first, then each path, folder or ``-`` (stdin).
    Files in ``exclude`` are skipped when walking folders."""
    exclude = frozenset(os.path.realpath(p) for p in exclude)
    for record in _records(inputs, input_format, text_field, id_field, glob, stdin, texts, exclude):
        yield _without_surrogates(record)


def _records(inputs, input_format, text_field, id_field, glob, stdin, texts, exclude) -> Iterator[Record]:
    for n, text in enumerate(texts, 1):
        yield text_record(text, f"text:{n}")
    for item in inputs:
        if item == "-":
            yield from _stream_records(stdin or sys.stdin.buffer, input_format, "stdin", text_field, id_field)
            continue
        path = Path(item)
        if path.is_dir():
            found = False
            for p in _walk(path, glob, exclude):
                found = True
                yield from _file_records(p, _file_format(p, input_format), text_field, id_field)
            if not found:
                logger.warning("no file in %s matches --glob %s (dotfiles are skipped): nothing read from it",
                               _printable(str(path)), _printable(repr(glob)))
        else:
            yield from _file_records(path, _file_format(path, input_format), text_field, id_field)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(text: str) -> str:
    from classifier.batch.output import terminal_safe

    return terminal_safe(text)


def _without_surrogates(record: Record) -> Record:
    """Lone surrogates (a JSON "\\ud800", an undecodable file name or argument) cannot be written as UTF-8:
    they become U+FFFD, with a warning, so one odd id never stops the output."""
    fixed = {k: _SURROGATE.sub("\ufffd", v) for k in ("id", "text", "error")
             if isinstance(v := getattr(record, k), str) and _SURROGATE.search(v)}
    if not fixed:
        return record
    note = "unpaired surrogate characters (not valid Unicode) replaced with U+FFFD"
    warning = "; ".join(w for w in (record.warning, note if record.error is None else None) if w) or None
    return Record(fixed.get("id", record.id), fixed.get("text", record.text), fixed.get("error", record.error),
                  warning)
