"""The pretrained encoder a run tunes: loading it (fresh, or from a trained model with
`init_from`), which of its parameters stay frozen, padding token ids into a batch, and the
optimiser that tunes it.

Shared by the fine-tuning loop and few-shot training. torch and transformers are imported only
when a function here runs.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np

from affectkit.errors import InvalidInputError, require
from affectkit.training.config import BACKBONES as ENCODERS
from affectkit.training.config import TrainingConfig


def encoder_dir(cfg: TrainingConfig) -> Path:
    """The folder holding `cfg.backbone`'s encoder (converted on first use where it must be)."""
    from affectkit.text import classifier as tm

    return tm.resolve_encoder_source(ENCODERS[cfg.backbone], None)


def load_tokenizer(enc_dir: Path):
    transformers = require("transformers", "models")
    from affectkit.text import classifier as tm

    with tm.quiet_transformers(transformers):
        return transformers.AutoTokenizer.from_pretrained(str(enc_dir))


def load_encoder(enc_dir: Path):
    """The pretrained encoder as shipped (no head)."""
    transformers = require("transformers", "models")
    from affectkit.text import classifier as tm

    with tm.quiet_transformers(transformers):
        return transformers.AutoModel.from_pretrained(str(enc_dir))


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


def init_from(cfg: TrainingConfig, labels: list[str], log):
    """(encoder, head or None) of an existing model to continue training from.

    The head is kept when the label list is the same (continued training on new data); other
    labels get a fresh head on the trained encoder (transfer to a new label set).
    """
    from affectkit import registry
    from affectkit.text.classifier import TextModelAnalyzer

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


def optimizer(cfg: TrainingConfig, encoder, heads: list, n_batches: int):
    """AdamW over the encoder's trainable parameters and `heads` (no weight decay on biases
    and norms; the heads at `head_lr`) and its schedule: linear warm-up over `warmup_ratio` of
    the steps, then linear decay to 0."""
    import torch

    no_decay = ("bias", "LayerNorm.weight", "norm.weight")
    enc_params = [(n_, p) for n_, p in encoder.named_parameters() if p.requires_grad]
    head_params = [p for head in heads for p in head.parameters()]
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
    opt = torch.optim.AdamW([g for g in groups if g["params"]])
    total_steps = math.ceil(n_batches / cfg.grad_accum) * cfg.epochs
    warmup = int(total_steps * cfg.warmup_ratio)

    def lr_lambda(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
