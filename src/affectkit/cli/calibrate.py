"""Fit a trained model's temperature on its own validation split (rebuilt from its recipe).

`affectkit train` already does this at the end of a run; this command calibrates a model folder
trained before that, or again after its data files moved back into place.

With --class-bias, one logit offset per label is fitted beside the temperature. Use it when the
model's class prior is off: trained with inverse-frequency class weights, or on a mix whose label
shares differ from the data it serves (see bench/calibration.py).

A model trained on several files can be calibrated with every file weighing the same
(--method balanced-temperature), and --method auto picks, among the four calibrations, the one
with the lowest mean ECE on a training file left out of its fit: the best guess for data from a
source the model never saw.

Example:
  affectkit calibrate --model models/reviews
  affectkit calibrate --model models/reviews --class-bias
  affectkit calibrate --model src/affectkit/models/text-sentiment-en --method auto
"""

from __future__ import annotations

import argparse

from affectkit.errors import InvalidInputError
from affectkit.text.preprocess import PREPROCESSORS
from affectkit.training.calibration import CALIBRATIONS

HELP = "fit temperature scaling (per-label bias, per-source weights) on a validation split"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="model folder")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--class-bias", action="store_true", help="also fit one logit offset per label")
    p.add_argument(
        "--preprocess",
        choices=["none", *PREPROCESSORS],
        help="set the input transform the model applies at inference, then calibrate with it "
        "(social: blank @mentions and URLs, drop '#', decode HTML entities)",
    )
    p.add_argument(
        "--method",
        choices=["auto", *CALIBRATIONS],
        help="temperature (default), temperature+bias, balanced-* (every training file weighs "
        "the same), or auto: the one with the lowest ECE on a training file it was not fitted on",
    )


def run(args: argparse.Namespace) -> int:
    from affectkit.training.recalibrate import recalibrate

    if args.class_bias and args.method not in (None, "temperature+bias"):
        raise InvalidInputError(f"--class-bias is --method temperature+bias, not {args.method}.")
    recalibrate(
        args.model,
        threads=args.threads,
        class_bias=args.class_bias,
        method=args.method,
        preprocess=args.preprocess,
    )
    return 0
