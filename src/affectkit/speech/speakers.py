"""Telling speakers apart in a recording: a simple embedding per segment, then clustering.

The embedding is the mean of the Whisper encoder's first layer over a segment (early layers
carry who speaks more than what is said), centred on the recording and length-normalised.
Segments are clustered agglomeratively (average linkage, cosine distance) into at most
`max_speakers`; a split is kept only when the clusters are well separated (silhouette ≥
`min_silhouette`), otherwise everything is one speaker. This is meant for calls and interviews
with two or three voices, not for meetings; `bench/speech.py` measures it on two-speaker
recordings built from RAVDESS actors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cluster(
    embeddings: Sequence[np.ndarray],
    durations: Sequence[float] | None = None,
    max_speakers: int = 2,
    min_silhouette: float = 0.1,
) -> list[int]:
    """A speaker index (0, 1, ...) per segment, numbered by first appearance."""
    n = len(embeddings)
    if n < 2 or max_speakers < 2:
        return [0] * n
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    x = np.stack(embeddings).astype(np.float64)
    x = x - x.mean(0)
    x /= np.linalg.norm(x, axis=1, keepdims=True).clip(1e-8)
    dist = pdist(x, "cosine")
    tree = linkage(dist, "average")
    square = squareform(dist)
    best, best_score = np.zeros(n, int), min_silhouette
    for k in range(2, min(max_speakers, n - 1) + 1):
        labels = fcluster(tree, k, "maxclust") - 1
        if len(set(labels)) < 2:
            continue
        score = _silhouette(square, labels)
        if score >= best_score:
            best, best_score = labels, score
    order: dict[int, int] = {}
    return [order.setdefault(int(c), len(order)) for c in best]


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    scores = []
    for i in range(len(labels)):
        same = labels == labels[i]
        same[i] = False
        if not same.any():
            scores.append(0.0)
            continue
        a = dist[i, same].mean()
        b = min(dist[i, labels == c].mean() for c in set(labels) if c != labels[i])
        scores.append((b - a) / max(a, b, 1e-12))
    return float(np.mean(scores))
