"""Saving and loading a model directory: ``pipeline.joblib`` plus ``meta.json``.

Model files are pickles: load only models you built or got from a source you trust.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from typing import TYPE_CHECKING

from .facts import LABELS

if TYPE_CHECKING:
    from .model import Model

__all__ = ["FORMAT_VERSION", "ModelVersionError", "save_model", "load_model", "locate_model", "library_versions",
           "default_model_dir", "calfcheck_home"]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
PIPELINE_FILE = "pipeline.joblib"
META_FILE = "meta.json"


class ModelVersionError(RuntimeError):
    """The model directory was written by incompatible library versions or format."""


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a model depends on (read from package metadata: no imports)."""
    return {**{lib: version(lib) for lib in ("scikit-learn", "spacy", "joblib", "numpy")},
            "python": sys.version.split()[0]}


def calfcheck_home() -> Path:
    """Where built models live: ``$CALFCHECK_HOME`` or ``~/.cache/calfcheck``."""
    return Path(os.environ.get("CALFCHECK_HOME") or Path.home() / ".cache" / "calfcheck")


def default_model_dir(corpus_sha256: str) -> Path:
    """The default model's directory; named by the corpus hash, so a new corpus means a new model."""
    return calfcheck_home() / "models" / f"default-{corpus_sha256[:12]}"


def save_model(model: Model, path: Path) -> Path:
    """Write ``model`` to the directory ``path`` (created; files replaced atomically)."""
    import joblib

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (PIPELINE_FILE + ".tmp")
    joblib.dump(model.pipeline, tmp, compress=3)
    os.replace(tmp, path / PIPELINE_FILE)
    meta = {**model.meta, "format_version": FORMAT_VERSION, "model_version": model.version,
            "labels": list(LABELS),
            "config": asdict(model.config),
            "libraries": library_versions()}
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path / META_FILE)
    model.meta = meta
    return path


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def check_meta(meta: dict, path: Path) -> None:
    """Refuse a model another format or another major.minor of scikit-learn or spaCy wrote."""
    how = f"Rebuild it with `calfcheck train -o {path}` (or delete it to rebuild the default model)."
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelVersionError(
            f"Model at {path} has format version {meta.get('format_version')!r}; this calfcheck reads "
            f"version {FORMAT_VERSION}. {how}")
    here = library_versions()
    for lib in ("scikit-learn", "spacy"):
        built = meta.get("libraries", {}).get(lib, "?")
        if _major_minor(built) != _major_minor(here[lib]):
            raise ModelVersionError(
                f"Model at {path} was built with {lib} {built}, but {lib} {here[lib]} is installed; "
                f"a pickled model only loads reliably on the same major.minor version. {how}")


def locate_model(path: str | Path | None = None) -> tuple[Path, dict]:
    """A model directory and its checked ``meta.json``; with no ``path``, the default model (built on first use)."""
    if path is None:
        from .train import ensure_default_model

        path = ensure_default_model()
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"No model at {path}: {META_FILE} is missing. Build one with `calfcheck train -o {path}`.")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    check_meta(meta, path)
    return path, meta


def load_model(path: str | Path | None = None) -> Model:
    """Load a model directory; with no ``path``, the default model (built on first use)."""
    import joblib

    from .model import Model, ModelConfig

    path, meta = locate_model(path)
    pipeline = joblib.load(path / PIPELINE_FILE)
    return Model(pipeline, config=ModelConfig(**meta["config"]), version=meta["model_version"], meta=meta, path=path)
