"""Test scenes made of real faces: FER2013 dev images enlarged and placed on a plain
background, as PNGs or as an H.264 video (synthetic layouts of real faces, nothing copied into
the repository)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

# FER2013 dev images OpenCV's frontal-face cascade finds at 150 px (checked when written)
FOUND = (1, 2, 3, 6)


def dev_faces(shared_data: Path) -> np.ndarray:
    return np.load(shared_data / "face" / "fer2013" / "dev.npz")["images"]


def place(scene: np.ndarray, face: np.ndarray, x: int, y: int, size: int) -> None:
    big = np.array(Image.fromarray(face).resize((size, size), Image.BICUBIC))
    scene[y : y + size, x : x + size] = big[..., None] if scene.ndim == 3 else big


def png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


def write_video(
    path: Path,
    faces: np.ndarray,
    seconds: float = 4.0,
    fps: int = 10,
    size: tuple[int, int] = (640, 480),
    leaves_at: float | None = 2.0,
    audio: np.ndarray | None = None,
    rate: int = 16_000,
) -> Path:
    """A video with faces[FOUND[0]] on the left drifting right by 1 px a frame for its whole
    length (back to the left after 360 frames at 640 px) and faces[FOUND[1]] on the right until
    `leaves_at` seconds; with `audio` (mono float samples at `rate`) as an AAC track, the video
    lasts as long as the sound."""
    import av

    w, h = size
    left, right = faces[FOUND[0]], faces[FOUND[1]]
    if audio is not None:
        seconds = len(audio) / rate
    with av.open(str(path), "w") as c:
        stream = c.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        sound = None
        if audio is not None:
            sound = c.add_stream("aac", rate=rate)
            sound.layout = "mono"
        for i in range(int(seconds * fps)):
            scene = np.full((h, w, 3), 128, np.uint8)
            place(scene, left, 60 + i % max(1, w - 280), 120, 150)  # drifts, wraps on long videos
            if leaves_at is None or i / fps < leaves_at:
                place(scene, right, w - 220, 140, 150)
            for packet in stream.encode(av.VideoFrame.from_ndarray(scene)):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
        if sound is not None:
            frame = av.AudioFrame.from_ndarray(audio[None, :].astype(np.float32), "flt", "mono")
            frame.sample_rate = rate
            for packet in [*sound.encode(frame), *sound.encode(None)]:
                c.mux(packet)
    return path
