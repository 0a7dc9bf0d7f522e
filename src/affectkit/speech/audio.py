"""Audio in: any file or upload → mono 16 kHz float32, decoded as a stream of chunks.

Two well-kept decoders, tried in this order:
- `soundfile` (libsndfile 1.2.2): WAV, FLAC, OGG/Vorbis/Opus, MP3, AIFF and more;
- PyAV (`av`, which bundles FFmpeg): everything else, including M4A/AAC, WebM and the audio
  track of a video (MP4, MOV, MKV). PyAV's wheels carry FFmpeg builds with GPL parts.

Decoding is streamed: `stream` yields chunks (1 s by default) resampled with `soxr` and mixed
down to mono, so a 3-hour call is never held whole. `AudioLimits` bounds what is accepted: the
input's size in bytes and its duration (read from the header where it has one, and enforced
while decoding where it does not or lies). Every failure is an `AudioError` with a one-line
message; decoding that breaks off after some audio was read ends the stream with
`AudioStream.truncated` set, keeping what came before.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from affectkit.errors import InvalidInputError, LimitExceededError, require
from affectkit.inputs import Input

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.1  # shorter audio is refused: nothing can be told from it
SILENCE_PEAK = 1e-4  # a peak below this (about -80 dBFS) is digital silence


class AudioError(InvalidInputError):
    """An audio input that cannot be used: unreadable, empty, too short, too long."""


@dataclass(frozen=True, slots=True)
class AudioLimits:
    """What one audio input may be: `max_bytes` of file or upload, `max_seconds` of sound.

    None means no limit. The defaults take a long call (4 hours, 2 GB); the service sets its
    own, lower ones for uploads.
    """

    max_seconds: float | None = 4 * 3600.0
    max_bytes: int | None = 2 * 2**30

    def __post_init__(self) -> None:
        for name in ("max_seconds", "max_bytes"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise InvalidInputError(f"{name} must be positive or None. Got {value!r}.")


@dataclass
class AudioStream:
    """An opened audio input: what its header says, and its decoded chunks via `chunks()`."""

    source: str
    decoder: str  # "soundfile" or "pyav"
    sample_rate: int  # of the file (the chunks are always 16 kHz)
    channels: int
    duration: float | None  # seconds, from the header; None when the header does not say
    limits: AudioLimits
    _open: object = field(repr=False, default=None)
    seconds: float = 0.0  # decoded so far
    peak: float = 0.0  # largest absolute sample so far
    truncated: str | None = None  # why decoding stopped early, if it did

    def chunks(self, seconds: float = 1.0) -> Iterator[np.ndarray]:
        """Mono 16 kHz float32 chunks of about `seconds` each, to the end or a limit."""
        resampler = None
        if self.sample_rate != SAMPLE_RATE:
            soxr = require("soxr", "speech")
            resampler = soxr.ResampleStream(self.sample_rate, SAMPLE_RATE, 1, dtype="float32")
        limit = self.limits.max_seconds
        blocks = self._open(max(1, int(seconds * self.sample_rate)))  # type: ignore[operator]
        try:
            for block in blocks:
                mono = _mono(block)
                if not len(mono):
                    continue
                self.seconds += len(mono) / self.sample_rate
                if limit is not None and self.seconds > limit + 0.5:
                    raise LimitExceededError(
                        f"{self.source}: audio is longer than the limit of {limit:g} s "
                        f"(max_seconds; --max-audio-seconds)."
                    )
                self.peak = max(self.peak, float(np.max(np.abs(mono))))
                out = resampler.resample_chunk(mono) if resampler is not None else mono
                if len(out):
                    yield out
        except (AudioError, LimitExceededError):
            raise
        except Exception as exc:  # a decoder's error mid-stream: keep what came before
            if self.seconds < MIN_SECONDS:
                raise AudioError(f"{self.source}: cannot decode audio: {_one_line(exc)}") from exc
            self.truncated = f"decoding stopped at {self.seconds:.1f} s: {_one_line(exc)}"
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield tail
        exact = self.decoder == "soundfile"  # a container's duration may be its video's
        if (
            exact
            and self.truncated is None
            and self.duration
            and self.seconds < self.duration - 0.25
        ):
            self.truncated = (
                f"decoding stopped at {self.seconds:.1f} s of the {self.duration:.1f} s the "
                "header gives (a damaged file?)"
            )
        if self.seconds == 0:
            raise AudioError(f"{self.source}: the audio holds no samples.")
        if self.seconds < MIN_SECONDS:
            raise AudioError(
                f"{self.source}: the audio is {self.seconds:.3f} s long; at least {MIN_SECONDS} s "
                "is needed."
            )

    @property
    def silent(self) -> bool:
        """True once decoded audio that never rose above digital silence."""
        return self.seconds > 0 and self.peak < SILENCE_PEAK


def open_audio(
    source: Input | str | Path | bytes, limits: AudioLimits | None = None
) -> AudioStream:
    """Open an audio (or video) file, path or bytes for streaming decode; nothing decoded yet."""
    limits = limits or AudioLimits()
    name, data, path = _source(source)
    size = len(data) if data is not None else _file_size(path, name)
    if size == 0:
        raise AudioError(f"{name}: the file is empty.")
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise LimitExceededError(
            f"{name}: {size:,} bytes is over the limit of {limits.max_bytes:,} (max_bytes)."
        )
    errors = []
    for opener in (_open_soundfile, _open_pyav):
        try:
            stream = opener(name, path, data, limits)
        except AudioError:
            raise
        except Exception as exc:
            errors.append(_one_line(exc))
            continue
        if stream.duration is not None and limits.max_seconds is not None:
            if stream.duration > limits.max_seconds + 0.5:
                raise LimitExceededError(
                    f"{name}: audio is {stream.duration:.0f} s long, over the limit of "
                    f"{limits.max_seconds:g} s (max_seconds; --max-audio-seconds)."
                )
        return stream
    raise AudioError(f"{name}: not a readable audio or video file ({errors[-1]}).")


def stream(
    source: Input | str | Path | bytes, limits: AudioLimits | None = None, seconds: float = 1.0
) -> Iterator[np.ndarray]:
    """Mono 16 kHz float32 chunks of an audio or video's sound (see `open_audio`)."""
    yield from open_audio(source, limits).chunks(seconds)


