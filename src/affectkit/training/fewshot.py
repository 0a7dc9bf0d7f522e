"""Few-shot training (8-64 labelled examples per class): contrastive pairs, then a linear head.

In the spirit of SetFit (Tunstall et al., 2022), for single-label tasks:

1. **Contrastive encoder tuning.** For each of `pair_iterations` rounds, every example is paired
   with one random example of its own label (target similarity 1) and one of another label
   (target 0). The encoder (mean pooling) is tuned so that the cosine similarity of each pair
   matches its target (mean squared error), one pass over the pairs, AdamW at `lr` with
   warm-up and linear decay. 32 examples give 1,280 pairs: a couple of minutes on a CPU.
2. **Head.** The tuned encoder embeds every example; a logistic regression (scikit-learn, C=1)
   on those embeddings becomes the model's linear head.

With so little data there is no validation split to spare: every example trains, the temperature
stays 1 unless `validation_data` is given (then it is fitted there and the validation report
is stored), and the stored report otherwise describes the training examples (so says
`validation.split`). The output is an ordinary model folder (encoder layers + head).
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from affectkit.errors import InvalidInputError, require
from affectkit.training.artifacts import TrainResult, save_model_folder
from affectkit.training.backbone import (
    encoder_dir,
    freeze,
    load_encoder,
    load_tokenizer,
    pad_batch,
)
from affectkit.training.calibration import fit_and_measure
from affectkit.training.config import TrainingConfig
from affectkit.training.linear import binary_columns
from affectkit.training.metrics import format_report, report
from affectkit.training.splits import load_splits


def make_pairs(labels: list[str], iterations: int, seed: int) -> list[tuple[int, int, float]]:
    """(i, j, target) pairs: per round, each example with a same-label and an other-label one."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    pairs = []
    for _ in range(iterations):
        for i, lab in enumerate(labels):
            same = [j for j in by_label[lab] if j != i]
            if same:
                pairs.append((i, rng.choice(same), 1.0))
            other = rng.choice([x for x in by_label if x != lab])
            pairs.append((i, rng.choice(by_label[other]), 0.0))
    rng.shuffle(pairs)
    return pairs


def train_fewshot(cfg: TrainingConfig, *, progress: bool, log: Callable[[str], None]):
    """Train and save the few-shot model of `cfg` (see the module docstring)."""
    torch = require("torch", "models")
    require("transformers", "models")
    linear_model = require("sklearn.linear_model", "train")
    if cfg.task != "single":
        raise InvalidInputError("Few-shot training supports single-label tasks (task='single').")
    if cfg.init_from:
        raise InvalidInputError("Few-shot training starts from the backbone; drop init_from.")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.run_seed)
    t_start = time.time()
    out = Path(cfg.output).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    log(f"affectkit train (few-shot): {cfg.name} -> {out}")
    train_ex, val_ex, labels, skipped = _examples(cfg, log)

    enc_dir = encoder_dir(cfg)
    tokenizer = load_tokenizer(enc_dir)
    body = _Body(load_encoder(enc_dir), tokenizer, cfg.max_length)
    frozen = freeze(body.encoder, cfg)
    texts = [e.text for e in train_ex]
    y = np.array([labels.index(e.labels[0]) for e in train_ex])
    n_pairs, steps = _tune_on_pairs(body, body.ids(texts), train_ex, cfg, progress, log)
    x = body.embed(texts)
    head, coef, intercept = _fit_head(linear_model, x, y, len(labels), body.hidden)
    rep, temperature, split = _figures(body, x, y, coef, intercept, val_ex, labels)
    log(f"{split}:\n" + format_report(rep))
    summary = {
        "config": cfg.to_dict(),
        "train_examples": len(train_ex),
        "validation_examples": len(val_ex),
        "left_out": dict(skipped),
        "pairs": n_pairs,
        "steps": steps,
        "seconds": round(time.time() - t_start, 1),
    }
    path = save_model_folder(
        cfg,
        out,
        encoder=body.encoder,
        head=head,
        tokenizer=tokenizer,
        labels=labels,
        rep=rep,
        history=[],
        summary=summary,
        frozen=frozen,
        thresholds=None,
        temperature=temperature,
        split=split,
    )
    log(f"saved {path} in {(time.time() - t_start) / 60:.1f} min")
    return TrainResult(path, rep, [])


