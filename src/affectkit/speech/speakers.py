"""Telling the speakers of a recording apart: a simple embedding per segment, then clustering.

The embedding is the mean of the Whisper encoder's first layer over a segment (of the early
layers it separates RAVDESS actors best), centred on the recording and length-normalised;
segments are clustered agglomeratively (average linkage, cosine distance) into the number of
speakers the caller gives (a two-speaker call: 2). How many people speak is not guessed: on
acted emotional speech neither cluster separation nor centroid distance tells one voice from
two reliably (a voice changes more between anger and sadness than between two people). On
two-speaker recordings built from RAVDESS actors it labels 86% of segments right
(`bench/speech.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cluster(embeddings: Sequence[np.ndarray], speakers: int = 2) -> list[int]:
    """A speaker index (0, 1, ...) per segment, numbered by first appearance."""
    n = len(embeddings)
    if n < 2 or speakers < 2:
        return [0] * n
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    x = np.stack(embeddings).astype(np.float64)
    x = x - x.mean(0)
    x /= np.linalg.norm(x, axis=1, keepdims=True).clip(1e-8)
    labels = fcluster(linkage(pdist(x, "cosine"), "average"), min(speakers, n), "maxclust")
    order: dict[int, int] = {}
    return [order.setdefault(int(c), len(order)) for c in labels]
