"""Face detectors on a harder, synthetic check: FER2013 dev faces pasted into 640x480 scenes.

    python bench/face_detect.py      # where opencv-contrib-python (and mediapipe) are installed

60 scenes of blurred noise with 1-3 faces each (116 faces, seed 0), every face a FER2013 dev
image resized to 60-170 px at a free position. FER2013 images are tight grayscale face crops:
the faces have no hair, neck or shoulders around them, which makes this harder than a photo, and
it is synthetic. A detection counts when its centre lies inside a pasted face and its size is
0.4-2.5 times the face's. Prints recall, false positives and milliseconds per scene (one
thread). mediapipe 0.10.14 pins protobuf below 5 and pulls jax: measure it in its own
virtual environment.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "face" / "fer2013" / "dev.npz"
W, H = 640, 480


def scenes(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    faces = np.load(DEV)["images"]
    out = []
    for _ in range(n):
        bg = rng.random((H, W)) * 60 + rng.integers(60, 160)
        bg = cv2.GaussianBlur(bg.astype(np.float32), (0, 0), 8) + rng.normal(0, 6, (H, W))
        boxes: list[tuple[int, int, int]] = []
        for _face in range(int(rng.integers(1, 4))):
            for _try in range(50):
                size = int(rng.integers(60, 170))
                x, y = int(rng.integers(0, W - size)), int(rng.integers(0, H - size))
                free = all(x + size < bx or bx + bs < x or y + size < by or by + bs < y
                           for bx, by, bs in boxes)  # fmt: skip
                if free:
                    break
            face = faces[rng.integers(len(faces))]
            bg[y : y + size, x : x + size] = cv2.resize(
                face, (size, size), interpolation=cv2.INTER_CUBIC
            )
            boxes.append((x, y, size))
        out.append((np.clip(bg, 0, 255).astype(np.uint8), boxes))
    return out


def score(detect, data) -> dict:
    hits = false = total = 0
    seconds = 0.0
    for image, boxes in data:
        t = time.perf_counter()
        found = detect(image)
        seconds += time.perf_counter() - t
        total += len(boxes)
        used: set[int] = set()
        for fx, fy, fw, fh in found:
            cx, cy = fx + fw / 2, fy + fh / 2
            match = [i for i, (x, y, s) in enumerate(boxes) if i not in used
                     and x <= cx <= x + s and y <= cy <= y + s and 0.4 < fw / s < 2.5]  # fmt: skip
            if match:
                used.add(match[0])
                hits += 1
            else:
                false += 1
    return {"recall": round(hits / total, 3), "false_positives": false, "faces": total,
            "ms_per_scene": round(1000 * seconds / len(data), 1)}  # fmt: skip


def main() -> None:
    cv2.setNumThreads(1)
    data = scenes()
    for name in ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml"):
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        result = score(
            lambda g, c=cascade: [
                tuple(b) for b in c.detectMultiScale(g, 1.1, 4, minSize=(30, 30))
            ],
            data,
        )
        print(f"opencv {name}: {result}")
    try:
        import mediapipe as mp
    except ImportError:
        print("mediapipe is not installed: skipped")
        return
    for selection in (0, 1):
        detector = mp.solutions.face_detection.FaceDetection
        with detector(model_selection=selection, min_detection_confidence=0.5) as fd:

            def detect(gray, fd=fd):
                found = fd.process(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)).detections or []
                boxes = [d.location_data.relative_bounding_box for d in found]
                return [(b.xmin * W, b.ymin * H, b.width * W, b.height * H) for b in boxes]

            print(f"mediapipe model_selection={selection}: {score(detect, data)}")


if __name__ == "__main__":
    main()
