"""One writer per output: an exclusive ``flock`` on ``FILE.partial.lock``, held by a run from its ``-o`` check
to its final rename (``classifier.batch.outfile`` takes and releases it).

The kernel drops the lock however the run ends (even SIGKILL), so a dead run never blocks the next one. The
lock file holds the owner's pid, for the message a second run gets; it is unlinked on release, and a lock
counts only while the name still points at the locked file (checked after locking), so a run that opened
the name just before it was unlinked tries again instead of holding a lock nobody else sees.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["OutputLock", "OutputLocked"]


class OutputLocked(Exception):
    """Another process holds the lock; ``pid`` is its process id when it wrote one."""

    def __init__(self, pid: int | None):
        super().__init__(pid)
        self.pid = pid


class OutputLock:
    """An exclusive ``flock`` on ``path``, taken without waiting (``OutputLocked`` when another holds it)."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; ``OutputLocked`` if another process has it, ``OSError`` if the file cannot be made."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                os.close(fd)
                raise OutputLocked(int(owner) if owner.isdigit() else None) from None
            held = os.fstat(fd)
            try:
                now = os.lstat(self.path)
            except FileNotFoundError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                break
            os.close(fd)  # the run before unlinked it between our open and our lock: take the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Unlink the lock file (while still holding it), then drop the lock. Safe to call twice."""
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass  # removed by hand: the lock itself is still dropped below
        finally:
            os.close(self._fd)
            self._fd = None

    def __del__(self):  # dropped without release (a refused check): the output does not stay locked
        if self._fd is not None:
            os.close(self._fd)
