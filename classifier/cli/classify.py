from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import click

from classifier.batch.inputs import estimate_count, read_inputs
from classifier.batch.outfile import Output, OutputError, check_output, open_output, own_files
from classifier.batch.output import FORMATS, ResultWriter, terminal_safe, terminal_safe_lines
from classifier.batch.parallel import DaskUnavailableError, ModelRef, WorkerDiedError, classify_records
from classifier.storage import check_model_files, load_model, locate_model

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # what timeout, systemd, docker stop and a closed terminal send


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as Ctrl+C does (workers shut down, partial kept), then exit 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    def stop(signum, frame):
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_fingerprint(fmt: str, model_version: str, *, explain: bool = False, csv_raw: bool = False,
                    input_format: str = "auto", text_field: str = "text", id_field: str | None = None,
                    glob: str = "*") -> dict:
    """What a resumed run must share with the run that wrote the partial: format, model version and every
    option that changes the records (the inputs themselves are checked record by record)."""
    return {"format": fmt, "model_version": model_version,
            "options": {"explain": explain, "csv_raw": csv_raw, "input_format": input_format,
                        "text_field": text_field, "id_field": id_field, "glob": glob}}


def model_location(model_path: Path | None) -> Path:
    """The model directory to use: ``model_path``, or the default model, built here if it is missing."""
    if model_path is not None:
        return model_path
    from classifier.training.train import ensure_default_model

    return ensure_default_model()


FEW_TEXTS = 5  # -t texts answered about as fast as a bar could draw: no bar for them


def show_progress(paths: list[str], texts: tuple[str, ...], to_stdout: bool) -> bool:
    """Whether to draw a progress bar on stderr when neither --progress nor --no-progress is given: only on a
    terminal, never for a handful of -t texts (answered at once), and never when the results are written to
    that same terminal (the bar would garble them)."""
    if not sys.stderr.isatty():
        return False
    if not paths and len(texts) <= FEW_TEXTS:
        return False
    return not (to_stdout and sys.stdout.isatty())


