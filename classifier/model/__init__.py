"""The model layer: the fitted pipeline (spaCy normaliser → TF-IDF → logistic regression), its
``Prediction`` and the explanation of an answer.

``config`` holds the settings and imports nothing heavy; the rest is imported on first use, so
reading ``ModelConfig`` does not import scikit-learn.
"""

from importlib import import_module

from classifier.model.config import ModelConfig

_LAZY = {"Model": "predict", "Prediction": "predict", "EmptyTextError": "predict", "build_pipeline": "predict",
         "decide": "predict", "explain": "explain", "Explanation": "explain"}

__all__ = ["ModelConfig", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"classifier.model.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
