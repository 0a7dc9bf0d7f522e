"""The torch side of a text classifier: encoder + pooling + head as `nn.Module`s.

torch is optional, so the classes are built on first use (`torch_classes`) and this module's
`ClassifierHead` and `TextClassifierModule` are looked up lazily: importing it never imports
torch. Shapes: B texts (chunks) per batch, T tokens, H encoder width, L labels.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from affectkit.errors import ModelLoadError, require
from affectkit.text.classifier.config import HeadConfig
from affectkit.text.weights import check_safetensors


@functools.cache
def torch_classes() -> SimpleNamespace:
    """torch and the two module classes (``.torch``, ``.ClassifierHead``,
    ``.TextClassifierModule``), built once; raises `BackendMissingError` without torch."""
    torch = require("torch", "models")
    head, module = _head_class(torch.nn), _module_class(torch)
    for cls in (head, module):
        cls.__module__ = __name__
    return SimpleNamespace(torch=torch, ClassifierHead=head, TextClassifierModule=module)


def _head_class(nn: Any) -> type:  # classes that subclass torch.nn.Module need torch
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

    return ClassifierHead


def _module_class(torch: Any) -> type:
    class TextClassifierModule(torch.nn.Module):
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

    return TextClassifierModule


def __getattr__(name: str) -> Any:
    """`ClassifierHead` and `TextClassifierModule` import torch, so they are built on access."""
    if name in ("ClassifierHead", "TextClassifierModule"):
        return getattr(torch_classes(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_head(head_file: Path, in_features: int, num_labels: int, spec: HeadConfig) -> Any:
    """A `ClassifierHead` for `spec` with the weights of `head_file` (``head.safetensors``)."""
    head = torch_classes().ClassifierHead.from_config(in_features, num_labels, spec)
    if not head_file.is_file():
        raise ModelLoadError(f"{head_file.parent} has no {head_file.name}; the head cannot load.")
    check_safetensors(head_file)
    safetensors_torch = require("safetensors.torch", "models")
    try:
        state = safetensors_torch.load_file(str(head_file))
    except Exception as exc:  # safetensors raises its own error type for damaged files
        raise ModelLoadError(f"Cannot read {head_file}: {exc}") from None
    try:
        head.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelLoadError(
            f"{head_file} does not fit a {spec.type} head with "
            f"{in_features} inputs and {num_labels} labels ({exc}). Was it saved "
            f"for another encoder or label set?"
        ) from None
    return head


def run_module(module: Any, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One forward pass of a `TextClassifierModule`: ids, mask (B, T) -> logits (B, L), pooled
    (B, H) as float32 numpy arrays."""
    torch = torch_classes().torch
    device = next(module.parameters()).device
    with torch.inference_mode():
        logits, pooled = module(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
    return logits.float().cpu().numpy(), pooled.float().cpu().numpy()


def head_logits(head: Any, pooled: np.ndarray) -> np.ndarray:
    """A `ClassifierHead` on pooled vectors (K, H) computed elsewhere: logits (K, L)."""
    torch = torch_classes().torch
    with torch.inference_mode():
        return head(torch.from_numpy(pooled)).float().numpy()
