"""What a training run leaves: a model folder, and the `TrainResult` that points to it.

An encoder model folder (`save_model_folder`) holds config.json (the recipe and the validation
figures), head.safetensors, encoder.safetensors (only the encoder tensors that were trained, in
`weights_dtype`: the frozen word embeddings are read from the encoder package), metrics.json and
history.jsonl. The n-gram trainer writes its own weights but the same metrics.json and
history.jsonl (`write_figures`) and the same label fields (`canonical_map`, `task_of`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from affectkit import registry
from affectkit.errors import InvalidInputError, StorageError
from affectkit.labels import DATASET_MAPS, EMOTIONS, POLARITIES, canonical
from affectkit.records import check_output, same_file
from affectkit.training.config import BACKBONES as ENCODERS
from affectkit.training.config import TrainingConfig


@dataclass
class TrainResult:
    path: Path
    metrics: dict  # validation report of the restored best model
    history: list[dict]


def canonical_map(cfg: TrainingConfig, labels: list[str]) -> dict[str, str]:
    """Model label -> canonical name: the recipe's dataset map, else spelling synonyms."""
    if cfg.canonical is not None:
        table = DATASET_MAPS[cfg.canonical]
        return {lab: table[lab] for lab in labels if lab in table}
    return {lab: c for lab in labels if (c := canonical(lab)) is not None}


def task_of(canon: dict, labels: list[str]) -> str:
    """A single-label model's task by where its labels map: sentiment, emotion or custom."""
    mapped = {canon.get(lab) for lab in labels}
    if mapped <= set(POLARITIES):
        return "sentiment"
    if mapped <= set(EMOTIONS):
        return "emotion"
    return "custom"


def storage_error(path: Path, exc: BaseException) -> StorageError:
    """A failed write (a full disk) as the error a user can act on: the run resumes."""
    return StorageError(
        f"Cannot write {path}: {exc}. Free some disk space (or choose another --output) and run "
        f"the same command again: training resumes from its last checkpoint."
    )


def write_figures(out: Path, validation: dict, history: list[dict]) -> None:
    """metrics.json (the validation figures) and history.jsonl (one line per evaluation)."""
    (out / "metrics.json").write_text(json.dumps({"validation": validation}, indent=2) + "\n")
    with (out / "history.jsonl").open("w") as f:
        for entry in history:
            f.write(json.dumps(entry) + "\n")


