"""The per-face, per-second video timeline (smoothing, dropped tracks, engagement) and the eyes
that feed it (pairing, head-pose proxy, levelling a tilted face)."""

import math

import numpy as np
import pytest

from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_EMPTY, AffectResult, Box
from affectkit.vision.landmarks import EyeFinder, Eyes, align, best_pair, square_crop
from affectkit.vision.timeline import ENGAGEMENT_WEIGHTS, FaceTimeline
from tests.vision.scenes import FOUND, dev_faces, place

LABELS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
HAPPY, SAD = np.eye(7)[3], np.eye(7)[5]
BOX = Box(100, 100, 120, 120)


def _timeline(**kw) -> FaceTimeline:
    return FaceTimeline(LABELS, "face-expression@1", **kw)


def test_per_face_per_second_with_smoothing_and_a_dropped_flicker():
    tl = _timeline(smooth=3.0)
    for i in range(12):  # 6 s at 2 fps; face 1 happy except one sad second, face 2 leaves at 3 s
        t = i / 2
        seen = [(1, SAD if int(t) == 2 else HAPPY, BOX, True, 0.9)]
        if t < 3:
            seen.append((2, SAD, Box(400, 100, 100, 100), False, None))
        if i == 5:
            seen.append((3, HAPPY, Box(10, 10, 30, 30), None, None))  # one frame: a flicker
        tl.add_frame(t, seen)
    r = tl.result(6.0, {"fps": 2})
    assert r.raw["faces"] == 2 and r.raw["dropped_tracks"] == 1 and r.raw["frames_sampled"] == 12
    f1, f2 = r.parts
    assert f1.raw["face"] == "F1" and (f1.span.start, f1.span.end) == (0, 6)
    assert [s.span.start for s in f1.parts] == [0, 1, 2, 3, 4, 5]
    # second 2 is sad on its own; the 3-second window (1, 2, 3) keeps it joyful
    two = f1.parts[2]
    assert two.raw["unsmoothed"] == "sadness" and two.label == "joy"
    assert two.emotions["sadness"] == pytest.approx(1 / 3) and two.emotions["joy"] == 2 / 3
    assert f2.label == "sadness" and len(f2.parts) == 3 and f2.box.x == 400
    assert set(r.emotions) == set(EMOTIONS) and abs(sum(r.emotions.values()) - 1) < 1e-9
    d = r.to_dict()
    assert AffectResult.from_dict(d).to_dict() == d
    assert d["parts"][0]["parts"][0]["span_unit"] == "seconds"


def test_no_smoothing_keeps_each_second():
    tl = _timeline(smooth=1.0)
    for i, p in enumerate([HAPPY, SAD, HAPPY]):
        tl.add_frame(float(i), [(1, p, BOX, None, None)])
    (face,) = tl.result(3.0, {}).parts
    assert [s.label for s in face.parts] == ["joy", "sadness", "joy"]
    assert face.raw["emotion_shares"] == {"joy": 2 / 3, "sadness": 1 / 3}


def test_engagement_counts_the_seconds_a_face_was_not_found():
    tl = _timeline()
    for i in range(8):  # 4 s at 2 fps; the face is missing in second 2 and eyes are unknown once
        t = i / 2
        if int(t) == 2:
            tl.add_frame(t, [])
            continue
        eyes, frontal = (True, 1.0) if int(t) != 3 else (False, None)
        tl.add_frame(t, [(1, HAPPY, BOX, eyes, frontal)])
    (face,) = tl.result(4.0, {}).parts
    e = face.raw["engagement"]
    assert e["seconds"] == 4  # 0, 1, 2 (absent: 0), 3
    # seconds 0 and 1 score 1; second 3: facing 1, eyes 0, frontal unknown -> 0.5 / 0.75
    w = ENGAGEMENT_WEIGHTS
    third = w["facing"] / (w["facing"] + w["eyes"])
    assert e["score"] == pytest.approx((1 + 1 + 0 + third) / 4)
    assert e["facing"] == pytest.approx(3 / 4) and e["eyes"] == pytest.approx(2 / 3)
    assert e["frontal"] == 1.0 and "not a measure of attention" in e["note"]
    assert [s.raw["engagement"] for s in face.parts] == pytest.approx([1, 1, third])


