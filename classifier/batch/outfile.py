"""The ``-o FILE`` of a batch run: checked before anything is read, written as ``FILE.partial``, renamed
to ``FILE`` when complete, and resumed only when the partial provably continues the same run.

- ``check_output`` (``classifier.batch.outcheck``, before the model loads) accepts a regular file, a symlink to one (the target
  is written) or a new name in a writable directory; a FIFO, device, directory, dangling link or
  missing directory is refused, naming ``FILE``.
- The partial is created with ``O_CREAT | O_EXCL | O_NOFOLLOW``: never through a link, never over
  a file another run is writing. ``--force`` unlinks the old names first (unlinking never follows).
- Beside it, ``FILE.partial.check`` holds what the partial was made from: the format, the model
  version and the options that change records (first line), then one hash per record of its input
  (id, text, error). ``--resume`` continues only when all of it matches, and says what differs
  otherwise. Nothing is changed until the check has passed: a refusal leaves both files as they were.
- A crash or a stop never leaves a half file under the final name; a line cut off mid-write is
  dropped when the run is resumed. The check file's first line is on disk (fsynced) before the partial
  gets any data, so even SIGKILL leaves a state ``--resume`` accepts.
- One writer per output: ``check_output`` takes an exclusive ``flock`` on ``FILE.partial.lock`` before
  looking at anything and ``open_output`` releases it after the final rename (or the stop). A second run
  on the same output, plain or ``--resume``, is refused while the first holds it; the kernel drops the
  lock when a run dies, however it dies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import stat
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from classifier.batch.inputs import Record
from classifier.batch.outcheck import (RESUMABLE_FORMATS, OutputError, OutputLock, OutputPlan, _lstat, _say,
                                       check_file_path, check_output, lock_file_path, own_files, partial_path)
from classifier.batch.output import CSV_FIELDS, terminal_safe

__all__ = ["OutputError", "OutputPlan", "Output", "OutputLock", "check_output", "open_output", "partial_path",
           "check_file_path", "lock_file_path", "own_files", "record_hash", "RESUMABLE_FORMATS"]

logger = logging.getLogger(__name__)

CHECK_VERSION = 1


def record_hash(record: Record) -> str:
    """What a result was made from: the record's id, text, error and answers (16 hex digits)."""
    answered = json.dumps(record.answered, sort_keys=True) if record.answered else ""
    data = "\0".join((record.id, record.text or "", record.error or "", answered)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class _Done:
    """What a checked partial holds: its records' ids, input hashes and statuses, and where they end."""

    ids: list[str] = field(default_factory=list)
    failed: int = 0
    hashes: list[str] = field(default_factory=list)
    partial_bytes: int = 0  # the partial is cut here (after the last record kept)
    check_bytes: int = 0  # the check file is cut here


class Output:
    """The stream results are written to, with what a resumed run already has."""

    def __init__(self, stream: IO[str], plan: OutputPlan | None = None, fingerprint: dict | None = None,
                 done: _Done | None = None):
        self.stream = stream
        self.plan = plan
        self.fingerprint = fingerprint or {}
        self._done = done or _Done()
        self._check: IO[str] | None = None
        self._pending: deque[str] = deque()  # input hashes of records read but not yet written

    @property
    def done_ids(self) -> list[str]:
        return self._done.ids

    @property
    def done_failed(self) -> int:
        return self._done.failed

    @property
    def resumed(self) -> bool:
        return bool(self._done.ids)

    def skip_done(self, records: Iterable[Record]) -> Iterator[Record]:
        """Check that the first records of ``records`` are the inputs of the records already in the partial,
        then (and only then) cut the partial after them; return the remaining records."""
        records = iter(records)
        done = self._done
        for n, (rid, expected) in enumerate(zip(done.ids, done.hashes), 1):
            record = next(records, None)
            if record is None:
                raise OutputError(f"{_say(self.plan.partial)} has {len(done.ids)} records, but these inputs have only "
                                  f"{n - 1}: it does not continue them. Use --force to start over.")
            if record_hash(record) != expected:
                here = "the same id with another text" if record.id == rid else f"here it is {record.id!r}"
                raise OutputError(terminal_safe(
                    f"{self.plan.partial} does not continue these inputs: its record {n} ({rid!r}) was made from "
                    f"another input ({here}). Use --force to start over."))
        if self.plan is not None:
            self._open_files()
        return self._tracked(records) if self._check is not None else records

    def _tracked(self, records: Iterator[Record]) -> Iterator[Record]:
        for record in records:
            self._pending.append(record_hash(record))
            yield record

    def write(self, text: str) -> None:
        if self._check is not None:
            self._check.write(self._pending.popleft() + "\n")
        self.stream.write(text)

    def _open_files(self) -> None:
        plan = self.plan
        if self.resumed:
            _truncate(plan.partial, self._done.partial_bytes)
            _truncate(plan.check, self._done.check_bytes)
            self.stream = _open_nofollow(plan.partial, os.O_APPEND)
            self._check = _open_nofollow(plan.check, os.O_APPEND)
            return
        for name in (plan.partial, plan.check):
            try:
                os.unlink(name)  # only reached with --force, or when the names were free: never follows a link
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise OutputError(f"Cannot remove {_say(name)}: {exc.strerror}. Remove it yourself.") from None
        if plan.resumable:  # its header reaches the disk before the partial exists: any kill leaves it resumable
            self._check = _open_nofollow(plan.check, os.O_CREAT | os.O_EXCL)
            self._check.write(json.dumps({"calfcheck_check": CHECK_VERSION, **self.fingerprint}, sort_keys=True) + "\n")
            self._check.flush()
            os.fsync(self._check.fileno())
        self.stream = _open_nofollow(plan.partial, os.O_CREAT | os.O_EXCL)
        _fsync_dir(plan.path.parent)

    def close(self) -> None:
        for f in (self._check, self.stream if self.plan else None):
            if f is not None and not f.closed:
                f.close()

    def finish(self) -> None:
        """Close and move the complete partial (on disk first) to its final name."""
        if self.plan is not None and not self.stream.closed:
            self.stream.flush()
            os.fsync(self.stream.fileno())
        self.close()
        if self.plan is not None:
            os.replace(self.plan.partial, self.plan.path)
            try:
                os.unlink(self.plan.check)
            except FileNotFoundError:
                pass


def _open_nofollow(path: Path, flags: int) -> IO[str]:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | flags, 0o666)
    except FileExistsError:
        raise OutputError(f"{_say(path)} appeared while starting (another run?); use --force to start over.") from None
    except OSError as exc:
        raise OutputError(f"Cannot write {_say(path)}: {exc.strerror}.") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputError(f"{_say(path)} is not a regular file; remove it, or use --force to start over.")
    return open(fd, "w", encoding="utf-8", newline="")


