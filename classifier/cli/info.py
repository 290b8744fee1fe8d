from __future__ import annotations

import json
from pathlib import Path

import click

from classifier.storage import load_model


@click.command("info")
@click.option("-m", "--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model directory (default: the default model).")
def info_cmd(model_path: Path | None) -> None:
    """Show the model's meta.json: version, libraries, corpus, evaluation scores."""
    from classifier.cli.classify import model_location

    try:
        model = load_model(model_location(model_path))
    except (FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(model.meta, indent=2, sort_keys=True))
