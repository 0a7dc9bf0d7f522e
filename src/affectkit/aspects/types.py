"""What aspect-based analysis returns: the aspects a text talks about, each with its span, the
sentiment towards it and the words that carried that sentiment.

Plain dataclasses with ``to_dict`` in the shape of the CLI's and the API's JSON
(``{"id", "aspects": [{"term", "from", "to", "polarity", "confidence", "evidence"}]}``), so the
report, the service and the dashboard share one shape. No torch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

POLARITIES = ("negative", "neutral", "positive")
MAX_TEXT_CHARS = 20_000  # the longest text aspect analysis accepts


@dataclass(frozen=True)
class Evidence:
    """A word of the text that pushed the aspect's polarity, its character span and weight
    (its share of the attribution towards the predicted polarity, 0..1)."""

    word: str
    start: int
    end: int
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "from": self.start,
            "to": self.end,
            "weight": round(self.weight, 4),
        }


@dataclass(frozen=True)
class Aspect:
    """One aspect term: ``text[start:end] == term``; `scores` maps each of `POLARITIES` to its
    probability; `confidence` is the chosen polarity's probability; `extracted` is False when
    the caller gave the term (``--given-aspects``)."""

    term: str
    start: int
    end: int
    polarity: str
    confidence: float
    scores: dict[str, float]
    evidence: tuple[Evidence, ...] = ()
    extracted: bool = True
    term_confidence: float | None = None  # the extractor's mean tag probability over the span

    @property
    def valence(self) -> float:
        """p(positive) - p(negative), in [-1, 1]."""
        return float(self.scores.get("positive", 0.0) - self.scores.get("negative", 0.0))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "term": self.term,
            "from": self.start,
            "to": self.end,
            "polarity": self.polarity,
            "confidence": round(self.confidence, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.term_confidence is not None:
            out["term_confidence"] = round(self.term_confidence, 4)
        return out


@dataclass(frozen=True)
class TextAspects:
    """A text and the aspects found in (or given for) it, in text order; an empty tuple when the
    text names none (not an error)."""

    text: str
    aspects: tuple[Aspect, ...]
    language: str
    id: str | int | None = None
    model: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id} if self.id is not None else {}
        out.update(
            {
                "text": self.text,
                "language": self.language,
                "aspects": [a.to_dict() for a in self.aspects],
                "model": self.model,
            }
        )
        return out


def check_terms(text: str, aspects: Any) -> list[tuple[int, int]]:
    """The ``(from, to)`` spans of given aspects (``[{"term", "from", "to"}]``), in their order;
    one-line `InvalidInputError` unless each names its characters: ``text[from:to] == term``."""
    from affectkit.errors import InvalidInputError

    if not isinstance(aspects, list):
        raise InvalidInputError(
            f'"aspects" must be a list of {{"term", "from", "to"}}, got {type(aspects).__name__}'
        )
    spans = []
    for i, a in enumerate(aspects, start=1):
        if not isinstance(a, dict) or not isinstance(a.get("term"), str):
            raise InvalidInputError(f'aspect {i} is not {{"term", "from", "to"}}')
        start, end, term = a.get("from"), a.get("to"), a["term"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            raise InvalidInputError(
                f'aspect {i} ({term[:40]!r}): "from" and "to" must be character offsets'
            )
        if not 0 <= start < end <= len(text):
            raise InvalidInputError(
                f"aspect {i} ({term[:40]!r}): {start}..{end} is not a span of the text "
                f"({len(text)} characters)"
            )
        if text[start:end] != term:
            raise InvalidInputError(
                f"aspect {i}: the text at {start}..{end} is {text[start:end][:40]!r}, not "
                f"{term[:40]!r} (offsets count characters, from 0)"
            )
        spans.append((start, end))
    return spans
