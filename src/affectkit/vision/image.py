"""Images in: any file or upload → an 8-bit RGB array, upright, with its size checked first.

Pillow reads the header before any pixel, so an image over `ImageLimits.max_pixels` (a
decompression bomb: a few kilobytes of PNG that would unpack to 20,000 x 20,000 pixels) is
refused before it is decoded. EXIF orientation is applied (a phone's portrait photo stands
up); CMYK, palette, grayscale, 16-bit and alpha images all become RGB (alpha over white).
Every failure is an `ImageError` with a one-line message.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectkit.errors import InvalidInputError, LimitExceededError, require
from affectkit.inputs import Input


class ImageError(InvalidInputError):
    """An image input that cannot be used: unreadable, truncated, empty."""


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What one image may be: `max_pixels` (width x height), `max_bytes` of file."""

    max_pixels: int = 40_000_000
    max_bytes: int = 100 * 2**20

    def __post_init__(self) -> None:
        for name in ("max_pixels", "max_bytes"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value > 0):
                raise InvalidInputError(f"{name} must be a positive integer. Got {value!r}.")


def load(source: Input | str | Path | bytes, limits: ImageLimits | None = None) -> np.ndarray:
    """The image as uint8 RGB [height, width, 3], EXIF orientation applied."""
    limits = limits or ImageLimits()
    image_mod = require("PIL.Image", "vision")
    ops = require("PIL.ImageOps", "vision")
    name, data = _read(source, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("error", image_mod.DecompressionBombWarning)
        try:
            img = image_mod.open(io.BytesIO(data))
            width, height = img.size
            if width * height > limits.max_pixels:
                raise LimitExceededError(
                    f"{name}: {width}x{height} is {width * height:,} pixels, over the limit of "
                    f"{limits.max_pixels:,} (max_pixels)."
                )
            img.load()
            img = ops.exif_transpose(img)
        except LimitExceededError:
            raise
        except (image_mod.DecompressionBombError, image_mod.DecompressionBombWarning) as exc:
            raise LimitExceededError(
                f"{name}: over the limit of {limits.max_pixels:,} pixels (max_pixels): "
                f"{_one_line(exc)}"
            ) from None
        except Exception as exc:  # Pillow raises OSError, ValueError, SyntaxError...
            raise ImageError(f"{name}: not a readable image ({_one_line(exc)}).") from None
    return to_rgb(img)


def to_rgb(img) -> np.ndarray:
    """An opened Pillow image as uint8 RGB (16-bit scaled down, alpha over white)."""
    image_mod = require("PIL.Image", "vision")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        peak = a.max() if a.size else 1.0
        scale = 255.0 / (65535.0 if peak > 255 else max(peak, 1.0))
        return np.repeat(np.clip(a * scale, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    if img.mode == "F":
        a = np.asarray(img, dtype=np.float64)
        lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)
        a = (a - lo) / (hi - lo or 1.0) * 255
        return np.repeat(a.astype(np.uint8)[..., None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = image_mod.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = image_mod.alpha_composite(white, rgba)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def _read(source: Input | str | Path | bytes, limits: ImageLimits) -> tuple[str, bytes]:
    if isinstance(source, Input):
        if source.kind != "image":
            raise ImageError(f"A {source.kind} input is not an image.")
        source = source.data if source.data is not None else source.path  # type: ignore[assignment]
    if isinstance(source, (bytes, bytearray)):
        name, data = "upload", bytes(source)
    else:
        name = str(source)
        try:
            size = os.stat(name).st_size
        except FileNotFoundError:
            raise ImageError(f"{name}: no such file.") from None
        except OSError as exc:
            raise ImageError(f"{name}: cannot read it ({exc.strerror}).") from None
        if not os.path.isfile(name):
            raise ImageError(f"{name}: not a file.")
        if size > limits.max_bytes:
            raise LimitExceededError(
                f"{name}: {size:,} bytes is over the limit of {limits.max_bytes:,} (max_bytes)."
            )
        data = Path(name).read_bytes()
    if not data:
        raise ImageError(f"{name}: the file is empty.")
    if len(data) > limits.max_bytes:
        raise LimitExceededError(
            f"{name}: {len(data):,} bytes is over the limit of {limits.max_bytes:,} (max_bytes)."
        )
    return name, data


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:300]
