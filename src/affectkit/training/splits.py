"""The examples a run trains and early-stops on: `load_splits`.

In order: every training file is read (label map, dropped labels) and subsampled as the recipe
says; validation is `validation_data`, or carved from the training rows (stratified, or by
groups of nested texts); a text in both splits leaves one of them (`drop_overlap_from`), and a
carved validation text found inside a training text leaves validation; the texts are then
transformed as the model will read them (`preprocess`). Every row left out is counted, by
reason, in `skipped`, which the model folder stores as `left_out`.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from affectkit.errors import InvalidInputError
from affectkit.text.preprocess import PREPROCESSORS, encoder_text
from affectkit.training import data as D
from affectkit.training.config import TrainingConfig


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_splits(cfg: TrainingConfig, log: Callable[[str], None] = _log, carve: bool = True):
    """(train, validation, labels, skipped) as the run will use them. `carve=False`: without
    `validation_data`, every example trains and validation is empty (few-shot runs)."""
    skipped: Counter = Counter()
    examples = _read_training_files(cfg, skipped, log)
    train, val = _split(cfg, examples, carve, log)
    train, val = _drop_overlap(cfg, train, val, skipped, log)
    val = _drop_nested(cfg, train, val, skipped, log)
    train, val = _as_the_model_reads(cfg, train, val)
    labels = D.label_set(train, cfg.labels)
    unknown = sorted({lab for ex in val for lab in ex.labels} - set(labels))
    if unknown:
        raise InvalidInputError(
            f"The validation data has labels the training data lacks: {unknown}. Map them with "
            f"label_map, leave them out with drop_labels, or add training examples."
        )
    return train, val, labels, skipped


def _read_training_files(cfg: TrainingConfig, skipped: Counter, log) -> list[D.Example]:
    """Every file of `cfg.data`, subsampled per file (`max_rows`) and per label."""
    examples: list[D.Example] = []
    for path in cfg.data:
        ds = D.read_file(
            path,
            cfg.text_col,
            cfg.label_cols.get(path, cfg.label_col),
            multi_label=cfg.task == "multi",
            label_map=cfg.label_map,
            drop_labels=cfg.drop_labels,
        )
        rows = ds.examples
        short = D.source_name(path)
        limit = cfg.max_rows.get(path, cfg.max_rows_per_file)
        if limit and len(rows) > limit:
            kept = D.subsample(rows, limit, cfg.seed)
            skipped[f"{short}: subsampled away"] += len(rows) - len(kept)
            rows = kept
        for reason, n in ds.skipped.items():
            skipped[f"{short}: {reason}"] += n
        counts = dict(Counter(e.labels[0] for e in rows))
        log(f"  {short}: {len(rows):,} examples {counts}")
        examples += rows
    if cfg.max_rows_per_label:
        examples = D.per_label(examples, cfg.max_rows_per_label, cfg.seed)
        counts = dict(Counter(e.labels[0] for e in examples))
        log(f"  {cfg.max_rows_per_label} per label: {len(examples):,} examples {counts}")
    return examples


def _split(cfg: TrainingConfig, examples: list, carve: bool, log) -> tuple[list, list]:
    """(train, validation): `validation_data` as given, else carved from `examples`."""
    if cfg.validation_data:
        val = D.read_file(
            cfg.validation_data,
            cfg.text_col,
            cfg.label_col,
            multi_label=cfg.task == "multi",
            label_map=cfg.label_map,
            drop_labels=cfg.drop_labels,
        ).examples
        return examples, val
    if not carve:
        return examples, []
    if cfg.group_nested:
        train, val, shared = D.grouped_split(examples, cfg.val_ratio, cfg.seed)
        log(f"  split by nested groups: {shared:,} texts inside several others stay in training")
        return train, val
    return D.stratified_split(examples, cfg.val_ratio, cfg.seed)


def _drop_overlap(cfg: TrainingConfig, train, val, skipped: Counter, log):
    """(train, validation) with a text found in both left out of one (`drop_overlap_from`)."""
    if cfg.drop_overlap_from == "training":
        train, leaked = D.drop_seen(train, val)
        if leaked and not train:
            raise InvalidInputError(
                f"All {leaked:,} training texts also appear in the validation data, so nothing "
                f"is left to train on."
            )
        if leaked:
            skipped["training: text also in validation data"] += leaked
            log(f"  {leaked:,} training examples left out: their text is also in validation")
        return train, val
    val, leaked = D.drop_seen(val, train)
    if leaked and not val:
        raise InvalidInputError(
            f"All {leaked:,} validation texts also appear in the training data, so nothing "
            f"is left to early-stop on. Give validation_data with texts the training files "
            f"lack, or set drop_overlap_from = 'training'."
        )
    if leaked:
        skipped["validation: text also in training data"] += leaked
        log(f"  {leaked:,} validation examples left out: their text is also in training")
    return train, val


def _drop_nested(cfg: TrainingConfig, train, val, skipped: Counter, log):
    """Validation without the carved texts found inside a training text.

    Such a text was read, labelled, in training (SST-2's phrases): it leaves validation under
    either `drop_overlap_from` rule (dropping the longer training texts instead would take whole
    sentences out of training). A validation file the user chose is kept as given: its short
    texts may well recur inside longer training texts."""
    inside = 0
    if not cfg.validation_data:
        val, inside = D.drop_contained(val, train)
    if inside and not val:
        raise InvalidInputError(
            f"All {inside:,} validation texts occur inside training texts, so nothing is left "
            f"to early-stop on. Set group_nested = true to keep nested texts on one side of the "
            f"split, or give validation_data."
        )
    if inside:
        skipped["validation: text inside a training text"] += inside
        log(f"  {inside:,} validation examples left out: their text occurs inside a training text")
    return val


def _as_the_model_reads(cfg: TrainingConfig, train, val):
    """(train, validation) with every text transformed as the model reads text later: an
    encoder's input cleaning (plus `preprocess`), or the tfidf model's `preprocess`."""
    if cfg.preprocess is None and cfg.backbone == "tfidf":
        return train, val
    if cfg.backbone == "tfidf":
        fn = PREPROCESSORS[cfg.preprocess]
    else:
        fn = functools.partial(encoder_text, preprocess=cfg.preprocess)
    return [replace(e, text=fn(e.text)) for e in train], [replace(e, text=fn(e.text)) for e in val]
