"""The text side of `affectkit.analyze`: clean each text and say which language serves it.

Script detection lives in `affectkit.text.language`, cleaning in `affectkit.text.preprocess`;
this is the one function the façade calls for a text input (`affectkit.api.ROUTERS`).
"""

from __future__ import annotations

from affectkit.text.language import detect_language
from affectkit.text.preprocess import clean_text


def route(value: object, index: int, language: str = "auto") -> tuple[str, str]:
    """(the cleaned text, its language): `language` if forced, else its dominant script's.

    Raises `InvalidInputError` naming item `index` when `value` is not text (see `clean_text`).
    """
    text = clean_text(value, index)
    return text, language if language != "auto" else detect_language(text)


# One short text per language, to run a model once before the first request.
SAMPLES: dict[str, str] = {"en": "warm-up", "zh": "好"}


def sample_text(languages: tuple[str, ...]) -> str:
    """A short text in the first of `languages` that has a sample (English otherwise)."""
    return next((SAMPLES[lang] for lang in languages if lang in SAMPLES), SAMPLES["en"])
