from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import click

from ..artifact import load_model
from ..batch import classify_records
from ..inputs import read_inputs
from ..output import FORMATS, write_results

PATH_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv", ".json", ".md", ".text")


def looks_like_path(arg: str) -> bool:
    """An argument is a path if it exists, is ``-``, or has no spaces and a path-like shape."""
    if arg == "-" or os.path.exists(arg):
        return True
    return not any(c.isspace() for c in arg) and ("/" in arg or arg.lower().endswith(PATH_SUFFIXES))


@contextmanager
def _output(path: Path | None, force: bool):
    """stdout, or a temporary file renamed over ``path`` only when everything was written."""
    if path is None:
        yield sys.stdout
        return
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to overwrite it.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@click.command("classify")
@click.argument("inputs", nargs=-1)
@click.option("-t", "--text", "texts", multiple=True, help="A description to classify (repeatable).")
@click.option("--input-format", type=click.Choice(["auto", "text", "jsonl", "csv"]), default="auto",
              show_default=True, help="How to read files and stdin (auto: by file extension).")
@click.option("--text-field", default="text", show_default=True, help="JSONL key / CSV column with the text.")
@click.option("--id-field", default=None, help="JSONL key / CSV column with the record id.")
@click.option("--glob", default="*", show_default=True, help="Which files to take from folders.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write results here instead of stdout (atomically).")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@click.option("--explain", is_flag=True, help="Add the evidence (words and weights) behind each answer.")
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model directory (default: the default model, built on first use).")
def classify_cmd(inputs, texts, input_format, text_field, id_field, glob, fmt, output, force, explain,
                 model_path):
    """Classify descriptions given as arguments, files, folders, JSONL/CSV files or stdin (-).

    \b
    Examples:
      calfcheck classify "my calf seized up at mile 20"
      calfcheck classify notes/ --glob '*.txt' --format jsonl
      cat posts.jsonl | calfcheck classify - --input-format jsonl --format csv

    Every input yields one result, in order. Exit status: 0 all classified, 1 some input failed
    (the others are still classified), 2 usage error.
    """
    paths = [a for a in inputs if looks_like_path(a)]
    texts = list(texts) + [a for a in inputs if not looks_like_path(a)]
    if not paths and not texts:
        if sys.stdin.isatty():
            raise click.UsageError("Nothing to classify: give a description, files, folders or - for stdin.")
        paths = ["-"]
    try:
        model = load_model(model_path)
    except (FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    start = time.perf_counter()
    records = read_inputs(paths, input_format=input_format, text_field=text_field, id_field=id_field,
                          glob=glob, texts=texts)
    counts: Counter = Counter()
    with _output(output, force) as out:
        for r in write_results(classify_records(model, records, explain=explain), out, fmt):
            counts[r["label"] if r["status"] == "ok" else "error"] += 1
    total = sum(counts.values())
    per_label = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    click.echo(f"calfcheck: {total} classified in {time.perf_counter() - start:.1f}s ({per_label or 'nothing'})",
               err=True)
    sys.exit(1 if counts["error"] else 0)