def load(source: Input | str | Path | bytes, limits: AudioLimits | None = None) -> np.ndarray:
    """The whole sound as one mono 16 kHz float32 array (for short clips; see `stream`)."""
    parts = list(stream(source, limits))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def _source(source: Input | str | Path | bytes) -> tuple[str, bytes | None, str | None]:
    if isinstance(source, Input):
        if source.kind not in ("audio", "video"):
            raise AudioError(f"A {source.kind} input holds no audio.")
        if source.data is not None:
            return "upload", source.data, None
        source = source.path  # type: ignore[assignment]
    if isinstance(source, (bytes, bytearray)):
        return "upload", bytes(source), None
    return str(source), None, str(source)


def _file_size(path: str | None, name: str) -> int:
    try:
        st = os.stat(path)  # type: ignore[arg-type]
    except FileNotFoundError:
        raise AudioError(f"{name}: no such file.") from None
    except OSError as exc:
        raise AudioError(f"{name}: cannot read it ({exc.strerror}).") from None
    if not os.path.isfile(path):  # type: ignore[arg-type]
        raise AudioError(f"{name}: not a file.")
    return st.st_size


def _mono(block: np.ndarray) -> np.ndarray:
    block = np.asarray(block, np.float32)
    if block.ndim == 2:
        block = block.mean(axis=1)
    return np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)


def _open_soundfile(
    name: str, path: str | None, data: bytes | None, limits: AudioLimits
) -> AudioStream:
    sf = require("soundfile", "speech")
    info = sf.info(io.BytesIO(data) if data is not None else path)
    if info.frames <= 0 and info.format != "MPEG":
        raise AudioError(f"{name}: the audio holds no samples.")

    def blocks(size: int) -> Iterator[np.ndarray]:
        with sf.SoundFile(io.BytesIO(data) if data is not None else path) as f:
            while True:
                block = f.read(size, dtype="float32", always_2d=True)
                if not len(block):
                    return
                yield block

    duration = info.frames / info.samplerate if info.frames > 0 else None
    return AudioStream(name, "soundfile", info.samplerate, info.channels, duration, limits, blocks)


def _open_pyav(name: str, path: str | None, data: bytes | None, limits: AudioLimits) -> AudioStream:
    av = require("av", "speech")
    container = av.open(io.BytesIO(data) if data is not None else path)
    try:
        if not container.streams.audio:
            kind = "video" if container.streams.video else "file"
            raise AudioError(f"{name}: the {kind} has no audio track.")
        track = container.streams.audio[0]
        rate = track.rate or track.codec_context.sample_rate
        channels = track.codec_context.channels or 1
        duration = None
        if track.duration is not None and track.time_base is not None:
            duration = float(track.duration * track.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
    finally:
        container.close()
    if not rate:
        raise AudioError(f"{name}: the audio track has no sample rate.")

    def blocks(size: int) -> Iterator[np.ndarray]:
        # Decoded frames become packed float at the file's own rate and channel layout, and are
        # averaged to mono by `_mono` as soundfile's are (FFmpeg's own downmix is 3 dB louder
        # for stereo); soxr does the resampling in `chunks`, the same for both decoders.
        resampler = None
        with av.open(io.BytesIO(data) if data is not None else path) as c:
            pending: list[np.ndarray] = []
            held = 0
            for frame in c.decode(audio=0):
                if resampler is None:
                    resampler = av.AudioResampler(format="flt", layout=frame.layout.name, rate=rate)
                n = len(frame.layout.channels) or 1
                for out in resampler.resample(frame):
                    pending.append(out.to_ndarray().reshape(-1, n))
                    held += len(pending[-1])
                if held >= size:
                    yield np.concatenate(pending)
                    pending, held = [], 0
            if resampler is not None:
                for out in resampler.resample(None):
                    pending.append(out.to_ndarray().reshape(-1, len(out.layout.channels) or 1))
            if pending:
                yield np.concatenate(pending)

    return AudioStream(name, "pyav", int(rate), int(channels), duration, limits, blocks)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
