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
from affectkit.inputs import Input
from affectkit.protocols import Analyzer, ProbabilisticModel
from affectkit.results import SCHEMA_VERSION, AffectResult, Box, Evidence, Span

__version__ = "0.1.0"


def __getattr__(name: str):
    # analyze_conversation lives a floor above the façade (affectkit.conversation) and needs
    # numpy: imported on first use, so `import affectkit` stays light.
    if name == "analyze_conversation":
        from affectkit.conversation import analyze_conversation

        return analyze_conversation
    raise AttributeError(f"module 'affectkit' has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "AffectError",
    "AffectResult",
    "Analyzer",
    "BackendMissingError",
    "Box",
    "DataFormatError",
    "Evidence",
    "Input",
    "InvalidInputError",
    "ModelLoadError",
    "ModelNotFoundError",
    "ProbabilisticModel",
    "Span",
    "__version__",
    "analyze",
    "analyze_conversation",
    "analyze_one",
    "get_analyzer",
    "list_models",
]
