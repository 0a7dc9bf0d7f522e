"""`affectkit blend`: add a character n-gram member to a fine-tuned model and fit the blend.

The n-gram model trains in about a minute on the base model's training split plus `extra_data`
(labelled files too large to fine-tune the encoder on, on a CPU), never on the base model's
validation texts. The blend weight (grid step 0.05) and a temperature are then fitted on the base
model's validation split, the same split it was early-stopped on, so dev data is never touched.
See `affectkit.text.ensemble` for how the blend predicts.

A recipe gets a ``[blend]`` table next to its ``[train]`` table::

    [train]
    output = "models/reviews/e5"        # the base model: a sub-folder of the blend's output
    ...
    [blend]
    output = "models/reviews"           # the ensemble folder
    name = "reviews@1"
    extra_data = ["more_reviews.csv"]   # read with [train]'s columns and label map
    char_ngrams = [1, 3]                # optional n-gram settings (TrainingConfig's tfidf keys)
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError
from affectkit.records import check_output
from affectkit.registry import read_json_object
from affectkit.training import data as D
from affectkit.training.artifacts import OUTPUT_FILES
from affectkit.training.calibration import fit_and_measure, nll
from affectkit.training.config import TrainingConfig
from affectkit.training.linear import train_ngram
from affectkit.training.metrics import format_report, report
from affectkit.training.splits import load_splits

NGRAM_KEYS = ("word_ngrams", "char_ngrams", "min_df", "max_features", "class_weights")
WEIGHT_STEP = 0.05


@dataclass
class BlendConfig:
    output: str
    name: str
    extra_data: list[str] = field(default_factory=list)
    ngram: dict[str, Any] = field(default_factory=dict)  # TrainingConfig tfidf keys

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BlendConfig:
        d = dict(d)
        missing = [k for k in ("output", "name") if k not in d]
        if missing:
            raise InvalidInputError(f"[blend] needs {missing[0]!r} (the ensemble folder / name).")
        out = cls(output=str(d.pop("output")), name=str(d.pop("name")))
        extra = d.pop("extra_data", [])
        out.extra_data = [extra] if isinstance(extra, str) else list(extra)
        stray = sorted(set(d) - set(NGRAM_KEYS))
        if stray:
            raise InvalidInputError(
                f"Unknown [blend] key(s) {stray}; known: output, name, extra_data, "
                f"{', '.join(NGRAM_KEYS)}."
            )
        out.ngram = d
        if "@" not in out.name:
            raise InvalidInputError(
                f"[blend] name must carry a version, like 'x@1'; got {out.name!r}."
            )
        return out


# settings of an encoder recipe that a tfidf model rejects, at the values it accepts
ENCODER_ONLY = {
    "train_seed": None,
    "label_smoothing": 0.0,
    "focal_gamma": 0.0,
    "partial_labels": False,
    "fewshot": False,
}


def ngram_config(train_cfg: TrainingConfig, blend_cfg: BlendConfig, folder: Path) -> TrainingConfig:
    """The n-gram member's recipe: the base recipe's data settings, the [blend] table's n-gram
    settings, and none of the encoder's (a training seed, partial labels... have no tfidf
    meaning)."""
    settings = {k: v for k, v in train_cfg.to_dict().items() if k != "heads"}
    settings.update(ENCODER_ONLY)
    settings.update(backbone="tfidf", output=str(folder), **blend_cfg.ngram)
    settings["name"] = blend_cfg.name.replace("@", "-ngram@", 1)
    return TrainingConfig.from_dict(settings)


def _log(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def ngram_examples(
    cfg: TrainingConfig, train, val, labels, extra_data, log
) -> tuple[list, Counter]:
    """The base training split plus `extra_data`, without validation texts or repeats."""
    held = {D._norm(e.text) for e in val}
    seen: set[str] = set()
    out, skipped = [], Counter()
    for ex in train:
        key = D._norm(ex.text)
        if key not in seen:
            seen.add(key)
            out.append(ex)
    for path in extra_data:
        ds = D.read_file(
            path,
            cfg.text_col,
            cfg.label_cols.get(path, cfg.label_col),
            multi_label=False,
            label_map=cfg.label_map,
            drop_labels=cfg.drop_labels,
        )
        unknown = sorted({ex.labels[0] for ex in ds.examples} - set(labels))
        if unknown:
            raise InvalidInputError(
                f"{path} has labels the base model lacks: {unknown} (its labels: {labels}). Map "
                f"them with [train] label_map or leave them out with drop_labels."
            )
        before = len(out)
        short = D.source_name(path)
        for ex in ds.examples:
            key = D._norm(ex.text)
            if key in held:
                skipped[f"{short}: text in the validation split"] += 1
            elif key in seen:
                skipped[f"{short}: text already in the training data"] += 1
            else:
                seen.add(key)
                out.append(ex)
        for reason, n in ds.skipped.items():
            skipped[f"{short}: {reason}"] += n
        log(f"  {short}: {len(out) - before:,} more examples for the n-gram member")
    return out, skipped


def choose_weight(probs_a, probs_b, y, metric: str) -> tuple[float, list[dict]]:
    """Weight of member a (b gets 1 - w) that scores best on validation; ties go to the weight
    nearest 0.5 (an even blend is the least tuned choice)."""
    from affectkit.text.ensemble import blend_log_probs

    labels = [str(i) for i in range(probs_a.shape[1])]
    grid = np.round(np.arange(0.0, 1.0 + 1e-9, WEIGHT_STEP), 4)
    rows = []
    for w in grid:
        z = blend_log_probs([probs_a, probs_b], [w, 1 - w])
        rep = report(y, z.argmax(1), labels)
        value = -nll(z, y, 1.0) if metric == "loss" else rep[metric]
        rows.append({"weight": float(w), "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"],
                     "value": value})  # fmt: skip
    best = max(rows, key=lambda r: (round(r["value"], 10), -abs(r["weight"] - 0.5)))
    return best["weight"], rows


def blend(
    train_cfg: TrainingConfig,
    blend_cfg: BlendConfig,
    *,
    threads: int | None = 1,
    log: Callable[[str], None] = _log,
) -> dict[str, Any]:
    """Train the n-gram member, fit the blend on the base model's validation split and save the
    ensemble folder (see the module docstring). Returns its weight, temperature and figures."""
    from affectkit import registry
    from affectkit.text.ensemble import EnsembleAnalyzer, EnsembleConfig, Member

    t0 = time.time()
    out, base_dir, rel = _folders(train_cfg, blend_cfg)
    inputs = [*train_cfg.data, train_cfg.validation_data, *blend_cfg.extra_data]
    for name in ("config.json", "metrics.json", "MODEL_CARD.md"):
        check_output(out / name, *inputs)  # what the blend writes must not be its data
    for name in OUTPUT_FILES:
        check_output(out / "ngram" / name, *inputs)
    base = registry.load_folder(base_dir, threads=threads)
    log(f"affectkit blend: {blend_cfg.name} = {base.name} + character n-grams -> {out}")
    train, val, labels, skipped = load_splits(train_cfg, log=lambda m: None)
    if list(base.labels) != labels:
        raise InvalidInputError(f"{base_dir} has labels {list(base.labels)}, the recipe {labels}.")
    examples, more_skipped = ngram_examples(
        train_cfg, train, val, labels, blend_cfg.extra_data, log
    )
    log(f"  n-gram member: {len(examples):,} training texts; validation: {len(val):,} texts")

    ngram_dir = out / "ngram"
    ngram_cfg = ngram_config(train_cfg, blend_cfg, ngram_dir)
    train_ngram(ngram_cfg, log=log, splits=(examples, val, labels, skipped + more_skipped))
    ngram = registry.load_folder(ngram_dir)
    metric = train_cfg.metric
    w, grid, rep, alone = _fit_blend(base, ngram, val, labels, metric, log)
    t = rep["temperature"]

    base_config = read_json_object(base_dir / "config.json")
    validation = {"split": "validation (carved from the training data)", **rep,
                  "members_alone": {"accuracy": alone}}  # fmt: skip
    config = EnsembleConfig(
        name=blend_cfg.name,
        labels=tuple(labels),
        members=(Member(rel, w), Member(os.path.relpath(ngram_dir, out), 1 - w)),
        task=base_config.get("task", "custom"),
        canonical=base_config.get("canonical"),
        temperature=t,
        languages=tuple(base_config.get("languages") or train_cfg.languages),
        extra={
            "training": {
                # the base recipe: `affectkit drift` rebuilds the validation split from it
                "config": base_config.get("training", {}).get("config", train_cfg.to_dict()),
                "blend": {
                    "extra_data": blend_cfg.extra_data,
                    **blend_cfg.ngram,
                    "metric": metric,
                    "weight_grid": grid,
                    "ngram_train_examples": len(examples),
                    "seconds": round(time.time() - t0, 1),
                },
            },
            "validation": validation,
        },
    )
    ensemble = EnsembleAnalyzer(config, [base, ngram], folder=out)
    ensemble.save_config(out)
    (out / "metrics.json").write_text(json.dumps({"validation": validation}, indent=2) + "\n")
    (out / "reference.json").unlink(missing_ok=True)  # drift's cached profile is stale now
    log(f"saved {out} in {time.time() - t0:.0f}s")
    return {"weight": w, "temperature": t, "validation": rep, "members_alone": alone}


def _folders(train_cfg: TrainingConfig, blend_cfg: BlendConfig) -> tuple[Path, Path, str]:
    """(ensemble folder, base model folder, the base's path relative to the ensemble), checked:
    the base is a trained single-label, single-head model inside the ensemble folder."""
    from affectkit import registry

    out = Path(blend_cfg.output).expanduser()
    base_dir = Path(train_cfg.output).expanduser()
    rel = os.path.relpath(base_dir.resolve(), out.resolve())
    if rel.startswith("..") or rel == ".":
        raise InvalidInputError(
            f"The base model ([train] output {str(base_dir)!r}) must be a sub-folder of the "
            f"blend's output {str(out)!r}, so that the ensemble folder holds its members."
        )
    if not registry.is_model_folder(str(base_dir)):
        raise InvalidInputError(
            f"{base_dir} holds no trained model. Train it first: affectkit train <recipe>."
        )
    if train_cfg.task != "single" or train_cfg.heads:
        raise InvalidInputError("affectkit blend works on single-label, single-head models.")
    return out, base_dir, rel


def _fit_blend(base, ngram, val, labels: list[str], metric: str, log):
    """(weight of `base`, weight grid rows, validation report of the blend with its temperature,
    each member's validation accuracy alone), fitted and logged."""
    from affectkit.text.ensemble import blend_log_probs

    texts = [e.text for e in val]
    y = np.array([labels.index(e.labels[0]) for e in val])
    p_base, p_ngram = base.predict_proba(texts), ngram.predict_proba(texts)
    w, grid = choose_weight(p_base, p_ngram, y, metric)
    z = blend_log_probs([p_base, p_ngram], [w, 1 - w])
    fit = fit_and_measure(z, y)
    t = fit["temperature"]
    rep = {**report(y, z.argmax(1), labels), "temperature": t,
           "ece_before_scaling": fit["ece_before"], "ece": fit["ece"]}  # fmt: skip
    alone = {
        base.name: report(y, p_base.argmax(1), labels)["accuracy"],
        ngram.name: report(y, p_ngram.argmax(1), labels)["accuracy"],
    }
    log(
        f"  weight {w:.2f} x {base.name} + {1 - w:.2f} x {ngram.name} (best validation {metric}); "
        f"validation accuracy {rep['accuracy']:.4f} vs {alone[base.name]:.4f} and "
        f"{alone[ngram.name]:.4f} alone; temperature {t:.3f}, ECE {rep['ece']:.4f}"
    )
    log("validation report:\n" + format_report(rep))
    return w, grid, rep, alone
