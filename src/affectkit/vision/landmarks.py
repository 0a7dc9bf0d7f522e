"""Eyes in a face box: where they are, how level, how frontal the face looks.

`EyeFinder` runs OpenCV's eye cascade (``haarcascade_eye``, shipped in `opencv-contrib-python`)
over the upper part of a face box, scaled so the face is at least 144 px wide, and keeps the
best pair: one eye in each half of the face, at about the same height, a plausible distance
apart. The cascade finds open eyes far more often than closed ones, so "both eyes found" is a
proxy for eyes open and visible, not a measurement of them. Faces narrower than `min_face` px
are not searched (the answer would be noise): `find` returns None, "unknown", not "closed".

From a pair, `Eyes` gives:
- `roll`: the angle of the eye line in degrees (head tilt); `align` turns a crop by it so the
  eyes are level before the expression model sees the face.
- `frontal`: 1 when the eyes' midpoint sits on the face box's vertical centre line, falling to
  0 when it is half an eye distance off (the head turned about 30 degrees or more). A rough head
  yaw proxy from two points; a face turned further is usually not found by the frontal-face
  detector at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from affectkit.errors import require
from affectkit.results import Box

WORK_WIDTH = 144  # the face's width in px when the eye cascade runs


@dataclass(frozen=True, slots=True)
class Eyes:
    left: tuple[float, float]  # the eye on the image's left, (x, y) in image pixels
    right: tuple[float, float]

    @property
    def roll(self) -> float:
        (lx, ly), (rx, ry) = self.left, self.right
        return math.degrees(math.atan2(ry - ly, rx - lx))

    @property
    def distance(self) -> float:
        (lx, ly), (rx, ry) = self.left, self.right
        return math.hypot(rx - lx, ry - ly)

    def frontal(self, box: Box) -> float:
        mid = (self.left[0] + self.right[0]) / 2
        offset = abs(mid - (box.x + box.width / 2))
        return float(np.clip(1 - offset / (0.5 * max(self.distance, 1e-6)), 0.0, 1.0))


class EyeFinder:
    name = "opencv-haar-eye"

    def __init__(self, min_face: int = 40) -> None:
        cv2 = require("cv2", "vision")
        path = cv2.data.haarcascades + "haarcascade_eye.xml"
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise RuntimeError(f"OpenCV could not read its cascade {path}.")
        self._cv2 = cv2
        self.min_face = min_face

    def find(self, gray: np.ndarray, box: Box) -> Eyes | None:
        """The pair of eyes in `box` of a grayscale image, or None (unknown)."""
        if box.width < self.min_face:
            return None
        h, w = gray.shape[:2]
        x0, x1 = int(max(0, box.x)), int(min(w, box.x + box.width))
        y0, y1 = int(max(0, box.y + 0.15 * box.height)), int(min(h, box.y + 0.6 * box.height))
        if x1 - x0 < self.min_face // 2 or y1 - y0 < 8:
            return None
        roi = gray[y0:y1, x0:x1]
        scale = max(1.0, WORK_WIDTH / box.width)
        if scale > 1:
            roi = self._cv2.resize(roi, None, fx=scale, fy=scale,
                                   interpolation=self._cv2.INTER_LINEAR)  # fmt: skip
        fw = box.width * scale
        found = self._cascade.detectMultiScale(
            roi, 1.1, 3, minSize=(int(fw / 8), int(fw / 8)), maxSize=(int(fw / 3), int(fw / 3))
        )
        centres = [
            (x0 + (ex + ew / 2) / scale, y0 + (ey + eh / 2) / scale)
            for ex, ey, ew, eh in np.asarray(found).reshape(-1, 4)
        ]
        return best_pair(centres, box)


def best_pair(centres: list[tuple[float, float]], box: Box) -> Eyes | None:
    """One eye each side of the box's centre line, level within 15% of its width, 25-65% of
    its width apart; the most level such pair."""
    mid = box.x + box.width / 2
    left = [c for c in centres if c[0] < mid]
    right = [c for c in centres if c[0] >= mid]
    best, best_dy = None, math.inf
    for lc in left:
        for rc in right:
            dx, dy = rc[0] - lc[0], abs(rc[1] - lc[1])
            if not 0.25 * box.width <= dx <= 0.65 * box.width or dy > 0.15 * box.width:
                continue
            if dy < best_dy:
                best, best_dy = Eyes(lc, rc), dy
    return best


def align(rgb: np.ndarray, box: Box, eyes: Eyes | None, min_degrees: float = 3.0,
          max_degrees: float = 30.0) -> tuple[np.ndarray, float]:  # fmt: skip
    """The square crop of `box` with the eyes made level (turned about the eyes' midpoint when
    the tilt is between `min_degrees` and `max_degrees`); returns the crop and the angle."""
    angle = eyes.roll if eyes is not None else 0.0
    if not min_degrees <= abs(angle) <= max_degrees:
        return square_crop(rgb, box), 0.0
    cv2 = require("cv2", "vision")
    side = max(box.width, box.height)
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    # turn a window 1.5x the face around the face's centre, then take the face from its middle
    half = math.ceil(0.75 * side)
    x0, y0 = round(cx) - half, round(cy) - half
    window = _padded(rgb, x0, y0, 2 * half)
    m = cv2.getRotationMatrix2D((half, half), angle, 1.0)
    turned = cv2.warpAffine(window, m, (2 * half, 2 * half), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    s0, n = half - round(side / 2), round(side)
    return turned[s0 : s0 + n, s0 : s0 + n], angle


def square_crop(rgb: np.ndarray, box: Box) -> np.ndarray:
    """The face's square around its box's centre, clipped to the image."""
    side = max(box.width, box.height)
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    h, w = rgb.shape[:2]
    x0, y0 = int(max(0, round(cx - side / 2))), int(max(0, round(cy - side / 2)))
    x1, y1 = int(min(w, round(cx + side / 2))), int(min(h, round(cy + side / 2)))
    return rgb[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]


def _padded(rgb: np.ndarray, x0: int, y0: int, size: int) -> np.ndarray:
    """rgb[y0:y0+size, x0:x0+size], edge pixels repeated where the window leaves the image."""
    h, w = rgb.shape[:2]
    ys = np.clip(np.arange(y0, y0 + size), 0, h - 1)
    xs = np.clip(np.arange(x0, x0 + size), 0, w - 1)
    return np.ascontiguousarray(rgb[ys][:, xs])
