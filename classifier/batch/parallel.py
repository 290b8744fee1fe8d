"""Where chunks of records are classified: in this process, in local worker processes, or on Dask.

Every backend runs the same ``run_chunk`` on the same chunks and yields the results in input
order, with only a few chunks in flight at a time, so memory stays flat however long the stream.

- ``jobs > 1``: this process and ``jobs - 1`` worker processes (joblib's loky executor). A worker
  loads the model once from its directory and keeps it; only the records and the rendered
  results cross the process boundary. ``jobs`` is capped at the CPU count and at the number of
  chunks (with a note); a worker dies with this process, however it ends (even SIGKILL).
- ``dask="tcp://host:8786"``: an existing dask.distributed cluster (``pip install 'calfcheck[dask]'``).
  The model is sent to every worker once (``Client.scatter``); chunks are submitted as tasks.

With ``fmt`` set, workers also render each result (a JSONL line, a CSV row …) and return
``(outcome, text)`` pairs, where ``outcome`` is the label or ``"error"``: the parent then only
writes text instead of encoding every result itself.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from typing import TYPE_CHECKING, Iterable, Iterator

from classifier.batch.run import CHUNK_SIZE, chunked, classify_chunk
from classifier.batch.inputs import Record
from classifier.batch.output import render

if TYPE_CHECKING:
    from classifier.model import Model

logger = logging.getLogger(__name__)

MAX_AHEAD = 64  # finished chunks (≤ 32,768 results) that may wait for an earlier chunk still in a worker

__all__ = ["ModelRef", "classify_records", "map_chunks", "run_chunk", "DaskUnavailableError", "WorkerDiedError"]


class DaskUnavailableError(RuntimeError):
    """Raised when ``--dask`` is used without the optional dask extra installed."""


class WorkerDiedError(RuntimeError):
    """A worker process ended in the middle of a chunk (killed by the system, e.g. out of memory)."""


def _die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: end it when ``parent`` ends, even by SIGKILL (which no handler sees).

    Linux: the kernel's parent-death signal. Elsewhere, and as a second line: a thread that watches the
    parent's pid."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError) as exc:
            logger.debug("no parent-death signal: %s", exc)
    if os.getppid() != parent:  # the parent ended before the signal was set up
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="calfcheck-parent-watch", daemon=True).start()


def worker_count(jobs: int) -> int:
    """Worker processes for ``--jobs jobs`` (this process classifies too): at most one process per CPU, with
    a note when that is fewer than asked."""
    from joblib import cpu_count

    cpus = cpu_count()
    processes = cpus if jobs == -1 else jobs
    if processes > cpus:
        logger.warning("--jobs %d: this machine has %d CPUs: using %d processes", jobs, cpus, cpus)
        processes = cpus
    return max(processes - 1, 0)


@dataclass(frozen=True)
class ModelRef:
    """A saved model by place and version: all a worker process needs to load it itself."""

    path: str
    version: str

    def load(self) -> Model:
        return _cached_model(self.path, self.version)


@lru_cache(maxsize=2)
def _cached_model(path: str, version: str) -> Model:
    from classifier.storage import load_model

    model = load_model(path)
    gc.freeze()  # a worker keeps the model for its lifetime: spare the collector from scanning it
    if model.version != version:
        raise RuntimeError(f"The model at {path} changed during the run ({version} → {model.version}); run again.")
    return model


def _loaded(model: Model | ModelRef) -> Model:
    return model.load() if isinstance(model, ModelRef) else model


def run_chunk(model: Model | ModelRef, chunk: list[Record], explain: bool = False, fmt: str | None = None,
              csv_raw: bool = False) -> list:
    """Results of one chunk: dicts, or ``(outcome, rendered text)`` pairs when ``fmt`` is given."""
    results = classify_chunk(_loaded(model), chunk, explain)
    if fmt is None:
        return results
    return [(r["label"] if r["status"] == "ok" else "error", render(r, fmt, csv_raw)) for r in results]


def classify_records(model: Model | ModelRef, records: Iterable[Record], *, chunk_size: int = CHUNK_SIZE,
                     explain: bool = False, jobs: int = 1, dask: str | None = None,
                     fmt: str | None = None, csv_raw: bool = False) -> Iterator:
    """One result per record, in order; bad records become error results and the rest are classified.

    Results are dicts (the JSONL contract), or ``(outcome, text)`` pairs rendered in ``fmt``.
    """
    for results in map_chunks(model, chunked(records, chunk_size), explain=explain, jobs=jobs, dask=dask, fmt=fmt,
                              csv_raw=csv_raw):
        yield from results


def map_chunks(model: Model | ModelRef, chunks: Iterable[list[Record]], *, explain: bool = False, jobs: int = 1,
               dask: str | None = None, fmt: str | None = None, csv_raw: bool = False) -> Iterator[list]:
    """``run_chunk`` of each chunk, in order: here (``jobs=1``), in ``jobs`` processes, or on ``dask``."""
    args = (explain, fmt, csv_raw)
    if dask:
        return _on_dask(model, chunks, args, dask)
    if jobs != 1:
        return _on_processes(model, chunks, args, jobs)
    return (run_chunk(model, chunk, *args) for chunk in chunks)


def _on_processes(model: Model | ModelRef, chunks, args: tuple, jobs: int) -> Iterator[list]:
    """Chunks shared between this process and ``jobs - 1`` loky worker processes, results in order.

    Each worker keeps two chunks queued; any other chunk is classified here. So this process
    loads its model while the workers start (instead of waiting for them), and the work balances
    itself: a slow worker simply gets fewer chunks. At most ``MAX_AHEAD`` finished chunks wait for
    an earlier one, so memory stays bounded.
    """
    from concurrent.futures import BrokenExecutor, Future

    from joblib.externals.loky import get_reusable_executor

    if not isinstance(model, ModelRef):
        if model.path is None:
            raise ValueError("Worker processes load the model from disk: save it (save_model) and load it with "
                             "load_model.")
        local, ref = model, ModelRef(str(model.path), model.version)
    else:
        local, ref = None, model
    workers = worker_count(jobs)
    chunks = iter(chunks)
    head = list(islice(chunks, workers + 1))
    if len(head) <= workers:  # fewer chunks than processes: one process per chunk
        if head:
            logger.warning("--jobs %d: %d chunk%s of up to %d records: using %d process%s", jobs, len(head),
                           "" if len(head) == 1 else "s", CHUNK_SIZE, len(head), "" if len(head) == 1 else "es")
        workers = max(len(head) - 1, 0)
    chunks = chain(head, chunks)
    if workers == 0:
        for chunk in chunks:
            local = local or ref.load()
            yield run_chunk(local, chunk, *args)
        return
    executor = get_reusable_executor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))
    queue: deque = deque()  # futures and finished results, in input order

    def ready(everything: bool = False) -> Iterator[list]:
        """Pop results in order: those already finished, or all of them (waiting) at the end."""
        while queue and (everything or not isinstance(queue[0], Future) or queue[0].done()
                         or len(queue) > MAX_AHEAD):
            item = queue.popleft()
            yield item.result() if isinstance(item, Future) else item

    try:
        for chunk in chunks:
            if sum(isinstance(item, Future) and not item.done() for item in queue) < 2 * workers:
                queue.append(executor.submit(run_chunk, ref, chunk, *args))
            else:
                local = local or ref.load()
                queue.append(run_chunk(local, chunk, *args))
            yield from ready()
        yield from ready(everything=True)
    except BrokenExecutor as exc:  # loky's TerminatedWorkerError: the system killed a worker
        raise WorkerDiedError("a worker process died in the middle of a chunk (killed by the system: out of "
                              "memory? try fewer --jobs)") from exc
    finally:  # all results are in (or the run was stopped): do not wait for workers to wind down
        executor.shutdown(wait=False, kill_workers=True)


def _on_dask(model: Model | ModelRef, chunks, args: tuple, address: str) -> Iterator[list]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise DaskUnavailableError("--dask needs the optional Dask extra: pip install 'calfcheck[dask]'") from exc
    with Client(address, timeout="20s") as client:
        remote_model = client.scatter(_loaded(model), broadcast=True)
        window = 2 * max(1, sum(client.nthreads().values()))
        pending: deque = deque()
        for chunk in chunks:
            pending.append(client.submit(run_chunk, remote_model, chunk, *args, pure=False))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