def test_a_video_without_faces_is_empty():
    tl = _timeline()
    for i in range(4):
        tl.add_frame(i / 2, [])
    r = tl.result(2.0, {"width": 640})
    assert r.label == "empty" and FLAG_EMPTY in r.flags and r.parts == ()
    assert r.raw["reason"] == "no face found in 4 sampled frames" and r.span.end == 2.0


def test_eye_pairs_and_the_frontal_proxy():
    box = Box(0, 0, 100, 100)
    found = [(30, 40), (70, 41), (52, 80), (20, 10)]  # two eyes, a nostril, a stray
    eyes = best_pair([(float(x), float(y)) for x, y in found], box)
    assert eyes.left == (30, 40) and eyes.right == (70, 41)
    assert abs(eyes.roll) < 2 and eyes.frontal(box) == 1.0
    turned = Eyes((40.0, 40.0), (80.0, 40.0))  # midpoint 10 px off centre, 40 px apart
    assert turned.frontal(box) == pytest.approx(0.5)
    assert Eyes((60.0, 40.0), (100.0, 40.0)).frontal(box) == 0.0
    assert best_pair([(30.0, 40.0)], box) is None  # one eye is no pair
    assert best_pair([(30.0, 20.0), (70.0, 60.0)], box) is None  # far from level


def test_align_levels_a_tilted_face(shared_data):
    import cv2

    face = dev_faces(shared_data)[FOUND[0]]
    scene = np.full((300, 300), 128, np.uint8)
    place(scene, face, 75, 75, 150)
    box = Box(75, 75, 150, 150)
    m = cv2.getRotationMatrix2D((150, 150), -15, 1.0)  # the head tilted 15 degrees
    tilted = cv2.warpAffine(scene, m, (300, 300), borderValue=128)
    # the eyes where the tilt put them (eyes at 35% / 65% across, 40% down the face)
    pts = np.array([[75 + 0.35 * 150, 75 + 0.4 * 150, 1], [75 + 0.65 * 150, 75 + 0.4 * 150, 1]])
    (lx, ly), (rx, ry) = pts @ m.T
    eyes = Eyes((lx, ly), (rx, ry))
    assert eyes.roll == pytest.approx(15, abs=0.5)
    rgb = np.repeat(tilted[..., None], 3, 2)
    levelled, angle = align(rgb, box, eyes)
    assert angle == pytest.approx(15, abs=0.5) and levelled.shape[:2] == (150, 150)
    truth = scene[75:225, 75:225].astype(float)

    def error(crop):
        return float(np.abs(crop[..., 0].astype(float) - truth)[20:-20, 20:-20].mean())

    assert error(levelled) < 0.5 * error(square_crop(rgb, box))
    # a slight tilt is left as it is
    same, none = align(rgb, box, Eyes((50.0, 100.0), (100.0, 101.0)))
    assert none == 0.0 and np.array_equal(same, square_crop(rgb, box))


def test_eye_finder_on_a_real_face(shared_data):
    faces = dev_faces(shared_data)
    finder = EyeFinder()
    found = 0
    for i in FOUND:
        scene = np.full((300, 300), 128, np.uint8)
        place(scene, faces[i], 50, 60, 160)
        eyes = finder.find(scene, Box(50, 60, 160, 160))
        if eyes is None:
            continue
        found += 1
        assert eyes.left[0] < 130 < eyes.right[0]  # one each side of the face's centre line
        assert 60 + 0.15 * 160 <= eyes.left[1] <= 60 + 0.6 * 160
        assert abs(eyes.roll) < 20 and math.isfinite(eyes.frontal(Box(50, 60, 160, 160)))
    assert found >= 2
    assert finder.find(np.zeros((100, 100), np.uint8), Box(0, 0, 30, 30)) is None  # too small
