"""Finding faces: one seam (`Detector`), OpenCV's Haar cascade behind it for now.

A detector takes an RGB image (uint8 [H, W, 3]) and returns `Face`s: a box in pixels and a
score. `HaarDetector` is OpenCV's frontal-face cascade (`haarcascade_frontalface_alt2`, shipped
in `opencv-contrib-python`): on the synthetic scene check of `bench/face_detect.py` it found
76% of faces with 2 false positives in 116 faces, at 40 ms per 640x480 scene on one thread
(mediapipe 0.10.14's short-range detector: 47%, 1.7 ms). Another detector plugs in by giving
`detect`.

`WHOLE_IMAGE_RULE`: an image that is already a face crop (FER2013's 48x48, CK+'s crops) has no
detectable face around it, so when no box covers at least `crop_cover` (half) of a small image
(at most 256 px a side), the whole image is classified as one face. The same rule holds in
`affectkit analyze --image` and in `affectkit evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from affectkit.errors import require
from affectkit.results import Box

CROP_MAX_SIDE = 256
WHOLE_IMAGE_RULE = "whole image as one face: no box covers half of an image of at most 256 px"


@dataclass(frozen=True, slots=True)
class Face:
    box: Box
    score: float
    source: str  # which detector (or "whole-image")


class Detector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> list[Face]: ...


class HaarDetector:
    """OpenCV's Haar cascade for frontal faces (no landmarks; score = neighbour count)."""

    name = "opencv-haar-alt2"

    def __init__(self, scale: float = 1.1, neighbours: int = 4, min_size: int = 24) -> None:
        cv2 = require("cv2", "vision")
        path = cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml"
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise RuntimeError(f"OpenCV could not read its cascade {path}.")
        self._cv2 = cv2
        self.scale, self.neighbours, self.min_size = scale, neighbours, min_size

    def detect(self, rgb: np.ndarray) -> list[Face]:
        gray = self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2GRAY)
        min_side = min(gray.shape)
        if min_side < self.min_size:
            return []
        boxes, _, weights = self._cascade.detectMultiScale3(
            gray, self.scale, self.neighbours, minSize=(self.min_size, self.min_size),
            outputRejectLevels=True,
        )  # fmt: skip
        faces = [
            Face(Box(float(x), float(y), float(w), float(h)), float(s), self.name)
            for (x, y, w, h), s in zip(np.asarray(boxes).reshape(-1, 4), np.ravel(weights))
        ]
        return sorted(faces, key=lambda f: (f.box.y, f.box.x))


def faces_in(rgb: np.ndarray, detector: Detector, crop_cover: float = 0.5) -> list[Face]:
    """The detector's faces, or the whole image as one face by `WHOLE_IMAGE_RULE`."""
    h, w = rgb.shape[:2]
    faces = detector.detect(rgb)
    if max(h, w) <= CROP_MAX_SIDE:
        covered = max((f.box.width * f.box.height for f in faces), default=0.0)
        if covered < crop_cover * w * h:
            return [Face(Box(0.0, 0.0, float(w), float(h)), 1.0, "whole-image")]
    return faces
