"""The fused analyzer, registered by name (imported by the registry on its first look-up,
`affectkit.registry.CATALOGS`) where the speech and face models it combines are shipped, and
then the default for videos and audio files (this catalog is read after the speech and vision
ones, so its defaults are the ones in force).

The shipped folders are checked as files, not through the registry: any catalog's import may be
the one that starts discovery, so another catalog's models may not be registered yet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from affectkit.labels import EMOTIONS, POLARITIES
from affectkit.registry import ModelSpec, register, set_defaults

MODELS = Path(str(resources.files("affectkit"))) / "models"
COMBINES = ("speech-emotion", "face-expression")


def _size() -> int:
    return sum(p.stat().st_size for m in COMBINES for p in (MODELS / m).rglob("*") if p.is_file())


if all((MODELS / m / "config.json").is_file() for m in COMBINES):
    register(
        ModelSpec(
            "fused-affect", 1, "fused", "emotion+sentiment", ("en",),
            tuple(dict.fromkeys(EMOTIONS + POLARITIES)),
            loader="affectkit.fusion.analyzer:load",
            description="a recording's voice, words (English transcript) and faces, each by its "
            "own model, fused per second (reliability-weighted late fusion) into one timeline",
            backend="onnx+torch", inputs=("video", "audio"), size=_size,
        )
    )  # fmt: skip
    # a recording's default is the fused timeline (a video without sound or faces fuses what
    # it has); the single-modality models stay the fallbacks and can be named
    set_defaults("video", "*", ("fused-affect", "face-expression"))
    set_defaults("audio", "*", ("fused-affect", "speech-affect", "speech-emotion"))
