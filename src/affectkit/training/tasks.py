"""The heads of an encoder run (`Task`): each head's examples, token ids, targets, label masks,
losses and classifier. An ordinary run has one; a multi-task run (`heads`) one per entry, all
on the same encoder."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from affectkit.training.config import TrainingConfig
from affectkit.training.losses import file_label_sets, label_masks
from affectkit.training.splits import load_splits


@dataclass
class Task:
    """One head of a run: its data, labels, loss and validation set (a run has one or more)."""

    name: str | None  # None: the single head of an ordinary run
    cfg: TrainingConfig
    train_ex: list
    val_ex: list
    labels: list[str]
    skipped: Counter
    multi: bool
    weight: float = 1.0
    tr_ids: list = None  # token ids per training text
    tr_len: np.ndarray = None
    va_ids: list = None
    va_len: np.ndarray = None
    y_tr: np.ndarray = None
    y_va: np.ndarray = None
    loss_fn: object = None
    train_loss_fn: object = None  # the training loss where it differs (smoothing, focal)
    head: object = None
    tr_allowed: np.ndarray = None  # (n_train, L) bool: labels a row is scored over (partial_labels)
    va_allowed: np.ndarray = None  # the same for the validation rows

    @property
    def tag(self) -> str:
        return f"[{self.name}] " if self.name else ""


def load_tasks(cfg: TrainingConfig, log) -> list[Task]:
    """The run's heads: the config itself, or one sub-config per entry of `cfg.heads`."""
    if not cfg.heads:
        return [Task(None, cfg, *load_splits(cfg, log), multi=cfg.task == "multi")]
    tasks = []
    for name in cfg.heads:
        sub = cfg.head_config(name)
        log(f"  head {name!r}:")
        tasks.append(
            Task(name, sub, *load_splits(sub, log), multi=sub.task == "multi",
                 weight=float(cfg.heads[name].get("loss_weight", 1.0)))
        )  # fmt: skip
    return tasks


def prepare_task(t: Task, tokenizer, cfg: TrainingConfig, log) -> None:
    """Tokenise a head's splits once, build its targets and, with `partial_labels`, the labels
    each row is scored over."""

    def encode(examples):
        ids = tokenizer(
            [e.text for e in examples],
            truncation=True,
            max_length=cfg.max_length,
            add_special_tokens=True,
        )["input_ids"]
        return ids, np.array([len(x) for x in ids])

    def targets(examples):
        index = {lab: i for i, lab in enumerate(t.labels)}
        if t.multi:
            y = np.zeros((len(examples), len(t.labels)), dtype=np.float32)
            for i, ex in enumerate(examples):
                for lab in ex.labels:
                    y[i, index[lab]] = 1.0
            return y
        return np.array([index[ex.labels[0]] for ex in examples])

    t.tr_ids, t.tr_len = encode(t.train_ex)
    t.va_ids, t.va_len = encode(t.val_ex)
    t.y_tr, t.y_va = targets(t.train_ex), targets(t.val_ex)
    if t.cfg.partial_labels:
        sets = file_label_sets(t.train_ex, t.labels, t.cfg.partial_sources)
        for source, used in sets.items():
            if not used.all():
                kept = ", ".join(lab for lab, u in zip(t.labels, used, strict=True) if u)
                log(f"  {t.tag}{source}: scored over {kept} only (its rows use no other label)")
                if used.sum() == 1:
                    log(f"  {t.tag}warning: {source} has one label, so it teaches nothing")
        t.tr_allowed = label_masks(t.train_ex, sets)
        t.va_allowed = label_masks(t.val_ex, sets)
    n_trunc = int((t.tr_len >= cfg.max_length).sum())
    if n_trunc:
        log(f"  {t.tag}{n_trunc:,} training texts longer than {cfg.max_length} tokens keep "
            f"their start")  # fmt: skip
