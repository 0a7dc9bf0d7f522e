"""Weight files of model folders, checked before a loader reads them.

A ``.safetensors`` file is an 8-byte little-endian header length N, N bytes of JSON
(``{"name": {"dtype": "F32", "shape": [L, H], "data_offsets": [begin, end]}, ...}``, plus an
optional ``"__metadata__"``) and the tensors' bytes. `check_safetensors` reads the header alone
(at most `MAX_HEADER` bytes, never the tensors) and checks that every tensor lies inside the
file with the size its dtype and shape say, so that a random, truncated or hostile file is a
`ModelLoadError` naming the file and what is wrong, not a crash or a huge allocation.
`weights_path` resolves a weights file a config names and refuses one outside the model folder.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from affectkit.errors import ModelLoadError
from affectkit.registry import inside

MAX_HEADER = 100 * 2**20  # bytes; the safetensors library's own limit
ITEMSIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
    "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip


def check_safetensors(path: Path) -> dict[str, Any]:
    """The tensor entries of the safetensors file `path` (name -> dtype, shape, offsets), or a
    `ModelLoadError` that names the file and what is wrong with it."""
    fix = "Copy the model folder again (or train it again)."
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ModelLoadError(
                    f"{path} is {size} bytes: too short for a safetensors file. {fix}"
                )
            (n,) = struct.unpack("<Q", head)
            if n > min(MAX_HEADER, size - 8):
                raise ModelLoadError(
                    f"{path} is not a readable safetensors file: its header claims {n:,} bytes "
                    f"and the file has {size:,} (truncated, or not a safetensors file). {fix}"
                )
            raw = f.read(n)
    except OSError as exc:
        raise ModelLoadError(f"Cannot read {path}: {exc.strerror or exc}. {fix}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelLoadError(
            f"{path} is not a safetensors file: its header is not JSON. {fix}"
        ) from None
    if not isinstance(header, dict):
        raise ModelLoadError(
            f"{path} is not a safetensors file: its header is not an object. {fix}"
        )
    data = size - 8 - n
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    for name, entry in tensors.items():
        problem = _entry_problem(entry, data)
        if problem:
            raise ModelLoadError(f"{path}: tensor {name!r} {problem}. {fix}")
    return tensors


def _entry_problem(entry: Any, data: int) -> str | None:
    """What is wrong with one header entry (None: nothing), `data` bytes after the header."""
    if not isinstance(entry, dict):
        return "has no dtype, shape and offsets"
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in ITEMSIZE:
        return f"has an unknown dtype {dtype!r}"
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return f"has a bad shape {shape!r}"
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= data
    ):
        return f"lies outside the file (offsets {offsets!r}, {data:,} bytes of data: truncated)"
    if offsets[1] - offsets[0] != math.prod(shape) * ITEMSIZE[dtype]:
        return f"has {offsets[1] - offsets[0]:,} bytes for shape {shape} of {dtype}"
    return None


def weights_path(folder: Path, name: str, what: str = "encoder.weights") -> Path:
    """The file a model folder's config names (`name`, relative to `folder`), refused with a
    `ModelLoadError` when it resolves outside the folder. A head of a multi-task run (a
    sub-folder of a folder with ``multitask.json``) may name its run's shared encoder file."""
    path = folder / name
    roots = [folder]
    if (folder.parent / "multitask.json").is_file():
        roots.append(folder.parent)
    if not any(inside(path, root) for root in roots):
        raise ModelLoadError(
            f"{folder / 'config.json'}: {what} {name!r} points outside the model folder "
            f"({path.resolve()}); a model folder's files must be inside it. Copy the whole "
            f"folder as `affectkit train` wrote it."
        )
    return path
