"""`fused-affect@1`: a recording's voice, words and faces → one fused emotion timeline.

For a video: its sound goes to the speech analyzer (``speech-affect``: speech segments, the
voice's emotion, an English transcript and the words' emotion and polarity) and its frames to the
face analyzer (``face-expression``: every face, every second); `affectkit.fusion.fuse` puts both
on one time axis and fuses each window. For an audio file: the voice and the words.

The fused result (modality ``fused``) has a part per window, and keeps each modality's own
result in ``raw["inputs"]`` (their JSON form), so nothing a single analyzer found is lost. A
modality that cannot be read (a video without sound, a recording without a face) drops out with
its reason in ``raw["missing"]``; where none can be read, the result is an error with both
reasons.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.fusion.fuse import fuse
from affectkit.fusion.late import LateFusion
from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.media import analyze_each, error_for
from affectkit.results import FLAG_EMPTY, FLAG_ERROR, AffectResult

NAME = "fused-affect@1"
INPUTS = ("video", "audio")


class MultimodalAnalyzer:
    """An `Analyzer` over recordings: the speech and face analyzers (registry names, loaded
    on first use with `options`, or analyzers), then `fuse` with `method` per `width` s."""

    modality = "fused"
    inputs = INPUTS
    languages = ("en",)  # the transcript is English; the voice and faces are any language

    def __init__(
        self,
        name: str = NAME,
        speech: Any = "speech-affect",
        face: Any = "face-expression",
        method=None,
        width: float = 1.0,
        options: dict[str, Any] | None = None,
    ) -> None:
        if not width > 0:
            raise InvalidInputError(f"window must be positive seconds. Got {width!r}.")
        self.name = name
        self.labels = EMOTIONS
        self.method = method or LateFusion(EMOTIONS)
        self.width = float(width)
        self._names = {"speech": speech, "face": face}  # registry names or analyzers
        self._options = dict(options or {})
        self._analyzers: dict[str, Any] = {
            k: v for k, v in self._names.items() if not isinstance(v, str)
        }
        self._lock = threading.Lock()

    def analyzer(self, which: str):
        if which not in self._analyzers:
            self._analyzers[which] = registry.load(self._names[which], **self._options)
        return self._analyzers[which]

    def load(self) -> None:
        for which in self._names:
            loader = getattr(self.analyzer(which), "load", None)
            if loader is not None:
                loader()

    def run(self, source: Input) -> AffectResult:
        kinds = ("speech", "face") if source.kind == "video" else ("speech",)
        found: dict[str, AffectResult] = {}
        missing: dict[str, str] = {}
        for which in kinds:
            r = self.analyzer(which).analyze([source])[0]
            if FLAG_ERROR in r.flags or FLAG_EMPTY in r.flags:
                missing[which] = str(r.raw.get("error") or r.raw.get("reason") or r.label)
            found[which] = r
        usable = [r for w, r in found.items() if w not in missing]
        if not usable:
            why = "; ".join(f"{w}: {m}" for w, m in missing.items())
            return error_for(f"nothing to fuse in this {source.kind} ({why})", self.name, "fused")
        fused = fuse(usable, self.method, self.width)
        language = next((r.language for r in usable if r.language), None)  # the transcript's
        raw = dict(fused.raw) | {
            "inputs": {w: r.to_dict() for w, r in found.items()},
            "missing": missing,
        }
        return replace(fused, model=self.name, raw=raw, language=language,
                       parts=tuple(replace(p, model=self.name) for p in fused.parts))  # fmt: skip

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One fused timeline per recording: `Input`s of kind video or audio, or file paths."""
        return analyze_each(batch, self.run, model=self.name, modality="fused",
                            default_kind="video", lock=self._lock)  # fmt: skip


def load(**options: Any) -> MultimodalAnalyzer:
    """`fused-affect@1` with the default late fusion; ``window`` (seconds, default 1) sets the
    fused timeline's step; other options go to the speech and face analyzers."""
    width = options.pop("window", 1.0)
    try:
        width = float(width)
    except (TypeError, ValueError):
        raise InvalidInputError(f"window must be a number of seconds. Got {width!r}.") from None
    return MultimodalAnalyzer(width=width, options=options)
