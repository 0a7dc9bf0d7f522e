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
from affectkit.text.preprocess import clean_text, is_blank, is_emoji_only


def squash(total: float, alpha: float = 15.0) -> float:
    """Map an unbounded sum of weights into (-1, 1): ``x / sqrt(x^2 + alpha)``."""
    return total / math.sqrt(total * total + alpha)


@dataclass(frozen=True)
class PolarityCalibration:
    a: float = 4.0
    b: float = 0.5
    c: float = 2.0
    uncertain_below: float = 0.5  # confidence under this marks a result `uncertain`


# The calibration of an emoji-only text ("👍", ":(", `preprocess.is_emoji_only`) in both lexicons.
# Such a text has no words to weigh its emoji against, and one emoji squashes to a small score
# (👍 +0.10 in lexicon-en), which the sentence calibrations call neutral. Here the sign of the
# emoji valence sum decides: neutral wins only for |s| < b / (a + c) = 0.004, i.e. emoji the
# lexicon scores about 0 (🤔, 😐, one it does not know). Set by hand (there is no training set
# of emoji-only texts to fit it on); a = 10 gives a single emoji a confidence of about 0.7.
EMOJI_ONLY = PolarityCalibration(a=10.0, b=0.05, c=2.0)


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
    batch: Sequence[object], model: str, languages: Sequence[str], *, emoji_route: bool = False
) -> tuple[list[AffectResult | None], list[tuple[int, str, str]]]:
    """Clean a batch and settle what no model needs to read.

    Returns one slot per input, filled with `empty_result` for blank text, with
    `unsupported_result` for a detected language outside `languages` (only when every code in
    `languages` is one we can detect: a model for e.g. "es" or "*" is not gated) and, when
    `emoji_route` is set (polarity models set it), with the emoji analyzer's result for
    emoji-only text (`route.emoji_results`); and the ``(index, text, language)`` of the rest,
    which the model analyses. A text whose language the caller forced (`route.ForcedText`) is
    that language: it is neither detected nor gated. A bad item raises `InvalidInputError`
    naming its index (`clean_text`).
    """
    from affectkit.text.route import emoji_results, forced_language

    if isinstance(batch, (str, bytes)):
        raise InvalidInputError(
            "analyze() takes a sequence of texts, got a single text. Wrap it: analyze([text])."
        )
    gate = all(code in SUPPORTED for code in languages)
    own = languages[0] if len(languages) == 1 and languages[0] in SUPPORTED else "en"
    results: list[AffectResult | None] = []
    todo: list[tuple[int, str, str]] = []
    emoji: dict[str, list[tuple[int, str]]] = {}  # language -> (index, text) of emoji-only text
    for i, item in enumerate(batch):
        forced = forced_language(item)
        text = clean_text(item, i)
        if is_blank(text):
            results.append(empty_result(model, None))
            continue
        results.append(None)
        if emoji_route and is_emoji_only(text):
            emoji.setdefault(forced or own, []).append((i, text))
            continue
        lang = forced or detect_language(text)
        if gate and not forced and lang not in languages:
            results[i] = unsupported_result(model, lang, languages)
        else:
            todo.append((i, text, lang))
    for lang, items in emoji.items():
        for (i, _), r in zip(items, emoji_results([t for _, t in items], lang, model), strict=True):
            results[i] = r
    return results, todo
