"""Small audio and video fixtures made at test time from the shared RAVDESS clips (never
copied into the repository): real speech, cut, mixed, re-encoded and broken on purpose."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

RATE = 16_000


def ravdess(shared_data: Path) -> Path:
    return shared_data / "speech" / "ravdess"


def rows(shared_data: Path) -> list[dict]:
    with (ravdess(shared_data) / "labels.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def clip(shared_data: Path, actor: int = 1, label: str = "neutral", n: int = 0) -> Path:
    """The path of the n-th clip of `actor` with `label`."""
    found = [r for r in rows(shared_data) if r["actor"] == str(actor) and r["label"] == label]
    return ravdess(shared_data) / found[n]["file"]


def read(path: Path) -> np.ndarray:
    import soundfile as sf

    audio, rate = sf.read(str(path), dtype="float32")
    assert rate == RATE
    return audio


def call(shared_data: Path, pairs: list[tuple[int, str]], pause: float = 0.7) -> np.ndarray:
    """Clips of (actor, label) one after another with `pause` seconds of silence between."""
    gap = np.zeros(int(pause * RATE), np.float32)
    parts = []
    for i, (actor, label) in enumerate(pairs):
        parts += [read(clip(shared_data, actor, label, i % 2)), gap]
    return np.concatenate(parts)


def write_mp4(path: Path, audio: np.ndarray | None, seconds: float = 1.0) -> Path:
    """A small H.264 video of moving grey frames, with `audio` as an AAC track (or none)."""
    import av

    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = None
        if audio is not None:
            sound = c.add_stream("aac", rate=RATE)
            sound.layout = "mono"
            seconds = len(audio) / RATE
        for i in range(max(1, int(seconds * 10))):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i * 9) % 255, np.uint8))
            for packet in video.encode(frame):
                c.mux(packet)
        for packet in video.encode(None):
            c.mux(packet)
        if sound is not None:
            frame = av.AudioFrame.from_ndarray(audio[None, :].astype(np.float32), "flt", "mono")
            frame.sample_rate = RATE
            for packet in [*sound.encode(frame), *sound.encode(None)]:
                c.mux(packet)
    return path
