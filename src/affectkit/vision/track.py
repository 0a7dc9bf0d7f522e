"""Following faces across video frames by box overlap (IoU tracking).

Each new frame's boxes are matched greedily to the open tracks by intersection over union (the
best pair first, at least `min_iou`); an unmatched box opens a new track; a track unseen for
more than `max_gap` seconds is closed. Track ids count from 1 in order of appearance. Enough for
a classroom or an interview camera that does not cut; identities are not recognised, only
followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from affectkit.results import Box


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
    inter = ix * iy
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


@dataclass(slots=True)
class Track:
    id: int
    box: Box  # where it was last seen
    last_seen: float


class IoUTracker:
    def __init__(self, min_iou: float = 0.3, max_gap: float = 2.0) -> None:
        self.min_iou, self.max_gap = min_iou, max_gap
        self.tracks: list[Track] = []  # open tracks
        self._next = 1

    def update(self, t: float, boxes: list[Box]) -> list[int]:
        """The track id of each box seen at `t` seconds (in the order given)."""
        self.tracks = [tr for tr in self.tracks if t - tr.last_seen <= self.max_gap]
        pairs = sorted(
            (
                (iou(tr.box, b), i, j)
                for i, tr in enumerate(self.tracks)
                for j, b in enumerate(boxes)
            ),
            reverse=True,
        )
        ids: list[int | None] = [None] * len(boxes)
        used: set[int] = set()
        for score, i, j in pairs:
            if score < self.min_iou:
                break
            if i in used or ids[j] is not None:
                continue
            used.add(i)
            ids[j] = self.tracks[i].id
        for j, b in enumerate(boxes):
            if ids[j] is None:
                self.tracks.append(Track(self._next, b, t))
                ids[j] = self._next
                self._next += 1
        for j, b in enumerate(boxes):
            tr = next(tr for tr in self.tracks if tr.id == ids[j])
            tr.box, tr.last_seen = b, t
        return [i for i in ids if i is not None]
