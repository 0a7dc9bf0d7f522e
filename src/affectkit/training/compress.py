"""`affectkit compress`: store a model folder's fine-tuned encoder layers in int8, in place.

See `affectkit.text.packing` for the format. Afterwards a single-label model's temperature and
validation figures are measured again on the stored weights (`recalibrate`), so config.json,
metrics.json and the model card describe the int8 model; a multi-label model keeps the
per-label thresholds tuned before (the rounding moves scores by far less than the thresholds'
grid step).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError


def _log(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def compress(
    model: str, *, threads: int | None = 1, log: Callable[[str], None] = _log
) -> dict[str, Any]:
    from safetensors.torch import load_file, save_file

    from affectkit import registry
    from affectkit.text.model import TextModelAnalyzer
    from affectkit.text.packing import pack, stored_dtype, unpack
    from affectkit.training.trainer import recalibrate

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
    stored = load_file(str(path))
    before = path.stat().st_size
    if stored_dtype(stored) == "int8":
        log(f"{path} is already int8 ({before / 1e6:.1f} MB).")
        return {"file": str(path), "before": before, "after": before, "changed": False}
    tmp = path.with_suffix(".tmp")
    save_file(pack(unpack(stored), "int8"), str(tmp), metadata={"format": "pt"})
    os.replace(tmp, path)  # atomic: the folder never holds half a file
    after = path.stat().st_size
    log(f"{path}: {before / 1e6:.1f} MB fp16 -> {after / 1e6:.1f} MB int8")
    config_path = Path(folder) / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    recipe = config.get("training", {}).get("config")
    if recipe is not None:
        recipe["weights_dtype"] = "int8"  # the recipe in the folder now rebuilds this file
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (Path(folder) / "reference.json").unlink(missing_ok=True)  # drift's profile is stale
    if recipe is not None and not config.get("multi_label"):
        recalibrate(folder, threads=threads, log=log)
    return {"file": str(path), "before": before, "after": after, "changed": True}
