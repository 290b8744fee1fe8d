"""Training: read the corpus, fit the pipeline, score it on the held-out set, save it."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .artifact import default_model_dir, save_model
from .config import ModelConfig
from .facts import corpus_dir, file_sha256

if TYPE_CHECKING:
    from .model import Model

__all__ = ["read_corpus", "train", "ensure_default_model", "default_corpus_path", "heldout_path", "real_posts_dir"]

logger = logging.getLogger(__name__)


def default_corpus_path() -> Path:
    return corpus_dir() / "generated" / "train.jsonl.gz"


def real_posts_dir() -> Path:
    """The real-post evaluation set (``dev.jsonl``, ``test.jsonl``; see its README)."""
    return corpus_dir() / "real"


def heldout_path() -> Path:
    return Path(__file__).resolve().parent.parent / "tests" / "data" / "heldout.jsonl"


def read_corpus(path: Path) -> list[dict]:
    """Rows of a JSONL corpus (``.jsonl`` or gzip-compressed ``.jsonl.gz``); each needs ``text`` and ``label``."""
    import gzip

    rows = []
    with (gzip.open(path, "rt", encoding="utf-8") if Path(path).suffix == ".gz" else open(path, encoding="utf-8")) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["text"], row["label"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: expected a JSON object with 'text' and 'label' ({exc}).") from exc
            rows.append(row)
    return rows


def _manifest(corpus: Path) -> dict:
    manifest = corpus.with_name("manifest.json")
    return json.loads(manifest.read_text()) if manifest.is_file() else {}


def train(corpus: Path | None = None, *, config: ModelConfig = ModelConfig(), output: Path | None = None,
          progress: bool = True) -> Model:
    """Fit a model on ``corpus`` (default: the committed corpus) and save it to ``output`` if given."""
    from tqdm import tqdm

    from .evaluate import heldout_scores
    from .model import Model, build_pipeline

    corpus = Path(corpus or default_corpus_path())
    steps = tqdm(total=4, desc="train", unit="step", disable=not progress, file=sys.stderr)
    rows = read_corpus(corpus)
    sha = file_sha256(corpus)
    steps.set_postfix_str(f"{len(rows)} examples read"); steps.update()
    pipeline = build_pipeline(config)
    steps.set_postfix_str("fitting"); steps.update()
    pipeline.fit([r["text"] for r in rows], [r["label"] for r in rows])
    steps.set_postfix_str("scoring held-out set"); steps.update()
    meta = {"corpus": {"path": str(corpus.name), "sha256": sha, "examples": len(rows),
                       "generator": _manifest(corpus)}}
    model = Model(pipeline, config=config, version=f"calfcheck-1.{sha[:8]}", meta=meta)
    if heldout_path().is_file():
        model.meta["evaluation"] = heldout_scores(model, heldout_path())
    steps.set_postfix_str("done"); steps.update(); steps.close()
    if output is not None:
        save_model(model, Path(output))
    return model


def ensure_default_model() -> Path:
    """Path of the default model, building it from the committed corpus if it does not exist yet."""
    corpus = default_corpus_path()
    path = default_model_dir(file_sha256(corpus))
    if not (path / "meta.json").is_file():
        print(f"calfcheck: no default model yet; building it from {corpus} into {path} (once, ~20 s)...",
              file=sys.stderr)
        train(corpus, output=path, progress=sys.stderr.isatty())
    return path
