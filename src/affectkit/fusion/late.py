"""Late fusion: a confidence- and reliability-weighted mean of the modalities' distributions.

For one window, modality ``m`` gives a distribution ``p_m`` over the labels. The fused
distribution is

    p(l) ∝ Σ_m  r[m, l] · c_m · p_m(l)

over the modalities present, where ``r[m, l]`` is how far modality ``m`` is to be trusted when
it speaks of label ``l`` and ``c_m`` how much it says: ``1 - p_m(neutral)`` (at least 0.05).
**A neutral reading abstains** rather than votes: words with no emotional cue ("Kids are talking
by the door") do not contradict an angry voice, a still face does not cancel a trembling one;
where every channel reads neutral, the window is neutral. (`abstain=None` uses each modality's
largest probability instead.) A missing modality drops out of the sum; one modality alone gives
its own distribution back.

Reliabilities:

- **Defaults** (`DEFAULT_RELIABILITY`, the same for every label) are each shipped model's
  measured figure on its own benchmark: the voice 0.77 (speech-emotion@1, RAVDESS UAR out of
  fold), the face 0.68 (face-expression@1, FER2013 dev accuracy), the words 0.53
  (text-emotion-en@1, GoEmotions dev macro-F1).
- **Fitted** (`LateFusion.fit`) on labelled validation data: ``r[m, l]`` starts as modality
  ``m``'s F1 on label ``l`` (how often it is right when it says ``l``, and finds ``l`` when it is
  there; 0.05 added so no label is silenced), then one scale per modality is chosen from a small
  grid (0, ¼, ½, 1, 2, 4) by macro-F1 on the same data, one modality at a time, twice round;
  with neutral abstaining and with it voting, keeping the better (in some data a modality's
  "neutral" is what it knows best).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from affectkit.errors import DataFormatError

MIN_SAY = 0.05  # the weight left to a modality sure it sees nothing (all-neutral windows fuse)
DEFAULT_RELIABILITY = {"voice": 0.77, "face": 0.68, "words": 0.53, "context": 0.5}
SCALES = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def macro_f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    f1 = []
    for c in range(k):
        tp = np.sum((pred == c) & (y == c))
        denom = np.sum(pred == c) + np.sum(y == c)
        if np.sum(y == c):
            f1.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1)) if f1 else 0.0


def _per_label_f1(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(k)
    for c in range(k):
        tp = np.sum((pred == c) & (y == c))
        denom = np.sum(pred == c) + np.sum(y == c)
        out[c] = 2 * tp / denom if denom else 0.0
    return out


class LateFusion:
    """Reliability-weighted late fusion over `labels` (see the module's docstring)."""

    def __init__(
        self,
        labels: Sequence[str],
        reliability: Mapping[str, float | Sequence[float]] | None = None,
        abstain: str | None = "neutral",
    ) -> None:
        self.labels = tuple(labels)
        # the label whose probability counts as saying nothing (see the module's docstring)
        self.abstain = self.labels.index(abstain) if abstain in self.labels else None
        self.reliability: dict[str, np.ndarray] = {}
        for m, r in (reliability or DEFAULT_RELIABILITY).items():
            v = np.broadcast_to(np.asarray(r, dtype=float), (len(self.labels),)).copy()
            if (v < 0).any():
                raise ValueError(f"reliability of {m} must be ≥ 0.")
            self.reliability[m] = v
        self.fitted = reliability is not None

    def weights(self, modality: str) -> np.ndarray:
        """``r[m, ·]``: a modality not named gets the mean of the others (or 0.5)."""
        if modality in self.reliability:
            return self.reliability[modality]
        known = list(self.reliability.values())
        return np.mean(known, 0) if known else np.full(len(self.labels), 0.5)

    def confidence(self, p: np.ndarray) -> float:
        """How much a modality's reading says: its largest probability, or, with an abstaining
        label, the probability it is *not* that label (at least `MIN_SAY`)."""
        if self.abstain is None:
            return float(p.max())
        return max(MIN_SAY, 1.0 - float(p[self.abstain]))

    def combine(self, dists: Mapping[str, np.ndarray | None]) -> tuple[np.ndarray, dict]:
        """The fused distribution of one window and each modality's share of it."""
        terms = {}
        for m, p in dists.items():
            if p is None:
                continue
            p = np.asarray(p, dtype=float)
            terms[m] = self.weights(m) * self.confidence(p) * p
        if not terms:
            raise ValueError("no modality to fuse")
        total = sum(terms.values())
        mass = total.sum()
        if mass <= 0:  # every modality present has reliability 0: fall back to a plain mean
            fused = np.mean(
                [np.asarray(p, dtype=float) for p in dists.values() if p is not None], axis=0
            )
            return fused / fused.sum(), {m: 1 / len(terms) for m in terms}
        return total / mass, {m: float(t.sum() / mass) for m, t in terms.items()}

    def predict_proba(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows fused: `inputs` maps modality → [n, labels], a row of NaN where it is missing."""
        n = len(next(iter(inputs.values())))
        out = np.zeros((n, len(self.labels)))
        for i in range(n):
            row = {m: (None if np.isnan(x[i]).any() else x[i]) for m, x in inputs.items()}
            out[i] = self.combine(row)[0]
        return out

    def fit(self, inputs: Mapping[str, np.ndarray], y: np.ndarray) -> LateFusion:
        """Reliabilities from labelled rows (`inputs` as in `predict_proba`; `y` label indices)."""
        k = len(self.labels)
        y = np.asarray(y)
        base = {}
        for m, x in inputs.items():
            seen = ~np.isnan(x).any(1)
            if not seen.any():
                raise DataFormatError(f"modality {m!r} has no rows to fit on.")
            base[m] = _per_label_f1(y[seen], x[seen].argmax(1), k) + 0.05
        options = [self.abstain] if self.abstain is None else [self.abstain, None]
        found = []  # (score, abstain, reliability) for each way of reading neutral
        for abstain in options:
            self.abstain = abstain
            scale = dict.fromkeys(base, 1.0)
            score = -1.0
            for _, m in itertools.product(range(2), list(base)):
                best = (-1.0, scale[m])
                for s in SCALES:
                    self.reliability = {n: base[n] * (s if n == m else scale[n]) for n in base}
                    score = macro_f1(y, self.predict_proba(inputs).argmax(1), k)
                    if score > best[0] + 1e-9:
                        best = (score, s)
                scale[m] = best[1]
            found.append((best[0], abstain, {m: base[m] * scale[m] for m in base}))
        _, self.abstain, self.reliability = max(found, key=lambda f: f[0])
        self.fitted = True
        return self

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(
            json.dumps(
                {
                    "kind": "late-fusion",
                    "labels": list(self.labels),
                    "reliability": {m: v.tolist() for m, v in self.reliability.items()},
                    "abstain": None if self.abstain is None else self.labels[self.abstain],
                },
                indent=2,
            )
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> LateFusion:
        try:
            d = json.loads(Path(path).read_text())
            if d.get("kind") != "late-fusion":
                raise ValueError("not a late-fusion file")
            return cls(d["labels"], d["reliability"], d.get("abstain", "neutral"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataFormatError(f"{path}: cannot read late-fusion weights ({exc}).") from None
