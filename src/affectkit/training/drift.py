"""Drift: has the data a model now sees moved away from what it was validated on?

The reference profile of a model is the distribution of its predicted labels and of its
confidences on its own validation split: at most `REFERENCE_ROWS` rows of it, a fixed random
sample, rebuilt from the recipe in config.json and cached in the model folder as
`reference.json`. The shipped models carry theirs, so drift needs no training data; training,
calibrating, compressing or blending a model removes a stale one. Rebuild references from the
repository root (with ../shared/data): `python -m affectkit.training.drift FOLDER ...`.

New data is profiled the same way and compared with the population stability index,
PSI = sum((a - e) * ln(a / e)) over bins, computed separately for the predicted labels and for
10 equal-width confidence bins. Thresholds (the usual reading of
PSI in credit-risk monitoring): < 0.1 stable, 0.1-0.25 moderate shift, >= 0.25 significant shift;
retraining is advised when either PSI reaches 0.25. With few new rows PSI is mostly sampling
noise (without any shift its expected value is about (bins - 1) * (1/n + 1/n_reference)), so
below `MIN_ROWS` new rows the verdict is "too few rows" and no retraining is advised.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import AffectError, InvalidInputError
from affectkit.registry import read_json_object
from affectkit.training.config import TrainingConfig
from affectkit.training.splits import load_splits

PSI_MODERATE = 0.1
PSI_RETRAIN = 0.25
BINS = 10
EPS = 1e-4  # floor for empty bins, so PSI stays finite
REFERENCE_ROWS = 2000  # validation rows profiled: label shares within about +-0.01 (1 s.e.)
MIN_ROWS = 100  # chance PSI over 10 confidence bins: 9 * (1/100 + 1/2000) = 0.095 < PSI_MODERATE


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index between two distributions over the same bins."""
    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), EPS, None)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def profile(results, labels: Sequence[str]) -> dict[str, Any]:
    """Label frequencies and a confidence histogram of a list of AffectResults."""
    ok = [r for r in results if r.label in labels]
    if not ok:
        raise InvalidInputError("No input could be analysed; nothing to profile.")
    label_freq = [sum(r.label == lab for r in ok) / len(ok) for lab in labels]
    hist, _ = np.histogram([r.confidence for r in ok], bins=BINS, range=(0.0, 1.0))
    return {"n": len(ok), "labels": dict(zip(labels, label_freq)),
            "confidence": (hist / len(ok)).tolist()}  # fmt: skip


def reference(folder: str | Path, *, threads: int | None = 1, analyzer=None) -> dict[str, Any]:
    """The model's profile on its validation split (cached in `reference.json`); `analyzer`:
    the model already loaded, if the caller has it."""
    from affectkit.registry import load_folder

    folder = Path(folder)
    cached = folder / "reference.json"
    if cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    config = read_json_object(folder / "config.json")
    recipe = config.get("training", {}).get("config")
    if not recipe:
        raise InvalidInputError(f"{folder}/config.json has no training recipe to rebuild from.")
    try:
        _, val, _, _ = load_splits(TrainingConfig.from_dict(recipe), log=lambda m: None)
    except AffectError as exc:
        raise InvalidInputError(
            f"{folder.name} has no drift reference (reference.json) and its validation split "
            f"cannot be rebuilt here: {exc} Run drift once where the recipe's training files "
            f"are (paths are relative to where it was trained), and keep the reference.json it "
            f"writes with the model."
        ) from None
    texts = [e.text for e in val]
    if len(texts) > REFERENCE_ROWS:
        keep = np.sort(np.random.default_rng(0).choice(len(texts), REFERENCE_ROWS, replace=False))
        texts = [texts[i] for i in keep]
    analyzer = analyzer or load_folder(folder, threads=threads)  # classifier, n-grams or blend
    out = profile(analyzer.analyze(texts), _display_labels(analyzer))
    out["source"] = f"{len(texts)} of the {len(val)} rows of the training recipe's validation split"
    try:
        cached.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only install: the profile is recomputed next time
    return out


def _display_labels(analyzer) -> list[str]:
    return list(dict.fromkeys(analyzer.plan.display(i) for i in range(len(analyzer.labels))))


def drift(
    model: str, texts: Sequence[str], *, threads: int | None = 1, min_rows: int = MIN_ROWS
) -> dict[str, Any]:
    from affectkit import api, registry

    folder = Path(model) if registry.is_model_folder(model) else None
    analyzer = api.get_analyzer(model)
    folder = folder or getattr(analyzer, "folder", None)
    if folder is None:
        raise InvalidInputError(f"{model!r} is not a trained model folder; drift needs one.")
    ref = reference(folder, threads=threads, analyzer=analyzer)
    labels = list(ref["labels"])
    new = profile(analyzer.analyze(list(texts)), labels)
    psi_labels = psi(list(ref["labels"].values()), list(new["labels"].values()))
    psi_conf = psi(ref["confidence"], new["confidence"])
    worst = max(psi_labels, psi_conf)
    verdict = (
        f"too few rows to tell a shift from chance (n={new['n']} < {min_rows})"
        if new["n"] < min_rows
        else "significant shift: retraining advised" if worst >= PSI_RETRAIN
        else "moderate shift: watch it" if worst >= PSI_MODERATE
        else "stable"
    )  # fmt: skip
    return {
        "model": analyzer.name,
        "n": new["n"],
        "psi_labels": psi_labels,
        "psi_confidence": psi_conf,
        "retrain": new["n"] >= min_rows and worst >= PSI_RETRAIN,
        "verdict": verdict,
        "reference": ref,
        "new": new,
        "thresholds": {"moderate": PSI_MODERATE, "retrain": PSI_RETRAIN, "min_rows": min_rows},
    }


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        (Path(arg) / "reference.json").unlink(missing_ok=True)
        ref = reference(arg)
        print(f"{arg}: {ref['source']}; labels {ref['labels']}")
