"""The text side of `affectkit.analyze`: clean each text and say which language serves it.

Script detection lives in `affectkit.text.language`, cleaning in `affectkit.text.preprocess`;
this is the one function the façade calls for a text input (`affectkit.api.ROUTERS`).

Two routes beyond "the default model of the detected language":

- **A forced language** (``analyze(language="en")``) is the caller's word: the text goes to
  that language's model as a `ForcedText`, a ``str`` that carries the forced language, and the
  model reads it as that language without detecting the script again (`scoring.triage`). Mixed
  text such as "The food was 非常满意!" is then analysed as English, not flagged
  ``unsupported``. Unforced text is detected as before.
- **Emoji-only text** ("👍", ":(", "😡😡!!": emoji and ASCII emoticons with nothing else but
  punctuation and spaces, `preprocess.is_emoji_only`) has no words for a sentence model to
  read, so a polarity model that meets it (`scoring.triage` with ``emoji_route``) hands it to
  `EMOJI_ANALYZER` (``lexicon-en``) whatever the language (`emoji_results`); emotion models
  read it themselves. Emoji carry no language, and lexicon-en has the broadest emoji
  table we ship: VADER's emoticons and every emoji VADER describes, valued by the words of its
  CLDR description; lexicon-zh knows about 40 emoji, and its learned weights, fitted on Chinese
  reviews where emoticons are rare, give ":(" a positive weight. The lexicon scores an
  emoji-only text by the sign of its emoji valences (`scoring.EMOJI_ONLY`): 👍 😊 ❤️ :) are
  positive, 😡 👎 :( negative, 🤔 😐 and emoji it does not know neutral. The result names
  the model that was asked in `model` (as every result does), has ``raw["route"] ==
  "emoji-only"`` and ``raw["by"]`` (the lexicon that read it: ``lexicon-en@1``), and keeps
  the language the text was routed as (forced, else the model's own, else English).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from affectkit.text.language import detect_language
from affectkit.text.preprocess import clean_text


class ForcedText(str):
    """A cleaned text whose language the caller forced; `language` is that language.

    It is a ``str`` in every other way, so an analyzer that knows nothing of it reads the text
    as usual; `forced_language` reads the tag back.
    """

    language: str

    def __new__(cls, text: str, language: str) -> ForcedText:
        self = super().__new__(cls, text)
        self.language = language
        return self

    def __reduce__(self):  # pickles (process pools, Ray) keep the tag
        return (ForcedText, (str(self), self.language))


def forced_language(item: object) -> str | None:
    """The forced language of a text `route` tagged (`ForcedText`), else None."""
    return item.language if isinstance(item, ForcedText) else None


def route(value: object, index: int, language: str = "auto") -> tuple[str, str]:
    """(the cleaned text, its language): `language` if forced, else its dominant script's.

    A forced language comes back on the text too (`ForcedText`), so the model it is routed to
    analyses it as that language. Raises `InvalidInputError` naming item `index` when `value`
    is not text (see `clean_text`).
    """
    text = clean_text(value, index)
    if language != "auto":
        return ForcedText(text, language), language
    return text, detect_language(text)


# Registry name of the analyzer that reads emoji-only text, for every language.
EMOJI_ANALYZER = "lexicon-en"


@functools.cache
def _emoji_analyzer():
    from affectkit import registry

    return registry.load(EMOJI_ANALYZER)


def emoji_results(texts: Sequence[str], language: str, asked: str) -> list:
    """`AffectResult`s of emoji-only `texts` from `EMOJI_ANALYZER`, in `language` (the language
    they were routed as); `asked` is the model that handed them over, which the results name
    (the contract: a result names the analyzer asked); ``raw["by"]`` names the lexicon that
    read them."""
    from dataclasses import replace

    return [
        replace(
            r, model=asked, language=language, raw={**r.raw, "route": "emoji-only", "by": r.model}
        )
        for r in _emoji_analyzer().analyze(list(texts))
    ]


# One short text per language, to run a model once before the first request.
SAMPLES: dict[str, str] = {"en": "warm-up", "zh": "好"}


def sample_text(languages: tuple[str, ...]) -> str:
    """A short text in the first of `languages` that has a sample (English otherwise)."""
    return next((SAMPLES[lang] for lang in languages if lang in SAMPLES), SAMPLES["en"])
