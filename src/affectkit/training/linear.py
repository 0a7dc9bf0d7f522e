"""Training of the `tfidf` backbone: TF-IDF n-grams + logistic regression (seconds, no torch).

Same data handling as the transformer trainer (`load_splits`: files, label maps, stratified
validation split). The regularisation strength C is chosen on the validation split from a grid
(the model's stand-in for early stopping); then, for single-label tasks, a temperature is fitted
on the validation split, for multi-label tasks per-label thresholds. scikit-learn is needed to
train (the ``train`` extra), never to predict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import require
from affectkit.training.artifacts import TrainResult, canonical_map, task_of, write_figures
from affectkit.training.calibration import fit_and_measure, tune_thresholds
from affectkit.training.config import TrainingConfig
from affectkit.training.metrics import format_report, multilabel_report, report
from affectkit.training.splits import load_splits

# tried in this order; a later C replaces an earlier one only when strictly better on validation,
# so ties (tiny validation splits) keep scikit-learn's default C=1
C_GRID = (1.0, 3.0, 0.3, 10.0, 0.1, 30.0)


def binary_columns(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A binary logistic regression's one column (1, H), (1,) as two, one per label: minus and
    plus half of it, so that softmax over the two gives the regression's probabilities."""
    return np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])


def train_ngram(cfg: TrainingConfig, *, log: Callable[[str], None], splits=None):
    """Train and save the n-gram model of `cfg`. `splits` = (train, validation, labels, skipped)
    as `load_splits` returns them, when the caller built them (`affectkit blend`)."""
    from affectkit.text import ngrams

    linear_model = require("sklearn.linear_model", "train")
    t_start = time.time()
    out = Path(cfg.output).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    log(f"affectkit train: {cfg.name} (tfidf n-grams + logistic regression) -> {out}")
    train_ex, val_ex, labels, skipped = splits if splits is not None else load_splits(cfg, log)
    multi = cfg.task == "multi"
    log(f"  {len(train_ex):,} training / {len(val_ex):,} validation examples, labels {labels}")
    if skipped:
        log(f"  left out: {dict(skipped)}")

    feats = ngrams.NgramFeaturizer(
        word=tuple(cfg.word_ngrams), char=tuple(cfg.char_ngrams) if cfg.char_ngrams else None
    )
    vocab, idf = ngrams.build_vocabulary(
        feats, (e.text for e in train_ex), min_df=cfg.min_df, max_features=cfg.max_features
    )
    index = {f: i for i, f in enumerate(vocab)}
    data = _Data(
        x_tr=ngrams.transform(feats, index, idf, [e.text for e in train_ex]),
        x_va=ngrams.transform(feats, index, idf, [e.text for e in val_ex]),
        y_tr=_targets(train_ex, labels, multi),
        y_va=_targets(val_ex, labels, multi),
        labels=labels,
        n_features=len(vocab),
        multi=multi,
        class_weight="balanced" if cfg.class_weights == "balanced" else None,
    )
    log(f"  {len(vocab):,} n-gram features (min_df {cfg.min_df}) in {time.time() - t_start:.1f}s")
    c, coef, intercept, rep, z, history = _choose_c(data, linear_model, cfg.metric, log)
    thresholds, temperature = None, 1.0
    if multi:
        thresholds = tune_thresholds(z, data.y_va)
        rep = multilabel_report(data.y_va, z > np.log(thresholds / (1 - thresholds)), labels)
    else:
        rep.update(fit_and_measure(z, data.y_va))
        temperature = rep["temperature"]
    log("validation report:\n" + format_report(rep))

    canon = canonical_map(cfg, labels)
    validation = _validation_figures(rep, c)
    config = ngrams.NgramModelConfig(
        name=cfg.name,
        labels=tuple(labels),
        task="multilabel" if multi else task_of(canon, labels),
        canonical=canon or None,
        multi_label=multi,
        thresholds=None if thresholds is None else dict(zip(labels, map(float, thresholds))),
        temperature=float(temperature),
        languages=tuple(cfg.languages),
        preprocess=cfg.preprocess,
        features=feats,
        extra={
            "training": {
                "config": cfg.to_dict(),
                "train_examples": len(train_ex),
                "validation_examples": len(val_ex),
                "left_out": dict(skipped),
                "seconds": round(time.time() - t_start, 1),
            },
            "validation": validation,
        },
    )
    analyzer = ngrams.NgramAnalyzer(config, vocab, idf, np.asarray(coef), np.asarray(intercept))
    analyzer.save_pretrained(out)
    write_figures(out, validation, history)
    log(f"saved {out} in {time.time() - t_start:.1f}s")
    return TrainResult(out, rep, history)


