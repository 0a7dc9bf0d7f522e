"""The result contract every analyzer returns, whatever the modality.

An `AffectResult` is the only thing fusion, storage, the CLI and the HTTP API ever see, so they
never care which model produced it. Its JSON form (`to_dict`) carries `schema_version`.

Where a result or a piece of evidence sits in its input is a `Span` with a unit: character
offsets into a text, seconds into an audio or video, or frame numbers; on an image or a video
frame it may also have a `Box`. Schema version 2 added `span_unit` and `box` to the JSON of
results and `unit` and `box` to evidence; every version-1 field is still there with the same
meaning, and `from_dict` reads both versions. Version 3 added `parts`: the results a whole-input
result summarises (the speech segments of an audio, the faces of an image, the seconds of a
video), each a full result with its own span or box.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "3"

# Units of a `Span`: character offsets into a text, seconds into an audio or video, frame
# numbers of a video.
SPAN_UNITS: tuple[str, ...] = ("chars", "seconds", "frames")

# Flags a result may carry (in `AffectResult.flags`).
FLAG_EMPTY = "empty"  # nothing to analyse (empty, whitespace, punctuation only)
FLAG_UNSUPPORTED = "unsupported"  # language no analyzer covers; label is "unsupported"
FLAG_UNCERTAIN = "uncertain"  # confidence below the model's documented threshold
FLAG_CHUNKED = "chunked"  # input longer than the model's window, aggregated over chunks
FLAG_NO_EVIDENCE = "no_evidence"  # a lexicon found no sentiment-bearing word
FLAG_ERROR = "error"  # the input was invalid; `raw["error"]` says why (label "error")


@dataclass(frozen=True, slots=True)
class Span:
    """Where in its input something lies: ``[start, end)`` in `unit` (one of `SPAN_UNITS`)."""

    start: float
    end: float
    unit: str = "chars"

    def __post_init__(self) -> None:
        if self.unit not in SPAN_UNITS:
            raise ValueError(f"Span unit must be one of {SPAN_UNITS}. Got {self.unit!r} instead.")
        if not self.end >= self.start:
            raise ValueError(f"A span ends at or after its start. Got {self.start}..{self.end}.")

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on an image or video frame, in pixels from its top-left corner."""

    x: float
    y: float
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError(f"A box has a non-negative size. Got {self.width}x{self.height}.")

    def to_dict(self) -> dict[str, float]:
        return {
            "x": _r(self.x),
            "y": _r(self.y),
            "width": _r(self.width),
            "height": _r(self.height),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Box:
        return cls(d["x"], d["y"], d["width"], d["height"])


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing that drove a decision: a word and its weight, a token attribution, a box.

    `start`/`end` are offsets into the input in `unit`: character offsets into the analysed text
    (the default), seconds into an audio, frame numbers of a video. `box` places it on an image.
    `weight` is signed: > 0 pushes towards positive/the label, < 0 away from it.
    `note` says which rules changed the weight (e.g. ``"negated"``, ``"boosted x1.3"``).
    `text` names the thing: the word for text, a description (``"face 1"``) otherwise.
    """

    text: str
    weight: float
    start: float | None = None
    end: float | None = None
    kind: str = "lexicon"
    label: str | None = None
    note: str | None = None
    unit: str = "chars"
    box: Box | None = None

    @property
    def span(self) -> Span | None:
        if self.start is None or self.end is None:
            return None
        return Span(self.start, self.end, self.unit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "weight": _r(self.weight),
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "label": self.label,
            "note": self.note,
            "unit": self.unit,
            "box": None if self.box is None else self.box.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Evidence:
        box = d.get("box")
        fields = {k: d[k] for k in ("start", "end", "kind", "label", "note", "unit") if k in d}
        return cls(
            d["text"], d["weight"], **fields, box=None if box is None else Box.from_dict(box)
        )


@dataclass(frozen=True, slots=True)
class AffectResult:
    """The analysis of one input.

    - `label`, `confidence`: the top canonical emotion (or polarity, for sentiment-only models)
      and its probability; `uncertain` is True when `confidence` is below the model's threshold.
    - `emotions`: probabilities over `labels.EMOTIONS` (sum to 1) or None.
    - `polarity`: probabilities over `labels.POLARITIES` (sum to 1) or None; `score` in [-1, 1].
    - `valence`, `arousal` in [-1, 1] or None.
    - `raw`: the model's own labels and scores; `evidence`: what drove the decision.
    - `modality`, `model` (registry name with version), `language`.
    - `span`: where in the input the result applies (a segment of an audio, a chunk), or None
      for the whole input; a plain ``(start, end)`` pair is read as character offsets.
      `box`: where on an image or frame (a face), or None.
    - `flags`: see the FLAG_* constants.
    - `parts`: the results this one summarises, in input order (the speech segments of an
      audio, the faces of an image), each with its own span or box; empty for a text.
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
    span: Span | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    flags: tuple[str, ...] = ()
    box: Box | None = None
    parts: tuple[AffectResult, ...] = ()

    def __post_init__(self) -> None:
        if self.span is not None and not isinstance(self.span, Span):
            start, end = self.span
            object.__setattr__(self, "span", Span(start, end))

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
            "span": [self.span.start, self.span.end] if self.span is not None else None,
            "span_unit": self.span.unit if self.span is not None else None,
            "box": None if self.box is None else self.box.to_dict(),
            "modality": self.modality,
            "model": self.model,
            "raw": _json_safe(self.raw),
            "evidence": [e.to_dict() for e in self.evidence],
            "flags": list(self.flags),
            "parts": [_part_dict(p) for p in self.parts],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AffectResult:
        """Inverse of `to_dict` (up to rounding); reads schema versions 1 to 3."""
        span, box = d.get("span"), d.get("box")
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
            span=None if span is None else Span(span[0], span[1], d.get("span_unit") or "chars"),
            raw=d.get("raw") or {},
            evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
            flags=tuple(d.get("flags", ())),
            box=None if box is None else Box.from_dict(box),
            parts=tuple(cls.from_dict(p) for p in d.get("parts") or ()),
        )


def unsupported_result(model: str, language: str, why: str, modality: str = "text") -> AffectResult:
    """The result of an input no analyzer covers (a language, or a kind with no model)."""
    return AffectResult(
        label="unsupported",
        confidence=0.0,
        model=model,
        modality=modality,
        uncertain=True,
        language=language,
        raw={"reason": why},
        flags=(FLAG_UNSUPPORTED,),
    )


def error_result(message: str, model: str) -> AffectResult:
    """The result of an invalid input: label ``error``, ``raw["error"]`` says why."""
    return AffectResult(
        label="error",
        confidence=0.0,
        model=model,
        uncertain=True,
        raw={"error": message},
        flags=(FLAG_ERROR,),
    )


def _part_dict(part: AffectResult) -> dict[str, Any]:
    d = part.to_dict()
    del d["schema_version"]  # the whole result carries it once
    return d


def _r(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, 4) if math.isfinite(x) else None  # JSON has no NaN or infinity


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
