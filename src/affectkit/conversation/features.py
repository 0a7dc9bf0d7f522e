"""What the dissatisfaction model sees of a customer turn: pure functions, numbers in and out.

A turn's *reading* is the part of the text analyzer's result the model uses: the polarity
over ``negative, neutral, positive``, the seven canonical emotions and the score in [-1, 1]
(`reading`). Only canonical outputs are used, so the same model reads the English and the
Chinese analyzers' results. A turn with nothing to read (an empty text, an unsupported
language) has no reading: its features are the neutral defaults, flagged by ``empty``.

`features` turns the readings of one conversation into one row per customer turn, in two
groups: ``turn`` (the turn alone) and ``context`` (what came before it: the agent's previous
turn, the customer's previous turn, the position, the customer's running minimum and mean
score, and how much the turn repeats the customer's previous one: a customer who has to say
it again is rarely pleased). Context looks only backwards, so a turn's score never changes
when later turns arrive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from affectkit.labels import EMOTIONS, POLARITIES

Reading = dict[str, Any]  # {"polarity": {...}, "emotions": {...}, "score": float} or {}

# The neutral reading of a turn with nothing to read (and of "no previous turn").
NEUTRAL_POLARITY = {"negative": 0.0, "neutral": 1.0, "positive": 0.0}
NEUTRAL_EMOTIONS = {e: float(e == "neutral") for e in EMOTIONS}

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")


def reading(result: Any) -> Reading:
    """The polarity, emotions and score of an `AffectResult` (or its dict form); ``{}`` when
    it carries none (empty text, unsupported language, an error)."""
    get = result.get if isinstance(result, Mapping) else lambda k: getattr(result, k, None)
    polarity, emotions = get("polarity"), get("emotions")
    if polarity is None and emotions is None:
        return {}
    out: Reading = {}
    if polarity is not None:
        out["polarity"] = {p: round(float(polarity.get(p, 0.0)), 4) for p in POLARITIES}
    if emotions is not None:
        out["emotions"] = {e: round(float(emotions.get(e, 0.0)), 4) for e in EMOTIONS}
    score = get("score")
    if score is None and polarity is not None:
        score = out["polarity"]["positive"] - out["polarity"]["negative"]
    out["score"] = None if score is None else round(float(score), 4)
    return out


def words(text: str) -> set[str]:
    """Lower-cased words of a text; each Han character counts as a word."""
    return {w.lower() for w in _WORD.findall(_HAN.sub(" ", text))} | set(_HAN.findall(text))


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of two texts' words, in [0, 1] (0 when either has none)."""
    wa, wb = words(a), words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def _vector(r: Reading | None) -> list[float]:
    """(3 polarities, 7 emotions, score, empty): 12 numbers of one reading. ``empty`` is 1 for
    a turn with nothing to read; no turn at all (None) is neutral with ``empty`` 0, so that
    "no previous turn" is said once, by ``context.first_turn``."""
    pol = (r or {}).get("polarity") or NEUTRAL_POLARITY
    emo = (r or {}).get("emotions") or NEUTRAL_EMOTIONS
    if r and r.get("emotions") is None:  # a model without emotions (a polarity lexicon):
        emo = dict.fromkeys(EMOTIONS, math.nan)  # unknown, not neutral (the model imputes)
    score = (r or {}).get("score")
    return (
        [pol[p] for p in POLARITIES]
        + [emo[e] for e in EMOTIONS]
        + [0.0 if score is None else score, float(r is not None and not r)]
    )


_READING = [*(f"pol_{p}" for p in POLARITIES), *(f"emo_{e}" for e in EMOTIONS), "score", "empty"]
TURN_FEATURES = (
    *(f"turn.{n}" for n in _READING),
    "turn.log_chars",
    "turn.question",
)
CONTEXT_FEATURES = (
    *(f"agent_before.{n}" for n in _READING),
    *(f"customer_before.{n}" for n in _READING),
    "context.first_turn",
    "context.log_position",
    "context.repeat",
    "context.min_score",
    "context.mean_score",
    "context.negative_turns",
)
GROUPS = {"turn": TURN_FEATURES, "context": CONTEXT_FEATURES}


def features(
    texts: Sequence[str], readings: Sequence[Reading], is_customer: Sequence[bool]
) -> dict[str, np.ndarray]:
    """One row per customer turn, in order: ``{"turn": (n, 14), "context": (n, 30)}``.

    `texts`, `readings` and `is_customer` describe every turn of one conversation, in order.
    """
    turn_rows: list[list[float]] = []
    context_rows: list[list[float]] = []
    agent_before: Reading | None = None
    customer_before: tuple[str, Reading] | None = None
    scores: list[float] = []
    negatives = 0
    for text, r, mine in zip(texts, readings, is_customer, strict=True):
        if not mine:
            agent_before = r
            continue
        turn_rows.append([*_vector(r), math.log1p(len(text)), float("?" in text or "？" in text)])
        prev_text, prev = customer_before if customer_before else ("", None)
        context_rows.append(
            _vector(agent_before)
            + _vector(prev)
            + [
                float(customer_before is None),
                math.log1p(len(turn_rows) - 1),
                overlap(text, prev_text),
                min(scores) if scores else 0.0,
                float(np.mean(scores)) if scores else 0.0,
                math.log1p(negatives),
            ]
        )
        if r.get("score") is not None:
            scores.append(r["score"])
            negatives += r["score"] < -0.3
        customer_before = (text, r)
    return {
        "turn": np.asarray(turn_rows, dtype=np.float64).reshape(-1, len(TURN_FEATURES)),
        "context": np.asarray(context_rows, dtype=np.float64).reshape(-1, len(CONTEXT_FEATURES)),
    }
