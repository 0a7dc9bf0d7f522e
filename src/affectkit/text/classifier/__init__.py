"""Transformer text classifier: encoder + pooling + head, run with PyTorch or ONNX Runtime.

- `config`: what a model folder's ``config.json`` holds (`TextModelConfig`, `EncoderConfig`,
  `HeadConfig`) and the constants that name its files and choices.
- `outputs`: label probabilities -> result fields (`LabelPlan`, `summarise`, `activate`);
  modality-neutral.
- `modules`: the torch modules (`ClassifierHead`, `TextClassifierModule`), built on first use.
- `encoder`: encoder location, tokenizer, shared encoder cache.
- `folder`: reading and writing model folders.
- `onnx`: ONNX export, check, int8 quantisation and session, cached by `fingerprint`.
- `inference`: chunking long texts, length-sorted batching, aggregation, occlusion.
- `analyzer`: `TextModelAnalyzer`, which ties them together.

torch and onnxruntime are optional and imported on first use, so importing this package is
cheap; `ClassifierHead` and `TextClassifierModule` are built when first accessed.
"""

from __future__ import annotations

from typing import Any

from affectkit.text.classifier import modules as _modules
from affectkit.text.classifier.analyzer import TextModelAnalyzer
from affectkit.text.classifier.config import (
    BACKENDS,
    CONFIG_FILE,
    CONVERTED_PREFIX,
    DEFAULT_ENCODER,
    HEAD_FILE,
    HEAD_TYPES,
    KIND,
    PACKAGE_PREFIX,
    POOLINGS,
    TASKS,
    EncoderConfig,
    HeadConfig,
    TextModelConfig,
)
from affectkit.text.classifier.encoder import (
    EncoderTokenizer,
    quiet_transformers,
    resolve_encoder_source,
    source_encoder_state,
)
from affectkit.text.classifier.inference import (
    CHUNK_STRIDE,
    EXPLAIN_MAX_WORDS,
    EXPLAIN_TOP_K,
    MAX_CHUNKS_IN_RAW,
    MIN_BATCH,
    PAD_SLACK,
    DocOut,
    length_batches,
)
from affectkit.text.classifier.modules import torch_classes
from affectkit.text.classifier.onnx import EXPORT_RECIPE, INT8_SKIP, ONNX_OPSET
from affectkit.text.classifier.outputs import LabelConfig, LabelPlan, activate, summarise

__all__ = [
    "BACKENDS",
    "CHUNK_STRIDE",
    "CONFIG_FILE",
    "CONVERTED_PREFIX",
    "DEFAULT_ENCODER",
    "EXPLAIN_MAX_WORDS",
    "EXPLAIN_TOP_K",
    "EXPORT_RECIPE",
    "HEAD_FILE",
    "HEAD_TYPES",
    "INT8_SKIP",
    "KIND",
    "MAX_CHUNKS_IN_RAW",
    "MIN_BATCH",
    "ONNX_OPSET",
    "PACKAGE_PREFIX",
    "PAD_SLACK",
    "POOLINGS",
    "TASKS",
    "ClassifierHead",
    "DocOut",
    "EncoderConfig",
    "EncoderTokenizer",
    "HeadConfig",
    "LabelConfig",
    "LabelPlan",
    "TextClassifierModule",
    "TextModelAnalyzer",
    "TextModelConfig",
    "activate",
    "length_batches",
    "quiet_transformers",
    "resolve_encoder_source",
    "source_encoder_state",
    "summarise",
    "torch_classes",
]


def __getattr__(name: str) -> Any:
    """`ClassifierHead` and `TextClassifierModule` import torch, so they are built on access."""
    if name in ("ClassifierHead", "TextClassifierModule"):
        return getattr(_modules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
