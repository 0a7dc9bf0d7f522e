"""Video in: frames sampled at a chosen rate, decoded as a stream (PyAV, bundled FFmpeg).

`frames(source, fps=2)` yields `(seconds, rgb)` pairs: the first decoded frame at or after
each sampling instant, as uint8 RGB [H, W, 3]. Only one frame is held at a time, so memory is
bounded whatever the length; `VideoLimits` bounds the file size, the duration (from the header,
and again while decoding) and the frame size. A file without a video track, an unreadable file
and a video with no decodable frame are `VideoError`s with a one-line message; decoding that
breaks off after some frames ends the stream and sets `VideoStream.truncated`.
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


class VideoError(InvalidInputError):
    """A video input that cannot be used."""


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_seconds: float = 4 * 3600.0
    max_bytes: int = 8 * 2**30
    max_pixels: int = 3840 * 2160

    def __post_init__(self) -> None:
        for name in ("max_seconds", "max_bytes", "max_pixels"):
            if not getattr(self, name) > 0:
                raise InvalidInputError(f"{name} must be positive.")


@dataclass
class VideoStream:
    source: str
    width: int
    height: int
    duration: float | None
    frame_rate: float | None
    limits: VideoLimits
    _open: object = field(repr=False, default=None)
    frames_read: int = 0
    truncated: str | None = None

    def frames(self, fps: float = 2.0) -> Iterator[tuple[float, np.ndarray]]:
        """(seconds, RGB frame) at about `fps` frames per second of video."""
        if not fps > 0:
            raise InvalidInputError(f"fps must be positive. Got {fps}.")
        step, next_at, decoded = 1.0 / fps, 0.0, 0
        container = self._open()  # type: ignore[operator]
        try:
            track = container.streams.video[0]
            track.thread_type = "AUTO"
            # times from the stream's first frame (MPEG-TS and cut files do not start at 0)
            start = 0.0
            if track.start_time is not None and track.time_base is not None:
                start = float(track.start_time * track.time_base)
            for frame in container.decode(track):
                decoded += 1
                t = (
                    max(0.0, float(frame.time) - start)
                    if frame.time is not None
                    else (decoded - 1) / (self.frame_rate or 25)
                )
                if t > self.limits.max_seconds + 0.5:
                    raise LimitExceededError(
                        f"{self.source}: video is longer than the limit of "
                        f"{self.limits.max_seconds:g} s (max_seconds)."
                    )
                if t + 1e-6 < next_at:
                    continue
                self.frames_read += 1
                while next_at <= t + 1e-6:  # the next instant on the grid 0, step, 2 step, ...
                    next_at += step
                yield t, frame.to_ndarray(format="rgb24")
        except (VideoError, LimitExceededError):
            raise
        except Exception as exc:
            if not self.frames_read:
                raise VideoError(f"{self.source}: cannot decode video: {_one_line(exc)}") from exc
            self.truncated = f"decoding stopped after {self.frames_read} frames: {_one_line(exc)}"
        finally:
            container.close()
        if not self.frames_read:
            raise VideoError(f"{self.source}: the video has no decodable frame.")


def open_video(
    source: Input | str | Path | bytes, limits: VideoLimits | None = None
) -> VideoStream:
    """Open a video file, path or bytes for streaming decode (nothing decoded yet)."""
    av = require("av", "vision")
    limits = limits or VideoLimits()
    if isinstance(source, Input):
        if source.kind != "video":
            raise VideoError(f"A {source.kind} input is not a video.")
        source = source.data if source.data is not None else source.path  # type: ignore[assignment]
    if isinstance(source, (bytes, bytearray)):
        name, data, path = "upload", bytes(source), None
        size = len(data)
    else:
        name, data, path = str(source), None, str(source)
        try:
            size = os.stat(path).st_size
        except OSError:
            raise VideoError(f"{name}: no such file.") from None
    if size == 0:
        raise VideoError(f"{name}: the file is empty.")
    if size > limits.max_bytes:
        raise LimitExceededError(
            f"{name}: {size:,} bytes is over the limit of {limits.max_bytes:,}."
        )

    def opener():
        return av.open(io.BytesIO(data) if data is not None else path)

    try:
        container = opener()
    except Exception as exc:
        raise VideoError(f"{name}: not a readable video ({_one_line(exc)}).") from None
    try:
        if not container.streams.video:
            raise VideoError(f"{name}: the file has no video track.")
        track = container.streams.video[0]
        width, height = track.codec_context.width, track.codec_context.height
        duration = None
        if track.duration is not None and track.time_base is not None:
            duration = float(track.duration * track.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        rate = float(track.average_rate) if track.average_rate else None
    finally:
        container.close()
    if width * height > limits.max_pixels:
        raise LimitExceededError(
            f"{name}: {width}x{height} frames are over {limits.max_pixels:,} pixels."
        )
    if duration is not None and duration > limits.max_seconds + 0.5:
        raise LimitExceededError(
            f"{name}: video is {duration:.0f} s long, over the limit of {limits.max_seconds:g} s."
        )
    return VideoStream(name, width, height, duration, rate, limits, opener)


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:300]
