"""Export a text model to ONNX (fp32 and dynamic int8) and show what each costs and gains.

The exported files are the same ones `backend="onnx"` builds on first use; `export` writes them
where the user asks and, given labelled data, measures accuracy and speed of PyTorch fp32, ONNX
fp32 and ONNX int8 side by side on the same inputs.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.records import cannot_write, check_output
from affectkit.training.evaluate import evaluate, read_labelled_csv

FILES = ("model.onnx", "model.int8.onnx")  # what export writes into its output folder


def export(
    model: str,
    out: str | Path,
    *,
    data: str | Path | None = None,
    input_col: str = "input",
    label_col: str = "label",
    label_map: dict[str, str] | None = None,
    threads: int | None = 1,
    max_rows: int = 2000,
) -> dict[str, Any]:
    """Write `out/model.onnx` and `out/model.int8.onnx`; with `data`, compare the backends."""
    from affectkit.text.classifier import TextModelAnalyzer

    out = Path(out)
    for name in FILES:
        check_output(out / name, data)
    analyzer = registry.load(model)
    folder = getattr(analyzer, "folder", None)
    members = getattr(analyzer, "members", None)
    if members is not None:  # a blend: its transformer member is what exports
        raise InvalidInputError(
            f"{model!r} is a blend of {[m.name for m in members]}; export its transformer member "
            f"folder instead: "
            + ", ".join(str(m.folder) for m in members if isinstance(m, TextModelAnalyzer))
            + ". The blend runs it on ONNX with backend='onnx'."
        )
    if not isinstance(analyzer, TextModelAnalyzer) or folder is None:
        raise InvalidInputError(
            f"{model!r} is not a transformer text model; only those export to ONNX "
            f"(lexicon analyzers are plain Python)."
        )
    rows = None
    if data is not None:  # read (and check) the data before minutes of exporting
        rows = read_labelled_csv(Path(data), input_col, label_col)[:max_rows]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    with tempfile.TemporaryDirectory(prefix="affectkit-export-") as tmp:
        cache = Path(tmp)
        variants = {
            "PyTorch fp32": {"backend": "torch"},
            "ONNX fp32": {"backend": "onnx", "cache_dir": cache},
            "ONNX int8": {"backend": "onnx", "quantize": True, "cache_dir": cache},
        }
        analyzers = {
            name: TextModelAnalyzer.from_pretrained(folder, threads=threads, **opts).load()
            for name, opts in variants.items()
        }
        try:
            shutil.copyfile(analyzers["ONNX fp32"].onnx_path(), out / "model.onnx")
            shutil.copyfile(analyzers["ONNX int8"].onnx_path(), out / "model.int8.onnx")
        except OSError as exc:
            raise cannot_write(out, exc) from None
        summary: dict[str, Any] = {
            "files": {
                "model.onnx": (out / "model.onnx").stat().st_size,
                "model.int8.onnx": (out / "model.int8.onnx").stat().st_size,
            },
            "backends": {},
        }
        if rows is not None:
            summary["backends"] = _compare(analyzers, variants, folder, rows, cache, label_map)
    return summary


def _compare(analyzers, variants, folder, rows, tmp: Path, label_map) -> dict[str, Any]:
    """Speed (texts/s) and `affectkit evaluate` figures of each backend on the same rows."""
    import csv

    texts = [t for t, _ in rows]
    sub = tmp / "data.csv"
    with sub.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["input", "label"])
        w.writerows(rows)
    backends = {}
    for name, a in analyzers.items():
        a.analyze(texts[:32])  # warm-up
        t0 = time.perf_counter()
        a.analyze(texts)
        rate = len(texts) / (time.perf_counter() - t0)
        r = evaluate(str(folder), sub, label_map=label_map, model_options=variants[name])
        backends[name] = {
            "accuracy": r["accuracy"],
            "macro_f1": r["macro_f1"],
            "per_second": rate,
            "n": r["n"],
        }
    return backends
