from __future__ import annotations

from pathlib import Path

import click

from classifier.storage import default_model_dir
from classifier.model.config import ModelConfig
from classifier.facts import file_sha256


@click.command("train")
@click.option("-c", "--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSONL corpus with text and label (default: the committed corpus).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Model directory to write (default: the default model's directory).")
@click.option("--C", "C", type=float, default=ModelConfig.C, show_default=True, help="Inverse regularisation.")
@click.option("--no-negation", is_flag=True, help="Do not mark negated words (for comparison).")
@click.option("--heldout", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Score the model on this labelled JSONL and keep the scores in meta.json.")
def train_cmd(corpus: Path | None, output: Path | None, C: float, no_negation: bool, heldout: Path | None) -> None:
    """Train a model on the corpus and save it with its meta.json."""
    from classifier.training.train import default_corpus_path, train

    corpus = corpus or default_corpus_path()
    output = output or default_model_dir(file_sha256(corpus))
    model = train(corpus, config=ModelConfig(C=C, negation=not no_negation), output=output, heldout=heldout)
    ev = model.meta.get("evaluation", {})
    click.echo(f"saved {model.version} to {output}", err=True)
    if ev:
        click.echo(f"held-out: top-1 {ev['top1_conditions']:.3f}, top-2 {ev['top2_conditions']:.3f}, "
                   f"out-of-scope recall {ev['out_of_scope_recall']:.3f}", err=True)
