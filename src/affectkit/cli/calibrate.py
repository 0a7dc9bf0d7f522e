"""Fit a trained model's temperature on its own validation split (rebuilt from its recipe).

`affectkit train` already does this at the end of a run; this command calibrates a model folder
trained before that, or again after its data files moved back into place.

With --class-bias, one logit offset per label is fitted beside the temperature. Use it when the
model's class prior is off: trained with inverse-frequency class weights, or on a mix whose label
shares differ from the data it serves (see bench/calibration_bias.py).

Example:
  affectkit calibrate --model models/reviews
  affectkit calibrate --model models/reviews --class-bias
"""

from __future__ import annotations

import argparse

HELP = "fit temperature scaling (optionally per-label bias) on a model's validation split"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="model folder")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--class-bias", action="store_true", help="also fit one logit offset per label")


def run(args: argparse.Namespace) -> int:
    from affectkit.training.trainer import recalibrate

    recalibrate(args.model, threads=args.threads, class_bias=args.class_bias)
    return 0
