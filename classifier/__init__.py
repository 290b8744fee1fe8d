"""calfcheck: which calf condition does a runner's description sound like, and why.

Not a diagnosis. Model files are pickles: load only models you built or trust.
"""

from importlib import import_module

from classifier.facts import CONDITIONS, LABELS, UNKNOWN

# Imported on first use (PEP 562), so `calfcheck --help` or a parent process that only hands work to
# worker processes does not pay for importing scikit-learn.
_LAZY = {"load_model": "storage", "save_model": "storage", "ModelVersionError": "storage",
         "EmptyTextError": "model", "Model": "model", "ModelConfig": "model", "Prediction": "model",
         "ensure_default_model": "training.train"}

__all__ = ["ensure_default_model", "load_model", "save_model", "Model", "ModelConfig", "Prediction", "ModelVersionError",
           "EmptyTextError", "LABELS", "CONDITIONS", "UNKNOWN"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"classifier.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
