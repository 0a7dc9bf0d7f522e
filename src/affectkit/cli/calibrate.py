"""Fit a trained model's temperature on its own validation split (rebuilt from its recipe).

`affectkit train` already does this at the end of a run; this command calibrates a model folder
trained before that, or again after its data files moved back into place.

Example:
  affectkit calibrate --model models/reviews
"""

from __future__ import annotations

import argparse

HELP = "fit temperature scaling on a model's validation split"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="model folder")
    p.add_argument("--threads", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    from affectkit.training.trainer import recalibrate

    recalibrate(args.model, threads=args.threads)
    return 0
