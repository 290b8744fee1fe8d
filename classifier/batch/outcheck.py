"""Checking ``-o FILE`` before a batch run reads anything or loads the model (``check_output``), and locking it
for the run (``classifier.batch.outlock``); ``classifier.batch.outfile`` writes it.

A regular file, a symlink to one (the target is written) or a new name in a writable directory is accepted;
a FIFO, device, directory, dangling link or missing directory is refused, naming ``FILE``; so is an output
that is one of the inputs, however either is spelt. A leftover partial needs ``--resume`` or ``--force``; a
finished output needs ``--force``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from classifier.batch.outlock import OutputLock, OutputLocked
from classifier.batch.output import looks_like_results, terminal_safe

__all__ = ["OutputError", "OutputPlan", "OutputLock", "check_output", "partial_path", "check_file_path",
           "lock_file_path", "own_files", "RESUMABLE_FORMATS"]

RESUMABLE_FORMATS = ("jsonl", "csv")


class OutputError(ValueError):
    """The output file cannot be used as asked; the message says why and what to do."""


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def check_file_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial.check")


def lock_file_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial.lock")


def own_files(path: Path) -> tuple[Path, Path, Path, Path]:
    """Every file a run writing ``path`` creates: the output, its partial, check file and lock file."""
    return path, partial_path(path), check_file_path(path), lock_file_path(path)


def _say(path: Path) -> str:
    return terminal_safe(str(path))


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class OutputPlan:
    """Where a run writes, decided before anything is read."""

    path: Path  # the regular file to write (a symlink resolved to its target)
    fmt: str
    force: bool
    resume: bool
    lock: OutputLock | None = field(default=None, compare=False, repr=False)  # held until open_output ends

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()

    @property
    def partial(self) -> Path:
        return partial_path(self.path)

    @property
    def check(self) -> Path:
        return check_file_path(self.path)

    @property
    def resumable(self) -> bool:
        return self.fmt in RESUMABLE_FORMATS


def check_output(path: Path, fmt: str, *, force: bool = False, resume: bool = False,
                 inputs: Iterable[str] = (), glob: str = "*") -> OutputPlan:
    """Check ``-o path`` before the run starts and lock it for this run (``OutputPlan.release``, or the end of
    ``open_output``, unlocks it); raise ``OutputError`` naming ``path`` if it cannot be used.
    ``inputs`` are the run's input paths (folders walked with ``glob``): the output may not be one of them."""
    given = Path(path)
    if resume and fmt not in RESUMABLE_FORMATS:
        raise OutputError(f"--resume works with --format {' or '.join(RESUMABLE_FORMATS)}, not {fmt}.")
    path, st = given, _lstat(given)
    if st is not None and stat.S_ISLNK(st.st_mode):
        target = Path(os.path.realpath(given))
        tst = _lstat(target)
        if tst is None or not stat.S_ISREG(tst.st_mode):
            what = "nothing (a dangling link)" if tst is None else _kind(tst.st_mode)
            raise OutputError(f"-o {_say(given)} is a symbolic link to {what}: give a regular file or a new name.")
        path, st = target, tst
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"-o {_say(given)} is {_kind(st.st_mode)}: -o writes a regular file. To write to a pipe "
                          "or the terminal, leave out -o (results go to stdout).")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"Cannot write -o {_say(given)}: the directory {_say(parent)} does not exist.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write -o {_say(given)}: the directory {_say(parent)} is not writable.")
    plan = OutputPlan(path, fmt, force, resume, OutputLock(lock_file_path(path)))
    _refuse_an_input(plan, given, st, list(inputs), glob)
    try:  # from here on no other run can create, cut or rename these files
        plan.lock.acquire()
    except OutputLocked as exc:
        pid = f" (pid {exc.pid})" if exc.pid else ""
        raise OutputError(f"Another calfcheck run{pid} is writing {_say(given)}: wait for it to end, or write to "
                          "another -o. Two runs on one output would lose or double records.") from None
    except OSError as exc:
        raise OutputError(f"Cannot create the lock file {_say(plan.lock.path)}: {exc.strerror}.") from None
    try:
        _check_leftovers(plan, given, st)
    except BaseException:
        plan.release()
        raise
    return plan


def _refuse_an_input(plan: OutputPlan, given: Path, st: os.stat_result | None, inputs: list[str], glob: str) -> None:
    """The output and its own files may not be an input: named, or found in an input folder (however spelt)."""
    from classifier.batch.inputs import _walk

    mine = [x for x in own_files(plan.path) if os.path.exists(x)]
    for item in inputs:
        if item == "-" or not os.path.exists(item):
            continue
        if any(os.path.samefile(x, item) for x in mine):
            raise OutputError(f"-o {_say(given)} is also an input ({_say(Path(item))}): write the results elsewhere.")
        if st is not None and os.path.isdir(item) and not _holds_results(plan.path):
            # a description in an input folder, given as -o: it would be dropped from the inputs and overwritten
            for p in _walk(Path(item), glob):
                pst = os.stat(p)
                if (pst.st_dev, pst.st_ino) == (st.st_dev, st.st_ino):
                    raise OutputError(f"-o {_say(given)} is also an input (found in {_say(Path(item))} as "
                                      f"{_say(p)}): write the results elsewhere.")


def _holds_results(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return looks_like_results(f.read(65536))
    except OSError:
        return False


def _check_leftovers(plan: OutputPlan, given: Path, st: os.stat_result | None) -> None:
    """What earlier runs left: a partial needs --resume or --force; a finished output needs --force."""
    force, resume = plan.force, plan.resume
    for name in (plan.partial, plan.check):
        nst = _lstat(name)
        if nst is None or force:
            continue
        if resume and name == plan.partial and not stat.S_ISREG(nst.st_mode):
            raise OutputError(f"{_say(name)} is {_kind(nst.st_mode)}, not a partial file calfcheck wrote; "
                              "remove it, or use --force to start over.")
        if not resume and name == plan.partial:
            how = ("use --resume to continue it, or --force to start over" if plan.resumable
                   else "use --force to start over")
            raise OutputError(f"{_say(name)} exists (an interrupted run): {how}.")
    if resume and _lstat(plan.partial) is None and st is not None:
        raise OutputError(f"{_say(given)} is complete: there is nothing to resume. Use --force to classify again.")
    if not resume and st is not None and not force:
        raise OutputError(f"{_say(given)} exists; use --force to overwrite it.")
