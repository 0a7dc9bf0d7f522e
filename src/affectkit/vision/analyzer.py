"""The face analyzer the registry loads: every face of an image or a video, and its expression.

- An image → one result (modality ``face``): the mean expression over its faces, with the
  faces as `parts`, each with its `box`, its expression distribution, and evidence naming the
  detector that found it and, where the face is large enough to look, its eyes (the crop is
  turned so they are level; ``raw`` has the tilt and a frontal-pose proxy).
- A video → one result: frames sampled at `VideoOptions.fps`, faces followed by `IoUTracker`,
  the per-face, per-second timeline of `affectkit.vision.timeline` with engagement proxies.

No face → an ``empty`` result saying so, never an error; an input that cannot be read → that
input's ``error`` result with a one-line reason; the rest of the batch goes on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from affectkit import deadline
from affectkit.errors import InvalidInputError, LimitExceededError, require
from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.media import analyze_each
from affectkit.results import FLAG_EMPTY, FLAG_UNCERTAIN, AffectResult, Box, Evidence
from affectkit.vision import image as image_mod
from affectkit.vision.detect import Detector, Face, HaarDetector, faces_in
from affectkit.vision.expression import FaceExpressionModel, describe
from affectkit.vision.landmarks import EyeFinder, Eyes, align
from affectkit.vision.timeline import FaceTimeline
from affectkit.vision.track import IoUTracker
from affectkit.vision.video import VideoLimits, open_video

UNCERTAIN_BELOW = 0.4


@dataclass(frozen=True, slots=True)
class VideoOptions:
    """How a video is read: `fps` frames sampled per second, the expression smoothed over
    `smooth` seconds, frames wider than `detect_width` px shrunk for detection only, a face
    lost for longer than `track_gap` seconds starts a new track."""

    fps: float = 2.0
    smooth: float = 3.0
    detect_width: int = 640
    track_gap: float = 10.0

    def __post_init__(self) -> None:
        for name in ("fps", "smooth", "detect_width", "track_gap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InvalidInputError(f"{name} must be a positive number. Got {value!r}.")
        if self.fps > 30:
            raise InvalidInputError(f"fps is at most 30 frames per second. Got {self.fps}.")


@dataclass(frozen=True, slots=True)
class Seen:
    """A face found in an image or frame, its crop and what its eyes told."""

    face: Face
    crop: np.ndarray
    eyes: Eyes | None
    looked: bool  # the face was large enough to look for its eyes
    angle: float  # degrees the crop was turned to make the eyes level


class FaceAnalyzer:
    modality = "face"
    inputs = ("image", "video")
    languages = ("*",)

    def __init__(
        self,
        name: str,
        model: FaceExpressionModel,
        detector: Detector | None = None,
        limits: image_mod.ImageLimits | None = None,
        video_limits: VideoLimits | None = None,
        video: VideoOptions | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.labels = tuple(EMOTIONS)
        self._detector = detector
        self._eyes: EyeFinder | None = None
        self._limits = limits or image_mod.ImageLimits()
        self._video_limits = video_limits or VideoLimits()
        self._video = video or VideoOptions()
        self._lock = threading.Lock()

    @classmethod
    def from_pretrained(
        cls, path: str | Path, name: str | None = None, **options: Any
    ) -> FaceAnalyzer:
        """A face-expression model folder; load options ``max_video_seconds``, ``fps``,
        ``smooth``, ``threads``, and ``backend`` (``torch`` or ``onnx``; ``quantize``: int8;
        neither: what the folder's config recommends)."""
        backend = options.get("backend") or "auto"
        if backend in ("auto", "onnx") and options.get("quantize"):
            backend = "onnx-int8"
        model = FaceExpressionModel.from_pretrained(
            path, backend=backend, threads=options.get("threads")
        )
        name = name or model.config.get("name", "face-expression@1")
        return cls(name, model, **options_from(options))

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = HaarDetector()
        return self._detector

    @property
    def eye_finder(self) -> EyeFinder:
        if self._eyes is None:
            self._eyes = EyeFinder()
        return self._eyes

    def load(self) -> None:
        self.detector  # noqa: B018
        self.eye_finder  # noqa: B018

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One result per image or video: `Input`s or file paths."""
        return analyze_each(
            batch, self.run, model=self.name, modality="face", default_kind="image",
            lock=self._lock,
        )  # fmt: skip

    def run(self, source: Input) -> AffectResult:
        if source.kind == "video":
            return self.run_video(source)
        if source.kind != "image":
            raise InvalidInputError(
                f"An {source.kind} input has no faces to read: give an image or a video."
            )
        return self.run_image(source)

    def see(self, rgb: np.ndarray, faces: Sequence[Face]) -> list[Seen]:
        """Each face's eyes (where it is large enough) and its crop, turned to level them."""
        cv2 = require("cv2", "vision")
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        out = []
        for f in faces:
            looked = f.source != "whole-image" and f.box.width >= self.eye_finder.min_face
            eyes = self.eye_finder.find(gray, f.box) if looked else None
            crop, angle = align(rgb, f.box, eyes)
            out.append(Seen(f, crop, eyes, looked, angle))
        return out

    def run_image(self, source: Input) -> AffectResult:
        rgb = image_mod.load(source, self._limits)
        faces = faces_in(rgb, self.detector)
        h, w = rgb.shape[:2]
        raw: dict[str, Any] = {"width": w, "height": h, "faces": len(faces)}
        if not faces:
            raw["reason"] = "no face found"
            return AffectResult(
                label="empty", confidence=0.0, model=self.name, modality="face",
                uncertain=True, raw=raw, flags=(FLAG_EMPTY,),
            )  # fmt: skip
        seen = self.see(rgb, faces)
        probs = self.model.predict_proba([s.crop for s in seen])
        parts = tuple(self._part(i, s, p) for i, (s, p) in enumerate(zip(seen, probs)))
        emotions = {e: float(np.mean([p.emotions[e] for p in parts])) for e in EMOTIONS}
        polarity = {k: float(np.mean([p.polarity[k] for p in parts])) for k in parts[0].polarity}
        label = max(emotions, key=emotions.get)
        conf = emotions[label]
        raw["labels"] = {
            n: float(np.mean([p.raw["labels"][n] for p in parts])) for n in self.model.labels
        }
        return AffectResult(
            label=label, confidence=conf, model=self.name, modality="face",
            uncertain=conf < UNCERTAIN_BELOW, emotions=emotions, polarity=polarity,
            score=polarity["positive"] - polarity["negative"],
            valence=float(np.mean([p.valence for p in parts])),
            arousal=float(np.mean([p.arousal for p in parts])),
            raw=raw, parts=parts, flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
        )  # fmt: skip

    def run_video(self, source: Input) -> AffectResult:
        """The per-face, per-second timeline of a video (`affectkit.vision.timeline`)."""
        opts = self._video
        stream = open_video(source, self._video_limits)
        timeline = FaceTimeline(self.model.labels, self.name, smooth=opts.smooth)
        tracker = IoUTracker(max_gap=opts.track_gap)
        size = (stream.width, stream.height)
        with contextlib.closing(stream.frames(opts.fps)) as frames:
            for t, rgb in frames:
                deadline.check()
                h, w = rgb.shape[:2]
                if w * h > self._video_limits.max_pixels:  # a header may not tell (width 0)
                    raise LimitExceededError(
                        f"{stream.source}: {w}x{h} frames are over "
                        f"{self._video_limits.max_pixels:,} pixels."
                    )
                size = (w, h)
                seen = self.see(rgb, self._detect(rgb, min(1.0, opts.detect_width / w)))
                probs = self.model.predict_proba([s.crop for s in seen])
                ids = tracker.update(t, [s.face.box for s in seen])
                timeline.add_frame(t, [_observed(i, p, s) for i, p, s in zip(ids, probs, seen)])
        raw: dict[str, Any] = {
            "width": size[0], "height": size[1], "fps": opts.fps,
            "detector": self.detector.name,
        }  # fmt: skip
        if stream.frame_rate and opts.fps > stream.frame_rate:
            raw["fps"] = round(stream.frame_rate, 3)  # every frame was looked at
        if stream.truncated:
            raw["warning"] = stream.truncated
        return timeline.result(stream.duration, raw)

    def _detect(self, rgb: np.ndarray, shrink: float) -> list[Face]:
        """Faces of a frame, found on a copy shrunk by `shrink` (boxes in the frame's pixels)."""
        if shrink >= 1:
            return self.detector.detect(rgb)
        cv2 = require("cv2", "vision")
        small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        faces = []
        for f in self.detector.detect(small):
            b = f.box
            box = Box(b.x / shrink, b.y / shrink, b.width / shrink, b.height / shrink)
            faces.append(Face(box, f.score, f.source))
        return faces

    def _part(self, i: int, seen: Seen, probs: np.ndarray) -> AffectResult:
        face = seen.face
        d = describe(self.model.labels, probs)
        label = max(d["emotions"], key=d["emotions"].get)
        conf = d["emotions"][label]
        evidence = [
            Evidence(f"face {i + 1}", face.score, kind="face", note=face.source, box=face.box)
        ]
        raw: dict[str, Any] = {"labels": d["raw"], "detector": face.source}
        if seen.looked:
            raw["eyes_found"] = seen.eyes is not None
        if seen.eyes is not None:
            raw["frontal"] = seen.eyes.frontal(face.box)
            raw["roll_degrees"] = seen.eyes.roll
            raw["aligned_degrees"] = seen.angle
            note = self.eye_finder.name
            for what, (x, y) in (("left eye", seen.eyes.left), ("right eye", seen.eyes.right)):
                box = Box(x - 1, y - 1, 2, 2)
                evidence.append(Evidence(what, raw["frontal"], kind="landmark", note=note, box=box))
        return AffectResult(
            label=label, confidence=conf, model=self.name, modality="face",
            uncertain=conf < UNCERTAIN_BELOW, emotions=d["emotions"], polarity=d["polarity"],
            score=d["polarity"]["positive"] - d["polarity"]["negative"], valence=d["valence"],
            arousal=d["arousal"], box=face.box, raw=raw, evidence=tuple(evidence),
            flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
        )  # fmt: skip


def _observed(track: int, probs: np.ndarray, seen: Seen) -> tuple:
    """What the timeline keeps of a face in a frame (`FaceTimeline.add_frame`)."""
    eyes = (seen.eyes is not None) if seen.looked else None
    frontal = seen.eyes.frontal(seen.face.box) if seen.eyes is not None else None
    return track, probs, seen.face.box, eyes, frontal


def options_from(options: dict[str, Any]) -> dict[str, Any]:
    """Analyzer keyword arguments from load options ``max_video_seconds``,
    ``max_image_pixels``, ``fps`` and ``smooth``; other options (``cache_dir``) are not this
    analyzer's."""
    out: dict[str, Any] = {}
    seconds = options.get("max_video_seconds")
    if seconds is not None:
        try:
            out["video_limits"] = VideoLimits(max_seconds=float(seconds))
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"max_video_seconds must be a positive number of seconds. Got {seconds!r}."
            ) from None
    pixels = options.get("max_image_pixels")
    if pixels is not None:
        out["limits"] = image_mod.ImageLimits(max_pixels=pixels)
    video = {k: options[k] for k in ("fps", "smooth") if options.get(k) is not None}
    if video:
        out["video"] = VideoOptions(**video)
    return out


def load_shipped(**options: Any) -> FaceAnalyzer:
    from affectkit.vision.catalog import MODEL_DIR

    return FaceAnalyzer.from_pretrained(MODEL_DIR, name="face-expression@1", **options)
