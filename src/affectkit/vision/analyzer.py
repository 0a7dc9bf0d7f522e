"""The face analyzer the registry loads: every face of an image, its box and its expression.

One result per image (modality ``face``): the mean expression over its faces, with the faces
as `parts`, each with its `box`, its expression distribution and an evidence item naming the
detector that found it. No face → an ``empty`` result saying so, never an error; an image that
cannot be read → that input's ``error`` result with a one-line reason.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit import deadline
from affectkit.errors import AffectError, DeadlineExceeded, InvalidInputError
from affectkit.inputs import SUFFIX_KINDS, Input
from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_EMPTY, FLAG_UNCERTAIN, AffectResult, Evidence, error_result
from affectkit.vision import image as image_mod
from affectkit.vision.detect import Detector, Face, HaarDetector, faces_in
from affectkit.vision.expression import FaceExpressionModel, describe

UNCERTAIN_BELOW = 0.4


class FaceAnalyzer:
    modality = "face"
    inputs = ("image",)
    languages = ("*",)

    def __init__(self, name: str, model: FaceExpressionModel, detector: Detector | None = None,
                 limits: image_mod.ImageLimits | None = None) -> None:  # fmt: skip
        self.name = name
        self.model = model
        self.labels = tuple(EMOTIONS)
        self._detector = detector
        self._limits = limits or image_mod.ImageLimits()
        self._lock = threading.Lock()

    @classmethod
    def from_pretrained(
        cls, path: str | Path, name: str | None = None, **options: Any
    ) -> FaceAnalyzer:
        model = FaceExpressionModel.from_pretrained(path)
        return cls(name or model.config.get("name", "face-expression@1"), model)

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = HaarDetector()
        return self._detector

    def load(self) -> None:
        self.detector  # noqa: B018

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        for i, item in enumerate(batch):
            if not isinstance(item, (Input, str, os.PathLike)):
                raise InvalidInputError(
                    f"item {i}: expected an image Input or a file path, got {type(item).__name__}."
                )
        out = []
        for item in batch:
            deadline.check()
            try:
                with self._lock:
                    out.append(self.run(_as_input(item)))
            except DeadlineExceeded:
                raise
            except AffectError as exc:
                out.append(_error(str(exc), self.name))
            except Exception as exc:  # a library failing on one image
                text = " ".join(str(exc).split())[:300] or type(exc).__name__
                out.append(_error(f"cannot analyse this image: {text}", self.name))
        return out

    def run(self, source: Input) -> AffectResult:
        rgb = image_mod.load(source, self._limits)
        faces = faces_in(rgb, self.detector)
        h, w = rgb.shape[:2]
        raw: dict[str, Any] = {"width": w, "height": h, "faces": len(faces)}
        if not faces:
            raw["reason"] = "no face found"
            return AffectResult(label="empty", confidence=0.0, model=self.name,
                                modality="face", uncertain=True, raw=raw,
                                flags=(FLAG_EMPTY,))  # fmt: skip
        probs = self.model.predict_proba([crop(rgb, f) for f in faces])
        parts = tuple(self._part(i, f, p) for i, (f, p) in enumerate(zip(faces, probs)))
        emotions = {e: float(np.mean([p.emotions[e] for p in parts])) for e in EMOTIONS}
        polarity = {k: float(np.mean([p.polarity[k] for p in parts])) for k in parts[0].polarity}
        label = max(emotions, key=emotions.get)
        conf = emotions[label]
        raw["labels"] = {n: float(np.mean([p.raw["labels"][n] for p in parts]))
                         for n in self.model.labels}  # fmt: skip
        return AffectResult(
            label=label, confidence=conf, model=self.name, modality="face",
            uncertain=conf < UNCERTAIN_BELOW, emotions=emotions, polarity=polarity,
            score=polarity["positive"] - polarity["negative"],
            valence=float(np.mean([p.valence for p in parts])),
            arousal=float(np.mean([p.arousal for p in parts])),
            raw=raw, parts=parts, flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
        )  # fmt: skip

    def _part(self, i: int, face: Face, probs: np.ndarray) -> AffectResult:
        d = describe(self.model.labels, probs)
        label = max(d["emotions"], key=d["emotions"].get)
        conf = d["emotions"][label]
        evidence = Evidence(f"face {i + 1}", face.score, kind="face", note=face.source,
                            box=face.box)  # fmt: skip
        return AffectResult(
            label=label, confidence=conf, model=self.name, modality="face",
            uncertain=conf < UNCERTAIN_BELOW, emotions=d["emotions"], polarity=d["polarity"],
            score=d["polarity"]["positive"] - d["polarity"]["negative"], valence=d["valence"],
            arousal=d["arousal"], box=face.box, raw={"labels": d["raw"], "detector": face.source},
            evidence=(evidence,), flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
        )  # fmt: skip


def crop(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The face's square around its box's centre, clipped to the image."""
    b = face.box
    side = max(b.width, b.height)
    cx, cy = b.x + b.width / 2, b.y + b.height / 2
    h, w = rgb.shape[:2]
    x0, y0 = int(max(0, round(cx - side / 2))), int(max(0, round(cy - side / 2)))
    x1, y1 = int(min(w, round(cx + side / 2))), int(min(h, round(cy + side / 2)))
    return rgb[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]


def _as_input(item: Input | str | os.PathLike) -> Input:
    if isinstance(item, Input):
        return item
    kind = SUFFIX_KINDS.get(Path(item).suffix.lower())
    return Input.from_path(item, None if kind else "image")


def _error(message: str, model: str) -> AffectResult:
    r = error_result(message, model)
    return AffectResult(**{**{f: getattr(r, f) for f in r.__slots__}, "modality": "face"})


def load_shipped(**options: Any) -> FaceAnalyzer:
    from affectkit.vision.catalog import MODEL_DIR

    return FaceAnalyzer.from_pretrained(MODEL_DIR, name="face-expression@1", **options)
