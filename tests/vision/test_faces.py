"""The face analyzer end to end with a small model trained here on real FER2013 faces: crops,
faces in scenes, no face, bad files in a batch, and the whole-image rule."""

import numpy as np
import pytest
from PIL import Image

from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_EMPTY, FLAG_ERROR, AffectResult
from affectkit.vision.analyzer import FaceAnalyzer
from affectkit.vision.detect import WHOLE_IMAGE_RULE, HaarDetector, faces_in
from affectkit.vision.expression import FaceExpressionModel
from tests.speech import media
from tests.vision import scenes

pytestmark = pytest.mark.slow  # trains a small network first (about 20 s)


@pytest.fixture(scope="module")
def folder(face_model):
    return face_model


@pytest.fixture(scope="module")
def analyzer(folder):
    return FaceAnalyzer("face-expression@1", FaceExpressionModel.from_pretrained(folder))


@pytest.fixture(scope="module")
def faces(shared_data):
    return np.load(shared_data / "face" / "fer2013" / "dev.npz")["images"]


def test_a_face_crop_is_classified_whole(analyzer, faces):
    upside_down = faces[3][::-1].copy()  # no frontal-face detector finds it: the rule applies
    (r,) = analyzer.analyze([Input.from_bytes("image", scenes.png(upside_down))])
    assert r.modality == "face" and len(r.parts) == 1
    part = r.parts[0]
    assert part.box.width == 48 and part.raw["detector"] == "whole-image"
    # a crop the detector does find, covering most of it, is classified in its box
    (found,) = analyzer.analyze([Input.from_bytes("image", scenes.png(faces[3]))])
    box = found.parts[0].box
    assert len(found.parts) == 1 and box.width * box.height >= 0.5 * 48 * 48
    assert set(part.emotions) == set(EMOTIONS) and abs(sum(part.emotions.values()) - 1) < 1e-6
    assert part.evidence[0].box == part.box and part.evidence[0].note == "whole-image"
    assert "whole image" in WHOLE_IMAGE_RULE
    d = r.to_dict()
    assert AffectResult.from_dict(d).to_dict() == d


def test_faces_in_a_scene_get_boxes(analyzer, faces):
    scene = np.full((480, 640), 128, np.uint8)
    found_any = 0
    for i in range(12):  # a detector misses some FER crops: look for those it finds
        big = np.array(Image.fromarray(faces[i]).resize((150, 150), Image.BICUBIC))
        scene[:] = 128
        scene[100:250, 60:210] = big
        boxes = faces_in(np.repeat(scene[..., None], 3, 2), HaarDetector())
        if boxes:
            found_any += 1
            (r,) = analyzer.analyze([Input.from_bytes("image", scenes.png(scene))])
            assert len(r.parts) == len(boxes)
            b = r.parts[0].box
            cx, cy = b.x + b.width / 2, b.y + b.height / 2
            assert 60 <= cx <= 210 and 100 <= cy <= 250 and 90 <= b.width <= 300
    assert found_any >= 6


def test_no_face_is_an_empty_result_and_bad_files_are_errors(analyzer, tmp_path):
    blank = np.full((480, 640), 90, np.uint8)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    rs = analyzer.analyze([Input.from_bytes("image", scenes.png(blank)), tmp_path / "broken.png",
                           tmp_path / "missing.jpg"])  # fmt: skip
    assert (
        rs[0].label == "empty"
        and FLAG_EMPTY in rs[0].flags
        and rs[0].raw["reason"] == "no face found"
    )
    assert [FLAG_ERROR in r.flags for r in rs] == [False, True, True]
    assert "not a readable image" in rs[1].raw["error"] and "no such file" in rs[2].raw["error"]


def test_analyze_image_on_the_command_line(folder, faces, tmp_path):
    import json

    from tests.test_cli import cli

    scene = np.full((480, 640), 120, np.uint8)
    for i, (x, y) in enumerate([(60, 100), (350, 150)]):
        scene[y : y + 150, x : x + 150] = np.array(
            Image.fromarray(faces[i + 5]).resize((150, 150), Image.BICUBIC)
        )
    Image.fromarray(scene).save(tmp_path / "scene.png")
    png = tmp_path / "boxes.png"
    p = cli("analyze", "--model", str(folder), "--image", str(tmp_path / "scene.png"), "--json",
            "--annotate", str(png))  # fmt: skip
    row = json.loads(p.stdout)
    assert row["modality"] == "face" and len(row["parts"]) == 2
    assert all(q["box"]["width"] > 100 for q in row["parts"])
    assert Image.open(png).size == (640, 480)


