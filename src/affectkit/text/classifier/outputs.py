"""Label probabilities -> result fields: the output side of every classifier.

Modality-neutral (numpy and `affectkit.labels` only), so text, speech and vision models that
predict a label set share it. A model describes its outputs with the fields of `LabelConfig`;
`LabelPlan.from_config` reads them once and `summarise` turns one input's probabilities into the
keyword arguments of `AffectResult`.

Mapping rules. Each model label is mapped to a canonical name through `canonical` (labels it
does not list go through `affectkit.labels.canonical`, i.e. spelling synonyms).
- All labels map to polarities, negative and positive among them: the model is a sentiment model;
  `polarity` holds the summed probabilities (neutral = 0 for a binary model), `score` = p(positive)
  - p(negative) and `valence` = `score`.
- All labels map to emotions: `emotions` holds the summed probabilities over `labels.EMOTIONS`,
  `polarity` follows from `labels.emotions_to_polarity`, valence/arousal from
  `labels.valence_arousal`.
- Otherwise (custom labels): only `label` and `confidence` (the top label, mapped when it can be).
Single-label models use softmax: `label` is the top canonical class and `confidence` its summed
probability. Multi-label models use a sigmoid per label: ``raw["over_threshold"]`` lists the labels
at or over their threshold, `label` is the most probable of them (or, when none passes, the most
probable label, and the result is uncertain), `confidence` its own probability; `emotions` /
`polarity` are the canonical-mapped sums of the per-label probabilities, normalised to sum to 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from affectkit import labels as canon


class LabelConfig(Protocol):
    """The label fields a model config has (`TextModelConfig`, the n-gram and ensemble configs)."""

    @property
    def labels(self) -> tuple[str, ...]: ...  # the model's outputs, in order
    @property
    def canonical(self) -> Mapping[str, str | None] | None: ...
    @property
    def multi_label(self) -> bool: ...
    @property
    def thresholds(self) -> Mapping[str, float] | None: ...
    @property
    def uncertain_below(self) -> float: ...


@dataclass(frozen=True)
class LabelPlan:
    """How a model's outputs become result fields: canonical names, kind, thresholds."""

    labels: tuple[str, ...]  # the model's own labels, in head output order
    mapped: tuple[str | None, ...]  # canonical name of each label, or None
    kind: str  # "polarity", "emotion" or "custom"
    multi_label: bool
    thresholds: tuple[float, ...]
    uncertain_below: float

    @classmethod
    def from_config(cls, config: LabelConfig) -> LabelPlan:
        """The plan for a model's config (any object with the `LabelConfig` fields)."""
        cmap = config.canonical
        mapped = tuple(
            cmap[lab] if cmap is not None and lab in cmap else canon.canonical(lab)
            for lab in config.labels
        )
        present = set(mapped)
        if present <= set(canon.POLARITIES) and {"negative", "positive"} <= present:
            kind = "polarity"
        elif present <= set(canon.EMOTIONS):
            kind = "emotion"
        else:
            kind = "custom"
        thr = config.thresholds or {}
        return cls(
            labels=config.labels,
            mapped=mapped,
            kind=kind,
            multi_label=config.multi_label,
            thresholds=tuple(float(thr.get(lab, 0.5)) for lab in config.labels),
            uncertain_below=float(config.uncertain_below),
        )

    def display(self, i: int) -> str:
        """The label a result shows for model output `i`: canonical when mapped."""
        return self.mapped[i] or self.labels[i]

    def distribution(self, probs: np.ndarray) -> dict[str, float] | None:
        """Canonical-mapped sums of `probs`, normalised to 1 (None for custom labels)."""
        if self.kind == "custom":
            return None
        names = canon.POLARITIES if self.kind == "polarity" else canon.EMOTIONS
        out = dict.fromkeys(names, 0.0)
        for name, p in zip(self.mapped, probs, strict=True):
            out[name] += float(p)
        total = sum(out.values())
        return {k: v / total for k, v in out.items()} if total > 0 else out

    def confidence_of(self, probs: np.ndarray, label: str) -> float:
        """How strongly `probs` support `label`, measured the way `summarise` measures it."""
        if self.multi_label:
            return max(
                (float(p) for i, p in enumerate(probs) if self.display(i) == label), default=0.0
            )
        dist = self.distribution(probs)
        if dist is not None:
            return dist.get(label, 0.0)
        return sum(float(p) for i, p in enumerate(probs) if self.display(i) == label)


def summarise(probs: np.ndarray, plan: LabelPlan) -> dict[str, Any]:
    """Result fields for one input from its label probabilities `probs` (L,).

    Returns keyword arguments of `AffectResult`: label, confidence, uncertain, emotions,
    polarity, score, valence, arousal and raw (see the module docstring for the rules).
    """
    probs = np.asarray(probs, dtype=np.float64)
    raw: dict[str, Any] = {
        "labels": {lab: float(p) for lab, p in zip(plan.labels, probs, strict=True)},
        "label": plan.labels[int(np.argmax(probs))],
    }
    dist = plan.distribution(probs)
    none_over = False
    if plan.multi_label:
        active = [i for i in np.argsort(-probs, kind="stable") if probs[i] >= plan.thresholds[i]]
        raw["over_threshold"] = [plan.labels[i] for i in active]
        top = int(active[0]) if active else int(np.argmax(probs))
        none_over = not active
        label, confidence = plan.display(top), float(probs[top])
    elif dist is not None:
        label = max(dist, key=dist.__getitem__)
        confidence = dist[label]
    else:
        top = int(np.argmax(probs))
        label, confidence = plan.display(top), float(probs[top])

    emotions = polarity = score = valence = arousal = None
    if plan.kind == "polarity" and dist is not None:
        polarity = dist
    elif plan.kind == "emotion" and dist is not None:
        emotions = dist
        polarity = canon.emotions_to_polarity(dist)
        valence, arousal = canon.valence_arousal(dist)
    if polarity is not None:
        score = polarity["positive"] - polarity["negative"]
        if valence is None:
            valence = score
    return {
        "label": label,
        "confidence": confidence,
        "uncertain": none_over or confidence < plan.uncertain_below,
        "emotions": emotions,
        "polarity": polarity,
        "score": score,
        "valence": valence,
        "arousal": arousal,
        "raw": raw,
    }


def activate(
    logits: np.ndarray,
    *,
    multi_label: bool,
    temperature: float = 1.0,
    bias: Sequence[float] | None = None,
) -> np.ndarray:
    """Probabilities from logits (N, L): softmax over labels, or a sigmoid per label."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    if bias is not None and not multi_label:
        z = z + np.asarray(bias, dtype=np.float64)  # (L,): moves the class prior
    if multi_label:
        return np.exp(-np.logaddexp(0.0, -z))  # sigmoid without overflow
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
