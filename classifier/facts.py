"""Condition facts, out-of-scope topics and running chatter, read from the TOML files in ``corpus/``."""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = [
    "CONDITIONS", "UNKNOWN", "LABELS", "corpus_dir", "Condition", "Fact", "OutOfScopeTopic",
    "load_conditions", "load_out_of_scope", "load_context", "file_sha256",
]

CONDITIONS = ("calf_strain", "achilles_tendinitis", "compartment_syndrome", "muscle_cramp")
UNKNOWN = "unknown"
LABELS = CONDITIONS + (UNKNOWN,)


def corpus_dir() -> Path:
    """The ``corpus/`` directory (``CALFCHECK_CORPUS`` overrides it)."""
    env = os.environ.get("CALFCHECK_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "corpus"


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
    phrases: dict[str, list[str]] = field(hash=False, compare=False)
    templates: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    # the generator's per-condition slot probabilities (override ``generate.SLOT_P``)
    slot_p: dict[str, float] = field(default_factory=dict, hash=False, compare=False)

    def fact(self, aspect: str) -> Fact | None:
        return next((f for f in self.facts if f.aspect == aspect), None)


@dataclass(frozen=True)
class OutOfScopeTopic:
    id: str
    reason: str
    cues: tuple[str, ...]
    phrases: tuple[str, ...]


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read corpus file {path}: {exc}. Restore it from git.") from exc


@lru_cache(maxsize=4)
def load_conditions(root: Path | None = None) -> dict[str, Condition]:
    """The four conditions keyed by label, from ``corpus/conditions/<label>.toml``."""
    root = root or corpus_dir()
    out = {}
    for label in CONDITIONS:
        data = _read(root / "conditions" / f"{label}.toml")
        if data.get("id") != label:
            raise ValueError(f"{root}/conditions/{label}.toml has id {data.get('id')!r}, expected {label!r}.")
        out[label] = Condition(
            id=label, name=data["name"], plain_name=data["plain_name"],
            default_triage=data["default_triage"],
            facts=tuple(Fact(**f) for f in data["facts"]), phrases=data["phrases"],
            templates=data.get("templates", {}), slot_p=data.get("slot_p", {}),
        )
    return out


@lru_cache(maxsize=4)
def load_out_of_scope(root: Path | None = None) -> tuple[OutOfScopeTopic, ...]:
    data = _read((root or corpus_dir()) / "out_of_scope.toml")
    return tuple(
        OutOfScopeTopic(t["id"], t["reason"], tuple(t["cues"]), tuple(t["phrases"])) for t in data["topics"]
    )


@lru_cache(maxsize=4)
def load_context(root: Path | None = None) -> dict[str, list[str]]:
    return _read((root or corpus_dir()) / "context.toml")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
