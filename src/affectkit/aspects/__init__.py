"""Aspect-based sentiment: the aspects a text talks about (terms found in it, with spans) and
the sentiment towards each, with the words that carried it; English and Chinese.

- `types`: `Aspect`, `Evidence`, `TextAspects` (no torch).
- `analyzer`: `AspectAnalyzer` (the trained model `aspect-sentiment@1`: one fine-tuned
  multilingual encoder that tags aspect terms and classifies the sentiment towards each) and
  `analyze_aspects`, the entry point the CLI, the service and the review report use.

See docs/aspects.md.
"""

from __future__ import annotations

from typing import Any

from affectkit.aspects.types import POLARITIES, Aspect, Evidence, TextAspects

__all__ = ["POLARITIES", "Aspect", "AspectAnalyzer", "Evidence", "TextAspects", "analyze_aspects"]


def __getattr__(name: str) -> Any:  # torch-side names load on first use
    if name in ("AspectAnalyzer", "analyze_aspects", "load_model"):
        from affectkit.aspects import analyzer

        return getattr(analyzer, name)
    raise AttributeError(name)
