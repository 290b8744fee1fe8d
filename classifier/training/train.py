"""Training: read the corpus, fit the pipeline, optionally score it on a held-out set, save it; and
``ensure_default_model``, the explicit step that builds the default model once."""

from __future__ import annotations

import gzip
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.facts import file_sha256
from classifier.model.config import ModelConfig
from classifier.storage import default_corpus_path, default_model_dir, ensure_model, fit_id, save_model
from classifier.training.phrases import corpus_dir

if TYPE_CHECKING:
    from classifier.model import Model

__all__ = ["read_corpus", "train", "ensure_default_model", "default_corpus_path", "heldout_path", "real_posts_dir"]

logger = logging.getLogger(__name__)


def real_posts_dir() -> Path:
    """The real-post evaluation set (``dev.jsonl``, ``test.jsonl``; see its README). Checkout only."""
    return corpus_dir() / "real"


def heldout_path() -> Path:
    """The hand-written held-out set (checkout only)."""
    return corpus_dir().parent / "tests" / "data" / "heldout.jsonl"


def read_corpus(path: Path) -> list[dict]:
    """Rows of a JSONL corpus (``.jsonl`` or gzip-compressed ``.jsonl.gz``); each needs ``text`` and ``label``."""
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
          heldout: Path | None = None, progress: bool = True) -> Model:
    """Fit a model on ``corpus`` (default: the packaged corpus); score it on ``heldout`` and save it to
    ``output`` when given."""
    from tqdm import tqdm

    from classifier.model import Model, build_pipeline

    corpus = Path(corpus or default_corpus_path())
    steps = tqdm(total=4, desc="train", unit="step", disable=not progress, file=sys.stderr)
    rows = read_corpus(corpus)
    sha = file_sha256(corpus)
    steps.set_postfix_str(f"{len(rows)} examples read"); steps.update()
    pipeline = build_pipeline(config)
    steps.set_postfix_str("fitting"); steps.update()
    pipeline.fit([r["text"] for r in rows], [r["label"] for r in rows])
    steps.set_postfix_str("scoring held-out set" if heldout else "fitted"); steps.update()
    meta = {"corpus": {"path": str(corpus.name), "sha256": sha, "examples": len(rows),
                       "generator": _manifest(corpus)}}
    model = Model(pipeline, config=config, fit_id=fit_id(sha, asdict(config)), meta=meta)
    if heldout is not None:
        from classifier.training.evaluate import heldout_scores

        model.meta["evaluation"] = heldout_scores(model, Path(heldout))
    steps.set_postfix_str("done"); steps.update(); steps.close()
    if output is not None:
        save_model(model, Path(output))
    return model


def ensure_default_model() -> Path:
    """Path of the default model, building it from the packaged corpus when it is missing, damaged or was
    built by another format or library version (once, about 20 s; see ``classifier.storage.ensure_model``)."""
    path = default_model_dir()

    def build(into: Path) -> None:
        print(f"calfcheck: building the default model from {default_corpus_path().name} into {path} (once, ~20 s)...",
              file=sys.stderr)
        train(default_corpus_path(), output=into, progress=sys.stderr.isatty())

    return ensure_model(path, build)
