from __future__ import annotations

from pathlib import Path

import click


@click.command("evaluate")
@click.option("-c", "--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--heldout", "heldouts", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Evaluation JSONL (repeatable; default: the real posts of --split, then the hand-written "
                   "tests/data/heldout*.jsonl).")
@click.option("--split", type=click.Choice(["dev", "test"]), default="dev", show_default=True,
              help="Which real posts: dev (tune on it) or test (only to report; each run is appended to the "
                   "log of looks in corpus/real/README.md).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Directory for report.md, scores.json and the plots.")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--embedding-baseline", is_flag=True,
              help="Also compare with MiniLM sentence embeddings + LR (needs the 'embeddings' extra; slow: "
                   "~100 texts/s).")
def evaluate_cmd(corpus: Path | None, heldouts: tuple[Path, ...], split: str, output: Path, folds: int,
                 embedding_baseline: bool) -> None:
    """Cross-validate by recipe, score the held-out sets, compare with the baselines; write a report."""
    from classifier.training.evaluate import evaluate
    from classifier.training.train import default_corpus_path, heldout_path, read_corpus, real_posts_dir

    rows = read_corpus(corpus or default_corpus_path())
    real = real_posts_dir()
    real_sets = tuple(p for p in (real / f"{split}.jsonl",) if p.is_file())
    heldouts_given = bool(heldouts)
    heldouts = heldouts or real_sets + tuple(sorted(heldout_path().parent.glob("heldout*.jsonl")))
    from classifier.training.embeddings import EmbeddingsUnavailable

    try:
        report = evaluate(rows, heldouts, output, folds=folds, embeddings=embedding_baseline,
                          style_reference=real / "dev.jsonl" if (real / "dev.jsonl").is_file() else None)
    except EmbeddingsUnavailable as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(report.read_text())
    click.echo(f"report written to {report}", err=True)
    if split == "test" and not heldouts_given:
        import datetime

        with (real / "README.md").open("a", encoding="utf-8") as log:
            log.write(f"- {datetime.date.today()}: `calfcheck evaluate --split test` (report {report}).\n")
        click.echo("this look at test was appended to corpus/real/README.md", err=True)
