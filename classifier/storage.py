"""Saving and loading a model directory (``pipeline.joblib`` plus ``meta.json``) and checking that
it fits the installed libraries. Loading never trains: the default model is built by
``classifier.training.train.ensure_default_model``, an explicit step the CLI and the page call.

Model files are pickles, and unpickling runs code. The trust model:

- ``load_model`` unpickles ``pipeline.joblib`` only when its sha256 matches the one ``save_model`` recorded in
  ``meta.json`` (read once into memory, then hashed and loaded: the file cannot change in between), and only
  from a directory that no other user can write: the model directory, its files and every directory above it
  are owned by you or root and not writable by group (unless the group is yours alone) or others (unless a
  sticky directory such as /tmp). Otherwise it refuses, saying why and how to fix it.
- The hash finds damage (a truncated or empty file) and a pipeline swapped after it was built; it cannot stop
  someone who can rewrite both files, which is why the directories must be yours.
- The default model is a cache: ``ensure_model`` rebuilds it when it is missing, damaged or stale, under a
  lock (one builder; the others wait), into a unique temporary directory renamed into place when complete.
  A model given with ``-m`` is never rebuilt: it is refused with the command that rebuilds it.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from classifier.facts import LABELS, data_path, file_sha256, fit_code_sha256, model_version

if TYPE_CHECKING:
    from classifier.model import Model

__all__ = ["FORMAT_VERSION", "ModelVersionError", "ModelCacheError", "save_model", "load_model", "locate_model",
           "check_model_files", "ensure_model", "library_versions", "default_model_dir", "default_corpus_path",
           "calfcheck_home", "fit_id"]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: model_version = fit id + hash of the rule and fact files
PIPELINE_FILE = "pipeline.joblib"
META_FILE = "meta.json"


class ModelVersionError(RuntimeError):
    """The model directory was written by incompatible library versions or format."""


class ModelCacheError(RuntimeError):
    """A model directory cannot be used or trusted (damaged, missing, writable by others, unwritable cache);
    the message says why and how to fix it."""


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
    if not meta_path.exists():
        raise FileNotFoundError(f"No model at {path}: {META_FILE} is missing. Build one with {build}.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        check_meta(meta, path)
        if meta["model_version"] != model_version(meta["fit_id"]):  # the rules changed since it was saved
            meta = {**meta, "model_version": model_version(meta["fit_id"]),
                    "behaviour_sha256_at_build": meta["behaviour_sha256"]}
        missing = [k for k in ("config", "pipeline_sha256") if k not in meta]  # what load_model needs
        if missing:
            raise KeyError(missing[0])
    except ModelVersionError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = (exc.strerror if isinstance(exc, OSError) and exc.strerror
               else f"no {exc}" if isinstance(exc, KeyError) else "not valid JSON" if isinstance(exc, ValueError)
               else "not a model description")
        raise ModelCacheError(f"{meta_path} cannot be used ({why}). Rebuild the model with {build}.") from None
    return path, meta


def check_model_files(path: Path, meta: dict) -> bytes:
    """The bytes of ``pipeline.joblib``, once the directory is trusted (``_check_private``) and the bytes match
    the sha256 in ``meta.json``; ``ModelCacheError`` saying why and how to fix it otherwise."""
    _check_private(path)
    pipeline = path / PIPELINE_FILE
    how = how_to_rebuild(path)
    try:
        data = pipeline.read_bytes()
    except FileNotFoundError:
        raise ModelCacheError(f"{pipeline} is missing. {how}") from None
    except OSError as exc:
        raise ModelCacheError(f"Cannot read {pipeline}: {exc.strerror}. {how}") from None
    if hashlib.sha256(data).hexdigest() != meta.get("pipeline_sha256"):
        what = "empty" if not data else "damaged (truncated?) or changed since it was built"
        raise ModelCacheError(f"{pipeline} does not match the sha256 recorded in {META_FILE}: it is {what}, and is "
                              f"not loaded. {how}")
    return data


def load_model(path: str | Path | None = None) -> Model:
    """Load a model directory; with no ``path``, the default model (see ``locate_model``). The pipeline is
    unpickled only when ``check_model_files`` trusts it."""
    import joblib

    from classifier.model import Model, ModelConfig

    path, meta = locate_model(path)
    data = check_model_files(path, meta)
    try:
        pipeline = joblib.load(io.BytesIO(data))
    except Exception as exc:  # the bytes are the ones recorded: an unpickling error means the libraries changed
        raise ModelCacheError(f"Cannot load {path / PIPELINE_FILE} ({type(exc).__name__}: {exc}). "
                              f"{how_to_rebuild(path)}") from exc
    # models saved before `unknown_prior` existed were fitted without one (a plain LogisticRegression)
    config = ModelConfig(**{"unknown_prior": 1.0, **meta["config"]})
    return Model(pipeline, config=config, fit_id=meta["fit_id"], meta=meta, path=path)


# Trust ------------------------------------------------------------------------------------------------------

def _private_group(st: os.stat_result) -> bool:
    """Whether the file's group is the user's own group with nobody else in it (user private groups, umask 002)."""
    import grp
    import pwd

    if st.st_gid != os.getegid():
        return False
    try:
        members = set(grp.getgrgid(st.st_gid).gr_mem)
        me = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return False
    return members <= {me}


def _check_private(path: Path) -> None:
    """Refuse a model directory that another user could change: it, its files and every directory above it
    must be owned by this user or root, and not writable by others (a sticky directory above it, like /tmp,
    is fine) or by a group with other members."""
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owners or modes to check (the sha256 still is)
        return
    real = Path(os.path.realpath(path))
    me = os.geteuid()
    inside = [real / PIPELINE_FILE, real / META_FILE, real]
    for p in [*inside, *real.parents]:
        try:
            st = os.stat(p)
        except FileNotFoundError:
            continue
        sticky = p not in inside and stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
        why = None
        if st.st_uid not in (me, 0):
            why = f"is owned by another user (uid {st.st_uid})"
            fix = f"copy the model into a directory of your own, or rebuild it: calfcheck train -o {path}"
        elif st.st_mode & stat.S_IWOTH and not sticky:
            why, fix = f"is writable by every user (mode {stat.filemode(st.st_mode)})", f"chmod o-w {p}"
        elif st.st_mode & stat.S_IWGRP and not sticky and not _private_group(st):
            why, fix = f"is writable by its group (mode {stat.filemode(st.st_mode)})", f"chmod g-w {p}"
        if why:
            raise ModelCacheError(
                f"Not loading the model at {path}: {p} {why}. A model is a pickle, and loading it runs code: "
                f"anyone who can change these files could run code as you. Fix: {fix}")


# The default model's cache ----------------------------------------------------------------------------------

def _problem(path: Path) -> str | None:
    """Why the model at ``path`` cannot be loaded as it is (None: it can); trust is checked when loading."""
    try:
        path, meta = locate_model(path)
        _check_pipeline_hash(path, meta)
    except FileNotFoundError:
        return "missing"
    except (ModelVersionError, ModelCacheError) as exc:
        return str(exc)
    return None


def _check_pipeline_hash(path: Path, meta: dict) -> None:
    pipeline = path / PIPELINE_FILE
    try:
        with open(pipeline, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise ModelCacheError(f"{pipeline}: {exc.strerror}") from None
    if digest != meta.get("pipeline_sha256"):
        raise ModelCacheError(f"{pipeline} does not match the sha256 recorded in {META_FILE} (damaged or changed)")


def _cache_error(exc: OSError, where: Path) -> ModelCacheError:
    """One clear message, with the fix, for an OSError met while building into the cache."""
    home = calfcheck_home()
    if home.exists() and not home.is_dir():
        return ModelCacheError(f"The model cache {home} is not a directory (it is set by $CALFCHECK_HOME, "
                               "default ~/.cache/calfcheck). Point CALFCHECK_HOME at a directory, or remove the file.")
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return ModelCacheError(f"No space left on the device while building the model in {where}. Free some space, "
                               "or set CALFCHECK_HOME to a directory on another disk.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ModelCacheError(f"Cannot write the model cache {where}: {exc.strerror}. Make it writable, or set "
                               "CALFCHECK_HOME to a directory you can write.")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return ModelCacheError(f"Cannot create the model cache {where}: a file is in the way ({exc.strerror}). "
                               "Remove it, or set CALFCHECK_HOME to another directory.")
    return ModelCacheError(f"Cannot build the model in {where}: {exc.strerror or exc}. Set CALFCHECK_HOME to "
                           "another directory, or remove the cache and run again.")


def ensure_model(path: Path, build: Callable[[Path], object]) -> Path:
    """``path`` once it holds a model that loads: built by ``build(directory)`` when it is missing, damaged
    (its pipeline's sha256 differs from ``meta.json``'s) or stale (another format or library version).

    One builder at a time (an exclusive lock beside it; the others wait, then find it built); the model is
    built into a unique temporary directory and renamed to ``path`` when complete, so no process ever loads
    a half-written pipeline."""
    import fcntl  # POSIX; imported here so that loading a model needs nothing beyond os

    path = Path(path)
    if _problem(path) is None:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                       0o600)
    except OSError as exc:
        raise _cache_error(exc, path.parent) from None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"calfcheck: waiting for another calfcheck that is building the model in {path}...",
                  file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        problem = _problem(path)  # another process may have built it while this one waited
        if problem is None:
            return path
        if problem != "missing":
            logger.warning("rebuilding the model: %s", problem)
        _build_into(path, build)
    finally:
        os.close(lock)
    return path


def _build_into(path: Path, build: Callable[[Path], object]) -> None:
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    except OSError as exc:
        raise _cache_error(exc, path.parent) from None
    try:
        try:
            build(tmp)
            os.chmod(tmp, 0o755)
            if os.path.lexists(path):  # the damaged or stale one: moved aside, then removed
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
                os.rename(path, old / "model")
                shutil.rmtree(old)
            os.rename(tmp, path)
        except OSError as exc:
            raise _cache_error(exc, path.parent) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
