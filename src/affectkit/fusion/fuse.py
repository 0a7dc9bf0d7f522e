"""`fuse`: results of several modalities → one time-aligned `AffectResult` (modality ``fused``).

The results (a recording's speech timeline, a video's face timeline, timed text turns) are put on
one time axis (`affectkit.fusion.align`), cut into windows of `width` seconds, and each window's
modalities are combined by the fusion method: `LateFusion` (default: reliability-weighted) or a
trained `LearnedFusion`. The emotions are fused over the canonical set; the polarity is fused
the same way (late fusion, the same reliabilities) from each modality's polarity.

Each window is a part of the fused result, with:

- ``evidence``: one entry per modality present (kind ``modality``): its own top label and its
  **contribution** (how much the fused top label's probability falls when that modality is
  left out, normalised over the modalities; a modality that changes nothing contributes 0);
- ``raw["modalities"]``: per modality its label, confidence, distribution and coverage;
- the flag ``disagree`` where two modalities each at least `DISAGREE_AT` confident name
  different labels (a smile with an angry voice).

The whole result averages the windows (by duration) and counts, per modality, the windows it was
present in and how often it agreed with the fused label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from affectkit.fusion.align import (
    MODALITIES,
    Observation,
    Window,
    duration,
    observations,
    windows,
)
from affectkit.fusion.late import LateFusion
from affectkit.labels import EMOTIONS, POLARITIES, valence_arousal
from affectkit.results import FLAG_EMPTY, FLAG_UNCERTAIN, AffectResult, Evidence, Span

FLAG_DISAGREE = "disagree"  # confident modalities name different labels
DISAGREE_AT = 0.5
UNCERTAIN_BELOW = 0.4
MODEL = "fusion@1"


class FusionMethod(Protocol):
    labels: tuple[str, ...]

    def predict_proba(self, inputs: dict[str, np.ndarray]) -> np.ndarray: ...


def _rows(ws: Sequence[Window], key: str, modalities: Sequence[str], k: int):
    return {
        m: np.stack([getattr(w, key).get(m, np.full(k, np.nan)) for w in ws]) for m in modalities
    }


def contributions(method: FusionMethod, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per modality and row: the fall of the fused top label's probability without it,
    normalised over the modalities present (0 where it is absent or changes nothing)."""
    full = method.predict_proba(inputs)
    top = full.argmax(1)
    seen = {m: ~np.isnan(x).any(1) for m, x in inputs.items()}
    drops = {}
    for m in inputs:
        others = np.any([seen[o] for o in inputs if o != m], 0) if len(inputs) > 1 else False
        drop = np.where(seen[m] & ~others, 1.0, 0.0)  # a modality alone is the whole judgement
        ok = seen[m] & others
        if ok.any():
            hidden = {n: v[ok] for n, v in inputs.items()}
            hidden[m] = np.full_like(hidden[m], np.nan)
            without = method.predict_proba(hidden)[np.arange(ok.sum()), top[ok]]
            drop[ok] = np.maximum(0.0, full[ok, top[ok]] - without)
        drops[m] = drop
    total = sum(drops.values())
    return {
        m: np.where(total > 0, d / np.where(total > 0, total, 1), 0.0) for m, d in drops.items()
    }


def fuse(
    results: Sequence[AffectResult],
    method: FusionMethod | None = None,
    width: float = 1.0,
    end: float | None = None,
) -> AffectResult:
    """One fused result over `results` (see the module's docstring)."""
    method = method or LateFusion(EMOTIONS)
    if tuple(method.labels) != EMOTIONS:
        raise ValueError(f"the fusion method must predict {EMOTIONS}; it has {method.labels}.")
    observed: list[Observation] = [o for r in results for o in observations(r)]
    total = end if end is not None else duration(results)
    ws = windows(observed, width, total)
    span = Span(0.0, round(float(total or (ws[-1].end if ws else 0.0)), 3), "seconds")
    present = sorted({m for w in ws for m in w.emotions} | {m for w in ws for m in w.polarity})
    raw: dict[str, Any] = {
        "window_seconds": width,
        "method": type(method).__name__,
        "inputs": [f"{r.modality}: {r.model}" for r in results],
    }
    if not ws:
        raw["reason"] = "no result with a time axis to fuse (a timeline in seconds)"
        return AffectResult(
            label="empty",
            confidence=0.0,
            model=MODEL,
            modality="fused",
            uncertain=True,
            span=span,
            raw=raw,
            flags=(FLAG_EMPTY,),
        )
    emo_in = _rows(
        ws, "emotions", [m for m in present if any(m in w.emotions for w in ws)], len(EMOTIONS)
    )
    emotions = method.predict_proba(emo_in)
    share = contributions(method, emo_in)
    pol_method = LateFusion(POLARITIES, getattr(method, "polarity_reliability", None))
    pol_in = _rows(
        ws, "polarity", [m for m in present if any(m in w.polarity for w in ws)], len(POLARITIES)
    )
    has_pol = ~np.all([np.isnan(x).any(1) for x in pol_in.values()], 0) if pol_in else None
    parts = []
    for i, w in enumerate(ws):
        dist = dict(zip(EMOTIONS, map(float, emotions[i])))
        if has_pol is not None and has_pol[i]:
            row = {m: x[i : i + 1] for m, x in pol_in.items()}
            polarity = dict(zip(POLARITIES, map(float, pol_method.predict_proba(row)[0])))
        else:
            polarity = None
        parts.append(_window_result(w, dist, polarity, {m: float(s[i]) for m, s in share.items()}))
    return _whole(parts, span, raw, present)