def save_encoder(
    encoder, frozen: set, path: Path, dtype: str = "float16", source: str | None = None,
    base: dict | None = None,
) -> None:  # fmt: skip
    """The encoder tensors that were trained, fp16, int8 or delta4 (`affectkit.text.packing`;
    delta4 is taken against `base`, else against encoder `source` loaded here); frozen ones are
    read from the source."""
    from safetensors.torch import save_file

    from affectkit.text import classifier as tm
    from affectkit.text.packing import pack

    encoder.eval()
    trained = {k: v for k, v in encoder.state_dict().items() if k not in frozen}
    if dtype == "delta4" and base is None:
        base = tm.source_encoder_state(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(pack(trained, dtype, base), str(path), metadata={"format": "pt"})


def round_to_stored(encoder, frozen: set, cfg: TrainingConfig) -> dict | None:
    """Round the trained encoder tensors in place to `weights_dtype` (int8, delta4), so the
    figures measured next describe the weights as stored. Returns the source tensors delta4
    differences are taken from (None for other dtypes)."""
    if cfg.weights_dtype == "float16":  # stored as trained
        return None
    from affectkit.text import classifier as tm
    from affectkit.text.packing import pack, unpack

    base = None
    trained = {k: v for k, v in encoder.state_dict().items() if k not in frozen}
    if cfg.weights_dtype == "delta4":  # the source tensors of the trained ones
        source = tm.source_encoder_state(ENCODERS[cfg.backbone])
        base = {k: source[k] for k in trained if k in source}
        del source
    rounded = unpack(pack(trained, cfg.weights_dtype, base), base)
    encoder.load_state_dict(rounded, strict=False)
    return base


def validation_figures(rep: dict, split: str) -> dict:
    """The `validation` record of config.json and metrics.json from a validation report."""
    return {
        "split": split,
        "n": rep["n"],
        "accuracy": rep["accuracy"],
        "macro_f1": rep["macro_f1"],
        "macro_recall": rep["macro_recall"],
        "micro_f1": rep["micro_f1"],
        "loss": rep.get("loss"),
        "per_class": rep["per_class"],
        "temperature": rep.get("temperature"),
        "ece_before_scaling": rep.get("ece_before"),
        "ece": rep.get("ece"),
    }


def save_model_folder(cfg, out, *, encoder, head, tokenizer, labels, rep, history, summary,
                      frozen, thresholds, temperature,
                      split="validation (carved from the training data)", encoder_file=None,
                      base=None):  # fmt: skip
    """Write the model folder: encoder delta, head, config (recipe + figures), metrics, history.

    `encoder_file`: a path relative to the folder of an encoder delta written already (heads of
    a multi-task run share ``../encoder.safetensors``); None writes ``encoder.safetensors``.
    `base`: for ``weights_dtype = "delta4"``, the source tensors (loaded here when None).
    """
    from affectkit.text import classifier as tm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if encoder_file is None:
        encoder_file = "encoder.safetensors"
        save_encoder(
            encoder, frozen, out / encoder_file, cfg.weights_dtype, ENCODERS[cfg.backbone], base
        )
    canon = canonical_map(cfg, labels)
    metrics = validation_figures(rep, split)
    config = tm.TextModelConfig.from_dict(
        {
            "affectkit_kind": tm.KIND,
            "name": cfg.name,
            "task": "multilabel" if cfg.task == "multi" else task_of(canon, labels),
            "labels": labels,
            "canonical": canon or None,
            "multi_label": cfg.task == "multi",
            "temperature": temperature,
            "thresholds": None
            if thresholds is None
            else {lab: float(t) for lab, t in zip(labels, thresholds)},
            "languages": cfg.languages,
            "preprocess": cfg.preprocess,
            # inference window: at least MiniLM's usual 128 tokens; longer texts are chunked
            "encoder": {
                "source": ENCODERS[cfg.backbone],
                "max_length": max(cfg.max_length, 128),
                "pooling": "mean",
                "normalize": False,
                "weights": encoder_file,
            },
            # the head saved, not the recipe's: init_from keeps its base's, few-shot a linear one
            "head": asdict(head.spec),
            "training": summary,
            "validation": metrics,
        }
    )
    analyzer = tm.TextModelAnalyzer(config, head=head, encoder=encoder, tokenizer=tokenizer)
    analyzer.save_pretrained(out)
    write_figures(out, metrics, history)
    return out


def save_or_explain(cfg: TrainingConfig, out: Path, **parts):
    """`save_model_folder(cfg, out, **parts)`, with a write failure (a full disk) turned into
    a clear error."""
    try:
        return save_model_folder(cfg, out, **parts)
    except OSError as exc:
        raise storage_error(out, exc) from None


# what a run writes into its output folder (a multi-task run: also one sub-folder per head)
OUTPUT_FILES = (
    "config.json", "head.safetensors", "encoder.safetensors", "vocab.json", "weights.safetensors",
    "checkpoint.pt", "metrics.json", "history.jsonl", "multitask.json", "MODEL_CARD.md",
)  # fmt: skip


def check_output_folder(cfg: TrainingConfig) -> None:
    """Refuse a recipe whose output would overwrite one of its inputs: a data file among the
    files a run writes, or the model folder it starts from (`init_from`)."""
    out = Path(cfg.output).expanduser()
    inputs = [*cfg.data, cfg.validation_data]
    inputs += [d for head in cfg.heads.values() for d in _as_list(head.get("data"))]
    for name in OUTPUT_FILES:
        check_output(out / name, *inputs)
    if cfg.init_from and registry.is_model_folder(cfg.init_from):
        if same_file(out, cfg.init_from):
            raise InvalidInputError(
                f"The output folder {cfg.output!r} is the model init_from starts from: the run "
                f"would overwrite it. Choose another output folder (--output)."
            )


def _as_list(value) -> list:
    return [] if value is None else [value] if isinstance(value, str) else list(value)
