"""`face-expression`: the expression of a face crop, from the residual CNN trained on FER2013.

A model folder holds ``weights.safetensors`` and ``config.json`` (labels, width, temperature),
and ``model.onnx``: the same network with the test-time flip inside the graph, which
onnxruntime runs (PyTorch is then not needed to analyse, only to train); without it, PyTorch
runs the weights. `export_onnx` writes it and checks it against PyTorch. Crops are turned to
48x48 grayscale; probabilities average the face and its mirror image (test-time flip) and are
temperature-scaled. Results give the canonical emotions through
FER2013's map (angry→anger, happy→joy, ...), the polarity they imply, valence and arousal.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import ModelLoadError, require
from affectkit.labels import EMOTIONS, FER2013_TO_EKMAN, emotions_to_polarity, valence_arousal
from affectkit.onnxrt import open_session

KIND = "face-expression"
SIZE = 48
ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
ONNX_OPSET = 17
INT8_MAX_DROP = 0.005  # the int8 model is used where it loses at most this much accuracy


class FaceExpressionModel:
    """A face-expression model folder, run by onnxruntime (``model.onnx``) or by PyTorch."""

    def __init__(self, config: dict[str, Any], net=None, session=None) -> None:
        if (net is None) == (session is None):
            raise ValueError("give the PyTorch network or an onnxruntime session, one of them")
        self.config = config
        self.labels: tuple[str, ...] = tuple(config["labels"])
        self.temperature = float(config.get("temperature", 1.0))
        self.net = None if net is None else net.eval()
        self.session = session
        self.backend = "onnx" if session is not None else "torch"

    @classmethod
    def from_pretrained(
        cls, path: str | Path, backend: str = "auto", threads: int | None = None, **_: Any
    ) -> FaceExpressionModel:
        """`backend`: "onnx-int8" (``model.int8.onnx``), "onnx" (``model.onnx``), "torch" (the
        weights), or "auto": int8 where the folder has it and its config says it held its
        accuracy (``int8_holds``), else onnx where the folder has it, else torch."""
        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text())
            if not isinstance(config.get("labels"), list):
                raise ValueError("config.json has no list of labels")
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"{path}: not a face-expression model folder ({exc}).") from None
        if backend not in ("auto", "onnx-int8", "onnx", "torch"):
            raise ModelLoadError(
                f"backend must be auto, onnx-int8, onnx or torch. Got {backend!r}."
            )
        if backend == "auto":
            backend = "torch"
            if (path / ONNX_FILE).is_file():
                backend = "onnx"
            if (path / INT8_FILE).is_file() and config.get("int8_holds"):
                backend = "onnx-int8"
        if backend == "torch":
            return cls(config, net=load_network(path, config))
        file = path / (INT8_FILE if backend == "onnx-int8" else ONNX_FILE)
        if not file.is_file():
            raise ModelLoadError(f"{path}: no {file.name}; use backend='torch'.")
        model = cls(config, session=open_session(file, threads, "vision"))
        model.backend = backend
        return model

    def predict_proba(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities [n, labels] of uint8 crops (gray [h, w] or RGB [h, w, 3], any size)."""
        if not len(crops):
            return np.zeros((0, len(self.labels)))
        images = np.stack([to_input(c) for c in crops])
        if self.session is not None:
            x = (images.astype(np.float32) / 255)[:, None]
            z = self.session.run(["logits"], {"image": x})[0]
        else:
            z = predict_logits(self.net, images, fp32=True)
        z = z / self.temperature
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)


def load_network(path: Path, config: dict[str, Any]):
    """The PyTorch network of a model folder (its ``weights.safetensors``)."""
    torch = require("torch", "models")
    from safetensors.torch import load_file

    from affectkit.vision.network import build

    try:
        state = load_file(str(path / "weights.safetensors"))
        net = build(len(config["labels"]), config)
        net.load_state_dict(state)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"{path}: not a face-expression model folder ({exc}).") from None
    return net.eval().to(memory_format=torch.channels_last)