def test_evaluate_on_a_csv_of_face_crops(folder, faces, shared_data, tmp_path):
    """FER2013 crops as PNG files: the whole-image rule classifies them; label names match the
    model's own; a label no map covers (CK+'s contempt) is excluded and counted."""
    from affectkit.training.evaluate import evaluate

    labels = np.load(shared_data / "face" / "fer2013" / "dev.npz")["labels"]
    names = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    (tmp_path / "crops").mkdir()
    rows = ["input,label"]
    for i in range(20):
        Image.fromarray(faces[i]).save(tmp_path / "crops" / f"{i}.png")
        rows.append(f"crops/{i}.png,{names[labels[i]]}")
    rows.append("crops/0.png,contempt")
    (tmp_path / "eval.csv").write_text("\n".join(rows) + "\n")
    out = evaluate(str(folder), tmp_path / "eval.csv")
    assert out["n"] == 20 and out["excluded"] == {"contempt": 1}
    assert 0 <= out["accuracy"] <= 1


def test_a_video_gives_a_timeline_per_face(analyzer, faces, tmp_path):
    """Two real faces in an H.264 clip, the right one leaving at 2 s: two tracks, per-second
    parts with boxes, engagement, and the video's span; bad and faceless videos beside it."""
    path = scenes.write_video(tmp_path / "two.mp4", faces, seconds=4.0)
    blank = media.write_mp4(tmp_path / "blank.mp4", None, seconds=1.0)  # grey frames, no face
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x00\x00 ftypisom" + bytes(100))
    r, empty, junk = analyzer.analyze([Input.from_path(path), blank, tmp_path / "junk.mp4"])
    assert r.modality == "face" and r.span.unit == "seconds" and r.span.end == pytest.approx(4)
    assert r.raw["faces"] == 2 and r.raw["frames_sampled"] == 8 and r.raw["fps"] == 2.0
    left, right = sorted(r.parts, key=lambda f: f.box.x)
    assert (left.span.start, left.span.end) == (0, 4) and len(left.parts) == 4
    assert right.span.end <= 3 and right.box.x > 320  # left the picture at 2 s
    for face in r.parts:
        assert face.raw["engagement"]["facing"] == 1.0 and 0 <= face.raw["engagement"]["score"] <= 1
        for sec in face.parts:
            assert sec.raw["face"] == face.raw["face"] and sec.box is not None
            assert abs(sum(sec.emotions.values()) - 1) < 1e-6
    d = r.to_dict()
    assert AffectResult.from_dict(d).to_dict() == d
    assert empty.label == "empty" and empty.raw["reason"].startswith("no face found in")
    assert FLAG_ERROR in junk.flags and "not a readable video" in junk.raw["error"]


def test_analyze_video_on_the_command_line(folder, faces, tmp_path):
    import json

    from tests.test_cli import cli

    path = scenes.write_video(tmp_path / "clip.mp4", faces, seconds=3.0)
    plot = tmp_path / "faces.png"
    p = cli("analyze", "--model", str(folder), "--video", str(path), "--fps", "4", "--json",
            "--plot", str(plot))  # fmt: skip
    row = json.loads(p.stdout)
    assert row["modality"] == "face" and row["raw"]["fps"] == 4.0 and len(row["parts"]) == 2
    assert Image.open(plot).size[0] > 800
    table = cli("analyze", "--model", str(folder), "--video", str(path)).stdout
    assert "F1" in table and "facing the camera" in table
    bad = cli("analyze", "--model", str(folder), "--video", str(path), "--fps", "0", check=False)
    assert bad.returncode != 0 and "fps must be a positive number" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_batch_over_a_csv_of_photos_and_videos(folder, faces, tmp_path):
    """`affectkit batch` with a column of media paths: photos (a broken one is its row's error,
    every row in the output in order), then videos."""
    import json

    from tests.test_cli import cli

    scene = np.full((480, 640), 120, np.uint8)
    scenes.place(scene, faces[scenes.FOUND[0]], 100, 100, 150)
    Image.fromarray(scene).save(tmp_path / "one.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff" + bytes(30))
    scenes.write_video(tmp_path / "clip.mp4", faces, seconds=2.0)
    (tmp_path / "photos.csv").write_text("path\none.png\nbroken.jpg\none.png\n")
    (tmp_path / "videos.csv").write_text("path\nclip.mp4\n")
    rows = {}
    for kind in ("photos", "videos"):
        out = tmp_path / f"{kind}.jsonl"
        cli("batch", str(tmp_path / f"{kind}.csv"), "-o", str(out), "--input-col", "path",
            "--input-kind", kind[:-1].replace("photo", "image"), "--model", str(folder),
            "--quiet")  # fmt: skip
        rows[kind] = [json.loads(line) for line in out.read_text().splitlines()]
    photos, (video,) = rows["photos"], rows["videos"]
    assert [r["id"] for r in photos] == ["1", "2", "3"] and photos[0]["parts"] == photos[2]["parts"]
    assert len(photos[0]["parts"]) == 1 and photos[0]["parts"][0]["box"]["width"] > 100
    assert photos[1]["error"] and "image" in photos[1]["error"]
    assert video["span_unit"] == "seconds" and video["parts"][0]["parts"]  # faces, their seconds
