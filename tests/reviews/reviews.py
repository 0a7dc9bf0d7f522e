"""Review fixtures: real-looking reviews (English and Chinese) with their aspects written by
hand, as `analyze_aspects` would return them, so the report is tested without a model."""

from __future__ import annotations

from affectkit.aspects.types import Aspect, Evidence, TextAspects

SCORES = {
    "positive": {"positive": 0.9, "neutral": 0.07, "negative": 0.03},
    "neutral": {"positive": 0.1, "neutral": 0.8, "negative": 0.1},
    "negative": {"positive": 0.05, "neutral": 0.1, "negative": 0.85},
}


def aspect(text: str, term: str, polarity: str, confidence: float | None = None,
           evidence: tuple[str, ...] = (), nth: int = 0) -> Aspect:  # fmt: skip
    """The `nth` occurrence of `term` in `text` as an aspect, its evidence words found after
    it (or anywhere) in the text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(term, start + 1)
    scores = SCORES[polarity]
    ev = []
    for w in evidence:
        at = text.find(w, start)
        at = text.index(w) if at < 0 else at
        ev.append(Evidence(w, at, at + len(w), 0.5))
    return Aspect(
        term=term, start=start, end=start + len(term), polarity=polarity,
        confidence=scores[polarity] if confidence is None else confidence, scores=scores,
        evidence=tuple(ev),
    )  # fmt: skip


def result(text: str, *aspects: tuple, language: str | None = None) -> TextAspects:
    """``result(text, ("battery", "positive", 0.9, ("great",)), ...)``."""
    if language is None:
        language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en"
    return TextAspects(
        text=text,
        aspects=tuple(aspect(text, *a) for a in aspects),
        language=language,
        model="aspect-sentiment@1",
    )


# (product, date, review, aspects): what a phone shop's export looks like
REVIEWS = [
    ("phone-a", "2024-03-01", "The battery life is great. The screen is too dim outdoors.",
     [("battery life", "positive", 0.95, ("great",)), ("screen", "negative", 0.9, ("dim",))]),
    ("phone-a", "2024-03-02", "Battery  life is poor after the update, honestly.",
     [("Battery  life", "negative", 0.8, ("poor",))]),
    ("phone-a", "2024-03-09", "Fast delivery and the Battery life is amazing!",
     [("delivery", "positive", 0.7, ("Fast",)), ("Battery life", "positive", 0.85, ("amazing",))]),
    ("phone-a", "2024-03-10", "Arrived on Tuesday.", []),
    ("phone-b", "2024-03-03", "电池续航很好，但是屏幕太暗了。",
     [("电池续航", "positive", 0.92, ("很好",)), ("屏幕", "negative", 0.88, ("太暗",))]),
    ("phone-b", "2024-03-04", "屏幕很清晰，拍照也不错。",
     [("屏幕", "positive", 0.9, ("清晰",)), ("拍照", "positive", 0.75, ("不错",))]),
    ("phone-b", "2024-03-11", "物流太慢了，等了一个星期。",
     [("物流", "negative", 0.93, ("太慢",))]),
]  # fmt: skip


def rows_and_results(reviews=REVIEWS):
    rows = [{"product": p, "date": d, "review": t} for p, d, t, _ in reviews]
    results = [result(t, *a) for _, _, t, a in reviews]
    return rows, results
