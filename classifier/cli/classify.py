from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from classifier.storage import load_model, locate_model
from classifier.batch.inputs import Record, estimate_count, read_inputs
from classifier.batch.outfile import Output, OutputError, open_output, partial_path
from classifier.batch.output import FORMATS, ResultWriter
from classifier.batch.parallel import DaskUnavailableError, ModelRef, classify_records

def model_location(model_path: Path | None) -> Path:
    """The model directory to use: ``model_path``, or the default model, built here if it is missing."""
    if model_path is not None:
        return model_path
    from classifier.training.train import ensure_default_model

    return ensure_default_model()


@contextmanager
def _output(path: Path | None, fmt: str, force: bool, resume: bool):
    """stdout, or ``path`` written through ``path.partial`` (see ``classifier.outfile``)."""
    if path is None:
        if resume:
            raise click.UsageError("--resume needs -o FILE: the results so far are read from that file.")
        yield Output(sys.stdout)
        return
    try:
        with open_output(path, fmt, force=force, resume=resume) as out:
            yield out
    except OutputError as exc:
        raise click.UsageError(str(exc)) from exc


def _skip_done(records: Iterator[Record], out: Output) -> Iterator[Record]:
    """The records after those already in the output, checking that they are the same inputs."""
    for n, expected in enumerate(out.done_ids, 1):
        record = next(records, None)
        if record is None or record.id != expected:
            here = f"here it is {record.id!r}" if record else f"these inputs have only {n - 1}"
            raise click.UsageError(f"{out.partial} does not continue these inputs: its record {n} is {expected!r}, "
                                   f"{here}. Use --force to start over.")
    return records


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
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write results here instead of stdout (atomically).")
@click.option("--force", is_flag=True, help="Overwrite --output (and a leftover FILE.partial) if it exists.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run: keep the records already in -o FILE (or FILE.partial), "
                   "classify the rest.")
@click.option("-j", "--jobs", type=click.IntRange(min=-1), default=1, show_default=True,
              help="Processes that classify, this one included (-1: one per CPU). Output order is unchanged.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Send chunks to this Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of local processes; "
                   "needs calfcheck[dask].")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr [default: only when stderr is a terminal].")
@click.option("--explain", is_flag=True, help="Add the evidence (words and weights) behind each answer.")
@click.option("--ask", is_flag=True,
              help="When unsure, ask up to three yes/no questions about each -t description on the terminal "
                   "(y/n/?; red-flag questions first). Skipped when stdin is not a terminal.")
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model directory (default: the default model, built on first use).")
def classify_cmd(inputs, texts, input_format, text_field, id_field, glob, fmt, output, force, resume, jobs,
                 dask_address, progress, explain, ask, model_path):
    """Classify descriptions: files, folders, JSONL/CSV files or stdin (-) given as arguments, or
    texts given with -t. An argument is always a path: one that does not exist is an error record.

    \b
    Examples:
      calfcheck classify -t "my calf seized up at mile 20"
      calfcheck classify notes/ --glob '*.txt' --format jsonl
      cat posts.jsonl | calfcheck classify - --format csv
      calfcheck classify intake/ -f jsonl -o results.jsonl --jobs 2

    \b
    Every input yields one result, in order. With -o FILE the results go to FILE.partial and are
    renamed to FILE when complete; after Ctrl+C or a crash, run the same command with --resume.
    Exit status: 0 all classified, 1 some input failed (the others are still classified),
    2 usage error, 130 interrupted.
    """
    if jobs == 0:
        raise click.BadParameter("0 processes cannot classify anything: use 1 or more, or -1 for one per CPU.",
                                 param_hint="--jobs")
    paths = list(inputs)
    if not paths and not texts:
        if sys.stdin.isatty():
            raise click.UsageError('Nothing to classify: give files, folders or - for stdin, or a description '
                                   'with -t "...".')
        paths = ["-"]
    try:
        model_path = model_location(model_path)
        if jobs != 1 and not dask_address:  # workers load the model; this process only reads and writes
            path, meta = locate_model(model_path)
            model = ModelRef(str(path), meta["model_version"])
        else:
            model = load_model(model_path)
            gc.freeze()  # the model lives until exit: the collector need not scan it (~15 % faster batches)
    except (FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if ask:
        from classifier.cli.ask import ask_about

        texts = ask_about(texts, model if jobs == 1 or dask_address else model_path, paths)
    start = time.perf_counter()
    records = read_inputs(paths, input_format=input_format, text_field=text_field, id_field=id_field,
                          glob=glob, texts=texts)
    counts: Counter = Counter()
    try:
        with _output(output, fmt, force, resume) as out:
            records = _skip_done(iter(records), out)
            show = sys.stderr.isatty() if progress is None else progress
            total = None
            if show:
                total = estimate_count(paths, input_format=input_format, glob=glob, texts=texts)
                total = None if total is None else max(total - len(out.done_ids), 0)
            results = classify_records(model, records, explain=explain, jobs=jobs, dask=dask_address, fmt=fmt)
            writer = ResultWriter(out.stream, fmt, header=not out.resumed)
            for outcome, text in _progress(results, show, total):
                writer.write(text)
                counts[outcome] += 1
            writer.close()
    except KeyboardInterrupt:
        where = (f"; they are in {partial_path(output)}: run the same command with --resume to continue"
                 if output else "")
        click.echo(f"calfcheck: interrupted after {sum(counts.values())} records{where}.", err=True)
        sys.exit(130)
    except DaskUnavailableError as exc:
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{exc}") from exc
    total = sum(counts.values())
    per_label = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    skipped = f"; {len(out.done_ids)} already in {output}, skipped" if out.done_ids else ""
    click.echo(f"calfcheck: {total} classified in {time.perf_counter() - start:.1f}s "
               f"({per_label or 'nothing'}){skipped}", err=True)
    sys.exit(1 if counts["error"] or out.done_failed else 0)
