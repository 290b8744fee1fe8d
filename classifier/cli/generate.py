from __future__ import annotations

import json
from pathlib import Path

import click

from classifier.facts import file_sha256
from classifier.training.generate import GeneratorConfig, generate, write_jsonl


@click.command("generate")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSONL corpus, gzip-compressed if it ends in .gz "
                   "(default: the packaged corpus, classifier/data/train.jsonl.gz).")
@click.option("--seed", type=int, default=GeneratorConfig.seed, show_default=True)
@click.option("--recipes", type=int, default=GeneratorConfig.recipes_per_condition, show_default=True,
              help="Recipes per condition.")
@click.option("--force", is_flag=True, help="Allow writing over the packaged corpus (the default output).")
@click.option("--renders", type=int, default=GeneratorConfig.renders_per_recipe, show_default=True,
              help="Renderings of each recipe.")
def generate_cmd(output: Path | None, seed: int, recipes: int, renders: int, force: bool) -> None:
    """Generate the synthetic training corpus from the condition facts (reproducible from --seed)."""
    from classifier.training.train import default_corpus_path

    cfg = GeneratorConfig(seed=seed, recipes_per_condition=recipes, renders_per_recipe=renders,
                          recipes_out_of_scope=int(recipes * GeneratorConfig.recipes_out_of_scope
                                                   / GeneratorConfig.recipes_per_condition))
    output = output or default_corpus_path()
    if output.resolve() == default_corpus_path().resolve() and output.exists() and not force:
        raise click.UsageError(f"{output} is the packaged training corpus (the default model is built from it). "
                               "Give -o FILE to write elsewhere, or --force to regenerate it on purpose.")
    examples = generate(cfg)
    write_jsonl(examples, output)
    manifest = {"seed": cfg.seed, "recipes_per_condition": cfg.recipes_per_condition,
                "recipes_out_of_scope": cfg.recipes_out_of_scope, "renders_per_recipe": cfg.renders_per_recipe,
                "examples": len(examples), "sha256": file_sha256(output)}
    output.with_name("manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    click.echo(f"wrote {len(examples)} examples to {output}", err=True)
    if output.resolve() == default_corpus_path().resolve():  # the packaged corpus goes with its vocabulary
        from classifier.training.domain import write_domain_terms

        click.echo(f"wrote the domain vocabulary to {write_domain_terms()}", err=True)