def _examples(cfg: TrainingConfig, log):
    """(train, validation, labels, skipped): too few examples to hold any out, so without
    validation_data every example trains; every label needs one."""
    train_ex, val_ex, labels, skipped = load_splits(cfg, log, carve=False)
    counts = {lab: sum(e.labels[0] == lab for e in train_ex) for lab in labels}
    log(f"  {len(train_ex)} examples {counts}")
    missing = [lab for lab, n in counts.items() if n == 0]
    if len(labels) < 2 or missing:
        raise InvalidInputError(
            f"Few-shot training needs examples of two or more labels and of every label it "
            f"learns; the data has {counts}. Add examples of {missing or 'another label'}, or "
            f"leave the missing labels out of `labels`."
        )
    if len(train_ex) > 64 * len(labels):
        log("  (more than 64 per class: ordinary fine-tuning (fewshot = false) is likely better)")
    return train_ex, val_ex, labels, skipped


class _Body:
    """The model body (SetFit's word): the encoder being tuned, mean-pooled over each text's
    tokens."""

    def __init__(self, encoder, tokenizer, max_length: int):
        self.encoder, self.tokenizer, self.max_length = encoder, tokenizer, max_length
        self.pad_id = tokenizer.pad_token_id or 0
        self.hidden = int(encoder.config.hidden_size)

    def ids(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]

    def pool(self, seqs):  # (B, H) mean-pooled
        ids, mask = pad_batch(seqs, self.pad_id)
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)

    def embed(self, texts: list[str]) -> np.ndarray:  # (N, H), length-sorted batches
        import torch

        with torch.no_grad():
            seqs = self.ids(texts)
            order = np.argsort([len(x) for x in seqs], kind="stable")
            vecs = np.zeros((len(seqs), self.hidden), dtype=np.float32)
            for k in range(0, len(order), 64):
                idx = order[k : k + 64]
                vecs[idx] = self.pool([seqs[i] for i in idx]).numpy()
        return vecs


def _tune_on_pairs(body: _Body, enc, train_ex, cfg: TrainingConfig, progress: bool, log):
    """Step 1: tune the encoder so that each pair's cosine similarity matches its target
    (`make_pairs` of the examples `enc` holds the token ids of). Returns (pairs, steps)."""
    import torch

    pairs = make_pairs([e.labels[0] for e in train_ex], cfg.pair_iterations, cfg.run_seed)
    bs = cfg.batch_size
    steps = math.ceil(len(pairs) / bs)
    params = [p for p in body.encoder.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    warm = max(1, int(steps * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / (steps - warm or 1))
    )
    log(f"  {len(pairs):,} contrastive pairs, {steps} steps of {bs}")
    body.encoder.train()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="pairs", unit="step", file=sys.stderr)
    running = None
    for s in range(steps):
        chunk = pairs[s * bs : (s + 1) * bs]
        a = body.pool([enc[i] for i, _, _ in chunk])
        b = body.pool([enc[j] for _, j, _ in chunk])
        target = torch.tensor([t for _, _, t in chunk])
        loss = torch.nn.functional.mse_loss(torch.nn.functional.cosine_similarity(a, b), target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if bar:
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}")
    if bar:
        bar.close()
    body.encoder.eval()
    return len(pairs), steps


def _fit_head(linear_model, x: np.ndarray, y: np.ndarray, n_labels: int, hidden: int):
    """Step 2: (head, coef (L, H), intercept (L,)): a logistic regression (C=1) on the tuned
    embeddings, as the model's linear head."""
    import torch

    from affectkit.text import classifier as tm

    clf = linear_model.LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    coef, intercept = clf.coef_, clf.intercept_
    if n_labels == 2:
        coef, intercept = binary_columns(coef, intercept)
    head = tm.torch_classes().ClassifierHead(hidden, n_labels)
    with torch.no_grad():
        head.out.weight.copy_(torch.from_numpy(coef.astype(np.float32)))
        head.out.bias.copy_(torch.from_numpy(intercept.astype(np.float32)))
    return head, coef, intercept


def _figures(body: _Body, x, y, coef, intercept, val_ex, labels):
    """(report, temperature, split): on `validation_data` when given (the temperature fitted
    there), else on the training examples (temperature 1)."""
    if val_ex:
        xv = body.embed([e.text for e in val_ex])
        yv = np.array([labels.index(e.labels[0]) for e in val_ex])
        logits = xv @ coef.T + intercept
        rep = {**report(yv, logits.argmax(1), labels), **fit_and_measure(logits, yv)}
        return rep, rep["temperature"], "validation (validation_data)"
    rep = report(y, (x @ coef.T + intercept).argmax(1), labels)
    return rep, 1.0, "training examples (few-shot: no validation split)"
