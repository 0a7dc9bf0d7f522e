"""The result contract every analyzer returns, and the analyzer protocol.

An `AffectResult` is the only thing fusion, storage, the CLI and the HTTP API ever see, so they
never care which model produced it. Its JSON form (`to_dict`) carries `schema_version`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

SCHEMA_VERSION = "1"

# Flags a result may carry (in `AffectResult.flags`).
FLAG_EMPTY = "empty"  # nothing to analyse (empty, whitespace, punctuation only)
FLAG_UNSUPPORTED = "unsupported"  # language no analyzer covers; label is "unsupported"
FLAG_UNCERTAIN = "uncertain"  # confidence below the model's documented threshold
FLAG_CHUNKED = "chunked"  # input longer than the model's window, aggregated over chunks
FLAG_NO_EVIDENCE = "no_evidence"  # a lexicon found no sentiment-bearing word
FLAG_ERROR = "error"  # the input was invalid; `raw["error"]` says why (label "error")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing that drove a decision: a word and its weight, a token attribution, a box.

    `start`/`end` are character offsets into the analysed text (or seconds, for audio).
    `weight` is signed: > 0 pushes towards positive/the label, < 0 away from it.
    `note` says which rules changed the weight (e.g. ``"negated"``, ``"boosted x1.3"``).
    """

    text: str
    weight: float
    start: int | None = None
    end: int | None = None
    kind: str = "lexicon"
    label: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "weight": round(self.weight, 4),
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "label": self.label,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class AffectResult:
    """The analysis of one input.

    - `label`, `confidence`: the top canonical emotion (or polarity, for sentiment-only models)
      and its probability; `uncertain` is True when `confidence` is below the model's threshold.
    - `emotions`: probabilities over `labels.EMOTIONS` (sum to 1) or None.
    - `polarity`: probabilities over `labels.POLARITIES` (sum to 1) or None; `score` in [-1, 1].
    - `valence`, `arousal` in [-1, 1] or None.
    - `raw`: the model's own labels and scores; `evidence`: what drove the decision.
    - `modality`, `model` (registry name with version), `language`, `span`.
    - `flags`: see the FLAG_* constants.
    """

    label: str
    confidence: float
    model: str
    modality: str = "text"
    uncertain: bool = False
    emotions: Mapping[str, float] | None = None
    polarity: Mapping[str, float] | None = None
    score: float | None = None
    valence: float | None = None
    arousal: float | None = None
    language: str | None = None
    span: tuple[float, float] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (floats rounded to 4 places, NaN never appears)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "label": self.label,
            "confidence": _r(self.confidence),
            "uncertain": self.uncertain,
            "emotions": _rd(self.emotions),
            "polarity": _rd(self.polarity),
            "score": _r(self.score),
            "valence": _r(self.valence),
            "arousal": _r(self.arousal),
            "language": self.language,
            "span": list(self.span) if self.span is not None else None,
            "modality": self.modality,
            "model": self.model,
            "raw": _json_safe(self.raw),
            "evidence": [e.to_dict() for e in self.evidence],
            "flags": list(self.flags),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AffectResult:
        """Inverse of `to_dict` (up to rounding)."""
        span = d.get("span")
        return cls(
            label=d["label"],
            confidence=d["confidence"],
            model=d["model"],
            modality=d.get("modality", "text"),
            uncertain=d.get("uncertain", False),
            emotions=d.get("emotions"),
            polarity=d.get("polarity"),
            score=d.get("score"),
            valence=d.get("valence"),
            arousal=d.get("arousal"),
            language=d.get("language"),
            span=tuple(span) if span is not None else None,
            raw=d.get("raw") or {},
            evidence=tuple(Evidence(**e) for e in d.get("evidence", ())),
            flags=tuple(d.get("flags", ())),
        )


def _r(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else round(x, 4)


def _rd(d: Mapping[str, float] | None) -> dict[str, float] | None:
    return None if d is None else {k: _r(v) for k, v in d.items()}


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float):
        return _r(obj)
    if hasattr(obj, "item"):  # numpy scalar
        return _json_safe(obj.item())
    return obj


@runtime_checkable
class Analyzer(Protocol):
    """What every analyzer is: a name, what it covers, and `analyze(batch)`.

    Third-party analyzers fit by having these attributes; no subclassing needed.
    `analyze` takes a sequence and returns one result per input, in order; an empty sequence
    gives an empty list. Inputs that cannot be analysed give a flagged result, not an exception,
    unless the input is of the wrong type altogether.
    """

    name: str  # registry name with version, e.g. "lexicon-en@1"
    modality: str  # "text", "speech", "face"
    languages: tuple[str, ...]  # ISO codes, or ("*",) for language-independent models

    def analyze(self, batch: Sequence[Any]) -> list[AffectResult]: ...
