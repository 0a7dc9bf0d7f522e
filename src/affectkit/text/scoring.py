"""Pure functions shared by the text analyzers: score squashing and score -> polarity for the
lexicons; the results for input no model reads (`empty_result`, `unsupported_result`, `triage`).

A lexicon analyzer adds up signed word weights into a raw sum; `squash` maps it into [-1, 1]
and `polarity_probs` turns that score into a 3-way distribution with a softmax over
logits ``(-a*s, b - c*|s|, a*s)``: `a` sets how fast confidence grows with the score, `b` how much
mass `neutral` gets at s = 0, `c` how fast neutral fades. The three numbers are fitted by maximum
likelihood on training splits (see `tools/tune_lexicon_en.py`) and stored with each analyzer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from affectkit.errors import InvalidInputError
from affectkit.results import (
    FLAG_EMPTY,
    FLAG_NO_EVIDENCE,
    FLAG_UNCERTAIN,
    FLAG_UNSUPPORTED,
    AffectResult,
    Evidence,
)
from affectkit.text.language import SUPPORTED, detect_language
from affectkit.text.preprocess import clean_text, is_blank


def squash(total: float, alpha: float = 15.0) -> float:
    """Map an unbounded sum of weights into (-1, 1): ``x / sqrt(x^2 + alpha)``."""
    return total / math.sqrt(total * total + alpha)


@dataclass(frozen=True)
class PolarityCalibration:
    a: float = 4.0
    b: float = 0.5
    c: float = 2.0
    uncertain_below: float = 0.5  # confidence under this marks a result `uncertain`


def polarity_probs(score: float, cal: PolarityCalibration) -> tuple[float, float, float]:
    """(p_negative, p_neutral, p_positive) for a score in [-1, 1]."""
    zn, zz, zp = -cal.a * score, cal.b - cal.c * abs(score), cal.a * score
    m = max(zn, zz, zp)
    en, ez, ep = math.exp(zn - m), math.exp(zz - m), math.exp(zp - m)
    t = en + ez + ep
    return en / t, ez / t, ep / t


def sentiment_result(
    score: float,
    cal: PolarityCalibration,
    *,
    model: str,
    language: str,
    evidence: tuple[Evidence, ...],
    raw: dict,
    emotions: dict[str, float] | None = None,
) -> AffectResult:
    """Build the result of a sentiment-only lexicon analyzer from its squashed score."""
    pn, pz, pp = polarity_probs(score, cal)
    if pp >= pn and pp >= pz:
        label, conf = "positive", pp
    elif pn >= pz:
        label, conf = "negative", pn
    else:
        label, conf = "neutral", pz
    uncertain = conf < cal.uncertain_below
    flags = ()
    if not evidence:
        flags = (FLAG_NO_EVIDENCE,)
    if uncertain:
        flags += (FLAG_UNCERTAIN,)
    return AffectResult(
        label=label,
        confidence=conf,
        model=model,
        uncertain=uncertain,
        emotions=emotions,
        polarity={"negative": pn, "neutral": pz, "positive": pp},
        score=score,
        valence=score,
        language=language,
        raw=raw,
        evidence=evidence,
        flags=flags,
    )


def empty_result(model: str, language: str | None) -> AffectResult:
    """The result for input with nothing to analyse: label ``empty``, confidence 0."""
    return AffectResult(
        label="empty",
        confidence=0.0,
        model=model,
        uncertain=True,
        language=language,
        flags=(FLAG_EMPTY,),
    )


def unsupported_result(model: str, language: str, languages: Sequence[str]) -> AffectResult:
    """The result for text in a language the model does not read: label ``unsupported``."""
    return AffectResult(
        label=FLAG_UNSUPPORTED,
        confidence=0.0,
        model=model,
        uncertain=True,
        language=language,
        raw={"supported_languages": list(languages)},
        flags=(FLAG_UNSUPPORTED,),
    )


def triage(
    batch: Sequence[object], model: str, languages: Sequence[str]
) -> tuple[list[AffectResult | None], list[tuple[int, str, str]]]:
    """Clean a batch and settle what no model needs to read.

    Returns one slot per input, filled with `empty_result` for blank text and with
    `unsupported_result` for a detected language outside `languages` (only when every code in
    `languages` is one we can detect: a model for e.g. "es" or "*" is not gated), and the
    ``(index, text, language)`` of the rest, which the model analyses. A bad item raises
    `InvalidInputError` naming its index (`clean_text`).
    """
    if isinstance(batch, (str, bytes)):
        raise InvalidInputError(
            "analyze() takes a sequence of texts, got a single text. Wrap it: analyze([text])."
        )
    gate = all(code in SUPPORTED for code in languages)
    results: list[AffectResult | None] = []
    todo: list[tuple[int, str, str]] = []
    for i, item in enumerate(batch):
        text = clean_text(item, i)
        if is_blank(text):
            results.append(empty_result(model, None))
            continue
        lang = detect_language(text)
        if gate and lang not in languages:
            results.append(unsupported_result(model, lang, languages))
        else:
            results.append(None)
            todo.append((i, text, lang))
    return results, todo
