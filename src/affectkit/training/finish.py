"""The end of an encoder run (`save_run`): the best weights restored and rounded as they will be
stored, each head's final validation figures (a temperature fitted for a single-label head,
per-label thresholds tuned for a multi-label one), and its model folder written."""

from __future__ import annotations

import json
import time

import numpy as np

from affectkit.training.artifacts import (
    TrainResult,
    round_to_stored,
    save_encoder,
    save_or_explain,
    storage_error,
)
from affectkit.training.calibration import fit_and_measure, tune_thresholds
from affectkit.training.config import BACKBONES as ENCODERS
from affectkit.training.metrics import format_report, multilabel_report
from affectkit.training.tasks import Task


def save_run(run) -> TrainResult:
    """Save a fitted `loop.Run`: one model folder per head (the output folder itself for an
    ordinary run; a sub-folder per head, sharing one encoder file, for a multi-task run) and
    the checkpoint removed. A multi-task run's result holds one report per head."""
    cfg, tasks, out, encoder = run.cfg, run.tasks, run.out, run.encoder
    if run.best_state is not None:
        run.module.load_state_dict(run.best_state, strict=False)
    base = round_to_stored(encoder, run.frozen, cfg)  # delta4: what differences are taken from
    shared = None
    if len(tasks) > 1:  # one encoder file for every head folder
        shared = "../encoder.safetensors"
        try:
            save_encoder(
                encoder, run.frozen, out / "encoder.safetensors", cfg.weights_dtype,
                ENCODERS[cfg.backbone], base,
            )  # fmt: skip
        except OSError as exc:
            raise storage_error(out / "encoder.safetensors", exc) from None
    results = [_save_head(run, t, shared, base) for t in tasks]
    if len(tasks) > 1:
        (out / "multitask.json").write_text(
            json.dumps({"name": cfg.name, "heads": {t.name: t.cfg.name for t in tasks},
                        "config": cfg.to_dict()}, indent=2) + "\n"
        )  # fmt: skip
    run.ckpt_path.unlink(missing_ok=True)  # the model folder now holds the result
    run.log(f"saved {out} in {(time.time() - run.t_start) / 60:.1f} min")
    if len(tasks) == 1:
        return results[0]
    return TrainResult(
        out, {t.name: r.metrics for t, r in zip(tasks, results, strict=True)},
        run.state["history"],
    )  # fmt: skip


def _final_figures(run, t: Task) -> tuple[dict, np.ndarray | None, float]:
    """(validation report, thresholds, temperature) of a head with the restored weights."""
    import torch

    rep, logits = run.evaluate_val(t)
    thresholds = None
    temperature = 1.0
    if t.multi:
        thresholds = tune_thresholds(logits, t.y_va)
        rep = multilabel_report(t.y_va, logits > np.log(thresholds / (1 - thresholds)), t.labels)
        rep["loss"] = float(t.loss_fn(torch.from_numpy(logits), torch.from_numpy(t.y_va)))
    else:
        rep.update(fit_and_measure(logits, t.y_va))
        temperature = rep["temperature"]
        run.log(
            f"  {t.tag}temperature {temperature:.3f}: validation ECE "
            f"{rep['ece_before']:.4f} -> {rep['ece']:.4f}"
        )
    return rep, thresholds, temperature


def _save_head(run, t: Task, shared: str | None, base: dict | None) -> TrainResult:
    """A head's final figures, logged, and its model folder."""
    cfg, state = run.cfg, run.state
    rep, thresholds, temperature = _final_figures(run, t)
    run.log(f"{t.tag}validation report (best checkpoint):\n" + format_report(rep))
    summary = {
        "config": t.cfg.to_dict(),
        "train_examples": len(t.train_ex),
        "validation_examples": len(t.val_ex),
        "left_out": dict(t.skipped),
        "steps": state["step"],
        "seconds": round(time.time() - run.t_start, 1),
    }
    if t.name:
        summary["multitask"] = {"run": cfg.name, "heads": list(cfg.heads), "head": t.name}
    folder = run.out if t.name is None else run.out / t.name
    path = save_or_explain(t.cfg, folder, encoder=run.encoder, head=t.head,
                           tokenizer=run.tokenizer, labels=t.labels, rep=rep,
                           history=state["history"], summary=summary, frozen=run.frozen,
                           thresholds=thresholds, temperature=temperature, encoder_file=shared,
                           base=base)  # fmt: skip
    return TrainResult(path, rep, state["history"])
