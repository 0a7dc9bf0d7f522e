"""IoU tracking: faces keep their ids while they move a little, new faces get new ids, a face
gone longer than the gap comes back as a new track."""

from affectkit.results import Box
from affectkit.vision.track import IoUTracker, iou


def test_iou():
    a = Box(0, 0, 10, 10)
    assert iou(a, a) == 1.0 and iou(a, Box(20, 20, 5, 5)) == 0.0
    assert abs(iou(a, Box(5, 0, 10, 10)) - 50 / 150) < 1e-9


def test_two_faces_keep_their_ids_and_a_newcomer_gets_the_next():
    tr = IoUTracker()
    assert tr.update(0.0, [Box(10, 10, 50, 50), Box(200, 10, 50, 50)]) == [1, 2]
    # they drift, and are given in the other order
    assert tr.update(0.5, [Box(205, 12, 50, 50), Box(14, 11, 50, 50)]) == [2, 1]
    assert tr.update(1.0, [Box(16, 12, 50, 50), Box(400, 300, 60, 60)]) == [1, 3]


def test_a_face_gone_too_long_is_a_new_track():
    tr = IoUTracker(max_gap=2.0)
    assert tr.update(0.0, [Box(10, 10, 50, 50)]) == [1]
    assert tr.update(1.5, [Box(12, 10, 50, 50)]) == [1]
    assert tr.update(5.0, [Box(12, 10, 50, 50)]) == [2]
    assert tr.update(5.5, []) == []
