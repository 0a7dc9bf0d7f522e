"""Image decoding: every mode becomes upright RGB; bombs, corrupt and empty files are one-line
errors, refused before their pixels are decoded."""

import io
import time

import numpy as np
import pytest
from PIL import Image

from affectkit.errors import LimitExceededError
from affectkit.inputs import Input
from affectkit.vision import image
from affectkit.vision.image import ImageError, ImageLimits


@pytest.fixture(scope="module")
def face(shared_data):
    return np.load(shared_data / "face" / "fer2013" / "dev.npz")["images"][0]


def _png(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_modes_become_rgb(face):
    gray = Image.fromarray(face)
    cases = {
        "L": gray,
        "RGB": gray.convert("RGB"),
        "CMYK": gray.convert("CMYK"),
        "P": gray.convert("P"),
        "I;16": Image.fromarray(face.astype(np.uint16) * 257),
    }
    for mode, img in cases.items():
        fmt = "JPEG" if mode == "CMYK" else "PNG"
        out = image.load(_png(img, fmt))
        assert out.shape == (48, 48, 3) and out.dtype == np.uint8, mode
        tolerance = 12 if fmt == "JPEG" else 2
        assert np.abs(out[..., 0].astype(int) - face).mean() < tolerance, mode


def test_alpha_goes_over_white_and_one_pixel_is_fine():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert (image.load(_png(rgba)) == 255).all()
    assert image.load(_png(Image.new("L", (1, 1), 7))).shape == (1, 1, 3)


def test_exif_orientation_stands_the_photo_up(face):
    wide = Image.fromarray(np.hstack([face, np.zeros_like(face)]))  # 96 x 48
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    out = image.load(_png(wide.convert("RGB"), "JPEG", exif=exif.tobytes()))
    assert out.shape[:2] == (96, 48)


def test_a_bomb_is_refused_from_its_header(tmp_path):
    big = Image.new("L", (20_000, 20_000))
    data = _png(big, optimize=False)
    t = time.perf_counter()
    with pytest.raises(LimitExceededError, match="max_pixels"):
        image.load(data)
    assert time.perf_counter() - t < 1.0
    with pytest.raises(LimitExceededError, match="max_pixels"):
        image.load(_png(Image.new("L", (300, 300))), ImageLimits(max_pixels=10_000))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 10, "not a readable image"),
        (b"hello", "not a readable"),
    ],
)
def test_unreadable_images_are_one_line_errors(content, message):
    with pytest.raises(ImageError, match=message) as info:
        image.load(content)
    assert "\n" not in str(info.value)


def test_a_truncated_file_and_missing_paths(tmp_path, face):
    data = _png(Image.fromarray(face).resize((400, 400)))
    with pytest.raises(ImageError, match="not a readable image"):
        image.load(data[: len(data) // 2])
    with pytest.raises(ImageError, match="no such file"):
        image.load(tmp_path / "missing.png")
    path = tmp_path / "f.png"
    path.write_bytes(data)
    assert image.load(Input.from_path(path)).shape == (400, 400, 3)
    with pytest.raises(ImageError, match="not an image"):
        image.load(Input.from_path(tmp_path / "a.wav"))
