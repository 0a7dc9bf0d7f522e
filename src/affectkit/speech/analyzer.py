"""The speech analyzers the registry loads.

- `speech-emotion@1`: the voice only. Each audio (or video's sound) → its speech segments
  with their acoustic emotion, summarised over the recording; a clip is one or two segments.
- `speech-affect@1`: the voice and the words. The same timeline, plus an English transcript
  per segment (Whisper tiny.en) read by the English text analyzer (``text-affect-en``, or the
  lexicon where the trained text models are absent); the default for audio inputs.

An input that cannot be used (not audio, corrupt, too long) gives an ``error`` result with a
one-line reason; the rest of the batch goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError
from affectkit.media import analyze_each
from affectkit.results import AffectResult
from affectkit.speech.audio import AudioLimits
from affectkit.speech.emotion import SpeechEmotionModel
from affectkit.speech.timeline import PipelineOptions, SpeechPipeline

INPUTS = ("audio", "video")


class SpeechAnalyzer:
    """An `Analyzer` over audio inputs, running a `SpeechPipeline` per input."""

    modality = "speech"
    inputs = INPUTS

    def __init__(
        self,
        name: str,
        model: SpeechEmotionModel,
        *,
        transcribe: bool,
        text_model: str | None = None,
        limits: AudioLimits | None = None,
        options: PipelineOptions | None = None,
        threads: int | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.labels = tuple(dict.fromkeys(model.labels))
        self.languages = ("en",) if transcribe else ("*",)
        self._transcribe = transcribe
        self._text_model = text_model
        self._threads = threads or 0
        self._options = options or PipelineOptions(transcribe=transcribe)
        if self._options.transcribe != transcribe:
            self._options = replace(self._options, transcribe=transcribe)
        self._limits = limits or AudioLimits()
        self._pipeline: SpeechPipeline | None = None
        self._lock = threading.Lock()  # one recording at a time: the VAD keeps state

    @classmethod
    def from_pretrained(
        cls, path: str | Path, name: str | None = None, **options: Any
    ) -> SpeechAnalyzer:
        """`speech-emotion` from a model folder (the voice only)."""
        model = SpeechEmotionModel.from_pretrained(path)
        return cls(
            name or model.config.get("name", "speech-emotion@1"),
            model,
            transcribe=False,
            threads=options.get("threads"),
            limits=limits_from(options),
            options=pipeline_options(options),
        )

    def load(self) -> None:
        """Load everything now (encoder, VAD, transcriber, text model), not at the first input."""
        self.pipeline.vad  # noqa: B018
        self.model.encoder  # noqa: B018

    @property
    def pipeline(self) -> SpeechPipeline:
        if self._pipeline is None:
            transcriber = text = None
            if self._transcribe:
                from affectkit import registry
                from affectkit.speech.transcribe import Transcriber

                transcriber = Transcriber(threads=self._threads)
                name = self._text_model or registry.default_model("text", "en")
                text = registry.load(name) if name else None
            self._pipeline = SpeechPipeline(
                self.model, self.name, transcriber, text, self._options, self._limits
            )
        return self._pipeline

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One timeline per input: `Input`s of kind audio or video, or file paths."""
        return analyze_each(
            batch, lambda source: self.pipeline.run(source), model=self.name,
            modality="speech", default_kind="audio", lock=self._lock,
        )  # fmt: skip


def pipeline_options(options: dict[str, Any]) -> PipelineOptions:
    """Pipeline options from load options: ``speakers`` (how many people speak)."""
    speakers = options.get("speakers")
    try:
        return PipelineOptions(speakers=1 if speakers is None else int(speakers))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"speakers: {exc}") from None


def limits_from(options: dict[str, Any]) -> AudioLimits:
    """Audio limits from load options: ``max_audio_seconds`` (absent: the default)."""
    seconds = options.get("max_audio_seconds")
    if seconds is None:
        return AudioLimits()
    try:
        return AudioLimits(max_seconds=float(seconds))
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"max_audio_seconds must be a positive number of seconds. Got {seconds!r}."
        ) from None


def load_affect(**options: Any) -> SpeechAnalyzer:
    """`speech-affect@1`: the shipped speech-emotion head + transcription + English text."""
    from affectkit.speech.catalog import MODEL_DIR

    model = SpeechEmotionModel.from_pretrained(MODEL_DIR)
    return SpeechAnalyzer(
        "speech-affect@1",
        model,
        transcribe=True,
        threads=options.get("threads"),
        limits=limits_from(options),
        options=pipeline_options(options),
    )


def load_emotion(**options: Any) -> SpeechAnalyzer:
    from affectkit.speech.catalog import MODEL_DIR

    return SpeechAnalyzer.from_pretrained(MODEL_DIR, name="speech-emotion@1", **options)
