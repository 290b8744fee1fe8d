"""Labels, and the data classifying needs at run time: condition facts and guidance, out-of-scope
cues and the red-flag rules. It ships inside the package (``classifier/data/``) and is read with
``importlib.resources``, so an installed wheel works from any directory.

``behaviour_sha256`` hashes these files and the code that applies them: it is part of every model
version, because editing a rule changes answers without refitting anything.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

__all__ = [
    "CONDITIONS", "UNKNOWN", "LABELS", "RUNTIME_FILES", "Condition", "Fact", "OutOfScopeTopic", "data_path",
    "read_toml", "load_conditions", "load_out_of_scope", "behaviour_sha256", "fit_code_sha256", "model_version",
    "file_sha256", "UNKNOWN_NAME", "display_name",
]

CONDITIONS = ("calf_strain", "achilles_tendinitis", "compartment_syndrome", "muscle_cramp")
UNKNOWN = "unknown"
LABELS = CONDITIONS + (UNKNOWN,)
# data that changes answers (questions.toml: what the page and --ask ask, and what an answer adds)
RUNTIME_FILES = ("conditions.toml", "out_of_scope.toml", "red_flags.toml", "lay_phrases.toml", "questions.toml", "naming.toml")
# code that turns text into features and builds the pipeline, and the default settings: part of a fit's identity
# (a changed default in model/config.py must rebuild the default model, whose meta.json keeps the settings it used)
FIT_CODE = ("preprocess.py", "model/predict.py", "model/config.py", "model/domain.py", "data/domain_terms.txt")
# code that changes answers without refitting: negation and rules, unknown reasons, the decision
# (and the explanation in --explain records, and the questions and answers of the page and --ask)
RUNTIME_CODE = FIT_CODE + ("rules/triage.py", "rules/prefilter.py", "rules/scope.py", "rules/naming.py", "model/explain.py",
                           "model/questions.py")


@dataclass(frozen=True)
class Fact:
    aspect: str
    text: str
    source: str


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    plain_name: str
    default_triage: str
    facts: tuple[Fact, ...]

    def fact(self, aspect: str) -> Fact | None:
        return next((f for f in self.facts if f.aspect == aspect), None)


@dataclass(frozen=True)
class OutOfScopeTopic:
    id: str
    reason: str
    cues: tuple[str, ...]


def data_path(name: str) -> Path:
    """A file of the package data (``classifier/data/<name>``)."""
    return Path(str(files("classifier") / "data" / name))


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read {path}: {exc}. Reinstall calfcheck (or restore the file from git).") from exc


@cache
def load_conditions() -> dict[str, Condition]:
    """The four conditions keyed by label (``classifier/data/conditions.toml``)."""
    data = read_toml(data_path("conditions.toml"))
    if set(data) != set(CONDITIONS):
        raise ValueError(f"conditions.toml has {sorted(data)}, expected {list(CONDITIONS)}.")
    return {label: Condition(id=label, name=data[label]["name"], plain_name=data[label]["plain_name"],
                             default_triage=data[label]["default_triage"],
                             facts=tuple(Fact(**f) for f in data[label]["facts"]))
            for label in CONDITIONS}


UNKNOWN_NAME = "Not one of the four calf conditions"


def display_name(label: str) -> str:
    """The one name a person sees for ``label`` (page, chart, Batch tab, the CLI's table): the condition's
    ``name`` in ``conditions.toml`` ("Calf cramp" for ``muscle_cramp``), ``UNKNOWN_NAME`` for ``unknown``."""
    if label == UNKNOWN:
        return UNKNOWN_NAME
    try:
        return load_conditions()[label].name
    except KeyError:
        raise ValueError(f"Unknown label {label!r}; expected one of {', '.join(LABELS)}.") from None


@cache
def load_out_of_scope() -> tuple[OutOfScopeTopic, ...]:
    """Out-of-scope topics with their reason and cue words (``classifier/data/out_of_scope.toml``)."""
    data = read_toml(data_path("out_of_scope.toml"))
    return tuple(OutOfScopeTopic(t["id"], t["reason"], tuple(t["cues"])) for t in data["topics"])


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _files_sha256(paths: list[tuple[str, Path]]) -> str:
    h = hashlib.sha256()
    for name, path in paths:
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _code_path(name: str) -> Path:
    return Path(str(files("classifier").joinpath(*name.split("/"))))


@cache
def behaviour_sha256() -> str:
    """One hash of what changes answers besides the fitted weights: the rule and fact files
    (``RUNTIME_FILES``) and the code that applies them (``RUNTIME_CODE``)."""
    return _files_sha256([(n, data_path(n)) for n in RUNTIME_FILES] + [(n, _code_path(n)) for n in RUNTIME_CODE])


@cache
def fit_code_sha256() -> str:
    """A hash of the code that makes features and builds the pipeline (``FIT_CODE``)."""
    return _files_sha256([(n, _code_path(n)) for n in FIT_CODE])


def model_version(fit_id: str) -> str:
    """What every output record carries: the fitted pipeline (``fit_id``) and the rule and fact files
    in use (their hash), so records made by different behaviour never look alike."""
    return f"{fit_id}+rules.{behaviour_sha256()[:8]}"
