"""The speech models affectkit ships, registered by name (imported by the registry on its
first look-up, `affectkit.registry.CATALOGS`). Nothing is loaded until used."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from affectkit.labels import EMOTIONS, POLARITIES
from affectkit.registry import ModelSpec, register, register_folder_kind, set_defaults

MODEL_DIR = Path(str(resources.files("affectkit"))) / "models" / "speech-emotion"
INPUTS = ("audio", "video")

register_folder_kind(
    "speech-emotion", "affectkit.speech.analyzer:SpeechAnalyzer.from_pretrained", INPUTS
)


def _size() -> int:
    return sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())


if (MODEL_DIR / "config.json").is_file():
    register(
        ModelSpec(
            "speech-emotion",
            1,
            "speech",
            "emotion",
            ("*",),
            EMOTIONS,
            loader="affectkit.speech.analyzer:load_emotion",
            description="emotion from the voice: a head over Whisper tiny.en's encoder (frozen), "
            "trained on RAVDESS actors 1-18 (acted speech; non-commercial data); speech "
            "segments by Silero VAD",
            size=_size,
            backend="torch",
            inputs=INPUTS,
        )
    )
    register(
        ModelSpec(
            "speech-affect",
            1,
            "speech",
            "emotion+sentiment",
            ("en",),
            tuple(dict.fromkeys(EMOTIONS + POLARITIES)),
            loader="affectkit.speech.analyzer:load_affect",
            description="speech-emotion for the voice + Whisper tiny.en transcript (English) "
            "read by the English text model, per speech segment; speakers told apart",
            size=_size,
            backend="torch",
            inputs=INPUTS,
        )
    )
    # fused-affect (`affectkit.fusion.catalog`) first where it is registered: whichever catalog
    # is read last, an audio file's default is the same
    set_defaults("audio", "*", ("fused-affect", "speech-affect", "speech-emotion"))
