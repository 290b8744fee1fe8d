"""The model's settings (kept apart from ``model`` so reading them does not import scikit-learn)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    C: float = 4.0
    min_df: int = 2
    ngram_max: int = 2
    negation: bool = True
    lemmatize: bool = True
    unknown_threshold: float = 0.45
    max_iter: int = 2000