def export_onnx(net, target: Path) -> Path:
    """Write the network with its test-time flip (mean logits of the image and its mirror) to
    `target` as ONNX with a dynamic batch axis, checked against PyTorch on other inputs."""
    torch = require("torch", "models")

    class WithFlip(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return (self.inner(x) + self.inner(x.flip(3))) / 2

    import copy

    # a float copy (the caller's network is left as it is); eval on the wrapper, as the export
    # restores the mode it finds
    module = WithFlip(copy.deepcopy(net).float()).eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            batch_axis = {"image": {0: "batch"}, "logits": {0: "batch"}}
            torch.onnx.export(
                module, (torch.rand(2, 1, SIZE, SIZE),), tmp, input_names=["image"],
                output_names=["logits"], dynamic_axes=batch_axis, opset_version=ONNX_OPSET,
                dynamo=False,
            )  # fmt: skip
        x = torch.rand(5, 1, SIZE, SIZE)
        with torch.inference_mode():
            want = module(x).numpy()
        got = open_session(tmp, 1, "vision").run(["logits"], {"image": x.numpy()})[0]
        err = float(np.abs(got - want).max())
        if not err < 1e-3:
            raise ModelLoadError(f"the ONNX export disagrees with PyTorch (max |diff| {err:.2g})")
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def quantize_int8(fp32: Path, target: Path, calibration: np.ndarray) -> Path:
    """Static int8 quantisation of the ONNX model `fp32` (weights per channel, activations
    with ranges measured on `calibration`, uint8 images [N, 48, 48] the model did not train
    on)."""
    import logging

    quant = require("onnxruntime.quantization", "vision")
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(quant.CalibrationDataReader):
        def __init__(self) -> None:
            x = (calibration.astype(np.float32) / 255)[:, None]
            self.batches = iter([{"image": x[i : i + 32]} for i in range(0, len(x), 32)])

        def get_next(self):
            return next(self.batches, None)

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    pre = Path(tmp).with_suffix(".pre")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice on the root logger
    try:
        quant_pre_process(str(fp32), str(pre))
        quant.quantize_static(
            str(pre), tmp, Reader(), quant_format=quant.QuantFormat.QDQ, per_channel=True,
            activation_type=quant.QuantType.QUInt8, weight_type=quant.QuantType.QInt8,
        )  # fmt: skip
        os.replace(tmp, target)
    finally:
        root.setLevel(level)
        Path(tmp).unlink(missing_ok=True)
        pre.unlink(missing_ok=True)
    return target


def bf16_fast() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX): there, autocast to
    bf16 makes the network 2-3x faster on large batches; elsewhere it is emulated and many
    times slower than float32."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def bf16_autocast(enabled: bool | None = None):
    """torch's CPU autocast to bfloat16 where `enabled` (None: where `bf16_fast`), else a
    context that does nothing."""
    import contextlib

    import torch

    if enabled is None:
        enabled = bf16_fast()
    return torch.autocast("cpu", dtype=torch.bfloat16) if enabled else contextlib.nullcontext()


def predict_logits(
    model, images: np.ndarray, batch: int = 512, flip: bool = True, fp32: bool = False
) -> np.ndarray:
    """Logits of uint8 images [N, 48, 48], averaged with the mirrored image when `flip`.
    bfloat16 where the CPU has it (`bf16_fast`) for large batches; `fp32` for the few crops of
    an image or frame, where bf16 is slower even there."""
    import torch

    model.eval()
    out = []
    cast = bf16_autocast(False if fp32 else None)
    with torch.inference_mode(), cast:
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i : i + batch]).float().div(255)[:, None]
            x = x.contiguous(memory_format=torch.channels_last)
            z = model(x).float()
            if flip:
                z = (z + model(x.flip(3)).float()) / 2
            out.append(z.numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def to_input(crop: np.ndarray) -> np.ndarray:
    """A crop as the network's input: 48x48 grayscale uint8."""
    cv2 = require("cv2", "vision")
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    area = gray.shape[0] * gray.shape[1] > SIZE * SIZE
    return cv2.resize(gray, (SIZE, SIZE), interpolation=cv2.INTER_AREA if area else cv2.INTER_CUBIC)


def describe(labels: Sequence[str], probs: np.ndarray) -> dict[str, Any]:
    emotions = dict.fromkeys(EMOTIONS, 0.0)
    for name, p in zip(labels, probs):
        emotions[FER2013_TO_EKMAN.get(name, name)] += float(p)
    v, a = valence_arousal(emotions)
    return {"emotions": emotions, "polarity": emotions_to_polarity(emotions), "valence": v,
            "arousal": a, "raw": {name: float(p) for name, p in zip(labels, probs)}}  # fmt: skip
