"""How fine-tuned encoder layers are stored: fp16, or int8 with one scale per output row.

A model folder ships only the encoder tensors that training changed (`encoder.safetensors`).
In fp16 that is ~22 MB for six MiniLM/e5 layers, ~43 MB for all twelve e5 layers. ``int8``
halves it again: every weight matrix (2-D, at least `MIN_INT8` values) is stored as int8 with a
float32 scale per output row (symmetric, ``scale = max |row| / 127``, round to nearest), next to
it as ``<name>.int8_scale``; biases and LayerNorm stay fp16. At load the matrices are
dequantized to the encoder's dtype, so inference code and speed are unchanged; only the stored
weights are rounded (one step is at most 0.4 % of a row's largest weight). The dev figures of the
shipped models are measured on the int8 files.

``affectkit compress --model FOLDER`` rewrites a folder's layers in int8 in place; training writes
them directly when the recipe says ``weights_dtype = "int8"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCALE_SUFFIX = ".int8_scale"
MIN_INT8 = 4096  # smaller tensors (biases, LayerNorm) are not worth quantizing
DTYPES = ("float16", "int8")


def pack(state: Mapping[str, Any], dtype: str = "float16") -> dict[str, Any]:
    """Tensors to store (torch, on CPU, contiguous) for a state dict of float tensors."""
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}.")
    out: dict[str, Any] = {}
    for key, t in state.items():
        t = t.detach().cpu()
        if dtype == "int8" and t.ndim == 2 and t.numel() >= MIN_INT8 and t.is_floating_point():
            w = t.float()
            scale = w.abs().amax(dim=1).clamp_min(1e-12) / 127.0  # (rows,)
            q = torch.round(w / scale[:, None]).clamp_(-127, 127).to(torch.int8)
            out[key] = q.contiguous()
            out[key + SCALE_SUFFIX] = scale.contiguous()
        elif t.is_floating_point():
            out[key] = t.to(torch.float16).contiguous()
        else:  # integer buffers (position ids) as they are
            out[key] = t.contiguous()
    return out


def unpack(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The float tensors (float32) of a stored state; the inverse of `pack` up to rounding."""
    import torch

    out: dict[str, Any] = {}
    for key, t in stored.items():
        if key.endswith(SCALE_SUFFIX):
            continue
        if t.dtype == torch.int8:
            scale = stored.get(key + SCALE_SUFFIX)
            if scale is None:
                raise ValueError(f"{key} is int8 but {key + SCALE_SUFFIX} is missing.")
            out[key] = t.float() * scale.float()[:, None]
        else:
            out[key] = t.float() if t.is_floating_point() else t
    return out


def stored_dtype(stored: Mapping[str, Any]) -> str:
    return "int8" if any(k.endswith(SCALE_SUFFIX) for k in stored) else "float16"
