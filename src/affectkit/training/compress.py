"""`affectkit compress`: store a model folder's fine-tuned encoder layers in int8 or as 4-bit
differences from the source encoder (delta4), in place.

See `affectkit.text.packing` for the formats. Afterwards the validation figures are measured
again on the stored weights, so config.json, metrics.json and the model card describe the stored
model: a single-label model's calibration is refitted with the method it had (`recalibrate`); a
multi-label model keeps the per-label thresholds tuned before (`revalidate`: the rounding moves
scores far less than the thresholds' grid step).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError
from affectkit.registry import read_json_object
from affectkit.training.config import TrainingConfig
from affectkit.training.recalibrate import recalibrate, revalidate


def _log(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def compress(
    model: str,
    *,
    dtype: str = "int8",
    threads: int | None = 1,
    log: Callable[[str], None] = _log,
) -> dict[str, Any]:
    from safetensors.torch import load_file, save_file

    from affectkit import registry
    from affectkit.text.classifier import TextModelAnalyzer, source_encoder_state
    from affectkit.text.packing import DTYPES, pack, stored_dtype, unpack

    if dtype not in DTYPES[1:]:
        raise InvalidInputError(f"dtype must be one of {DTYPES[1:]}, got {dtype!r}.")
    analyzer = registry.load(model)
    folder = getattr(analyzer, "folder", None)
    if not isinstance(analyzer, TextModelAnalyzer) or folder is None:
        members = getattr(analyzer, "members", None)
        hint = ""
        if members:
            folders = ", ".join(str(m.folder) for m in members)
            hint = f" It is a blend: compress its member folders ({folders})."
        raise InvalidInputError(f"{model!r} is not a transformer model folder.{hint}")
    weights = analyzer.config.encoder.weights
    if weights is None:
        raise InvalidInputError(
            f"{folder} ships no fine-tuned encoder layers (encoder.weights is null): nothing to "
            f"compress."
        )
    path = (Path(folder) / weights).resolve()
    config_path = Path(folder) / "config.json"
    config = read_json_object(config_path)
    recipe = config.get("training", {}).get("config")
    if recipe is not None:
        _require_training_files(recipe)  # before the weights change, not after
    stored = load_file(str(path))
    before = path.stat().st_size
    was = stored_dtype(stored)
    if was == dtype:
        log(f"{path} is already {dtype} ({before / 1e6:.1f} MB).")
        return {"file": str(path), "before": before, "after": before, "changed": False}
    base = None
    if "delta4" in (was, dtype):
        base = source_encoder_state(analyzer.config.encoder.source, Path(folder))
    try:
        weights_now = unpack(stored, base)
    except ValueError as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc}") from None
    packed = pack(weights_now, dtype, base)
    err = _relative_error(weights_now, unpack(packed, base))
    tmp = path.with_suffix(".tmp")
    save_file(packed, str(tmp), metadata={"format": "pt"})
    os.chmod(tmp, path.stat().st_mode)  # keep who may read it
    os.replace(tmp, path)  # atomic: the folder never holds half a file
    after = path.stat().st_size
    versus = ""
    if dtype == "delta4":  # how that compares with rounding the weights themselves
        int8_err = _relative_error(weights_now, unpack(pack(weights_now, "int8")))
        versus = f"; int8 would move them by {100 * int8_err:.2f} %"
    log(
        f"{path}: {before / 1e6:.1f} MB {was} -> {after / 1e6:.1f} MB {dtype} (weights moved by "
        f"{100 * err:.2f} % of their norm{versus})"
    )
    if recipe is not None:
        recipe["weights_dtype"] = dtype  # the recipe in the folder now rebuilds this file
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (Path(folder) / "reference.json").unlink(missing_ok=True)  # drift's profile is stale
    if recipe is not None and config.get("multi_label"):
        revalidate(folder, threads=threads, log=log)  # thresholds kept, figures measured again
    elif recipe is not None:
        # the same calibration method as before ("auto" chooses again), fitted anew
        record = (config.get("validation") or {}).get("calibration") or {}
        method = "auto" if record.get("chosen_by") else record.get("method")
        recalibrate(
            folder, threads=threads, method=method, class_bias=bool(config.get("class_bias")),
            log=log,
        )  # fmt: skip
    return {"file": str(path), "before": before, "after": after, "changed": True, "error": err}


def _require_training_files(recipe: dict) -> None:
    """The figures are measured again on the validation split rebuilt from the training files:
    stop before anything changes when one of them is not there."""
    cfg = TrainingConfig.from_dict(recipe)
    files = [*cfg.data, *([cfg.validation_data] if cfg.validation_data else [])]
    missing = [p for p in files if not Path(p).is_file()]
    if missing:
        raise InvalidInputError(
            f"affectkit compress measures the model again on its validation split, rebuilt from "
            f"its training files, and {missing} are not there (paths as in the recipe, from the "
            f"current folder). Run it from the folder the model was trained in, with the data."
        )


def _relative_error(a: dict[str, Any], b: dict[str, Any]) -> float:
    """||b - a|| / ||a|| over every floating tensor: how far storing moved the weights."""
    num = den = 0.0
    for key, t in a.items():
        if t.is_floating_point():
            num += float((b[key].double() - t.double()).pow(2).sum())
            den += float(t.double().pow(2).sum())
    return (num / den) ** 0.5 if den else 0.0
