"""Training `face-expression`: a residual CNN on 48x48 grayscale faces, resumable anywhere.

`affectkit train --modality image --data fer2013/train.npz --dev-data fer2013/dev.npz -o DIR`

- Data: ``.npz`` files with ``images`` (uint8 [N, 48, 48]), ``labels`` (int) and
  ``label_names`` (FER2013's layout). Validation (early selection, temperature) is carved from
  the training file, stratified by label (`val_ratio`); the dev file is for reporting only.
- Augmentation on each batch (PyTorch, no torchvision): horizontal flip, a random affine
  (rotation, scale, shift), brightness and contrast, random erasing.
- Label-smoothed cross-entropy, SGD with Nesterov momentum, a cosine schedule with warm-up,
  channels-last tensors, and bfloat16 autocast where the CPU computes bf16 natively
  (`bf16_fast`: 2.6x faster on an AVX512-BF16 EPYC; elsewhere float32, as bf16 is emulated).
- A checkpoint (model, optimizer, epoch, the best weights so far) after every epoch in
  ``OUTPUT/checkpoint.pt``; running the same command again resumes from it, on this machine or
  another. Each epoch's randomness comes from (seed, epoch), so a resumed run trains as an
  unbroken one would. The weights with the best validation accuracy (test-time flip) are kept.
- At the end: a temperature fitted on validation, dev figures, and the model folder
  (``weights.safetensors``, ``config.json``, ``metrics.json``, ``MODEL_CARD.md`` by
  `affectkit.training.vision_card`).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from affectkit.errors import DataFormatError, InvalidInputError, require
from affectkit.training.vision_card import write_card
from affectkit.vision.expression import (
    INT8_FILE,
    INT8_MAX_DROP,
    ONNX_FILE,
    bf16_autocast,
    export_onnx,
    predict_logits,
    quantize_int8,
)

KIND = "face-expression"


@dataclass
class VisionTrainConfig:
    data: str
    output: str
    dev_data: str | None = None
    epochs: int = 40
    batch_size: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    width: int = 24
    dropout: float = 0.3
    val_ratio: float = 0.1
    seed: int = 0  # the train/validation split
    train_seed: int | None = None  # initialisation and augmentation (default: seed)
    threads: int | None = None  # torch intra-op threads (default: torch's own)
    warmup_epochs: float = 1.0
    name: str = "face-expression"
    data_terms: str = ""
    max_epochs_this_run: int | None = None  # stop (resumably) after this many epochs
    finish_now: bool = False  # write the model from the best weights so far, train no further
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2:
            raise InvalidInputError("epochs must be ≥ 1 and batch_size ≥ 2.")
        if not 0 < self.val_ratio < 0.5:
            raise InvalidInputError(f"val_ratio must be in (0, 0.5). Got {self.val_ratio}.")


def read_npz(
    path: str | Path, max_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    try:
        with np.load(path, allow_pickle=False) as d:
            images, labels, names = d["images"], d["labels"], [str(n) for n in d["label_names"]]
    except (OSError, KeyError, ValueError) as exc:
        raise DataFormatError(
            f"{path}: expected an .npz with images [N, 48, 48] uint8, labels and label_names "
            f"({exc})."
        ) from None
    if images.ndim != 3 or len(images) != len(labels):
        raise DataFormatError(f"{path}: images must be [N, H, W] with one label each.")
    if max_rows and max_rows < len(images):  # evenly spaced: files are often sorted by label
        keep = np.linspace(0, len(images) - 1, max_rows).round().astype(int)
        images, labels = images[keep], labels[keep]
    return images, labels.astype(np.int64), names


def stratified_split(labels: np.ndarray, ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(labels):
        idx = rng.permutation(np.where(labels == c)[0])
        val.append(idx[: max(1, round(ratio * len(idx)))])
    val = np.sort(np.concatenate(val))
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def augment(x, generator):
    """A batch [B, 1, H, W] in [0, 1], augmented (flip, affine, brightness/contrast, erasing)."""
    import torch
    from torch.nn import functional as F

    b = x.shape[0]
    g = generator

    def uniform(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(*(shape or (b,)), generator=g)

    flip = torch.rand(b, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    angle = uniform(-12, 12) * math.pi / 180
    scale = uniform(0.9, 1.1)
    shift = uniform(-0.1, 0.1, b, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * uniform(0.7, 1.3)[:, None, None, None] + mean
    x = x + uniform(-0.15, 0.15)[:, None, None, None]
    erase = torch.rand(b, generator=g) < 0.5
    h, w = x.shape[2], x.shape[3]
    for i in torch.nonzero(erase).flatten().tolist():
        eh, ew = int(uniform(0.1, 0.4, 1) * h), int(uniform(0.1, 0.4, 1) * w)
        top = int(torch.randint(0, h - eh + 1, (1,), generator=g))
        left = int(torch.randint(0, w - ew + 1, (1,), generator=g))
        x[i, :, top : top + eh, left : left + ew] = torch.rand(1, generator=g)
    return x.clamp(0, 1)


def _batches(n: int, size: int, rng: np.random.Generator):
    order = rng.permutation(n)
    for i in range(0, n - size + 1, size):  # drop the last partial batch (batch norm)
        yield order[i : i + size]


def train_vision(cfg: VisionTrainConfig, log: Callable[[str], None] | None = None) -> Path | None:
    """Train (or resume) and, once every epoch is done, write the model folder."""
    torch = require("torch", "models")
    from torch.nn import functional as F

    from affectkit.vision.network import ExpressionNet

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    out = Path(cfg.output)
    out.mkdir(parents=True, exist_ok=True)
    images, labels, names = read_npz(cfg.data, cfg.max_rows)
    train_idx, val_idx = stratified_split(labels, cfg.val_ratio, cfg.seed)
    log(f"{len(train_idx)} training and {len(val_idx)} validation images, labels {names}")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed = cfg.seed if cfg.train_seed is None else cfg.train_seed
    torch.manual_seed(seed)
    model = ExpressionNet(len(names), cfg.width, cfg.dropout).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(
        model.parameters(), lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay
    )
    steps_per_epoch = len(train_idx) // cfg.batch_size
    if steps_per_epoch == 0:
        raise DataFormatError(
            f"{len(train_idx)} training images make no batch of {cfg.batch_size}: use more data "
            "or a smaller --batch-size."
        )
    total = cfg.epochs * steps_per_epoch
    warm = max(1, int(cfg.warmup_epochs * steps_per_epoch))

    def lr_at(step: int) -> float:
        if step < warm:
            return cfg.lr * (step + 1) / warm
        return 0.5 * cfg.lr * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    ckpt = out / "checkpoint.pt"
    state = {"epoch": 0, "best": -1.0, "history": []}
    best = None  # the weights with the best validation accuracy so far
    if ckpt.is_file():
        saved = torch.load(ckpt, map_location="cpu", weights_only=False)
        # settings of this run, not the model's
        run_only = ("max_epochs_this_run", "finish_now", "threads")
        if {k: v for k, v in saved["config"].items() if k not in run_only} != {
            k: v for k, v in asdict(cfg).items() if k not in run_only
        }:
            log("the checkpoint was made with other settings: resuming anyway with these")
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["state"]
        best = saved.get("best_model")
        if best is None and (out / "best.pt").is_file():  # checkpoints of the first version
            best = torch.load(out / "best.pt", map_location="cpu", weights_only=True)
        log(f"resuming after epoch {state['epoch']} (best validation accuracy {state['best']:.4f})")
    x_all = torch.from_numpy(images)
    y_all = torch.from_numpy(labels)
    done_this_run = 0
    if cfg.finish_now:
        log(f"finishing now, after {state['epoch']} of {cfg.epochs} epochs")
    while state["epoch"] < cfg.epochs and not cfg.finish_now:
        if cfg.max_epochs_this_run is not None and done_this_run >= cfg.max_epochs_this_run:
            log(f"stopping after {done_this_run} epochs this run; run again to resume")
            return None
        epoch = state["epoch"]
        # every epoch's randomness from (seed, epoch): a resumed run trains as an unbroken one
        torch.manual_seed(seed * 1000 + epoch)
        generator = torch.Generator().manual_seed(seed * 1000 + epoch)
        rng = np.random.default_rng([seed, epoch])
        model.train()
        t0, losses = time.time(), []
        for k, batch in enumerate(_batches(len(train_idx), cfg.batch_size, rng)):
            step = epoch * steps_per_epoch + k
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            idx = torch.from_numpy(train_idx[batch])
            x = augment(x_all[idx].float().div(255)[:, None], generator)
            x = x.contiguous(memory_format=torch.channels_last)
            with bf16_autocast():
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y_all[idx], label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        val_logits = predict_logits(model, images[val_idx])
        acc = float((val_logits.argmax(1) == labels[val_idx]).mean())
        state["epoch"] = epoch + 1
        state["history"].append(
            {
                "epoch": epoch + 1,
                "loss": float(np.mean(losses)),
                "val_accuracy": acc,
                "lr": lr_at(step),
                "seconds": round(time.time() - t0),
            }
        )
        if acc > state["best"]:
            state["best"] = acc
            best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "state": state,
                "config": asdict(cfg),
                "best_model": best,
            },
            out / "checkpoint.tmp",
        )
        (out / "checkpoint.tmp").replace(ckpt)
        with (out / "history.jsonl").open("a") as f:
            f.write(json.dumps(state["history"][-1]) + "\n")
        done_this_run += 1
        log(
            f"epoch {epoch + 1}/{cfg.epochs}: loss {np.mean(losses):.4f}, validation accuracy "
            f"{acc:.4f} (best {state['best']:.4f}), {time.time() - t0:.0f} s"
        )

    if best is None:
        raise DataFormatError(f"{ckpt} holds no best weights: run the training again.")
    model.load_state_dict(best)
    config = {
        "name": f"{cfg.name}@1",
        "width": cfg.width,
        "training": asdict(cfg) | {"epochs_run": state["epoch"]},
        "data_terms": cfg.data_terms,
    }
    return write_model(model, config, images[val_idx], labels[val_idx], names, cfg.dev_data,
                       out / "model", log)  # fmt: skip


def write_model(
    model, config: dict, val_x: np.ndarray, val_y: np.ndarray, names: list[str],
    dev_data: str | None, folder: Path, log: Callable[[str], None],
) -> Path:  # fmt: skip
    """The model folder of a trained network (or ensemble): a temperature fitted on the
    validation images, validation and dev figures, weights, ONNX fp32 and int8, config and card.
    `config` gives the name, the architecture and the training settings."""
    from safetensors.torch import save_file

    from affectkit.training.calibration import ece, fit_temperature, softmax
    from affectkit.training.metrics import report

    val_logits = predict_logits(model, val_x)
    temperature = fit_temperature(val_logits, val_y)
    metrics: dict = {"validation": report(val_y, val_logits.argmax(1), names)}
    metrics["validation"]["ece"] = ece(
        softmax(val_logits, temperature).max(1), val_logits.argmax(1) == val_y
    )
    if dev_data:
        dev_x, dev_y, dev_names = read_npz(dev_data)
        if dev_names != names:
            raise DataFormatError(f"{dev_data}: label names {dev_names} differ from {names}.")
        for tta in (False, True):
            z = predict_logits(model, dev_x, flip=tta)
            rep = report(dev_y, z.argmax(1), names)
            rep["ece"] = ece(softmax(z, temperature).max(1), z.argmax(1) == dev_y)
            rep["ece_uncalibrated"] = ece(softmax(z).max(1), z.argmax(1) == dev_y)
            metrics["dev_flip" if tta else "dev"] = rep
        log(
            f"dev accuracy {metrics['dev']['accuracy']:.4f}, with flip "
            f"{metrics['dev_flip']['accuracy']:.4f}, ECE {metrics['dev_flip']['ece']:.4f}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()},
        str(folder / "weights.safetensors"),
    )
    export_onnx(model, folder / ONNX_FILE)
    holds = _int8(folder, val_x, val_y, metrics, log)
    config = {
        "name": config["name"],
        "affectkit_kind": KIND,
        "labels": names,
        **{k: v for k, v in config.items() if k != "name"},
        "input": [48, 48],
        "temperature": temperature,
        "int8_holds": holds,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_card(folder)
    log(f"wrote {folder}")
    return folder


def combine_runs(
    runs: list[str | Path], output: str | Path, dev_data: str | None = None,
    name: str = "face-expression", data_terms: str = "",
    log: Callable[[str], None] | None = None,
) -> Path:  # fmt: skip
    """One model folder averaging the logits of several training runs' best weights (an
    ensemble). The runs must share their data and validation split (``--seed``; they differ in
    ``--train-seed`` or width), so the temperature and figures stay on images none trained on."""
    torch = require("torch", "models")
    from affectkit.vision.network import ExpressionEnsemble, ExpressionNet

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    if len(runs) < 2:
        raise InvalidInputError("an ensemble needs two or more training runs.")
    nets, members, split = [], [], None
    for run in runs:
        ckpt = Path(run) / "checkpoint.pt"
        if not ckpt.is_file():
            raise DataFormatError(f"{run}: no checkpoint.pt (not a face-expression training run).")
        saved = torch.load(ckpt, map_location="cpu", weights_only=False)
        cfg = saved["config"]
        key = (Path(cfg["data"]).name, cfg["seed"], cfg["val_ratio"], cfg.get("max_rows"))
        if split is not None and key != split:
            raise DataFormatError(
                f"{run}: trained on another split ({key} vs {split}); the runs of an ensemble "
                "share --data, --seed, --val-ratio and --max-rows-per-file."
            )
        split = key
        if saved.get("best_model") is None:
            raise DataFormatError(f"{ckpt} holds no best weights: train it at least one epoch.")
        net = ExpressionNet(len(saved["model"]["head.bias"]), cfg["width"], cfg["dropout"])
        net.load_state_dict(saved["best_model"])
        nets.append(net)
        members.append(cfg | {"epochs_run": saved["state"]["epoch"],
                              "best_validation_accuracy": saved["state"]["best"]})  # fmt: skip
        log(f"{run}: width {cfg['width']}, {saved['state']['epoch']} epochs, best validation "
            f"accuracy {saved['state']['best']:.4f}")  # fmt: skip
    first = members[0]
    images, labels, names = read_npz(first["data"], first.get("max_rows"))
    _, val_idx = stratified_split(labels, first["val_ratio"], first["seed"])
    model = ExpressionEnsemble(nets).to(memory_format=torch.channels_last)
    config = {
        "name": f"{name}@1",
        "members": [m["width"] for m in members],
        "training": {
            "runs": [str(r) for r in runs],
            "output": str(output),
            "dev_data": dev_data,
            "members": members,
        },
        "data_terms": data_terms or first.get("data_terms", ""),
    }
    return write_model(model, config, images[val_idx], labels[val_idx], names, dev_data,
                       Path(output), log)  # fmt: skip


def _int8(folder: Path, images: np.ndarray, labels: np.ndarray, metrics: dict, log) -> bool:
    """Write the int8 model (calibrated on half the validation images) and say whether it keeps
    its accuracy on the other half within `INT8_MAX_DROP` of the fp32 ONNX model."""
    from affectkit.onnxrt import open_session

    calib, check = np.arange(0, len(images), 2), np.arange(1, len(images), 2)
    quantize_int8(folder / ONNX_FILE, folder / INT8_FILE, images[calib])
    x = (images[check].astype(np.float32) / 255)[:, None]
    acc = {}
    for name in (ONNX_FILE, INT8_FILE):
        session = open_session(folder / name, None, "vision")
        z = np.concatenate(
            [session.run(["logits"], {"image": x[i : i + 256]})[0] for i in range(0, len(x), 256)]
        )
        acc[name] = float((z.argmax(1) == labels[check]).mean())
    holds = acc[INT8_FILE] >= acc[ONNX_FILE] - INT8_MAX_DROP
    metrics["int8"] = {"validation_half_accuracy_fp32": acc[ONNX_FILE],
                       "validation_half_accuracy_int8": acc[INT8_FILE], "holds": holds}  # fmt: skip
    log(f"int8 on half the validation images: {acc[INT8_FILE]:.4f} vs fp32 {acc[ONNX_FILE]:.4f}"
        f" ({'used' if holds else 'not used'})")  # fmt: skip
    return holds
