"""Pure functions shared by the lexicon analyzers: score squashing and score -> polarity.

A lexicon analyzer adds up signed word weights into a raw sum; `squash` maps it into [-1, 1]
and `polarity_probs` turns that score into a 3-way distribution with a softmax over
logits ``(-a*s, b - c*|s|, a*s)``: `a` sets how fast confidence grows with the score, `b` how much
mass `neutral` gets at s = 0, `c` how fast neutral fades. The three numbers are fitted by maximum
likelihood on training splits (see `bench/tune_lexicon_en.py`) and stored with each analyzer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from affectkit.types import FLAG_EMPTY, FLAG_NO_EVIDENCE, FLAG_UNCERTAIN, AffectResult, Evidence


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
