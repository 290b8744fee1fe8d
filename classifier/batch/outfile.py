"""The ``-o FILE`` of a batch run: written as ``FILE.partial`` and renamed to ``FILE`` when complete.

A crash or Ctrl+C never leaves a half file under the final name: what was done stays in
``FILE.partial``, and a run with ``resume=True`` reads the records already there (dropping a
line cut off mid-write), appends the rest, and renames the file when it is complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

__all__ = ["OutputError", "Output", "open_output", "partial_path", "RESUMABLE_FORMATS"]

RESUMABLE_FORMATS = ("jsonl", "csv")


class OutputError(ValueError):
    """The output file cannot be used as asked (it exists, or cannot be resumed); the message says why."""


@dataclass
class Output:
    stream: IO[str]
    done_ids: list[str] = field(default_factory=list)  # records already in the file (resume)
    done_failed: int = 0  # how many of those are errors
    path: Path | None = None
    partial: Path | None = None

    @property
    def resumed(self) -> bool:
        return bool(self.done_ids)


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@contextmanager
def open_output(path: Path, fmt: str, *, force: bool = False, resume: bool = False) -> Iterator[Output]:
    """Open ``path`` for writing through ``path.partial``; see the module docstring."""
    partial = partial_path(path)
    copied = False
    if resume:
        if fmt not in RESUMABLE_FORMATS:
            raise OutputError(f"--resume works with --format {' or '.join(RESUMABLE_FORMATS)}, not {fmt}.")
        if not partial.exists() and path.exists():  # a finished file: continue from a copy of it
            shutil.copyfile(path, partial)
            copied = True
        done = _done_records(partial, fmt) if partial.exists() else []
    else:
        for existing in (path, partial):
            if existing.exists() and not force:
                hint = " or --resume to continue it" if existing == partial else ""
                raise OutputError(f"{existing} exists; use --force to overwrite it{hint}.")
        done = []
    size = partial.stat().st_size if done else 0
    try:
        with open(partial, "a" if done else "w", encoding="utf-8", newline="") as f:
            yield Output(f, [i for i, _ in done], sum(status != "ok" for _, status in done), path, partial)
    except BaseException:
        if copied and partial.stat().st_size == size:  # nothing added to the copy: leave only the original
            partial.unlink()
        raise
    os.replace(partial, path)


def _done_records(partial: Path, fmt: str) -> list[tuple[str, str]]:
    """(id, status) of the complete records in ``partial``; a last line cut off mid-write is removed."""
    data = partial.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(partial, "r+b") as f:
            f.truncate(len(complete))
    text = complete.decode("utf-8", errors="replace")
    if fmt == "jsonl":
        done = []
        for n, line in enumerate(text.splitlines(), 1):
            try:
                record = json.loads(line)
                done.append((str(record["id"]), record["status"]))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise OutputError(f"{partial} line {n} is not a calfcheck JSONL record ({exc}); "
                                  "use --force to start over.") from None
        return done
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if rows and rows[0][:2] != ["id", "status"]:
        raise OutputError(f"{partial} is not a calfcheck CSV (no id, status columns); use --force to start over.")
    return [(row[0], row[1]) for row in rows[1:] if len(row) >= 2]