def _progress(results: Iterator, show: bool, total: int | None) -> Iterator:
    """A progress bar on stderr when ``show`` (count, rate, and ETA when the total is known)."""
    if not show:
        return results
    from tqdm import tqdm

    return tqdm(results, total=total, unit=" texts", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


@click.command("classify")
@click.argument("inputs", nargs=-1, metavar="[PATH|-]...")
@click.option("-t", "--text", "texts", multiple=True, help="A description to classify (repeatable).")
@click.option("--input-format", type=click.Choice(["auto", "text", "jsonl", "csv"]), default="auto",
              show_default=True, help="How to read files and stdin (auto: by file extension).")
@click.option("--text-field", default="text", show_default=True, help="JSONL key / CSV column with the text.")
@click.option("--id-field", default=None, help="JSONL key / CSV column with the record id.")
@click.option("--glob", default="*", show_default=True, help="Which files to take from folders.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write results to this regular file (through FILE.partial, renamed when complete) "
                   "instead of stdout; - is stdout.")
@click.option("--force", is_flag=True, help="Overwrite --output (and a leftover FILE.partial) if it exists.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run from FILE.partial: only when it was made from the same inputs, "
                   "model and options (checked record by record).")
@click.option("--csv-raw", is_flag=True,
              help="In CSV, write cells as they are: no leading ' before cells starting with = + - @ (for "
                   "programs; a spreadsheet would run such cells as formulas).")
@click.option("-j", "--jobs", type=click.IntRange(min=-1), default=1, show_default=True,
              help="Processes that classify, this one included (-1: one per CPU; at most one per CPU and per "
                   "512-record chunk). Output order is unchanged.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Send chunks to this Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of local processes; "
                   "needs calfcheck[dask].")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr [default: when stderr is a terminal, the results do not go to "
                   "that terminal, and there is more than a handful of -t texts].")
@click.option("--explain", is_flag=True, help="Add the evidence (words and weights) behind each answer.")
@click.option("--ask", is_flag=True,
              help="When unsure, ask yes/no questions about each -t description on the terminal (y/yes, n/no, "
                   "?/not sure): the "
                   "red-flag questions it does not settle, then up to three about the conditions. An answer can "
                   "raise a red flag, never remove one. Skipped when stdin is not a terminal.")
@click.option("-m", "--model", "model_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="Model directory (default: the default model, built on first use).")
def classify_cmd(inputs, texts, input_format, text_field, id_field, glob, fmt, output, force, resume, csv_raw,
                 jobs, dask_address, progress, explain, ask, model_path):
    """Classify descriptions: files, folders, JSONL/CSV files or stdin (-) given as arguments, or
    texts given with -t. An argument is always a path: one that does not exist is an error record
    (to classify a description, use -t "...").

    \b
    Examples:
      calfcheck classify -t "my calf seized up at mile 20"
      calfcheck classify notes/ --glob '*.txt' --format jsonl
      cat posts.jsonl | calfcheck classify - --format csv
      calfcheck classify intake/ -f jsonl -o results.jsonl --jobs 2

    \b
    Every input yields one result, in order. With -o FILE the results go to FILE.partial and are
    renamed to FILE when complete; after Ctrl+C, SIGTERM, SIGHUP or a crash, run the same command
    with --resume. Exit status: 0 all classified, 1 some input failed (the others are still
    classified), 2 usage error, 128 + signal when stopped (130 for Ctrl+C, 143 for SIGTERM).
    """
    closed = _reopen_closed_std_streams()
    if jobs == 0:
        raise click.BadParameter("0 processes cannot classify anything: use 1 or more, or -1 for one per CPU.",
                                 param_hint="--jobs")
    if not glob or Path(glob).is_absolute():
        raise click.BadParameter("it is matched inside each folder given: use a relative pattern such as '*.txt' "
                                 "or 'notes/**/*.txt', and give the folder as an argument.", param_hint="--glob")
    if output is not None and str(output) == "-":
        output = None  # -o - is stdout, written directly
    if resume and output is None:
        raise click.UsageError("--resume needs -o FILE: the results so far are read from FILE.partial.")
    paths = list(inputs)
    if not paths and not texts:
        if sys.stdin.isatty():
            raise click.UsageError('Nothing to classify: give files, folders or - for stdin, or a description '
                                   'with -t "...".')
        paths = ["-"]
    if "stdout" in closed and output is None:
        raise click.UsageError("stdout is closed: the results would be lost. Give -o FILE, or run with stdout open.")
    if "stdin" in closed and "-" in paths:
        raise click.UsageError("stdin is closed: there is nothing to read from -. Give files, folders or -t "
                               '"...", or run with stdin open.')
    try:  # everything about -o is checked before the model loads or any input is read
        plan = (check_output(output, fmt, force=force, resume=resume, inputs=paths, glob=glob)
                if output is not None else None)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    counts: Counter = Counter()
    with _stop_on_signals():
        try:
            _run(paths, texts, plan, counts, input_format=input_format, text_field=text_field, id_field=id_field,
                 glob=glob, fmt=fmt, csv_raw=csv_raw, jobs=jobs, dask_address=dask_address, progress=progress,
                 explain=explain, ask=ask, model_path=model_path)
        except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM/SIGHUP (Stopped)
            signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
            how = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
            click.echo(f"calfcheck: {how} after {sum(counts.values())} records{_where(plan)}.", err=True)
            sys.exit(128 + signum)
        finally:  # the output's lock, held since the -o check (open_output releases it too)
            if plan is not None:
                plan.release()


def _reopen_closed_std_streams() -> set[str]:
    """Standard streams the run was started without (cron, ``2>&-``), each reopened on /dev/null so nothing
    else can take its descriptor (a results file on fd 1 would get stray output); their names."""
    closed = set()
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
            if getattr(sys, name) is not None:
                continue
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        closed.add(name)
        setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))
    return closed


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail on the closed pipe again."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _where(plan) -> str:
    """Where the records of a stopped run are, and how to go on."""
    if plan is None:
        return ""
    if not plan.partial.exists():
        return "; nothing was written"
    partial = terminal_safe(str(plan.partial))
    if plan.resumable:
        return f"; they are in {partial}: run the same command with --resume to continue"
    return f"; they are in {partial} (--resume needs -f jsonl or csv: run again with --force)"


