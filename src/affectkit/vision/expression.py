"""`face-expression`: the expression of a face crop, from the residual CNN trained on FER2013.

A model folder holds ``weights.safetensors`` and ``config.json`` (labels, width, temperature).
Crops are turned to 48x48 grayscale; probabilities average the face and its mirror image
(test-time flip) and are temperature-scaled. Results give the canonical emotions through
FER2013's map (angry→anger, happy→joy, ...), the polarity they imply, valence and arousal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import ModelLoadError, require
from affectkit.labels import EMOTIONS, FER2013_TO_EKMAN, emotions_to_polarity, valence_arousal

KIND = "face-expression"
SIZE = 48


class FaceExpressionModel:
    def __init__(self, config: dict[str, Any], net) -> None:
        self.config = config
        self.labels: tuple[str, ...] = tuple(config["labels"])
        self.temperature = float(config.get("temperature", 1.0))
        self.net = net.eval()

    @classmethod
    def from_pretrained(cls, path: str | Path, **_: Any) -> FaceExpressionModel:
        require("torch", "vision")
        from safetensors.torch import load_file

        from affectkit.vision.network import ExpressionNet

        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text())
            state = load_file(str(path / "weights.safetensors"))
            net = ExpressionNet(len(config["labels"]), int(config.get("width", 24)))
            net.load_state_dict(state)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(f"{path}: not a face-expression model folder ({exc}).") from None
        return cls(config, net)

    def predict_proba(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities [n, labels] of uint8 crops (gray [h, w] or RGB [h, w, 3], any size)."""
        if not len(crops):
            return np.zeros((0, len(self.labels)))
        z = predict_logits(self.net, np.stack([to_input(c) for c in crops])) / self.temperature
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)


def predict_logits(model, images: np.ndarray, batch: int = 512, flip: bool = True) -> np.ndarray:
    """Logits of uint8 images [N, 48, 48], averaged with the mirrored image when `flip`."""
    import torch

    model.eval()
    out = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
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
