"""How aspect analysis is scored (pure functions; bench/aspects.py and training use them).

- Term extraction: precision, recall and F1 of exact character spans, pooled over sentences
  (a predicted span counts only when both ends match a gold span of that sentence).
- Polarity given the gold terms: accuracy and macro-F1 over the labels that occur in the gold
  (negative/neutral/positive in English; the Chinese sets have no neutral).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def span_f1(
    gold: Iterable[Iterable[tuple[int, int]]], pred: Iterable[Iterable[tuple[int, int]]]
) -> dict[str, float]:
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(map(tuple, g)), set(map(tuple, p))
        tp += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": n_gold, "predicted": n_pred}


def polarity_scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """Accuracy and macro-F1 over the labels present in `gold`."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    if not gold:
        return {"n": 0, "accuracy": float("nan"), "macro_f1": float("nan")}
    g, p = np.asarray(gold), np.asarray(pred)
    f1s = {}
    for label in sorted(set(gold)):
        tp = float(np.sum((g == label) & (p == label)))
        prec = tp / max(1.0, float(np.sum(p == label)))
        rec = tp / max(1.0, float(np.sum(g == label)))
        f1s[label] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "n": len(gold),
        "accuracy": float(np.mean(g == p)),
        "macro_f1": float(np.mean(list(f1s.values()))),
        "f1": f1s,
    }