def _window_result(
    w: Window,
    emotions: dict[str, float],
    polarity: dict[str, float] | None,
    share: dict[str, float],
) -> AffectResult:
    label = max(emotions, key=emotions.get)
    conf = emotions[label]
    mods: dict[str, Any] = {}
    evidence = []
    tops = []
    order = {m: i for i, m in enumerate(MODALITIES)}
    for m, dist in sorted(w.emotions.items(), key=lambda kv: order.get(kv[0], len(order))):
        top = EMOTIONS[int(dist.argmax())]
        mods[m] = {
            "label": top,
            "confidence": float(dist.max()),
            "emotions": dict(zip(EMOTIONS, map(float, dist))),
            "coverage": round(w.coverage.get(m, 0.0), 3),
            "contribution": round(share.get(m, 0.0), 4),
            "sources": w.sources.get(m, []),
        }
        evidence.append(
            Evidence(
                f"{m}: {top}",
                share.get(m, 0.0),
                w.start,
                w.end,
                kind="modality",
                label=top,
                unit="seconds",
                note="agrees" if top == label else "disagrees",
            )
        )
        if dist.max() >= DISAGREE_AT:
            tops.append(top)
    for m, dist in w.polarity.items():
        mods.setdefault(m, {})["polarity"] = dict(zip(POLARITIES, map(float, dist)))
    flags = []
    if len(set(tops)) > 1:
        flags.append(FLAG_DISAGREE)
    if conf < UNCERTAIN_BELOW:
        flags.append(FLAG_UNCERTAIN)
    return _fused(emotions, polarity, span=Span(round(w.start, 3), round(w.end, 3), "seconds"),
                  raw={"modalities": mods}, flags=tuple(flags),
                  evidence=tuple(sorted(evidence, key=lambda e: -e.weight)))  # fmt: skip


def _whole(
    parts: list[AffectResult], span: Span, raw: dict[str, Any], present: list[str]
) -> AffectResult:
    weights = np.array([p.span.end - p.span.start for p in parts])
    weights = weights / weights.sum()
    emotions = {e: float(sum(w * p.emotions[e] for w, p in zip(weights, parts))) for e in EMOTIONS}
    with_pol = [(w, p) for w, p in zip(weights, parts) if p.polarity is not None]
    polarity = None
    if with_pol:
        tw = sum(w for w, _ in with_pol)
        polarity = {k: float(sum(w * p.polarity[k] for w, p in with_pol) / tw) for k in POLARITIES}
    per: dict[str, Any] = {}
    for m in present:
        seen = [p for p in parts if m in p.raw["modalities"] and "label" in p.raw["modalities"][m]]
        agree = sum(p.raw["modalities"][m]["label"] == p.label for p in seen)
        share = [p.raw["modalities"][m]["contribution"] for p in seen]
        per[m] = {
            "windows": len(seen),
            "agreement": round(agree / len(seen), 3) if seen else None,
            "mean_contribution": round(float(np.mean(share)), 3) if seen else None,
        }
    raw |= {
        "windows": len(parts),
        "modalities": per,
        "disagreements": sum(FLAG_DISAGREE in p.flags for p in parts),
    }
    conf = max(emotions.values())
    return _fused(emotions, polarity, span=span, raw=raw, parts=tuple(parts),
                  flags=(FLAG_UNCERTAIN,) if conf < UNCERTAIN_BELOW else ())  # fmt: skip


def _fused(emotions: dict[str, float], polarity: dict[str, float] | None,
           **fields: Any) -> AffectResult:  # fmt: skip
    """A ``fused`` result: its label, confidence, score, valence and arousal from `emotions`
    and `polarity`; `fields` give the rest (span, raw, evidence, flags, parts)."""
    label = max(emotions, key=emotions.get)
    conf = emotions[label]
    valence, arousal = valence_arousal(emotions)
    return AffectResult(
        label=label, confidence=conf, model=MODEL, modality="fused",
        uncertain=conf < UNCERTAIN_BELOW, emotions=emotions, polarity=polarity,
        score=None if polarity is None else polarity["positive"] - polarity["negative"],
        valence=valence, arousal=arousal, **fields,
    )  # fmt: skip
