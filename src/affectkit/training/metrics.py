"""Classification metrics as pure numpy functions (checked against scikit-learn in the tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) counts; rows are true classes, columns predicted."""
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def per_class(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """precision, recall, f1, support per class from a confusion matrix (0 where undefined)."""
    tp = np.diag(cm).astype(float)
    pred = cm.sum(axis=0).astype(float)
    support = cm.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, tp / pred, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return precision, recall, f1, support.astype(np.int64)


def report(y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str]) -> dict:
    """accuracy, macro_f1, macro_recall, micro_f1 and per_class, over classes present in y_true
    or y_pred (absent classes would drag macro averages to meaningless zeros)."""
    k = len(names)
    cm = confusion(np.asarray(y_true), np.asarray(y_pred), k)
    p, r, f, s = per_class(cm)
    present = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
    n = int(cm.sum())
    acc = float(np.trace(cm) / n) if n else 0.0
    return {
        "n": n,
        "accuracy": acc,
        "macro_f1": float(f[present].mean()) if present.any() else 0.0,
        "macro_recall": float(r[s > 0].mean()) if (s > 0).any() else 0.0,
        "micro_f1": acc,  # single-label: micro-F1 equals accuracy
        "per_class": {
            names[i]: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i in range(k)
            if present[i]
        },
        "confusion": cm.tolist(),
    }


def multilabel_report(y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str]) -> dict:
    """Multi-label (N, K) 0/1 arrays: exact-match accuracy, macro/micro F1 over labels."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = (y_true & y_pred).sum(axis=0).astype(float)
    fp = (~y_true & y_pred).sum(axis=0).astype(float)
    fn = (y_true & ~y_pred).sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    micro = 2 * tp.sum() / max(1.0, 2 * tp.sum() + fp.sum() + fn.sum())
    support = y_true.sum(axis=0)
    return {
        "n": len(y_true),
        "accuracy": float((y_true == y_pred).all(axis=1).mean()) if len(y_true) else 0.0,
        "macro_f1": float(f1.mean()),
        "macro_recall": float(recall.mean()),
        "micro_f1": float(micro),
        "per_class": {
            names[i]: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i in range(len(names))
        },
    }


def format_report(rep: dict) -> str:
    """A classification report table like scikit-learn's."""
    width = max([len(n) for n in rep["per_class"]] + [12])
    lines = [f"{'':>{width}}  precision    recall        f1   support", ""]
    for name, m in rep["per_class"].items():
        lines.append(
            f"{name:>{width}}  {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f} "
            f"{m['support']:9d}"
        )
    lines += [
        "",
        f"{'accuracy':>{width}}  {rep['accuracy']:9.4f}   (n={rep['n']})",
        f"{'macro F1':>{width}}  {rep['macro_f1']:9.4f}",
        f"{'macro recall':>{width}}  {rep['macro_recall']:9.4f}",
    ]
    return "\n".join(lines)
