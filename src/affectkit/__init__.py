"""affectkit: offline-first sentiment and emotion analysis with evidence.

>>> import affectkit
>>> affectkit.analyze(["I love this!", "这家酒店太差了"])[0].label
'positive'

Importing affectkit loads no model and prints nothing.
"""

from affectkit.api import analyze, analyze_one, get_analyzer, list_models
from affectkit.errors import (
    AffectError,
    BackendMissingError,
    DataFormatError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
)
from affectkit.results import SCHEMA_VERSION, AffectResult, Analyzer, Evidence

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "AffectError",
    "AffectResult",
    "Analyzer",
    "BackendMissingError",
    "DataFormatError",
    "Evidence",
    "InvalidInputError",
    "ModelLoadError",
    "ModelNotFoundError",
    "__version__",
    "analyze",
    "analyze_one",
    "get_analyzer",
    "list_models",
]
