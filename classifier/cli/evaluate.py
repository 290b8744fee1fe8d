from __future__ import annotations

from pathlib import Path

import click


@click.command("evaluate")
@click.option("-c", "--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--heldout", "heldouts", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluation JSONL (repeatable; default: the real posts corpus/real/test.jsonl and dev.jsonl, "
                   "then the hand-written tests/data/heldout*.jsonl).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Directory for report.md, scores.json and the plots.")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--embedding-baseline", is_flag=True,
              help="Also compare with MiniLM sentence embeddings + LR (needs the 'embeddings' extra; slow: "
                   "~100 texts/s).")
def evaluate_cmd(corpus: Path | None, heldouts: tuple[Path, ...], output: Path, folds: int,
                 embedding_baseline: bool) -> None:
    """Cross-validate by recipe, score the held-out sets, compare with the baselines; write a report."""
    from classifier.training.evaluate import evaluate
    from classifier.training.train import default_corpus_path, heldout_path, read_corpus, real_posts_dir

    rows = read_corpus(corpus or default_corpus_path())
    real = real_posts_dir()
    real_sets = tuple(p for p in (real / "test.jsonl", real / "dev.jsonl") if p.is_file())
    heldouts = heldouts or real_sets + tuple(sorted(heldout_path().parent.glob("heldout*.jsonl")))
    from classifier.training.embeddings import EmbeddingsUnavailable

    try:
        report = evaluate(rows, heldouts, output, folds=folds, embeddings=embedding_baseline,
                          style_reference=real / "dev.jsonl" if (real / "dev.jsonl").is_file() else None)
    except EmbeddingsUnavailable as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(report.read_text())
    click.echo(f"report written to {report}", err=True)
