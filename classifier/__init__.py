"""calfcheck: which calf condition does a runner's description sound like, and why.

Not a diagnosis. Model files are pickles: load only models you built or trust.
"""

from .artifact import ModelVersionError, load_model, save_model
from .facts import CONDITIONS, LABELS, UNKNOWN
from .model import EmptyTextError, Model, ModelConfig, Prediction

__all__ = ["load_model", "save_model", "Model", "ModelConfig", "Prediction", "ModelVersionError",
           "EmptyTextError", "LABELS", "CONDITIONS", "UNKNOWN"]
__version__ = "0.1.0"
