"""How the customer's mood moved through a conversation: pure functions over the customer
turns' scores and dissatisfaction probabilities.

- The *trajectory* is one point per customer turn: its score in [-1, 1] (the text analyzer's
  positive minus negative probability) and its dissatisfaction probability.
- A *turning point* is a customer turn whose score is at least `TURN_DELTA` away from the mean
  of the customer's previous (up to `TURN_WINDOW`) scores ("worse" or "better"), or where the
  dissatisfaction probability crosses the model's threshold ("dissatisfied", "recovered").
- *entered* and *left* are the customer's first and last turns with a reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

TURN_DELTA = 0.5
TURN_WINDOW = 2
EMOTION_MIN = 0.3  # a turn's emotion is named when its probability is at least this
MAX_TURNING_POINTS = 20


def mood(reading: Mapping[str, Any]) -> dict[str, Any]:
    """A reading in words: polarity label, score, and the strongest non-neutral emotion."""
    pol = reading.get("polarity") or {}
    emo = reading.get("emotions") or {}
    top = max((e for e in emo if e != "neutral"), key=emo.get, default=None)
    return {
        "polarity": max(pol, key=pol.get) if pol else None,
        "score": reading.get("score"),
        "emotion": top if top is not None and emo[top] >= EMOTION_MIN else "neutral",
    }


def turning_points(
    turns: Sequence[int],
    scores: Sequence[float | None],
    probs: Sequence[float],
    threshold: float,
) -> list[dict[str, Any]]:
    """Turning points (see the module docstring) of the customer turns `turns` (their indices
    in the conversation), in order; at most `MAX_TURNING_POINTS`."""
    out: list[dict[str, Any]] = []
    seen: list[float] = []
    above = False
    for turn, s, p in zip(turns, scores, probs, strict=True):
        if s is not None:
            if seen:
                before = sum(seen[-TURN_WINDOW:]) / len(seen[-TURN_WINDOW:])
                if abs(s - before) >= TURN_DELTA:
                    out.append({"turn": turn, "kind": "worse" if s < before else "better",
                                "from": round(before, 3), "to": round(s, 3)})  # fmt: skip
            seen.append(s)
        if (p >= threshold) != above:
            above = p >= threshold
            out.append({"turn": turn, "kind": "dissatisfied" if above else "recovered",
                        "dissatisfaction": round(p, 3)})  # fmt: skip
    return out[:MAX_TURNING_POINTS]


def summarize(
    turns: Sequence[int],
    readings: Sequence[Mapping[str, Any]],
    probs: Sequence[float],
    threshold: float,
) -> dict[str, Any]:
    """The summary of one conversation from its customer turns (indices, readings, P)."""
    read = [(t, r) for t, r in zip(turns, readings, strict=True) if r.get("score") is not None]
    if not turns:
        return {"customer_turns": 0, "entered": None, "left": None, "change": None,
                "lowest": None, "turning_points": [],
                "text": "No customer turns: nothing to follow."}  # fmt: skip
    scores = [r.get("score") for r in readings]
    points = turning_points(turns, scores, probs, threshold)
    entered = {"turn": read[0][0], **mood(read[0][1])} if read else None
    left = {"turn": read[-1][0], **mood(read[-1][1])} if read else None
    lowest = min(read, key=lambda tr: tr[1]["score"]) if read else None
    change = round(left["score"] - entered["score"], 3) if read else None
    return {
        "customer_turns": len(turns),
        "entered": entered,
        "left": left,
        "change": change,
        "lowest": {"turn": lowest[0], "score": lowest[1]["score"]} if lowest else None,
        "turning_points": points,
        "text": _sentence(entered, left, points),
    }


def _sentence(entered, left, points) -> str:
    if entered is None:
        return "The customer's turns have no text to read."

    def words(m):
        emo = "" if m["emotion"] == "neutral" else f", {m['emotion']}"
        return f"{m['polarity']}{emo} (score {m['score']:+.2f}, turn {m['turn']})"

    text = f"The customer entered {words(entered)} and left {words(left)}"
    if points:
        shown = ", ".join(f"{p['kind']} at turn {p['turn']}" for p in points[:5])
        more = f" and {len(points) - 5} more" if len(points) > 5 else ""
        text += f"; turning points: {shown}{more}"
    return text + "."
