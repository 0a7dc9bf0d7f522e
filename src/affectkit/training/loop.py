"""One encoder fine-tuning run (`Run`): set-up, time estimate, and the training loop.

AdamW with weight decay (not on biases/LayerNorm), linear warm-up then linear decay, gradient
clipping and accumulation; length-bucketed batches (short texts are not padded to long ones);
evaluation on the validation split `evals_per_epoch` times per epoch, early stopping on
`metric` and restore of the best weights; a checkpoint after every evaluation, from which an
interrupted run resumes without losing finished work. `finish.save_run` writes the result.
torch is imported when a run starts.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

from affectkit.errors import InvalidInputError, require
from affectkit.training.artifacts import storage_error
from affectkit.training.backbone import (
    encoder_dir,
    freeze,
    init_from,
    load_encoder,
    load_tokenizer,
    optimizer,
    pad_batch,
)
from affectkit.training.config import TrainingConfig
from affectkit.training.losses import head_losses, restrict_logits, restrict_scores
from affectkit.training.metrics import multilabel_report, report
from affectkit.training.tasks import Task, load_tasks, prepare_task

CHECKPOINT = "checkpoint.pt"


def _batches(lengths: np.ndarray, batch_size: int, seed: int) -> list[np.ndarray]:
    """Length-bucketed batches: shuffle, sort within pools of 50 batches, shuffle batch order."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    pool = batch_size * 50
    out = []
    for i in range(0, len(order), pool):
        chunk = order[i : i + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def _tensorboard(path: Path, log):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log("  (tensorboard is not installed: no event logs; history.jsonl is written)")
        return None
    return SummaryWriter(str(path))


class Run:
    """One encoder fine-tuning run, in the order `train` calls it: set-up (data, tokens, model,
    optimiser, resume), `estimate`, `fit` (the loop with evaluations, early stopping and
    checkpoints); then `finish.save_run` restores the best weights and writes the folders."""

    def __init__(self, cfg: TrainingConfig, log):
        torch = require("torch", "models")
        require("transformers", "models")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.run_seed)
        random.seed(cfg.run_seed)
        self.cfg, self.log, self.t_start = cfg, log, time.time()
        self.out = Path(cfg.output).expanduser()
        self.out.mkdir(parents=True, exist_ok=True)
        log(f"affectkit train: {cfg.name} -> {self.out}")
        enc_dir = self._load_data()
        self._build_model(enc_dir)
        self._resume()

    def _load_data(self) -> Path:
        """Every head's splits, tokenised; returns the encoder's folder."""
        cfg, log = self.cfg, self.log
        self.tasks = tasks = load_tasks(cfg, log)
        for t in tasks:
            log(
                f"  {t.tag}{len(t.train_ex):,} training / {len(t.val_ex):,} validation examples, "
                f"labels {t.labels}"
            )
            if t.skipped:
                log(f"  {t.tag}left out: {dict(t.skipped)}")
        enc_dir = encoder_dir(cfg)
        self.tokenizer = load_tokenizer(enc_dir)
        self.pad_id = self.tokenizer.pad_token_id or 0
        for t in tasks:
            prepare_task(t, self.tokenizer, cfg, log)
        return enc_dir

    def _build_model(self, enc_dir: Path) -> None:
        """The encoder (pretrained, or `init_from`'s), a head and losses per task, the frozen
        parameters and the optimiser."""
        import torch

        from affectkit.text import classifier as tm

        cfg, log, tasks = self.cfg, self.log, self.tasks
        classes = tm.torch_classes()
        if cfg.init_from:
            encoder, tasks[0].head = init_from(cfg, tasks[0].labels, log)
        else:
            encoder = load_encoder(enc_dir)
        hidden = int(encoder.config.hidden_size)
        for t in tasks:
            if t.head is None:
                t.head = classes.ClassifierHead(
                    hidden,
                    len(t.labels),
                    cfg.head,
                    cfg.head_hidden if cfg.head == "mlp" else None,
                    cfg.dropout,
                )
            t.loss_fn, t.train_loss_fn = head_losses(t.y_tr, len(t.labels), t.multi, cfg)
        self.encoder = encoder
        self.pooler = classes.TextClassifierModule(encoder, tasks[0].head, "mean", False)
        # one module holding every trainable part: checkpoints and best-state copies use its keys
        self.module = torch.nn.ModuleDict(
            {"encoder": encoder, "heads": torch.nn.ModuleList([t.head for t in tasks])}
        )
        self.frozen = freeze(encoder, cfg)
        n_train = sum(p.numel() for p in self.module.parameters() if p.requires_grad)
        n_all = sum(p.numel() for p in self.module.parameters())
        log(f"  {cfg.backbone}: {n_all / 1e6:.1f}M parameters, {n_train / 1e6:.1f}M trained")
        self.trainable = [n_ for n_, p in self.module.named_parameters() if p.requires_grad]
        self.n_batches = sum(math.ceil(len(t.train_ex) / cfg.batch_size) for t in tasks)
        heads = [t.head for t in tasks]
        self.optimizer, self.scheduler = optimizer(cfg, encoder, heads, self.n_batches)

    def _resume(self) -> None:
        """The run's state: fresh, or the checkpoint in the output folder when it belongs to
        this configuration (`TrainingConfig.resumes`)."""
        import torch

        self.ckpt_path = self.out / CHECKPOINT
        self.state = {"epoch": 0, "batch": 0, "step": 0, "best": None, "bad_evals": 0,
                      "history": []}  # fmt: skip
        self.best_state = None
        if not (self.cfg.resume and self.ckpt_path.is_file()):
            return
        ck = torch.load(self.ckpt_path, map_location="cpu", weights_only=True)
        if self.cfg.resumes(ck.get("config")):
            self.module.load_state_dict(ck["model"], strict=False)
            self.optimizer.load_state_dict(ck["optimizer"])
            self.scheduler.load_state_dict(ck["scheduler"])
            self.state = json.loads(ck["state"])
            self.best_state = ck.get("best_model")
            self.log(f"  resuming from {self.ckpt_path}: epoch {self.state['epoch'] + 1}, "
                     f"batch {self.state['batch']}")  # fmt: skip
        else:
            self.log(f"  {self.ckpt_path} belongs to another configuration: starting afresh")

    # -- pieces ----------------------------------------------------------------------------------
    def collate(self, ids_list, idx):
        return pad_batch([ids_list[i] for i in idx], self.pad_id)

    def batch_loss(self, t: Task, idx):
        import torch

        y = torch.from_numpy(t.y_tr[idx])
        logits = t.head(self.pooler.pool(*self.collate(t.tr_ids, idx)))
        if t.tr_allowed is not None:
            logits = restrict_logits(logits, t.tr_allowed[idx])
        return (t.train_loss_fn or t.loss_fn)(logits, y if t.multi else y.long())

    def predict(self, t: Task) -> np.ndarray:
        import torch

        self.module.eval()
        order = np.argsort(t.va_len, kind="stable")
        logits = np.zeros((len(t.va_ids), len(t.labels)), dtype=np.float32)
        with torch.no_grad():
            for j in range(0, len(order), 128):
                idx = order[j : j + 128]
                batch = self.collate(t.va_ids, idx)
                logits[idx] = t.head(self.pooler.pool(*batch)).float().numpy()
        self.module.train()
        return logits

    def evaluate_val(self, t: Task):
        import torch

        logits = restrict_scores(self.predict(t), t.va_allowed)
        yt = torch.from_numpy(t.y_va)
        loss = float(t.loss_fn(torch.from_numpy(logits), yt if t.multi else yt.long()))
        if t.multi:
            rep = multilabel_report(t.y_va, logits > 0, t.labels)
        else:
            rep = report(t.y_va, logits.argmax(1), t.labels)
        rep["loss"] = loss
        return rep, logits

    def epoch_batches(self, epoch: int) -> list[tuple[int, np.ndarray]]:
        """Every head's length-bucketed batches, interleaved in a seeded random order."""
        cfg = self.cfg
        out = [
            (k, idx)
            for k, t in enumerate(self.tasks)
            for idx in _batches(t.tr_len, cfg.batch_size, cfg.run_seed + epoch + 1000 * k)
        ]
        if len(self.tasks) > 1:
            random.Random(cfg.run_seed + epoch).shuffle(out)
        return out

    def trainable_state(self):
        sd = self.module.state_dict()
        return {k: sd[k].detach().clone() for k in self.trainable}

    def save_checkpoint(self) -> None:
        import torch

        tmp = self.ckpt_path.with_suffix(".tmp")
        try:
            torch.save(
                {
                    "config": self.cfg.fingerprint(),
                    "model": self.trainable_state(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "state": json.dumps(self.state),
                    "best_model": self.best_state,
                },
                tmp,
            )
            tmp.replace(self.ckpt_path)  # atomic: a crash mid-write leaves the previous one
        except (OSError, RuntimeError) as exc:  # torch wraps some write errors in RuntimeError
            tmp.unlink(missing_ok=True)
            raise storage_error(self.ckpt_path, exc) from None

    # -- time estimate ---------------------------------------------------------------------------
    def estimate(self) -> float:
        """Log (and return, in seconds) how long the run will take, before it starts: a few real
        steps on batches of the 25th, 50th and 75th percentile of padded length (one more
        first, untimed: the first backward pass allocates), extrapolated to every batch by a
        line through (length, seconds), plus the evaluations. Backward passes only write
        gradients (cleared after) and the random state is put back: the run is unchanged."""
        import torch

        cfg, module, tasks = self.cfg, self.module, self.tasks
        module.train()
        batches = self.epoch_batches(0)
        padded = np.array([tasks[k].tr_len[idx].max() for k, idx in batches], dtype=np.float64)
        order = np.argsort(padded, kind="stable")
        picks = [int(order[int(q * (len(order) - 1))]) for q in (0.5, 0.25, 0.5, 0.75)]
        rng = torch.get_rng_state()
        seconds = []
        for i in picks:
            t0 = time.time()
            k, idx = batches[i]
            self.batch_loss(tasks[k], idx).backward()
            seconds.append(time.time() - t0)
        module.zero_grad(set_to_none=True)
        torch.set_rng_state(rng)
        probe_len, probe_s = padded[picks[1:]], np.array(seconds[1:])
        if np.ptp(probe_len) > 0:
            slope, intercept = np.polyfit(probe_len, probe_s, 1)
            each = np.clip(intercept + slope * padded, 0.25 * probe_s.min(), None)
        else:
            each = probe_s.mean() * padded / probe_len.mean()
        # each evaluation reads the whole validation split: time 128 rows of median length
        eval_s = 0.0
        with torch.no_grad():
            module.eval()
            for t in tasks:
                if len(t.va_ids):
                    by_len = np.argsort(t.va_len, kind="stable")
                    mid = by_len[max(0, len(by_len) // 2 - 64) :][:128]
                    t0 = time.time()
                    t.head(self.pooler.pool(*self.collate(t.va_ids, mid)))
                    eval_s += (time.time() - t0) * len(by_len) / len(mid)
            module.train()
        evals = cfg.evals_per_epoch * cfg.epochs
        est = float(each.sum()) * cfg.epochs + eval_s * evals
        left = est * (cfg.epochs - self.state["epoch"]) / cfg.epochs
        self.log(
            f"  {self.n_batches:,} batches/epoch x {cfg.epochs} epochs; estimated "
            f"{est / 60:.0f} min in all ({left / 60:.0f} min left) at {float(each.mean()):.2f} "
            f"s/batch on {torch.get_num_threads()} thread(s), {evals} evaluation"
            f"{'s' if evals != 1 else ''} at {eval_s / 60:.1f} min each included"
        )
        return est

    # -- the loop --------------------------------------------------------------------------------
    def fit(self, progress: bool = True) -> None:
        """Train from where the state says (resumed or fresh) until the last epoch or an early
        stop; a checkpoint after every evaluation and epoch, and on Ctrl-C."""
        import torch

        cfg, state, n_batches = self.cfg, self.state, self.n_batches
        writer = self.writer = _tensorboard(self.out / "runs", self.log)
        eval_every = max(1, n_batches // cfg.evals_per_epoch)
        tqdm = bar = None
        if progress:
            from tqdm import tqdm
        try:
            for epoch in range(state["epoch"], cfg.epochs):
                state["epoch"] = epoch
                batches = self.epoch_batches(epoch)
                if tqdm:
                    bar = tqdm(total=n_batches, initial=state["batch"], unit="batch",
                               desc=f"epoch {epoch + 1}/{cfg.epochs}", file=sys.stderr,
                               dynamic_ncols=True)  # fmt: skip
                running = None
                for b in range(state["batch"], n_batches):
                    k, idx = batches[b]
                    loss = self.batch_loss(self.tasks[k], idx) * self.tasks[k].weight
                    (loss / cfg.grad_accum).backward()
                    if (b + 1) % cfg.grad_accum == 0 or b + 1 == n_batches:
                        torch.nn.utils.clip_grad_norm_(self.module.parameters(), cfg.max_grad_norm)
                        self.optimizer.step()
                        self.scheduler.step()
                        self.optimizer.zero_grad(set_to_none=True)
                        state["step"] += 1
                    lv = loss.item()
                    running = lv if running is None else 0.98 * running + 0.02 * lv
                    state["batch"] = b + 1
                    lr = self.scheduler.get_last_lr()[0]
                    if bar:
                        bar.update(1)
                        bar.set_postfix(loss=f"{running:.4f}", lr=f"{lr:.2e}")
                    if writer and state["step"] % 20 == 0:
                        writer.add_scalar("train/loss", running, state["step"])
                        writer.add_scalar("train/lr", lr, state["step"])
                    at_end = b + 1 == n_batches
                    due = (b + 1) % eval_every == 0 and n_batches - (b + 1) >= eval_every // 2
                    if (due or at_end) and self._evaluate(
                        epoch + (b + 1) / n_batches, running, bar
                    ):
                        return
                if bar:
                    bar.close()
                state["batch"] = 0
                state["epoch"] = epoch + 1
                self.save_checkpoint()
        except KeyboardInterrupt:
            self.save_checkpoint()
            raise InvalidInputError(
                f"Interrupted. Progress is saved in {self.ckpt_path}; run the same command again "
                "to resume."
            ) from None
        finally:  # also on an interrupt or a full disk: the event log is flushed, the bar ended
            if bar:
                bar.close()
            if writer:
                writer.close()

    def _evaluate(self, epoch: float, running: float, bar) -> bool:
        """Measure every head on validation, keep the best weights, log, checkpoint; True when
        `patience` evaluations in a row brought no improvement (early stop)."""
        cfg, state, tasks = self.cfg, self.state, self.tasks
        reps = [self.evaluate_val(t)[0] for t in tasks]
        # several heads: their validation figures are averaged
        mean = {key: float(np.mean([r[key] for r in reps]))
                for key in ("loss", "accuracy", "macro_f1")}  # fmt: skip
        value = -mean["loss"] if cfg.metric == "loss" else mean[cfg.metric]
        entry = {
            "epoch": epoch,
            "step": state["step"],
            "train_loss": running,
            "val_loss": mean["loss"],
            "val_accuracy": mean["accuracy"],
            "val_macro_f1": mean["macro_f1"],
            "elapsed_s": round(time.time() - self.t_start, 1),
        }
        if len(tasks) > 1:
            entry["heads"] = {
                t.name: {"val_loss": r["loss"], "val_accuracy": r["accuracy"],
                         "val_macro_f1": r["macro_f1"]}
                for t, r in zip(tasks, reps, strict=True)
            }  # fmt: skip
        state["history"].append(entry)
        if self.writer:
            for key in ("val_loss", "val_accuracy", "val_macro_f1"):
                self.writer.add_scalar(key.replace("_", "/", 1), entry[key], state["step"])
        improved = state["best"] is None or value > state["best"]
        if improved:
            state["best"], state["bad_evals"] = value, 0
            self.best_state = self.trainable_state()
        else:
            state["bad_evals"] += 1
        heads = ""
        if len(tasks) > 1:
            heads = " (" + ", ".join(
                f"{t.name} {r['macro_f1']:.4f}" for t, r in zip(tasks, reps, strict=True)
            ) + ")"  # fmt: skip
        msg = (
            f"  eval @ epoch {epoch:.2f}: val loss {mean['loss']:.4f}, accuracy "
            f"{mean['accuracy']:.4f}, macro-F1 {mean['macro_f1']:.4f}{heads}"
            f"{'  (best)' if improved else ''}"
        )
        (bar.write(msg, file=sys.stderr) if bar else self.log(msg))
        self.save_checkpoint()
        if state["bad_evals"] >= cfg.patience:
            self.log(f"  early stop: no improvement in {cfg.patience} evaluations")
            return True
        return False
