"""The figures of the dissatisfaction model: pure numpy, tested alone."""

from __future__ import annotations

import numpy as np


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when `y` holds one class only."""
    y = np.asarray(y).astype(bool)
    score = np.asarray(score, dtype=float)
    pos, neg = int(y.sum()), int((~y).sum())
    if not pos or not neg:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    s = score[order]
    # average ranks over ties
    starts = np.r_[0, np.flatnonzero(np.diff(s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts, ends, strict=True):
        ranks[order[a:b]] = (a + b + 1) / 2
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean F1 of the two classes (dissatisfied, not)."""
    y, pred = np.asarray(y).astype(bool), np.asarray(pred).astype(bool)
    out = []
    for c in (True, False):
        tp = np.sum((pred == c) & (y == c))
        d = np.sum(pred == c) + np.sum(y == c)
        out.append(2 * tp / d if d else 0.0)
    return float(np.mean(out))


def best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The threshold on `score` with the highest macro-F1 on (`y`, `score`)."""
    candidates = np.unique(np.quantile(score, np.linspace(0.5, 0.995, 200)))
    return float(max(candidates, key=lambda t: macro_f1(y, score >= t)))
