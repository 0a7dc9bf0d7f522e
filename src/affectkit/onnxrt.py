"""onnxruntime sessions as every model of affectkit opens them: CPU, quiet, a set thread count,
and a failure to open named with its file (onnxruntime raises its own untyped errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from affectkit.errors import ModelLoadError, require


def open_session(
    path: str | Path, threads: int | None, extra: str = "onnx", *, spin: bool = True
) -> Any:
    """A CPU session on the ONNX file `path` (`threads`: intra-op threads, or None for
    onnxruntime's default; `extra`: the install extra named when onnxruntime is missing).

    `spin` False: idle intra-op threads sleep instead of spinning while they wait for work. On
    a machine whose cores other work shares, spinning threads take the cores the busy ones need
    (``bench/long_reviews.py --busy``)."""
    ort = require("onnxruntime", extra)
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelLoadError(
            f"Cannot open the ONNX file {path}: {' '.join(str(exc).split())[:300]}. "
            f"Delete it to rebuild it where it is built on first use."
        ) from None
