"""Measure a trained model folder again on its own validation split, rebuilt from its recipe.

`recalibrate` refits a single-label model's calibration (temperature, optional class bias) and
every validation figure on the stored weights; `revalidate` measures a multi-label model's
figures again with its stored thresholds. Both run after the weights changed (`affectkit
compress`) or the split rules did, and are what `affectkit calibrate` runs. Dev data is never
touched.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError
from affectkit.registry import read_json_object
from affectkit.text.preprocess import check_preprocess
from affectkit.training.calibration import (
    CALIBRATIONS,
    calibrated,
    choose_calibration,
    ece,
    fit_calibration,
    softmax,
    uncalibrated_logits,
)
from affectkit.training.config import TrainingConfig
from affectkit.training.losses import restrict_scores, validation_masks
from affectkit.training.metrics import multilabel_report, report
from affectkit.training.splits import load_splits


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def revalidate(folder: str | Path, *, threads: int | None = 1, log=_log) -> dict:
    """Measure a multi-label model folder's validation figures again with its stored thresholds
    (after its weights changed, e.g. `affectkit compress`); thresholds are not re-tuned.

    The split is rebuilt from the recipe in config.json, as `recalibrate` does; config.json and
    metrics.json get the new figures (the training loss, not measured here, is dropped)."""
    folder = Path(folder)
    config = read_json_object(folder / "config.json")
    recipe = config.get("training", {}).get("config")
    if not config.get("multi_label") or not recipe:
        raise InvalidInputError(f"{folder} is not a multi-label model folder with a recipe.")
    _, _, val, labels, analyzer = _rebuild(folder, config, threads, log)
    order = [analyzer.config.labels.index(lab) for lab in labels]
    probs = analyzer.predict_proba([e.text for e in val])[:, order]
    stored = config["thresholds"]  # {label: threshold}
    thresholds = np.array([stored[lab] for lab in labels], dtype=float)
    y = np.array([[lab in e.labels for lab in labels] for e in val])
    rep = multilabel_report(y, probs > thresholds, labels)
    log(f"validation (stored thresholds): macro-F1 {rep['macro_f1']:.4f}, micro-F1 "
        f"{rep['micro_f1']:.4f}, exact match {rep['accuracy']:.4f} (n={rep['n']})")  # fmt: skip
    figures = {k: rep[k] for k in ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1")}
    _write_validation(folder, config, {**figures, "per_class": rep["per_class"]})
    return figures


def recalibrate(
    folder: str | Path,
    *,
    threads: int | None = 1,
    class_bias: bool = False,
    method: str | None = None,
    preprocess: str | None = None,
    log=_log,
) -> dict:
    """Fit the temperature of a trained single-label model folder on its own validation split.

    The split is rebuilt from the recipe stored in config.json (same files, ratio and seeds)
    under the current split rules; dev data is never touched. A model trained before a rule
    changed (dd16efd: validation texts found inside training texts leave validation) was
    early-stopped on a larger split than it is calibrated on: the row counts are printed. With
    `partial_labels` a row is scored over its file's labels, as in training. Updates
    config.json (`temperature` and every `validation` figure, measured in this one pass on the
    stored weights) and metrics.json.

    `method`: one of `calibration.CALIBRATIONS` (default "temperature", or "temperature+bias"
    when `class_bias`: per-label logit offsets fitted with the temperature; without them any
    stored offsets are removed), or "auto": the one with the lowest mean ECE on a training
    file it was not fitted on (`calibration.choose_calibration`; needs two or more files).

    `preprocess`: set the input transform the model applies at inference (a
    `preprocess.PREPROCESSORS` name, or "none" to remove it) before calibrating, so the
    calibration is fitted on text read the way the model will read it.
    """
    method = method or ("temperature+bias" if class_bias else "temperature")
    if method != "auto" and method not in CALIBRATIONS:
        raise InvalidInputError(
            f"method must be 'auto' or one of {list(CALIBRATIONS)}, got {method!r}."
        )
    folder = Path(folder)
    config = _single_label_config(folder, preprocess)
    cfg, train_ex, val, labels, analyzer = _rebuild(folder, config, threads, log)
    if labels != config["labels"]:
        raise InvalidInputError(f"The rebuilt label set {labels} differs from {config['labels']}.")
    # the model's own probabilities for every validation text, past the language gate of
    # analyze() (a Weibo post of emoji only is still a validation example)
    logits = uncalibrated_logits(analyzer, [e.text for e in val])
    logits = logits[:, [analyzer.config.labels.index(lab) for lab in labels]]
    # partial_labels: a row of a binary file is scored over its file's labels, as in training
    logits = restrict_scores(logits, validation_masks(cfg, train_ex, val, labels))
    y = np.array([labels.index(e.labels[0]) for e in val])
    sources = np.array([e.source for e in val])
    t, bias, record = _fit(method, logits, y, sources, log)
    probs = calibrated(logits, t, bias)
    pred = probs.argmax(1)  # the bias can change a label, not only a confidence
    before = ece(softmax(logits).max(1), logits.argmax(1) == y)
    after = ece(probs.max(1), pred == y)
    rep = report(y, pred, labels)
    offsets = f" + class bias {np.round(bias, 3).tolist()}" if bias is not None else ""
    log(
        f"{record['method']}: T {t:.3f}{offsets}: validation ECE {before:.4f} -> {after:.4f}, "
        f"accuracy {rep['accuracy']:.4f}, macro-F1 {rep['macro_f1']:.4f} (n={len(y)})"
    )
    config["temperature"] = t
    if bias is not None:
        config["class_bias"] = [float(b) for b in bias]
    else:
        config.pop("class_bias", None)
    # every validation figure from this one pass, so they describe the same weights and split
    figures = {
        **{k: rep[k] for k in ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1")},
        "per_class": rep["per_class"],
        "temperature": t,
        "class_bias": config.get("class_bias"),
        "calibration": record,
        "ece_before_scaling": before,
        "ece": after,
    }
    _write_validation(folder, config, figures)
    (folder / "reference.json").unlink(missing_ok=True)  # drift's profile: from the old calibration
    return {"temperature": t, "class_bias": config.get("class_bias"), "ece_before": before,
            "ece": after, "n": len(y), "method": record["method"]}  # fmt: skip


def _single_label_config(folder: Path, preprocess: str | None) -> dict:
    """config.json of a single-label model folder with a recipe, with `preprocess` set in it
    (not written yet: a run that fails leaves the folder as it was)."""
    if not (folder / "config.json").is_file():
        raise InvalidInputError(
            f"{folder} is not a model folder (it has no config.json). Calibrate a folder written "
            f"by `affectkit train`, e.g. src/affectkit/models/text-sentiment-en."
        )
    config = read_json_object(folder / "config.json")
    if preprocess is not None:
        check_preprocess(None if preprocess == "none" else preprocess, none="'none'")
        config.pop("preprocess", None)
        if preprocess != "none":
            config["preprocess"] = preprocess
    if config.get("multi_label"):
        raise InvalidInputError("Temperature scaling applies to single-label models only.")
    recipe = config.get("training", {}).get("config")
    if not recipe:
        raise InvalidInputError(f"{folder}/config.json has no training recipe to rebuild from.")
    return config


def _fit(method: str, logits, y, sources, log) -> tuple[float, Any, dict[str, Any]]:
    """(temperature, class bias or None, record of how they were chosen) by `method`."""
    if method != "auto":
        t, bias = fit_calibration(logits, y, method, sources)
        return t, bias, {"method": method}
    if len(set(sources.tolist())) < 2:
        raise InvalidInputError(
            "--method auto compares calibrations on a training file they were not fitted "
            "on, so it needs a model trained on two or more files; this one has one. Choose "
            f"a method: {', '.join(CALIBRATIONS)}."
        )
    choice = choose_calibration(logits, y, sources)
    for m, row in choice["held_out_source_ece"].items():
        log(f"  {m:26s} held-out-source ECE mean {row['mean']:.4f}")
    record = {"method": choice["method"], "chosen_by": "held-out-source ECE",
              "held_out_source_ece": choice["held_out_source_ece"]}  # fmt: skip
    return choice["temperature"], choice["class_bias"], record


def _rebuild(folder: Path, config: dict, threads: int | None, log):
    """(recipe, training examples, validation examples, labels, analyzer) of a model folder:
    the split rebuilt from the recipe in its config.json, with the texts as written, and the
    model reading them with the preprocessing `config` sets (the model applies it itself)."""
    from affectkit.text.classifier import TextModelAnalyzer

    cfg = TrainingConfig.from_dict(config["training"]["config"])
    train_ex, val, labels, skipped = load_splits(replace(cfg, preprocess=None), log=lambda m: None)
    _note_split_change(config, val, skipped, log)
    analyzer = TextModelAnalyzer.from_pretrained(folder, threads=threads)
    analyzer.config = replace(analyzer.config, preprocess=config.get("preprocess"))
    return cfg, train_ex, val, labels, analyzer


def _note_split_change(config: dict, val, skipped: Counter, log) -> None:
    """Say so when the rebuilt validation split differs in size from the one stored with the
    model (the split rules changed since it was trained), and record what it now leaves out."""
    training = config.setdefault("training", {})
    before = training.get("validation_examples")
    if before is not None and before != len(val):
        log(f"the rebuilt validation split has {len(val):,} rows; the model was early-stopped "
            f"on {before:,} (the split rules changed since it was trained)")  # fmt: skip
    training["left_out"] = dict(skipped)


def _write_validation(folder: Path, config: dict, figures: dict) -> None:
    """Store validation figures measured again on a model folder's stored weights in its
    config.json and metrics.json. The training run's validation loss, not measured again, is
    dropped from both so no figure describes older weights."""
    config.setdefault("validation", {}).update(figures)
    config["validation"].pop("loss", None)
    config.setdefault("training", {})["validation_examples"] = figures["n"]
    (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics.setdefault("validation", {}).update(config["validation"])
    metrics["validation"].pop("loss", None)
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
