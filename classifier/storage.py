"""Saving and loading a model directory (``pipeline.joblib`` plus ``meta.json``) and checking that
it fits the installed libraries. Loading never trains: the default model is built by
``classifier.training.train.ensure_default_model``, an explicit step the CLI and the page call.

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

from classifier.facts import LABELS, data_path, file_sha256, fit_code_sha256, model_version

if TYPE_CHECKING:
    from classifier.model import Model

__all__ = ["FORMAT_VERSION", "ModelVersionError", "save_model", "load_model", "locate_model", "library_versions",
           "default_model_dir", "default_corpus_path", "calfcheck_home", "fit_id"]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: model_version = fit id + hash of the rule and fact files
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


def default_corpus_path() -> Path:
    """The generated corpus the default model is built from; it ships inside the package."""
    return data_path("train.jsonl.gz")


def default_model_dir(corpus_sha256: str | None = None) -> Path:
    """The default model's directory, named by the corpus hash, the feature code's hash and the format and
    scikit-learn versions: a new corpus, feature code, format or scikit-learn means a new model, never a
    stale pickle."""
    sha = corpus_sha256 or file_sha256(default_corpus_path())
    sklearn = "".join(_major_minor(library_versions()["scikit-learn"]))
    return calfcheck_home() / "models" / f"default-{sha[:12]}-{fit_code_sha256()[:8]}-f{FORMAT_VERSION}-sk{sklearn}"


def fit_id(corpus_sha256: str, config: dict) -> str:
    """Names one fit: the same corpus, settings, feature code, format and library versions give the same
    fitted pipeline."""
    import hashlib

    libs = library_versions()
    key = json.dumps({"corpus": corpus_sha256, "config": config, "format": FORMAT_VERSION, "code": fit_code_sha256(),
                      "libraries": {k: libs[k] for k in ("scikit-learn", "spacy", "numpy")}}, sort_keys=True)
    return f"calfcheck-{FORMAT_VERSION}.{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def save_model(model: Model, path: Path) -> Path:
    """Write ``model`` to the directory ``path`` (created; files replaced atomically)."""
    import joblib

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (PIPELINE_FILE + ".tmp")
    joblib.dump(model.pipeline, tmp, compress=3)
    os.replace(tmp, path / PIPELINE_FILE)
    from classifier.facts import behaviour_sha256

    meta = {**model.meta, "format_version": FORMAT_VERSION, "fit_id": model.fit_id, "model_version": model.version,
            "behaviour_sha256": behaviour_sha256(), "pipeline_sha256": file_sha256(path / PIPELINE_FILE),
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


def how_to_rebuild(path: Path) -> str:
    return f"Rebuild it with `calfcheck train -o {path}`."


def check_meta(meta: dict, path: Path) -> None:
    """Refuse a model another format or another major.minor of scikit-learn or spaCy wrote."""
    if not isinstance(meta, dict):
        raise ModelVersionError(f"{path / META_FILE} is not a calfcheck model description. {how_to_rebuild(path)}")
    how = how_to_rebuild(path)
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
    """A model directory and its checked ``meta.json`` (its ``model_version`` the one in use now);
    with no ``path``, the default model, which must have been built."""
    if path is None:
        path = default_model_dir()
        build = "`calfcheck train` (or classifier.ensure_default_model())"
    else:
        build = f"`calfcheck train -o {path}`"
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"No model at {path}: {META_FILE} is missing. Build one with {build}.")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    check_meta(meta, path)
    if meta["model_version"] != model_version(meta["fit_id"]):  # the rules changed since it was saved
        meta = {**meta, "model_version": model_version(meta["fit_id"]),
                "behaviour_sha256_at_build": meta["behaviour_sha256"]}
    return path, meta


def load_model(path: str | Path | None = None) -> Model:
    """Load a model directory; with no ``path``, the default model (see ``locate_model``)."""
    import joblib

    from classifier.model import Model, ModelConfig

    path, meta = locate_model(path)
    pipeline = joblib.load(path / PIPELINE_FILE)
    # models saved before `unknown_prior` existed were fitted without one (a plain LogisticRegression)
    config = ModelConfig(**{"unknown_prior": 1.0, **meta["config"]})
    return Model(pipeline, config=config, fit_id=meta["fit_id"], meta=meta, path=path)