def _fsync_dir(path: Path) -> None:
    """Put the new names of a directory on disk (a power loss then keeps both files, or neither)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a directory; the files themselves are written either way
        logger.debug("cannot fsync %s: %s", path, exc)
    finally:
        os.close(fd)


def _truncate(path: Path, size: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)


def _read_nofollow(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise OutputError(f"{_say(path)} is missing: this partial cannot be checked (it was not made by this "
                          "calfcheck). Use --force to start over.") from None
    except OSError as exc:
        raise OutputError(f"Cannot read {_say(path)}: {exc.strerror}. Use --force to start over.") from None
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OutputError(f"{_say(path)} is not a regular file; remove it, or use --force to start over.")
        return f.read()


def read_done(plan: OutputPlan, fingerprint: dict) -> _Done:
    """Check a partial and its check file against this run, changing nothing; what they hold."""
    partial, check = plan.partial, plan.check
    how = "Use --force to start over."
    lines = _read_nofollow(check).split(b"\n")
    try:
        header = json.loads(lines[0])
        assert header.pop("calfcheck_check") == CHECK_VERSION
    except (ValueError, AssertionError, KeyError, AttributeError, TypeError):
        raise OutputError(f"{_say(check)} is not a calfcheck check file. {how}") from None
    there = _flat(header)
    differ = [f"{k}: {there.get(k)!r} there, {v!r} now" for k, v in sorted(_flat(fingerprint).items())
              if there.get(k) != v]
    if differ:
        raise OutputError(terminal_safe(f"{partial} was made by another run: " + "; ".join(differ)
                                        + f". Run it again with the same model and options, or {how[0].lower()}{how[1:]}"))
    hashes, check_bytes = [], len(lines[0]) + 1
    for line in lines[1:-1]:  # the last piece has no newline: cut off mid-write (or empty)
        if len(line) != 16:
            break
        hashes.append(line.decode("ascii", "replace"))
        check_bytes += 17
    ids, statuses, ends = _records(_read_nofollow(partial), plan.fmt, partial)
    n = min(len(ids), len(hashes))
    # with n == 0 nothing is kept: the run starts the files afresh
    return _Done(ids[:n], sum(s != "ok" for s in statuses[:n]), hashes[:n], ends[n - 1] if n else 0,
                 len(lines[0]) + 1 + 17 * n)


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def _records(data: bytes, fmt: str, partial: Path) -> tuple[list[str], list[str], list[int]]:
    """Ids, statuses and end offsets of the complete records in a partial; refuses one calfcheck did not write."""
    ids, statuses, ends = [], [], []
    bad = f"{_say(partial)} is not a calfcheck {fmt.upper()} partial"
    if fmt == "jsonl":
        pos = 0
        for n, line in enumerate(data.split(b"\n")[:-1], 1):
            pos += len(line) + 1
            try:
                record = json.loads(line)
                rid, status = record["id"], record["status"]
            except (ValueError, KeyError, TypeError):
                raise OutputError(f"{bad} (line {n} is not a result record). Use --force to start over.") from None
            ids.append(str(rid))
            statuses.append(status)
            ends.append(pos)
        return ids, statuses, ends
    offsets = []
    lines_total = data[: data.rfind(b"\n") + 1].count(b"\n")

    def lines() -> Iterator[str]:
        pos = 0
        for raw in io.BytesIO(data):
            if not raw.endswith(b"\n"):
                return  # cut off mid-write
            pos += len(raw)
            offsets.append(pos)
            yield raw.decode("utf-8", "replace")

    reader = csv.reader(lines(), strict=True)  # strict: a row cut inside a quoted field is an error, not a row
    header = None
    try:
        header = next(reader, None)
        if header is not None and header != CSV_FIELDS:
            raise OutputError(f"{bad} (its header is not calfcheck's). Use --force to start over.")
        for row in reader:
            if len(row) != len(CSV_FIELDS):
                raise OutputError(f"{bad} (row {len(ids) + 2} has {len(row)} columns, not {len(CSV_FIELDS)}). "
                                  "Use --force to start over.")
            ids.append(row[0])
            statuses.append(row[1])
            ends.append(offsets[-1])
    except csv.Error as exc:
        if len(offsets) < lines_total or header is None:  # not at the end: the file is not calfcheck's CSV
            raise OutputError(f"{bad} ({exc}). Use --force to start over.") from None
        # at the very end: the last row was cut inside a quoted field (a newline in an id); it is dropped
    if header is None:
        return [], [], []
    return ids, statuses, ends


@contextmanager
def open_output(plan: OutputPlan, fingerprint: dict) -> Iterator[Output]:
    """The run's output for ``plan``: checked (resume) now; files opened by ``Output.skip_done``;
    renamed to the final name when the block ends normally, kept for ``--resume`` otherwise."""
    try:
        done = read_done(plan, fingerprint) if plan.resume and _lstat(plan.partial) is not None else None
        out = Output(io.StringIO(), plan, fingerprint, done)
        try:
            yield out
        except BaseException:
            out.close()
            raise
        out.finish()
    finally:
        plan.release()  # after the final rename, or the stop: the next run may take the output
