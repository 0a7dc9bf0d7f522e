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
from affectkit.training.config import BACKBONES, TrainingConfig
from affectkit.training.metrics import format_report, report


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
    torch = require("torch", "models")
    transformers = require("transformers", "models")
    linear_model = require("sklearn.linear_model", "train")
    from affectkit.text import model as tm
    from affectkit.training.calibration import fit_and_measure
    from affectkit.training.linear import binary_columns
    from affectkit.training.trainer import TrainResult, _save, freeze, load_splits, pad_batch

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
    # too few examples to hold any out: without validation_data, every example trains
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

    enc_dir = tm.resolve_encoder_source(BACKBONES[cfg.backbone], None)
    with tm._quiet_transformers(transformers):
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(enc_dir))
        encoder = transformers.AutoModel.from_pretrained(str(enc_dir))
    frozen = freeze(encoder, cfg)

    texts = [e.text for e in train_ex]
    y = np.array([labels.index(e.labels[0]) for e in train_ex])
    enc = tokenizer(texts, truncation=True, max_length=cfg.max_length)["input_ids"]
    pad_id = tokenizer.pad_token_id or 0

    def pool(seqs):  # (B, H) mean-pooled
        ids, mask = pad_batch(seqs, pad_id)
        hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)

    # -- 1. contrastive pairs ------------------------------------------------------------------
    pairs = make_pairs([e.labels[0] for e in train_ex], cfg.pair_iterations, cfg.run_seed)
    bs = cfg.batch_size
    steps = math.ceil(len(pairs) / bs)
    params = [p for p in encoder.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    warm = max(1, int(steps * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / (steps - warm or 1))
    )
    log(f"  {len(pairs):,} contrastive pairs, {steps} steps of {bs}")
    encoder.train()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="pairs", unit="step", file=sys.stderr)
    running = None
    for s in range(steps):
        chunk = pairs[s * bs : (s + 1) * bs]
        a = pool([enc[i] for i, _, _ in chunk])
        b = pool([enc[j] for _, j, _ in chunk])
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
    encoder.eval()

    # -- 2. logistic regression head on the tuned embeddings -----------------------------------
    @torch.no_grad()
    def embed(batch_texts):  # (N, H), length-sorted batches
        seqs = tokenizer(batch_texts, truncation=True, max_length=cfg.max_length)["input_ids"]
        order = np.argsort([len(x) for x in seqs], kind="stable")
        vecs = np.zeros((len(seqs), int(encoder.config.hidden_size)), dtype=np.float32)
        for k in range(0, len(order), 64):
            idx = order[k : k + 64]
            vecs[idx] = pool([seqs[i] for i in idx]).numpy()
        return vecs

    x = embed(texts)
    clf = linear_model.LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    coef, intercept = clf.coef_, clf.intercept_
    if len(labels) == 2:
        coef, intercept = binary_columns(coef, intercept)
    head = tm._torch_classes().ClassifierHead(int(encoder.config.hidden_size), len(labels))
    with torch.no_grad():
        head.out.weight.copy_(torch.from_numpy(coef.astype(np.float32)))
        head.out.bias.copy_(torch.from_numpy(intercept.astype(np.float32)))

    temperature = 1.0
    if val_ex:
        xv = embed([e.text for e in val_ex])
        yv = np.array([labels.index(e.labels[0]) for e in val_ex])
        logits = xv @ coef.T + intercept
        rep = {**report(yv, logits.argmax(1), labels), **fit_and_measure(logits, yv)}
        temperature = rep["temperature"]
        split = "validation (validation_data)"
    else:
        rep = report(y, (x @ coef.T + intercept).argmax(1), labels)
        split = "training examples (few-shot: no validation split)"
    log(f"{split}:\n" + format_report(rep))
    summary = {
        "config": cfg.to_dict(),
        "train_examples": len(train_ex),
        "validation_examples": len(val_ex),
        "left_out": dict(skipped),
        "pairs": len(pairs),
        "steps": steps,
        "seconds": round(time.time() - t_start, 1),
    }
    path = _save(
        cfg,
        out,
        encoder=encoder,
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
