"""Results of every modality on one time axis.

An analyzer's result becomes `Observation`s: what one modality said about one stretch of time,
as a canonical emotion distribution (and a polarity distribution where the modality gives one),
with its confidence. Then `windows` cuts the time axis into equal windows and gives, for each
window and modality, the overlap-weighted mean of the observations that touch it.

Where the observations come from:

- a speech result (``speech-emotion``, ``speech-affect``): each speech segment is a **voice**
  observation; its transcript's text result (``raw["text"]``, where there is one) a **words**
  observation over the same seconds;
- a video's face result: each face's per-second parts are **face** observations (several faces in
  one second are averaged);
- a text result with a span in seconds (a turn of a dialogue, a subtitle): a **words**
  observation; a fused result: its windows, as **fused** observations.

Results without seconds (a photo, a text without times) give no observation: there is no time
axis to put them on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from affectkit.labels import EMOTIONS, POLARITIES
from affectkit.results import FLAG_EMPTY, FLAG_ERROR, AffectResult

MODALITIES = ("voice", "words", "face")  # the channels of a recording, in this order


@dataclass(frozen=True)
class Observation:
    """One modality's judgement of ``[start, end)`` seconds."""

    modality: str
    start: float
    end: float
    emotions: np.ndarray | None  # over `EMOTIONS`
    polarity: np.ndarray | None  # over `POLARITIES`
    source: str = ""  # the model (and face or speaker) it came from

    @property
    def confidence(self) -> float:
        dist = self.emotions if self.emotions is not None else self.polarity
        return float(dist.max()) if dist is not None else 0.0


def _vector(dist: Mapping[str, float] | None, names: Sequence[str]) -> np.ndarray | None:
    if not dist or not all(n in dist for n in names):
        return None
    v = np.array([float(dist[n]) for n in names])
    total = v.sum()
    return v / total if total > 0 else None


def _seconds(r: AffectResult) -> tuple[float, float] | None:
    if r.span is None or r.span.unit != "seconds" or r.span.end <= r.span.start:
        return None
    return float(r.span.start), float(r.span.end)


def _observe(modality: str, span: tuple[float, float], emotions, polarity,
             source: str) -> Observation:  # fmt: skip
    return Observation(modality, *span, _vector(emotions, EMOTIONS),
                       _vector(polarity, POLARITIES), source)  # fmt: skip


def observations(result: AffectResult) -> list[Observation]:
    """The observations in `result` (see the module's docstring)."""
    if FLAG_ERROR in result.flags or FLAG_EMPTY in result.flags:
        return []
    out: list[Observation] = []
    if result.modality == "speech":
        for part in result.parts:
            span = _seconds(part)
            if span is None:
                continue
            speaker = part.raw.get("speaker", "")
            out.append(_observe("voice", span, part.emotions, part.polarity,
                                f"{part.model} {speaker}".strip()))  # fmt: skip
            text = part.raw.get("text")
            if text and (text.get("emotions") or text.get("polarity")):
                out.append(_observe("words", span, text.get("emotions"), text.get("polarity"),
                                    str(text.get("model", ""))))  # fmt: skip
    elif result.modality == "face":
        for face in result.parts:
            for second in face.parts:
                span = _seconds(second)
                if span is not None:
                    source = f"{second.model} {second.raw.get('face', '')}".strip()
                    out.append(_observe("face", span, second.emotions, second.polarity, source))
    elif result.modality == "fused":
        for part in result.parts:
            span = _seconds(part)
            if span is not None:
                out.append(_observe("fused", span, part.emotions, part.polarity, part.model))
    else:
        span = _seconds(result)
        if span is not None:
            out.append(_observe("words", span, result.emotions, result.polarity, result.model))
    return [o for o in out if o.emotions is not None or o.polarity is not None]


@dataclass
class Window:
    """``[start, end)`` seconds and, per modality present, the mean distributions there."""

    start: float
    end: float
    emotions: dict[str, np.ndarray]
    polarity: dict[str, np.ndarray]
    coverage: dict[str, float]  # the share of the window each modality's observations cover
    sources: dict[str, list[str]]


def windows(
    observed: Iterable[Observation], width: float = 1.0, end: float | None = None
) -> list[Window]:
    """Windows of `width` seconds from 0 to `end` (default: the last observation's end), each
    with the overlap-weighted mean of every modality's observations; windows where no modality
    has anything are left out."""
    if not width > 0:
        raise ValueError(f"width must be positive seconds. Got {width!r}.")
    obs = sorted(observed, key=lambda o: o.start)
    if not obs:
        return []
    stop = max(o.end for o in obs) if end is None else end
    count = max(1, int(np.ceil(stop / width - 1e-9)))
    out = []
    for i in range(count):
        a, b = i * width, min((i + 1) * width, stop)
        if b <= a:
            continue
        sums: dict[str, dict[str, list]] = {}
        covered: dict[str, float] = {}
        for o in obs:
            if o.start >= b:
                break
            overlap = min(b, o.end) - max(a, o.start)
            if overlap <= 0:
                continue
            acc = sums.setdefault(o.modality, {"emotions": [], "polarity": [], "sources": []})
            if o.emotions is not None:
                acc["emotions"].append((overlap, o.emotions))
            if o.polarity is not None:
                acc["polarity"].append((overlap, o.polarity))
            if o.source and o.source not in acc["sources"]:
                acc["sources"].append(o.source)
            covered[o.modality] = covered.get(o.modality, 0.0) + overlap
        if not sums:
            continue
        w = Window(a, b, {}, {}, {}, {})
        for m, acc in sums.items():
            for key in ("emotions", "polarity"):
                if acc[key]:
                    weights = np.array([x for x, _ in acc[key]])
                    mean = (weights[:, None] * np.stack([d for _, d in acc[key]])).sum(0)
                    getattr(w, key)[m] = mean / mean.sum()
            # several faces (or overlapping segments) may together cover more than the window
            w.coverage[m] = min(1.0, covered[m] / (b - a))
            w.sources[m] = acc["sources"]
        out.append(w)
    return out


def duration(results: Sequence[AffectResult]) -> float | None:
    """The longest whole-input span in seconds among `results` (a recording's length)."""
    ends = [s[1] for r in results if (s := _seconds(r)) is not None]
    return max(ends) if ends else None
