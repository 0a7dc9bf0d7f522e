"""The ONNX Runtime backend: export a `TextClassifierModule`, check it, quantise it, run it.

Exports are cached by a `fingerprint` of the weights and of everything else that shapes the
graph (`EXPORT_RECIPE`, the opset, pooling, head), so a model is exported once per machine and
again only when it changes. A file is written to a temporary name and renamed when complete.
torch, onnx and onnxruntime are imported on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.cache import default_cache_dir
from affectkit.errors import ModelLoadError, require
from affectkit.onnxrt import open_session
from affectkit.text.classifier.config import HEAD_FILE, TextModelConfig
from affectkit.text.classifier.encoder import EncoderTokenizer
from affectkit.text.classifier.modules import torch_classes

ONNX_OPSET = 17
EXPORT_RECIPE = "2"  # part of the ONNX cache key: bump when the exported graph changes
# int8 leaves the feed-forward down-projections in fp32: their inputs (GELU outputs) carry
# outliers that per-tensor activation quantisation rounds badly. On the 12-layer e5 model this
# keeps SST-2 dev within 0.3 point of fp32, against 1.8 points lost quantising every MatMul.
INT8_SKIP = re.compile(r"layer\.\d+/output/dense/")
# Intra-op threads sleep rather than spin between ops: text batches are large ops, so waking
# costs little, and on a shared machine (a training job beside the service) spinning threads
# take cores the working ones need: 2-thread int8 read IMDB reviews at 6.3/s instead of 4.3/s
# beside a training job. `bench/long_reviews.py --busy 1` measures it; its busy-machine figures
# vary from run to run (docs/benchmarks.md, "Long reviews").
INTRA_OP_SPINNING = False


def onnx_dir(cache_dir: Path | None) -> Path:
    """Where exports are cached: `cache_dir`/onnx, by default under ``AFFECTKIT_HOME``
    (`affectkit.cache.default_cache_dir`); never the model folder, which may be inside the
    installed package or a checkout (the file name's fingerprint keeps models apart)."""
    return (cache_dir if cache_dir is not None else default_cache_dir()) / "onnx"


def onnx_file(directory: Path, fingerprint: str, quantize: bool) -> Path:
    """The cached export for a model `fingerprint` (int8 when `quantize`)."""
    suffix = ".int8.onnx" if quantize else ".onnx"
    return directory / f"text-{fingerprint[:24]}{suffix}"


def weight_files(config: TextModelConfig, folder: Path, enc_dir: Path) -> list[Path]:
    """The files holding a model folder's weights, in the order `fingerprint` hashes them."""
    files = [folder / HEAD_FILE, enc_dir / "config.json"]
    if config.encoder.weights is not None:
        files.append(folder / config.encoder.weights)
    return files + sorted(enc_dir.glob("*.safetensors")) + sorted(enc_dir.glob("*.bin"))


def fingerprint(
    config: TextModelConfig,
    *,
    files: Sequence[Path] = (),
    state: Mapping[str, Any] | None = None,
) -> str:
    """sha256 over the weights and everything else that shapes the exported graph.

    The weights are either `files` (all weights on disk, see `weight_files`), hashed by name and
    bytes, or a torch `state` dict (weights in memory, e.g. just trained), hashed by key and
    float32 bytes.
    """
    h = hashlib.sha256()
    recipe = {
        "recipe": EXPORT_RECIPE,
        "opset": ONNX_OPSET,
        "pooling": config.encoder.pooling,
        "normalize": config.encoder.normalize,
        "head": config.head.to_dict(),
        "labels": len(config.labels),
    }
    h.update(json.dumps(recipe, sort_keys=True).encode())
    for f in files:
        h.update(f.name.encode())
        _hash_file(h, f)
    if state is not None:
        torch = torch_classes().torch
        for key, t in state.items():
            h.update(key.encode())
            h.update(t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()


def _hash_file(h: Any, path: Path) -> None:
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def export(module: Any, tok: EncoderTokenizer, target: Path, name: str) -> None:
    """Export `module` (encoder + pooling + head) to `target` with dynamic batch and sequence
    axes, and check it against torch at another shape; `name` is the model's, for errors."""
    torch = torch_classes().torch
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
        check_export(module, tmp, example(3, 11), name)
        os.replace(tmp, target)
    except ModelLoadError:
        Path(tmp).unlink(missing_ok=True)
        raise
    except Exception as exc:  # exporter errors come in many types
        Path(tmp).unlink(missing_ok=True)
        raise ModelLoadError(
            f"Exporting {name} to ONNX failed: {exc}. backend='torch' still works."
        ) from exc


def check_export(module: Any, path: str, inputs: tuple[Any, Any], name: str) -> None:
    """Run the export once at another shape: a trace that baked in a shape fails here."""
    ort = require("onnxruntime", "onnx")
    torch = torch_classes().torch
    ids, mask = inputs
    with torch.inference_mode():
        want = module(ids, mask)[0].float().cpu().numpy()
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {"input_ids": ids.cpu().numpy(), "attention_mask": mask.cpu().numpy()}
    got = session.run(["logits"], feed)[0]
    err = float(np.abs(got - want).max())
    if not err < 1e-3:
        raise ModelLoadError(
            f"The ONNX export of {name} disagrees with torch (max |diff| {err:.2g}); "
            f"use backend='torch'."
        )


def quantize(fp32: Path, target: Path) -> None:
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


def open_text_session(path: Path, threads: int | None) -> Any:
    """The session the analyzer runs an export with (`INTRA_OP_SPINNING`)."""
    return open_session(path, threads, spin=INTRA_OP_SPINNING)


def run_session(session: Any, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One forward pass of an export: ids, mask (B, T) -> logits (B, L), pooled (B, H)."""
    logits, pooled = session.run(None, {"input_ids": ids, "attention_mask": mask})
    return logits, pooled
