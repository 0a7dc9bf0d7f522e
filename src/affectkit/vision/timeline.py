"""A video's faces over time: per face, per second, the expression and the attention proxies.

`FaceTimeline` takes what the analyzer saw in each sampled frame — every face's track id,
expression probabilities, box, and its eyes where they could be looked for — and keeps per
face and second only sums: memory grows with face-seconds (about 200 bytes each: 10 faces for
2 hours is 72,000 of them, some 15 MB), never with frames or their pixels. `result()` then builds
one `AffectResult` for the video:

- its `parts` are the faces (tracks of `IoUTracker`, ids F1, F2, ... in order of appearance),
  each with its span (first to last second seen), median box, summary and engagement, and its
  own `parts`: one per second in which it was seen, with the expression smoothed over a centred
  window of `smooth` whole seconds (3: the second and one each side; weighted by frames;
  ``raw["unsmoothed"]`` keeps that second's own label);
- the video's emotions are the mean over all face-seconds.

A face seen in fewer than `min_frames` sampled frames is dropped as a likely false detection
(counted in ``raw["dropped_tracks"]``).

Engagement (`ENGAGEMENT_WEIGHTS`): per second of a face's time on screen (first to last
sighting), `facing` is the share of sampled frames in which the frontal detector found it,
`eyes` the share of those in which both eyes were found (where the face is large enough to
look), `frontal` the eyes' head-yaw proxy (`affectkit.vision.landmarks`). A second's score is
the weighted mean of the proxies known in it; a second in which the face was not found scores
0. The face's score is the mean over its seconds, reported with every part and its share. These
are signals of looking at the camera, not of attention, and never a judgement of a person:
someone taking notes looks down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_EMPTY, FLAG_UNCERTAIN, AffectResult, Box, Span
from affectkit.vision.expression import describe

ENGAGEMENT_WEIGHTS = {"facing": 0.5, "eyes": 0.25, "frontal": 0.25}
ENGAGEMENT_NOTE = (
    "signals of facing the camera (face found, eyes found, head turned towards it), averaged "
    "over the face's time on screen; not a measure of attention or a judgement of a person"
)
UNCERTAIN_BELOW = 0.4


@dataclass(slots=True)
class _Second:
    frames: int = 0
    probs: np.ndarray | None = None
    eyes_looked: int = 0
    eyes_found: int = 0
    frontal_sum: float = 0.0
    box: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])


class FaceTimeline:
    def __init__(self, labels: Sequence[str], model: str, smooth: float = 3.0,
                 min_frames: int = 2) -> None:  # fmt: skip
        self.labels = tuple(labels)
        self.model = model
        self.smooth = smooth
        self.min_frames = min_frames
        self.sampled: dict[int, int] = defaultdict(int)  # second -> frames sampled
        self.faces: dict[int, dict[int, _Second]] = defaultdict(dict)  # track -> second -> sums
        self.frames = 0
        self.last_t = 0.0
        self.end = 0.0  # the video's end in seconds, known when `result` is called

    def add_frame(self, t: float, seen: Sequence[tuple[int, np.ndarray, Box, Any, float | None]]
                  ) -> None:  # fmt: skip
        """One sampled frame at `t` s: (track id, probabilities, box, eyes found: True/False/
        None for not looked, frontal proxy or None) per face."""
        s = int(t)
        self.frames += 1
        self.last_t = max(self.last_t, t)
        self.sampled[s] += 1
        for track, probs, box, eyes, frontal in seen:
            acc = self.faces[track].setdefault(s, _Second())
            acc.frames += 1
            acc.probs = probs.astype(np.float64) if acc.probs is None else acc.probs + probs
            if eyes is not None:
                acc.eyes_looked += 1
                acc.eyes_found += bool(eyes)
            if frontal is not None:
                acc.frontal_sum += frontal
            for i, v in enumerate((box.x, box.y, box.width, box.height)):
                acc.box[i] += v

    def result(self, duration: float | None, raw: dict[str, Any]) -> AffectResult:
        end = self.end = max(duration or 0.0, self.last_t)
        least = min(self.min_frames, self.frames)
        kept = {k: v for k, v in self.faces.items() if sum(a.frames for a in v.values()) >= least}
        raw = {**raw, "frames_sampled": self.frames, "faces": len(kept),
               "dropped_tracks": len(self.faces) - len(kept), "smoothing_seconds": self.smooth,
               "engagement_weights": ENGAGEMENT_WEIGHTS}  # fmt: skip
        span = Span(0.0, round(end, 3), "seconds")
        if not kept:
            raw["reason"] = f"no face found in {self.frames} sampled frames"
            return AffectResult(label="empty", confidence=0.0, model=self.model,
                                modality="face", uncertain=True, span=span, raw=raw,
                                flags=(FLAG_EMPTY,))  # fmt: skip
        faces = [self._face(n, seconds) for n, (_, seconds) in enumerate(sorted(kept.items()), 1)]
        seconds = [p for f in faces for p in f.parts]
        emotions = {e: float(np.mean([p.emotions[e] for p in seconds])) for e in EMOTIONS}
        return _summary(self.model, emotions, seconds, span=span, raw=raw, parts=tuple(faces))

    def _face(self, number: int, seconds: dict[int, _Second]) -> AffectResult:
        keys = sorted(seconds)
        probs = np.stack([seconds[s].probs / seconds[s].frames for s in keys])
        frames = np.array([seconds[s].frames for s in keys], dtype=np.float64)
        smoothed = _smooth(np.array(keys), probs, frames, self.smooth)
        parts = []
        for i, s in enumerate(keys):
            acc = seconds[s]
            d = describe(self.labels, smoothed[i])
            own = describe(self.labels, probs[i])
            box = Box(*(float(v) / acc.frames for v in acc.box))
            label = max(d["emotions"], key=d["emotions"].get)
            conf = d["emotions"][label]
            parts.append(AffectResult(
                label=label, confidence=conf, model=self.model, modality="face",
                uncertain=conf < UNCERTAIN_BELOW, emotions=d["emotions"], polarity=d["polarity"],
                score=d["polarity"]["positive"] - d["polarity"]["negative"],
                valence=d["valence"], arousal=d["arousal"],
                span=Span(float(s), float(min(s + 1, max(self.end, s))), "seconds"),
                box=box, raw={"face": f"F{number}", "frames": acc.frames,
                              "unsmoothed": max(own["emotions"], key=own["emotions"].get),
                              "labels": d["raw"], **self._proxies(s, acc)},
                flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (),
            ))  # fmt: skip
        engagement = self._engagement(keys, seconds)
        emotions = {e: float(np.mean([p.emotions[e] for p in parts])) for e in EMOTIONS}
        labels = [p.label for p in parts]
        boxes = np.array([[p.box.x, p.box.y, p.box.width, p.box.height] for p in parts])
        raw = {
            "face": f"F{number}",
            "seconds_seen": len(keys),
            "emotion_shares": {e: labels.count(e) / len(labels) for e in set(labels)},
            "engagement": engagement,
        }
        span = Span(float(keys[0]), parts[-1].span.end, "seconds")
        box = Box(*map(float, np.median(boxes, 0)))
        return _summary(self.model, emotions, parts, span=span, raw=raw, parts=tuple(parts),
                        box=box)  # fmt: skip

    def _proxies(self, s: int, acc: _Second) -> dict[str, float | None]:
        """The attention proxies of one second and its engagement score."""
        proxies = {
            "facing": min(1.0, acc.frames / max(self.sampled.get(s, 0), 1)),
            "eyes": acc.eyes_found / acc.eyes_looked if acc.eyes_looked else None,
            "frontal": acc.frontal_sum / acc.eyes_found if acc.eyes_found else None,
        }
        known = {k: v for k, v in proxies.items() if v is not None}
        weight = sum(ENGAGEMENT_WEIGHTS[k] for k in known)
        score = sum(ENGAGEMENT_WEIGHTS[k] * v for k, v in known.items()) / weight
        return {**proxies, "engagement": score}

    def _engagement(self, keys: list[int], seconds: dict[int, _Second]) -> dict[str, Any]:
        per_second, parts = [], defaultdict(list)
        for s in range(keys[0], keys[-1] + 1):
            if s not in seconds:
                if self.sampled.get(s):  # frames were looked at and the face was not in them
                    per_second.append(0.0)
                    parts["facing"].append(0.0)
                continue
            proxies = self._proxies(s, seconds[s])
            for k in ENGAGEMENT_WEIGHTS:
                if proxies[k] is not None:
                    parts[k].append(proxies[k])
            per_second.append(proxies["engagement"])
        return {
            "score": float(np.mean(per_second)) if per_second else None,
            **{k: float(np.mean(parts[k])) if parts[k] else None for k in ENGAGEMENT_WEIGHTS},
            "seconds": len(per_second),
            "note": ENGAGEMENT_NOTE,
        }


def _smooth(keys: np.ndarray, probs: np.ndarray, frames: np.ndarray, window: float) -> np.ndarray:
    """Frame-weighted mean over the `window` whole seconds centred on each second (3: one each
    side; an even window reaches half a second less on each side, so 4 acts as 3; gaps are not
    filled)."""
    if window < 2:
        return probs
    half = (window - 1) / 2
    out = np.empty_like(probs)
    for i, s in enumerate(keys):
        near = np.abs(keys - s) <= half + 1e-9
        w = frames[near]
        out[i] = (probs[near] * w[:, None]).sum(0) / w.sum()
    return out


def _summary(model: str, emotions: dict[str, float], over: Sequence[AffectResult],
             **fields: Any) -> AffectResult:  # fmt: skip
    """A result summarising `over` (its emotions given; polarity, valence, arousal averaged)."""
    label = max(emotions, key=emotions.get)
    conf = emotions[label]
    polarity = {k: float(np.mean([p.polarity[k] for p in over])) for k in over[0].polarity}
    return AffectResult(
        label=label, confidence=conf, model=model, modality="face",
        uncertain=conf < UNCERTAIN_BELOW, emotions=emotions, polarity=polarity,
        score=polarity["positive"] - polarity["negative"],
        valence=float(np.mean([p.valence for p in over])),
        arousal=float(np.mean([p.arousal for p in over])),
        flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else (), **fields,
    )  # fmt: skip
