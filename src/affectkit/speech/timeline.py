"""One recording → one timeline: speech segments, the voice's emotion, the words and theirs.

`SpeechPipeline` streams an audio (or a video's sound) through voice activity detection,
computes the acoustic emotion of each speech segment as it closes, transcribes each segment's
English speech on its own (Whisper's word times drift over long windows with pauses; a segment
is at most 8 s), tells speakers apart, and analyses each segment's words with a text analyzer.
Memory is bounded by a rolling buffer of audio (about 40 s) plus a few kilobytes per segment,
whatever the length of the recording.

The result is one `AffectResult` for the whole recording (modality ``speech``; label, emotions
and polarity are the duration-weighted mean over segments) whose `parts` are the segments: each
with its span in seconds, the acoustic emotion, and in `raw` its transcript, speaker and the
text analyzer's reading of its words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from affectkit import deadline
from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.protocols import Analyzer
from affectkit.results import FLAG_EMPTY, FLAG_UNCERTAIN, AffectResult, Evidence, Span
from affectkit.speech import speakers as speakers_mod
from affectkit.speech.audio import SAMPLE_RATE, AudioLimits, AudioStream, open_audio
from affectkit.speech.emotion import SpeechEmotionModel, describe
from affectkit.speech.transcribe import Transcriber, Word, join
from affectkit.speech.vad import Segment, Segmenter, SileroVAD, VADConfig

FLAG_TRUNCATED = "truncated"  # decoding stopped early; the timeline covers what was read
FLAG_ADAPTED = "speaker_adapted"  # per-speaker normalisation was used
UNCERTAIN_BELOW = 0.4


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """What the pipeline does beyond acoustic emotion.

    - `transcribe`: English speech to text, and the text analyzer on each segment's words.
    - `adapt`: ``"auto"`` normalises per speaker when a speaker has at least
      `adapt_min_seconds` of speech in `adapt_min_segments` segments (and the model has an
      adapted head), ``"off"`` never.
    - `speakers`: how many people speak (a two-speaker call: 2); with 1, segments are not
      told apart. How many there are is not guessed (`affectkit.speech.speakers`).
    """

    vad: VADConfig = field(default_factory=VADConfig)
    transcribe: bool = True
    adapt: str = "auto"
    adapt_min_seconds: float = 20.0
    adapt_min_segments: int = 6
    speakers: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.speakers <= 8:
            raise ValueError(f"speakers must be 1 to 8. Got {self.speakers!r}.")
        if self.adapt not in ("auto", "off"):
            raise ValueError(f"adapt must be 'auto' or 'off'. Got {self.adapt!r}.")


@dataclass
class SpeechSegment:
    start: float
    end: float
    vad_probability: float
    probs: np.ndarray  # over the model's raw labels (unadapted)
    pooled: np.ndarray  # for adaptation
    embedding: np.ndarray  # for speaker separation
    words: list[Word] = field(default_factory=list)
    speaker: int = 0
    adapted: np.ndarray | None = None
    text: AffectResult | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def transcript(self) -> str:
        return join(self.words)


class SpeechPipeline:
    """Audio → timeline. Give it the emotion model, and optionally a transcriber and a text
    analyzer (for the words); `name` is what the results say produced them."""

    def __init__(
        self,
        model: SpeechEmotionModel,
        name: str,
        transcriber: Transcriber | None = None,
        text: Analyzer | None = None,
        options: PipelineOptions | None = None,
        limits: AudioLimits | None = None,
        vad: SileroVAD | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.transcriber = transcriber
        self.text = text
        self.options = options or PipelineOptions()
        self.limits = limits or AudioLimits()
        self._vad = vad

    @property
    def vad(self) -> SileroVAD:
        if self._vad is None:
            self._vad = SileroVAD()
        return self._vad

    # -- public ------------------------------------------------------------------------------
    def run(self, source: Input | str | bytes) -> AffectResult:
        """The timeline of one audio or video file, path or upload (`AudioError` if unusable)."""
        stream = open_audio(source, self.limits)
        segments = list(self.segments(stream.chunks()))
        return self.summarise(segments, stream)

    def segments(self, chunks: Iterable[np.ndarray]) -> Iterator[SpeechSegment]:
        """Segments of a stream of 16 kHz mono chunks, each yielded once its words are known
        (acoustic emotion and transcript; speakers, adaptation and text come in `summarise`)."""
        vad = self.vad
        vad.reset()
        seg = Segmenter(self.options.vad)
        # the segmenter holds at most 3 * max_seconds of open speech plus one shaped segment
        buffer = _Rolling(keep=4 * self.options.vad.max_seconds + 5.0)
        for chunk in chunks:
            deadline.check()
            buffer.add(chunk)
            for s in seg.feed(vad.feed(chunk)):
                yield from self._add(s, buffer)
        for s in [*seg.feed(vad.flush()), *seg.finish()]:
            yield from self._add(s, buffer)

    def summarise(
        self, segments: list[SpeechSegment], stream: AudioStream | None = None
    ) -> AffectResult:
        """The whole-recording result with the segments as its parts."""
        opts = self.options
        if len(segments) > 1 and opts.speakers > 1:
            ids = speakers_mod.cluster([s.embedding for s in segments], opts.speakers)
            for s, i in zip(segments, ids):
                s.speaker = i
        adapted = self._adapt(segments)
        if self.text is not None and any(s.words for s in segments):
            said = [(i, s.transcript) for i, s in enumerate(segments) if s.transcript.strip()]
            for (i, _), r in zip(said, self.text.analyze([t for _, t in said])):
                segments[i].text = r
        parts = tuple(self._part(s) for s in segments)
        return self._whole(parts, segments, stream, adapted)

    # -- internals ---------------------------------------------------------------------------
    def _add(self, s: Segment, buffer: _Rolling) -> Iterator[SpeechSegment]:
        end = min(s.end, buffer.end)
        if end - s.start < self.options.vad.min_speech:
            return
        audio = buffer.get(s.start, end)
        feats = self.model.features(audio)
        probs = self.model.proba_from_features([feats])[0]
        seg = SpeechSegment(
            s.start,
            end,
            s.probability,
            probs,
            self.model.pooled(feats),
            self.model.speaker_embedding(feats),
        )
        if self.transcriber is not None and self.options.transcribe:
            seg.words = self.transcriber.words(audio, offset=s.start)
        yield seg

    def _adapt(self, segments: list[SpeechSegment]) -> bool:
        opts = self.options
        if opts.adapt == "off" or self.model.adapted is None:
            return False
        used = False
        for spk in {s.speaker for s in segments}:
            mine = [s for s in segments if s.speaker == spk]
            if (
                len(mine) < opts.adapt_min_segments
                or sum(s.duration for s in mine) < opts.adapt_min_seconds
            ):
                continue
            offset = np.mean([s.pooled for s in mine], axis=0)
            probs = self.model.proba_from_pooled([s.pooled for s in mine], offset)
            for s, p in zip(mine, probs):
                s.adapted = p
            used = True
        return used

    def _part(self, s: SpeechSegment) -> AffectResult:
        probs = s.adapted if s.adapted is not None else s.probs
        d = describe(self.model.labels, probs)
        label = max(d["emotions"], key=d["emotions"].get)
        conf = d["emotions"][label]
        raw: dict[str, Any] = {
            "labels": d["raw"],
            "speaker": f"S{s.speaker + 1}",
            "vad_probability": s.vad_probability,
            "adapted": s.adapted is not None,
        }
        if s.words or self.transcriber is not None:
            raw["transcript"] = s.transcript
        if s.text is not None:
            raw["text"] = _text_summary(s.text)
        evidence = tuple(
            Evidence(w.text, w.probability, w.start, w.end, kind="word", unit="seconds")
            for w in s.words
        )
        return AffectResult(
            label=label,
            confidence=conf,
            model=self.name,
            modality="speech",
            uncertain=conf < UNCERTAIN_BELOW,
            emotions=d["emotions"],
            polarity=d["polarity"],
            score=d["polarity"]["positive"] - d["polarity"]["negative"],
            valence=d["valence"],
            arousal=d["arousal"],
            language="en" if s.words else None,
            span=Span(round(s.start, 3), round(s.end, 3), "seconds"),
            raw=raw,
            evidence=evidence,
            flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
        )

    def _whole(
        self,
        parts: tuple[AffectResult, ...],
        segments: list[SpeechSegment],
        stream: AudioStream | None,
        adapted: bool,
    ) -> AffectResult:
        total = stream.seconds if stream is not None else (segments[-1].end if segments else 0.0)
        raw: dict[str, Any] = {
            "duration": round(total, 3),
            "speech_seconds": round(sum(s.duration for s in segments), 3),
            "segments": len(segments),
            "speakers": len({s.speaker for s in segments}),
        }
        if stream is not None:
            raw.update(
                decoder=stream.decoder, sample_rate=stream.sample_rate, channels=stream.channels
            )
        flags: list[str] = []
        if stream is not None and stream.truncated:
            raw["warning"] = stream.truncated
            flags.append(FLAG_TRUNCATED)
        if adapted:
            flags.append(FLAG_ADAPTED)
        if self.transcriber is not None and self.options.transcribe:
            raw["transcript"] = " ".join(p.raw.get("transcript", "") for p in parts).strip()
        span = Span(0.0, round(total, 3), "seconds")
        if not parts:
            raw["reason"] = (
                "silent audio" if stream is not None and stream.silent else "no speech found"
            )
            return AffectResult(
                label="empty",
                confidence=0.0,
                model=self.name,
                modality="speech",
                uncertain=True,
                span=span,
                raw=raw,
                flags=(FLAG_EMPTY, *flags),
            )
        weights = np.array([s.duration for s in segments])
        weights = weights / weights.sum()
        emotions = {
            e: float(sum(w * p.emotions[e] for w, p in zip(weights, parts))) for e in EMOTIONS
        }
        polarity = {
            k: float(sum(w * p.polarity[k] for w, p in zip(weights, parts)))
            for k in parts[0].polarity
        }
        label = max(emotions, key=emotions.get)
        conf = emotions[label]
        raw["labels"] = {
            name: float(sum(w * p.raw["labels"][name] for w, p in zip(weights, parts)))
            for name in self.model.labels
        }
        if any(p.raw.get("text") for p in parts):
            raw["text"] = _text_mean(parts, weights)
        if raw["speakers"] > 1:
            raw["by_speaker"] = _by_speaker(parts, segments)
        return AffectResult(
            label=label,
            confidence=conf,
            model=self.name,
            modality="speech",
            uncertain=conf < UNCERTAIN_BELOW,
            emotions=emotions,
            polarity=polarity,
            score=polarity["positive"] - polarity["negative"],
            valence=float(sum(w * p.valence for w, p in zip(weights, parts))),
            arousal=float(sum(w * p.arousal for w, p in zip(weights, parts))),
            language="en" if raw.get("transcript") else None,
            span=span,
            raw=raw,
            parts=parts,
            flags=tuple(flags) + ((FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else ()),
        )


class _Rolling:
    """The last `keep` seconds of a 16 kHz stream, addressed by absolute time."""

    def __init__(self, keep: float) -> None:
        self.keep = int(keep * SAMPLE_RATE)
        self.data = np.zeros(0, np.float32)
        self.offset = 0  # absolute sample index of data[0]

    @property
    def end(self) -> float:
        return (self.offset + len(self.data)) / SAMPLE_RATE

    def add(self, chunk: np.ndarray) -> None:
        self.data = np.concatenate([self.data, np.asarray(chunk, np.float32)])
        extra = len(self.data) - self.keep
        if extra > 0:
            self.data = self.data[extra:]
            self.offset += extra

    def get(self, start: float, end: float) -> np.ndarray:
        if int(start * SAMPLE_RATE) < self.offset:
            raise RuntimeError(f"audio from {start:.2f} s has left the buffer (bug)")
        a = max(int(start * SAMPLE_RATE) - self.offset, 0)
        b = max(int(end * SAMPLE_RATE) - self.offset, a)
        return self.data[a:b]


def _text_summary(r: AffectResult) -> dict[str, Any]:
    return {
        "label": r.label,
        "confidence": r.confidence,
        "polarity": r.polarity,
        "emotions": r.emotions,
        "score": r.score,
        "model": r.model,
        "flags": list(r.flags),
    }


def _text_mean(parts: tuple[AffectResult, ...], weights: np.ndarray) -> dict[str, Any]:
    """Duration-weighted mean of the words' polarity and emotions over segments with words."""
    texts = [(w, p.raw["text"]) for w, p in zip(weights, parts) if p.raw.get("text")]
    total = sum(w for w, _ in texts) or 1.0
    out: dict[str, Any] = {}
    for key in ("polarity", "emotions"):
        rows = [(w, t[key]) for w, t in texts if t.get(key)]
        if rows:
            names = rows[0][1].keys()
            out[key] = {n: sum(w * d.get(n, 0.0) for w, d in rows) / total for n in names}
    if "polarity" in out:
        out["label"] = max(out["polarity"], key=out["polarity"].get)
        out["score"] = out["polarity"].get("positive", 0.0) - out["polarity"].get("negative", 0.0)
    return out


def _by_speaker(parts: tuple[AffectResult, ...], segments: list[SpeechSegment]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spk in sorted({s.speaker for s in segments}):
        mine = [(s.duration, p) for s, p in zip(segments, parts) if s.speaker == spk]
        total = sum(d for d, _ in mine)
        emotions = {e: sum(d * p.emotions[e] for d, p in mine) / total for e in EMOTIONS}
        out[f"S{spk + 1}"] = {
            "seconds": round(total, 3),
            "segments": len(mine),
            "label": max(emotions, key=emotions.get),
            "emotions": emotions,
        }
    return out
