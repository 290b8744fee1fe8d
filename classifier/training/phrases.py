"""The generator's sources in ``corpus/`` (checkout only): per-condition phrase banks, out-of-scope
phrasings and running chatter (``context.toml``). Nothing at run time reads them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from classifier.facts import CONDITIONS, read_toml

__all__ = ["corpus_dir", "PhraseBank", "load_phrase_banks", "load_out_of_scope_phrases", "load_context"]


def corpus_dir() -> Path:
    """The checkout's ``corpus/`` directory (``CALFCHECK_CORPUS`` overrides it)."""
    env = os.environ.get("CALFCHECK_CORPUS")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "corpus"
    if not path.is_dir():
        raise FileNotFoundError(f"No corpus directory at {path}: generating and evaluating need a checkout of "
                                "calfcheck (or set CALFCHECK_CORPUS).")
    return path


@dataclass(frozen=True)
class PhraseBank:
    id: str
    phrases: dict[str, list[str]] = field(hash=False, compare=False)
    templates: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    # the generator's per-condition slot probabilities (override ``generate.SLOT_P``)
    slot_p: dict[str, float] = field(default_factory=dict, hash=False, compare=False)


@cache
def load_phrase_banks() -> dict[str, PhraseBank]:
    """Each condition's phrase bank, from ``corpus/conditions/<label>.toml``."""
    out = {}
    for label in CONDITIONS:
        path = corpus_dir() / "conditions" / f"{label}.toml"
        data = read_toml(path)
        if data.get("id") != label:
            raise ValueError(f"{path} has id {data.get('id')!r}, expected {label!r}.")
        out[label] = PhraseBank(label, data["phrases"], data.get("templates", {}), data.get("slot_p", {}))
    return out


@cache
def load_out_of_scope_phrases() -> dict[str, tuple[str, ...]]:
    """Lay phrasings per out-of-scope topic id (``corpus/out_of_scope.toml``)."""
    return {t["id"]: tuple(t["phrases"]) for t in read_toml(corpus_dir() / "out_of_scope.toml")["topics"]}


@cache
def load_context() -> dict[str, list[str]]:
    return read_toml(corpus_dir() / "context.toml")