@dataclass
class _Data:
    """Both splits as tf-idf rows (N, V) and targets: labels (N,), or (N, L) 0/1 multi-label."""

    x_tr: Any
    x_va: Any
    y_tr: np.ndarray
    y_va: np.ndarray
    labels: list[str]
    n_features: int
    multi: bool
    class_weight: str | None


def _targets(examples, labels: list[str], multi: bool) -> np.ndarray:
    if multi:
        return np.array([[lab in e.labels for lab in labels] for e in examples], dtype=int)
    pos = {lab: i for i, lab in enumerate(labels)}
    return np.array([pos[e.labels[0]] for e in examples])


def _fit(d: _Data, linear_model, c: float) -> tuple[np.ndarray, np.ndarray]:
    """(coef (L, V), intercept (L,)) for regularisation strength c."""
    if d.multi:
        coefs, ints = [], []
        for k in range(len(d.labels)):
            yk = d.y_tr[:, k]
            if yk.min() == yk.max():  # a label always on or off: a constant score
                coefs.append(np.zeros(d.n_features))
                ints.append(8.0 if yk[0] else -8.0)
                continue
            m = linear_model.LogisticRegression(C=c, max_iter=2000, class_weight=d.class_weight)
            m.fit(d.x_tr, yk)
            coefs.append(m.coef_[0])
            ints.append(m.intercept_[0])
        return np.array(coefs), np.array(ints)
    m = linear_model.LogisticRegression(C=c, max_iter=2000, class_weight=d.class_weight)
    m.fit(d.x_tr, d.y_tr)
    if len(d.labels) == 2:
        return binary_columns(m.coef_, m.intercept_)
    return m.coef_, m.intercept_


def _score(d: _Data, coef, intercept, metric: str):
    """(value of `metric`, validation report, validation logits (N, L)) of a fit."""
    z = d.x_va @ coef.T + intercept  # (N, L)
    z = np.asarray(z)
    if d.multi:
        rep = multilabel_report(d.y_va, z > 0, d.labels)
    else:
        rep = report(d.y_va, z.argmax(1), d.labels)
    value = rep["macro_f1"] if metric in ("macro_f1", "loss") else rep[metric]
    return value, rep, z


def _choose_c(d: _Data, linear_model, metric: str, log):
    """(C, coef, intercept, report, validation logits, history) of the best C of `C_GRID`."""
    best = None
    history = []
    for c in C_GRID:
        coef, intercept = _fit(d, linear_model, c)
        value, rep, z = _score(d, coef, intercept, metric)
        history.append({"C": c, "val_accuracy": rep["accuracy"], "val_macro_f1": rep["macro_f1"]})
        log(f"  C={c:g}: validation accuracy {rep['accuracy']:.4f}, macro-F1 {rep['macro_f1']:.4f}")
        if best is None or value > best[0]:
            best = (value, c, coef, intercept, rep, z)
    _, c, coef, intercept, rep, z = best
    log(f"  chosen C={c:g}")
    return c, coef, intercept, rep, z, history


def _validation_figures(rep: dict, c: float) -> dict:
    """The `validation` record of config.json and metrics.json."""
    return {
        "split": "validation (carved from the training data)",
        **{
            k: rep.get(k)
            for k in (
                "n",
                "accuracy",
                "macro_f1",
                "macro_recall",
                "micro_f1",
                "per_class",
                "temperature",
            )
        },
        "ece_before_scaling": rep.get("ece_before"),
        "ece": rep.get("ece"),
        "C": c,
    }
