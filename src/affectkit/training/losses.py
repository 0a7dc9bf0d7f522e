"""The losses of an encoder run, and the label masks of `partial_labels`.

A head's validation loss is BCE (multi-label) or cross-entropy (single-label), class-weighted
on request; its training loss adds label smoothing and/or focal weighting where the recipe asks
(`training_cross_entropy`). With `partial_labels`, each row is scored over the labels its file
uses: `file_label_sets` / `label_masks` say which, `restrict_logits` (torch, training) and
`restrict_scores` (numpy, validation and calibration) apply it.
"""

from __future__ import annotations

import functools

import numpy as np

from affectkit.training.config import TrainingConfig


def file_label_sets(examples, labels: list[str], only: set[str] | None = None):
    """`partial_labels`: training file -> (L,) bool, the labels that file's rows use; every
    label for a file outside `only` (the files partial_labels names; None = every file)."""
    sets: dict[str, np.ndarray] = {}
    for e in examples:
        used = sets.setdefault(e.source, np.zeros(len(labels), dtype=bool))
        used[[labels.index(lab) for lab in e.labels]] = True
    if only is not None:
        for source, used in sets.items():
            if source not in only:
                used[:] = True
    return sets


def label_masks(examples, sets: dict[str, np.ndarray]) -> np.ndarray:
    """(N, L) bool: the labels each example may take, by its file (`file_label_sets`); every
    label for a file with no training rows (a separate `validation_data` file)."""
    every = np.ones(len(next(iter(sets.values()))) if sets else 0, dtype=bool)
    return np.array([sets.get(e.source, every) for e in examples], dtype=bool).reshape(
        len(examples), -1
    )


def validation_masks(cfg: TrainingConfig, train_ex, val_ex, labels) -> np.ndarray | None:
    """With `partial_labels`, (N_val, L) bool: each validation row is scored over the labels of
    its file, as in training (and as `affectkit evaluate` scores binary data); else None."""
    if not cfg.partial_labels:
        return None
    return label_masks(val_ex, file_label_sets(train_ex, labels, cfg.partial_sources))


def restrict_logits(logits, allowed: np.ndarray):
    """(B, L) logits with the labels a row may not take set to -inf, so they stay out of its
    softmax: its cross-entropy is over its file's labels only, and their logits get no gradient."""
    import torch

    return logits.masked_fill(~torch.from_numpy(np.asarray(allowed, dtype=bool)), float("-inf"))


def restrict_scores(z: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """numpy (N, L) logits with the labels a row may not take pushed 1e4 down: their
    probability is 0 while every calibration fit stays finite. `allowed` None: unchanged."""
    if allowed is None:
        return z
    return np.where(allowed, z, z - 1e4)


def training_cross_entropy(logits, y, smoothing: float = 0.0, gamma: float = 0.0, weight=None):
    """Mean cross-entropy of (B, L) logits against labels y (B,), with label smoothing and/or
    focal weighting. Smoothing: the target is 1 - smoothing on y plus smoothing spread evenly
    over the row's labels, those whose logit is finite (a `restrict_logits` row spreads it over
    its file's labels only). Focal (gamma > 0): each row's loss is multiplied by
    (1 - p_y)^gamma, p_y its label's probability, gradient included (Lin et al. 2017).
    `weight` (L,): each row weighs weight[y], as in torch's weighted cross-entropy."""
    import torch

    logp = torch.log_softmax(logits, dim=-1)
    logp_y = logp.gather(1, y[:, None]).squeeze(1)
    loss = -logp_y
    if smoothing:
        allowed = torch.isfinite(logits)
        spread = -torch.where(allowed, logp, torch.zeros_like(logp)).sum(1) / allowed.sum(1)
        loss = (1.0 - smoothing) * loss + smoothing * spread
    if gamma:  # 1 - p floored: at p == 1 a gamma below 1 would give the power an infinite slope
        loss = (-torch.expm1(logp_y)).clamp(min=1e-12).pow(gamma) * loss
    if weight is None:
        return loss.mean()
    w = weight[y]
    return (w * loss).sum() / w.sum()


def head_losses(y_tr: np.ndarray, n_labels: int, multi: bool, cfg: TrainingConfig):
    """(validation loss, training loss or None) of a head with training targets `y_tr`: BCE
    for multi-label heads, cross-entropy otherwise, class-weighted on request; the training
    loss differs only with label smoothing or focal weighting (None: the validation loss)."""
    import torch

    if multi:
        pos = y_tr.mean(axis=0).clip(1e-3, 1)
        pos_weight = torch.tensor((1 - pos) / pos, dtype=torch.float32).clamp(max=20.0)
        loss_fn = torch.nn.BCEWithLogitsLoss(
            pos_weight=pos_weight if cfg.class_weights == "balanced" else None
        )
        return loss_fn, None
    weight = None
    if cfg.class_weights == "balanced":
        counts = np.bincount(y_tr, minlength=n_labels).clip(min=1)
        weight = torch.tensor(len(y_tr) / (n_labels * counts), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    train_loss_fn = None
    if cfg.label_smoothing or cfg.focal_gamma:
        train_loss_fn = functools.partial(
            training_cross_entropy,
            smoothing=cfg.label_smoothing,
            gamma=cfg.focal_gamma,
            weight=weight,
        )
    return loss_fn, train_loss_fn
