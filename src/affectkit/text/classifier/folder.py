"""Model folders on disk: read and check one's config, write one (see `config` for the layout).

A folder is ``config.json`` + ``head.safetensors`` (never pickle), plus the encoder when it was
fine-tuned and lives in the folder. ``config.json`` is written last, so a folder is a model folder
only once it is complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from affectkit.errors import ModelLoadError, require
from affectkit.registry import read_json_object
from affectkit.text.classifier.config import (
    CONFIG_FILE,
    CONVERTED_PREFIX,
    HEAD_FILE,
    KIND,
    PACKAGE_PREFIX,
    TextModelConfig,
)
from affectkit.text.weights import check_safetensors, weights_path


def read_config(path: Path) -> TextModelConfig:
    """The config of model folder `path`, checked, with its weight files present, inside the
    folder and readable as safetensors (their headers: the tensors load later); any problem
    is a `ModelLoadError` that names the file."""
    config_path = path / CONFIG_FILE
    data = read_json_object(config_path)
    if data.get("affectkit_kind") != KIND:
        raise ModelLoadError(
            f"{config_path} has affectkit_kind={data.get('affectkit_kind')!r}; expected "
            f"{KIND!r} for a text classifier folder."
        )
    try:
        config = TextModelConfig.from_dict(data)
    except (TypeError, ValueError) as exc:  # InvalidInputError, or a value of another type
        raise ModelLoadError(f"{config_path}: {exc}") from None
    if not (path / HEAD_FILE).is_file():
        raise ModelLoadError(
            f"{path} has no {HEAD_FILE}: the classifier head's weights are missing. Expected "
            f"the file that save_pretrained / `affectkit train` writes next to config.json; "
            f"copy the whole model folder or train the model again."
        )
    check_safetensors(path / HEAD_FILE)
    if config.encoder.weights is not None:
        weights = weights_path(path, config.encoder.weights)
        if weights.is_file():  # a missing file is reported when the encoder loads
            check_safetensors(weights)
    return config


def write_folder(
    path: Path,
    config: TextModelConfig,
    *,
    encoder: Any,
    head: Any,
    save_tokenizer: Callable[[Path], None],
    source: Path | None,
) -> Path:
    """Write `config`, the `head` module's weights and, when ``config.encoder.source`` names a
    folder, the `encoder` module (with `save_tokenizer` into the same folder) to `path`.

    A module that is None is copied from the model folder `source` instead (when that is another
    folder); an encoder that is neither in memory nor in a folder is a `ModelLoadError`.
    """
    safetensors_torch = require("safetensors.torch", "models")
    path.mkdir(parents=True, exist_ok=True)
    enc_source = config.encoder.source
    if (
        not enc_source.startswith((PACKAGE_PREFIX, CONVERTED_PREFIX))
        and not Path(enc_source).is_absolute()
    ):
        target = path / enc_source
        if encoder is not None:
            encoder.save_pretrained(str(target))
            save_tokenizer(target)
        elif source is not None and (source / enc_source).resolve() != target.resolve():
            shutil.copytree(source / enc_source, target, dirs_exist_ok=True)
        elif not (target / "config.json").is_file():
            raise ModelLoadError(
                f"Cannot save the encoder {enc_source!r}: it is neither in memory nor in a model "
                f"folder. Pass encoder=... (and tokenizer=...) when building the analyzer."
            )
    head_file = path / HEAD_FILE
    if head is not None:
        state = {k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}
        safetensors_torch.save_file(state, str(head_file), metadata={"format": "pt"})
    elif source is not None and (source / HEAD_FILE).resolve() != head_file.resolve():
        shutil.copyfile(source / HEAD_FILE, head_file)
    # config.json last: a folder is a model folder only once it is complete.
    text = json.dumps(config.to_dict(), indent=2, ensure_ascii=False) + "\n"
    (path / CONFIG_FILE).write_text(text, encoding="utf-8")
    return path
