"""The face models affectkit ships, registered by name (imported by the registry on its first
look-up, `affectkit.registry.CATALOGS`). Nothing is loaded until used; the expression model
registers once its trained folder is in ``affectkit/models/face-expression/``; it is the
default for images and videos (a video's sound goes to the speech models when asked by name)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from affectkit.labels import EMOTIONS
from affectkit.registry import ModelSpec, register, register_folder_kind, set_defaults

MODEL_DIR = Path(str(resources.files("affectkit"))) / "models" / "face-expression"

register_folder_kind(
    "face-expression", "affectkit.vision.analyzer:FaceAnalyzer.from_pretrained", ("image", "video")
)

if (MODEL_DIR / "config.json").is_file():
    register(
        ModelSpec(
            "face-expression", 1, "face", "emotion", ("*",), EMOTIONS,
            loader="affectkit.vision.analyzer:load_shipped",
            description="every face of an image or video (OpenCV Haar cascade) and its "
            "expression, two residual CNNs trained on FER2013 (research use); a video's per-face, "
            "per-second timeline with engagement proxies",
            backend="onnx", inputs=("image", "video"), folder=None,
            size=lambda: sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file()),
        )
    )  # fmt: skip
    set_defaults("image", "*", ("face-expression",))
    # fused-affect (`affectkit.fusion.catalog`) first where it is registered: whichever catalog
    # is read last, a video's default is the same
    set_defaults("video", "*", ("fused-affect", "face-expression"))