def _run(paths, texts, plan, counts: Counter, *, input_format, text_field, id_field, glob, fmt, csv_raw, jobs,
         dask_address, progress, explain, ask, model_path) -> None:
    try:
        model_path = model_location(model_path)
        path, meta = locate_model(model_path)
        if jobs != 1 and not dask_address:  # workers load the model; this process only reads and writes
            check_model_files(path, meta)  # refused here, once, with the reason: not in every worker
            model = ModelRef(str(path), meta["model_version"])
        else:
            model = load_model(path)
            gc.freeze()  # the model lives until exit: the collector need not scan it (~15 % faster batches)
    except (OSError, RuntimeError) as exc:  # each model or cache problem is one message with its fix
        raise click.ClickException(terminal_safe(str(exc))) from exc
    answers = {}
    if ask:
        from classifier.cli.ask import ask_about

        asked = ask_about(texts, model if jobs == 1 or dask_address else path, paths)
        answers = {f"text:{n}": a for n, a in enumerate(asked, 1) if a}
    fingerprint = run_fingerprint(fmt, meta["model_version"], explain=explain, csv_raw=csv_raw,
                                  input_format=input_format, text_field=text_field, id_field=id_field, glob=glob)
    start = time.perf_counter()
    own = own_files(plan.path) if plan is not None else ()
    records = read_inputs(paths, input_format=input_format, text_field=text_field, id_field=id_field,
                          glob=glob, texts=texts, exclude=own)
    if answers:  # the -t texts answered with --ask: classified with their answers (classify_with_answers)
        records = (replace(r, answered=answers[r.id]) if r.id in answers and r.ok else r for r in records)
    try:
        with _output(plan, fingerprint) as out:
            records = out.skip_done(records)
            show = show_progress(paths, texts, plan is None) if progress is None else progress
            total = None
            if show:
                total = estimate_count(paths, input_format=input_format, glob=glob, texts=texts)
                total = None if total is None else max(total - len(out.done_ids), 0)
            results = classify_records(model, records, explain=explain, jobs=jobs, dask=dask_address, fmt=fmt,
                                       csv_raw=csv_raw)
            sink = out.write
            if plan is None and sys.stdout.isatty():  # a terminal shows every format: no raw control characters
                sink = lambda text: out.write(terminal_safe_lines(text))  # noqa: E731
            writer = ResultWriter(out.stream, fmt, header=not out.resumed, record_sink=sink)
            for outcome, text in _progress(results, show, total):
                writer.write(text)
                counts[outcome] += 1
            writer.close()
            out.stream.flush()
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly, as Unix tools do
        _quiet_stdout()
        sys.exit(128 + signal.SIGPIPE)
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    except DaskUnavailableError as exc:
        raise click.UsageError(str(exc)) from exc
    except WorkerDiedError as exc:
        raise click.ClickException(f"{exc}; stopped after {sum(counts.values())} records{_where(plan)}.") from exc
    except OSError as exc:  # writing the results failed (disk full, file too large…): say where they are
        raise click.ClickException(f"cannot write the results: {exc.strerror or exc}; stopped after "
                                   f"{sum(counts.values())} records{_where(plan)}.") from exc
    total = sum(counts.values())
    per_label = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    skipped = f"; {len(out.done_ids)} already in {terminal_safe(str(plan.path))}, skipped" if out.done_ids else ""
    click.echo(f"calfcheck: {total} classified in {time.perf_counter() - start:.1f}s "
               f"({per_label or 'nothing'}){skipped}", err=True)
    sys.exit(1 if counts["error"] or out.done_failed else 0)


@contextmanager
def _output(plan, fingerprint: dict) -> Iterator[Output]:
    """stdout, or the checked ``-o`` file (see ``classifier.batch.outfile``)."""
    if plan is None:
        yield Output(sys.stdout)
        return
    with open_output(plan, fingerprint) as out:
        yield out
